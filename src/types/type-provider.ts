// Fastify's type providers: a provider maps a route's schema to the types its request parts and
// replies get; an instance carries the one withTypeProvider() set (or its TypeProvider parameter).

/** Fastify's shape: `validator` / `serializer` read the schema through `this['schema']`. */
export interface FastifyTypeProvider {
  readonly schema: unknown
  readonly validator: unknown
  readonly serializer: unknown
}

/** No provider: Weft infers from the schema itself (JSON Schema literals, TypeBox's `static`). */
export interface FastifyTypeProviderDefault extends FastifyTypeProvider {}

export type CallValidatorTypeProvider<F extends FastifyTypeProvider, S> = (F & { schema: S })['validator']
export type CallSerializerTypeProvider<F extends FastifyTypeProvider, S> = (F & { schema: S })['serializer']

/** The phantom member an instance type carries its provider in (withTypeProvider() replaces it). */
export interface HasTypeProvider<P> {
  /** Types only: the instance's type provider. Never set at run time. */
  readonly '~typeProvider'?: P
}

export type ProviderOf<I> = I extends { readonly '~typeProvider'?: infer P extends FastifyTypeProvider } ? P : FastifyTypeProviderDefault
