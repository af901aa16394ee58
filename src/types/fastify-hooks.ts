// Fastify's hook handler type names (onRequestHookHandler, preHandlerAsyncHookHandler, …) over
// Weft's hook signatures, with Fastify's type parameters, for code and plugin `.d.ts` files that name them.
import type { FastifyContextConfig, RouteOptionsView, WeftInstance, WeftReply, WeftRequest } from './api.js'
import type { AppHookHandlers, HookHandlers } from './hooks.js'
import type { RouteGenericInterface } from './route-generic.js'

type Req<G> = WeftRequest<G & RouteGenericInterface>
type Rep<G> = WeftReply<G & RouteGenericInterface>
type Handlers<G, P = unknown> = HookHandlers<WeftInstance, Req<G>, Rep<G>, P>
type App = AppHookHandlers<WeftInstance, RouteOptionsView>
// (the leading underscore parameters are Fastify's, accepted and unused)

export type onRequestHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onRequest'][1]
export type onRequestAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onRequest'][0]
export type preParsingHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['preParsing'][1]
export type preParsingAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['preParsing'][0]
export type preValidationHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['preValidation'][1]
export type preValidationAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['preValidation'][0]
export type preHandlerHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['preHandler'][1]
export type preHandlerAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['preHandler'][0]
export type preSerializationHookHandler<Payload = unknown, _RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric, Payload>['preSerialization'][1]
export type preSerializationAsyncHookHandler<Payload = unknown, _RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric, Payload>['preSerialization'][0]
export type onSendHookHandler<Payload = unknown, _RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric, Payload>['onSend'][1]
export type onSendAsyncHookHandler<Payload = unknown, _RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric, Payload>['onSend'][0]
export type onResponseHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onResponse'][1]
export type onResponseAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onResponse'][0]
export type onTimeoutHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onTimeout'][1]
export type onTimeoutAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onTimeout'][0]
export type onErrorHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onError'][1]
export type onErrorAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onError'][0]
export type onRequestAbortHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onRequestAbort'][1]
export type onRequestAbortAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, RouteGeneric = RouteGenericInterface, _ContextConfig = FastifyContextConfig, _SchemaCompiler = unknown, _TypeProvider = unknown, _Logger = unknown> = Handlers<RouteGeneric>['onRequestAbort'][0]
export type onReadyHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onReady'][1]
export type onReadyAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onReady'][0]
export type onListenHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onListen'][1]
export type onListenAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onListen'][0]
export type preCloseHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['preClose'][1]
export type preCloseAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['preClose'][0]
export type onCloseHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onClose'][1]
export type onCloseAsyncHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onClose'][0]
export type onRouteHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onRoute'][1]
export type onRegisterHookHandler<_RawServer = unknown, _RawRequest = unknown, _RawReply = unknown, _Logger = unknown, _TypeProvider = unknown> = App['onRegister'][1]
