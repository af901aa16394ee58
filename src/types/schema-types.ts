// The types a route's schemas give its request parts and replies: a JSON Schema (`as const` or
// inline) through json-schema-to-ts's FromSchema, a TypeBox schema through its `static` marker.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts'
import type { CallSerializerTypeProvider, FastifyTypeProvider, FastifyTypeProviderDefault } from './type-provider.js'

/** A route's `schema` option (Fastify's FastifySchema): `query` is an alias of `querystring`. */
export interface FastifySchema {
  body?: unknown
  querystring?: unknown
  query?: unknown
  params?: unknown
  headers?: unknown
  response?: unknown
  [keyword: string]: unknown
}

/** The type a schema describes once Ajv validated (and coerced, defaulted) the value; unknown when it is not readable as a literal. */
export type FromAnySchema<S> =
  unknown extends S ? unknown
    : S extends { static: infer T } ? T // TypeBox: Static<S>
      : S extends JSONSchema ? (boolean extends S ? unknown : FromSchema<S>) : unknown

/** Header names arrive lowercased: a schema's `X-Count` is `request.headers['x-count']`. */
export type LowercaseKeys<T> = T extends object ? { [K in keyof T as K extends string ? Lowercase<K> : K]: T[K] } : T

/** A response entry, plain or Fastify's `{ content: { 'application/json': { schema } } }` form (JSON first, as the serializer picks). */
type ResponseEntrySchema<E> = E extends { content: infer C }
  ? C extends { 'application/json': { schema: infer J } } ? J : C extends { '*/*': { schema: infer A } } ? A : C[keyof C] extends { schema: infer F } ? F : unknown
  : E

/**
 * A reply payload type from a schema, for an open object (json-schema-to-ts's `[x: string]: unknown`):
 * its declared properties, or the open object. The first takes an interface (which has no index
 * signature), the second a literal with other fields (which fast-json-stringify leaves out). At every
 * depth; a typed index signature (`additionalProperties: schema`) stays as it is.
 */
export type Sent<T> = T extends readonly unknown[] ? { [I in keyof T]: Sent<T[I]> }
  : T extends object ? (string extends keyof T ? (unknown extends T[string & keyof T] ? Declared<T> | T : T) : Declared<T>)
    : T
type Declared<T> = { [K in keyof T as string extends K ? never : K]: Sent<T[K]> }

/** A reply's type from its schema: the type provider's when it gives one, else Weft's inference. */
type Serialized<Provider extends FastifyTypeProvider, S> = unknown extends CallSerializerTypeProvider<Provider, S> ? Sent<FromAnySchema<S>> : CallSerializerTypeProvider<Provider, S>

/** `{ 201: schema, '4xx': schema }` → `{ 201: T, '4xx': U }`; keys as the runtime reads them (lowercase `4XX` too). */
export type ReplyMapFromSchema<R, Provider extends FastifyTypeProvider = FastifyTypeProviderDefault> = unknown extends R ? never
  : R extends object ? { [K in keyof R as K extends string ? Lowercase<K> : K]: Serialized<Provider, ResponseEntrySchema<R[K]>> } : never
