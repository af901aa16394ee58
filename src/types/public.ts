// Everything the weft package exports as types, under Weft's names and Fastify's (so code and
// plugin `.d.ts` files written for Fastify's types compile against Weft's).
export type * from './api.js'
export type { HookDone, PayloadDone, HookHandlers, AppHookHandlers, RequestHookName, AppHookName, WeftHookError } from './hooks.js'
export type { PathParams } from './path-params.js'
export type {
  RouteGenericInterface, ResolveRoute, ReplyFor, ReplyUnion, QuerystringDefault, BodyOf, QueryOf, ParamsOf, HeadersOf
} from './route-generic.js'
export type { FastifySchema, FastifySchema as WeftSchema, FromAnySchema } from './schema-types.js'
export type { GetterSetter, ScopeTypes } from './scope.js'
export type * from './fastify-hooks.js'
export type { RouteHandlerMethod as RouteHandler } from './api.js'
export type * from './fastify-names.js'
export type { CallValidatorTypeProvider, CallSerializerTypeProvider } from './type-provider.js'
export type * from './schema-compilers.js'
