// What a route declares about its request parts and replies (Fastify's RouteGenericInterface),
// and how a route's explicit generic, its schemas and its path resolve into it.
import type { IncomingHttpHeaders } from 'node:http'
import type { FromAnySchema, LowercaseKeys, ReplyMapFromSchema } from './schema-types.js'
import type { PathParams } from './path-params.js'
import type { CallValidatorTypeProvider, FastifyTypeProvider, FastifyTypeProviderDefault } from './type-provider.js'

export interface RouteGenericInterface {
  Body?: unknown
  Querystring?: unknown
  Params?: unknown
  Headers?: unknown
  Reply?: unknown
}

/** The query string when no schema or generic says more: fast-querystring's values. */
export type QuerystringDefault = Record<string, string | string[] | undefined>

type Given<G, K extends string> = G extends { [P in K]: infer T } ? [T] : []

/** The request headers: Node's, with what the schema / generic declares taking precedence. */
export type MergeHeaders<H> = unknown extends H ? IncomingHttpHeaders
  : { [K in keyof IncomingHttpHeaders as K extends keyof H ? never : K]: IncomingHttpHeaders[K] } & H

export type BodyOf<G> = Given<G, 'Body'> extends [infer T] ? T : unknown
export type QueryOf<G> = Given<G, 'Querystring'> extends [infer T] ? T : QuerystringDefault
export type ParamsOf<G> = Given<G, 'Params'> extends [infer T] ? T : Record<string, string | undefined>
export type HeadersOf<G> = MergeHeaders<Given<G, 'Headers'> extends [infer T] ? T : unknown>

/** Status-code keys of a reply map: 200, '200', '2xx', 'default'. */
export type StatusKey = number | `${number}` | `${1 | 2 | 3 | 4 | 5}xx` | 'default'

/** `Reply: { 200: A, 404: B }` is per status code; any other `Reply` type is for every status. */
export type ReplyMapOf<G> = Given<G, 'Reply'> extends [infer R]
  ? (R extends object ? (keyof R extends never ? { default: R } : [Exclude<keyof R, StatusKey>] extends [never] ? R : { default: R }) : { default: R })
  : never

/** Any payload the route may send with some status: the union of its reply map, or unknown without one. */
export type ReplyUnion<G> = [ReplyMapOf<G>] extends [never] ? unknown : ReplyMapOf<G>[keyof ReplyMapOf<G>]

type StatusClass<C extends number> = `${C}` extends `${infer D}${string}` ? `${D}xx` : never

/** The payload for status C: exact code, then its class ('2xx'), then 'default'; unknown for a code the map does not name. */
export type ReplyFor<G, C extends number> = [ReplyMapOf<G>] extends [never] ? unknown
  : number extends C ? unknown
    : ReplyMapOf<G> extends infer M
      ? C extends keyof M ? M[C]
        : `${C}` extends keyof M ? M[`${C}` & keyof M]
          : StatusClass<C> extends keyof M ? M[StatusClass<C> & keyof M]
            : 'default' extends keyof M ? M['default' & keyof M] : unknown
      : unknown

/** Drops the `[x: string]: unknown` json-schema-to-ts adds for open objects: params are exactly the
 *  pattern's, and the other headers keep Node's types. */
type KnownKeys<T> = T extends object ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] } : T

type Pick1<S, K extends string> = S extends { [P in K]: infer T } ? [T] : []

/** A request part's type from its schema: the type provider's when it gives one, else Weft's inference (`Own`). */
type Validated<Provider extends FastifyTypeProvider, S, Own> = unknown extends CallValidatorTypeProvider<Provider, S> ? Own : CallValidatorTypeProvider<Provider, S>

/**
 * A route's types: an explicit generic wins, then the schema (the type Ajv leaves after validation
 * and coercion), then the path for params (plus the params of the scope's prefix). A schema is read
 * by the instance's type provider when it has one (withTypeProvider()).
 */
export interface ResolveRoute<G, S, Path extends string, PrefixParams, Provider extends FastifyTypeProvider = FastifyTypeProviderDefault> {
  Body: Given<G, 'Body'> extends [infer T] ? T : Pick1<S, 'body'> extends [infer B] ? Validated<Provider, B, FromAnySchema<B>> : unknown
  Querystring: Given<G, 'Querystring'> extends [infer T] ? T
    : Pick1<S, 'querystring'> extends [infer Q] ? Validated<Provider, Q, FromAnySchema<Q>>
      : Pick1<S, 'query'> extends [infer Q] ? Validated<Provider, Q, FromAnySchema<Q>> : QuerystringDefault
  Params: Given<G, 'Params'> extends [infer T] ? T
    : Pick1<S, 'params'> extends [infer P] ? Validated<Provider, P, KnownKeys<FromAnySchema<P>>> : PrefixParams & PathParams<Path>
  Headers: Given<G, 'Headers'> extends [infer T] ? T
    : Pick1<S, 'headers'> extends [infer H] ? LowercaseKeys<Validated<Provider, H, KnownKeys<FromAnySchema<H>>>> : unknown
  Reply: Given<G, 'Reply'> extends [infer T] ? T : Pick1<S, 'response'> extends [infer R] ? ReplyMapFromSchema<R, Provider> : unknown
}
