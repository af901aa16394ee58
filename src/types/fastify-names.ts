// The rest of the type names the `fastify` package exports, each over the Weft type that does the
// job (errors, schema compilers, options, parsers), so code and `.d.ts` files naming them compile.
import type { IncomingMessage, Server, ServerResponse, ServerOptions as HttpServerOptions } from 'node:http'
import type { SecureServerOptions } from 'node:http2'
import type { ServerOptions as HttpsServerOptions } from 'node:https'
import type { Readable } from 'node:stream'
import type { CallbackFunc, Chain, InjectOptions as LightMyRequestInjectOptions, Response } from 'light-my-request'
import type { LogFn, Logger } from '../app/logger.js'
import type { ErrorCodes, WeftError } from '../errors.js'
import type { BodyParserDone, PoisoningAction } from '../http/content-type-parser.js'
import type { WeftOptions } from '../http/http-app.js'
import type { ListenOptions } from '../http/listen.js'
import type { RouterOptions } from '../http/router.js'
import type {
  ContextConfigDefault, FastifyBaseLogger, FastifyContextConfig, FastifyTypeProvider, FastifyTypeProviderDefault, PluginOptionsArg,
  RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerBase, RawServerDefault, RouteHandlerMethod, RouteShorthandOptions,
  WeftInstance, WeftRequest
} from './api.js'
import type { HookDone, PayloadDone } from './hooks.js'
import type { FastifySchemaValidationError, SchemaErrorDataVar } from './schema-compilers.js'
import type { RouteGenericInterface } from './route-generic.js'
import type { FastifySchema } from './schema-types.js'

// errors

/** An error Weft creates (`createError`, `errorCodes`), with what a validation failure adds. */
export interface FastifyError extends WeftError {
  name: string
  validation?: FastifySchemaValidationError[]
  validationContext?: SchemaErrorDataVar
}

/** `fastify.errorCodes`: every FST_ERR_* constructor. */
export type FastifyErrorCodes = ErrorCodes

/** What a `clientErrorHandler` receives: Node's 'clientError' error (the parser's, with what it had read). */
export interface ConnectionError extends NodeJS.ErrnoException {
  code: string
  bytesParsed?: number
  rawPacket?: Buffer
}

/** A promise-like value typed so linters do not flag it as a floating promise (Fastify's brand). */
export type SafePromiseLike<T> = PromiseLike<T> & { __linterBrands: 'SafePromiseLike' }

// request and route generics

export type RequestBodyDefault = unknown
export type RequestQuerystringDefault = unknown
export type RequestParamsDefault = unknown
export type RequestHeadersDefault = unknown

/** The request half of RouteGenericInterface. */
export interface RequestGenericInterface {
  Body?: RequestBodyDefault
  Querystring?: RequestQuerystringDefault
  Params?: RequestParamsDefault
  Headers?: RequestHeadersDefault
}

/** Route options whose handler is given in them. */
export interface RouteShorthandOptionsWithHandler<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  ContextConfig = ContextConfigDefault,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  Logger extends FastifyBaseLogger = FastifyBaseLogger
> extends RouteShorthandOptions<RawServer, RawRequest, RawReply, RouteGeneric, ContextConfig, SchemaCompiler, TypeProvider, Logger> {
  handler: RouteHandlerMethod<WeftInstance, RouteGeneric>
}

/** @deprecated as on Fastify: read `request.routeOptions.config`. */
export interface FastifyRequestContext<ContextConfig = ContextConfigDefault> {
  config: FastifyContextConfig & ContextConfig
}
/** @deprecated as on Fastify: read `reply.routeOptions.config`. */
export interface FastifyReplyContext<ContextConfig = ContextConfigDefault> {
  config: FastifyContextConfig & ContextConfig
}

// hooks

export type HookHandlerDoneFunction = HookDone
/** The request body stream preParsing hooks receive and may replace. */
export interface RequestPayload extends Readable {
  receivedEncodedLength?: number
}
/** preParsing's `done`: an error, or the stream to read the body from instead. */
export type DoneFuncWithErrOrRes = PayloadDone<RequestPayload | NodeJS.ReadableStream>

// plugins

export type FastifyRegister<_T = void, _RawServer extends RawServerBase = RawServerDefault> = WeftInstance['register']
export type FastifyRegisterOptions<Options> = PluginOptionsArg<Options, string, WeftInstance>

// body parsers

export type ProtoAction = PoisoningAction
export type ConstructorAction = PoisoningAction
export type AddContentTypeParser = WeftInstance['addContentTypeParser']
export type hasContentTypeParser = WeftInstance['hasContentTypeParser']
export type getDefaultJsonParser = WeftInstance['getDefaultJsonParser']

/** A parser registered with `parseAs: 'string' | 'buffer'`: gets the whole body read. */
export type FastifyBodyParser<
  RawBody extends string | Buffer,
  _RawServer extends RawServerBase = RawServerDefault,
  _RawRequest extends RawRequestDefaultExpression<_RawServer> = RawRequestDefaultExpression<_RawServer>,
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface
> =
  | ((request: WeftRequest<RouteGeneric>, rawBody: RawBody, done: BodyParserDone) => void)
  | ((request: WeftRequest<RouteGeneric>, rawBody: RawBody) => Promise<unknown>)

/** A parser that reads the body stream itself. */
export type FastifyContentTypeParser<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface
> =
  | ((request: WeftRequest<RouteGeneric>, payload: RawRequest) => Promise<unknown>)
  | ((request: WeftRequest<RouteGeneric>, payload: RawRequest, done: BodyParserDone) => void)

// options

/** weft()'s options (Fastify's names for the server and logger parameters are accepted and unused). */
export type FastifyServerOptions<_RawServer extends RawServerBase = RawServerDefault, _Logger = FastifyBaseLogger> = WeftOptions
export type FastifyHttpOptions<RawServer extends Server = Server, Logger = FastifyBaseLogger> =
  FastifyServerOptions<RawServer, Logger> & { http?: HttpServerOptions | null }
export type FastifyHttpsOptions<RawServer extends RawServerBase = RawServerDefault, Logger = FastifyBaseLogger> =
  FastifyServerOptions<RawServer, Logger> & { https: HttpsServerOptions | null }
export type FastifyHttp2Options<RawServer extends RawServerBase = RawServerDefault, Logger = FastifyBaseLogger> =
  FastifyServerOptions<RawServer, Logger> & { http2: true, http2SessionTimeout?: number }
export type FastifyHttp2SecureOptions<RawServer extends RawServerBase = RawServerDefault, Logger = FastifyBaseLogger> =
  FastifyServerOptions<RawServer, Logger> & { http2: true, https: SecureServerOptions | null, http2SessionTimeout?: number }
export type FastifyListenOptions = ListenOptions
export type FastifyRouterOptions<_RawServer extends RawServerBase = RawServerDefault> = RouterOptions

/** The raw request handler a `serverFactory` attaches to the server it makes. */
export type FastifyServerFactoryHandler = (request: IncomingMessage, response: ServerResponse) => void
export interface FastifyServerFactory<RawServer extends RawServerBase = RawServerDefault> {
  (handler: FastifyServerFactoryHandler, opts: WeftOptions): RawServer
}

/** printRoutes()'s options. */
export interface PrintRoutesOptions {
  method?: string
  includeMeta?: boolean | Array<string | symbol>
  commonPrefix?: boolean
  includeHooks?: boolean
}

// logging

export type FastifyLogFn = LogFn
/** @deprecated as on Fastify: FastifyBaseLogger. */
export type FastifyLoggerInstance = Logger
/** The `logger` option as an object: pino's options (level, serializers, file, stream, …). */
export type FastifyLoggerOptions = Exclude<WeftOptions['logger'], boolean | undefined | Logger>

// inject()

export type InjectOptions = LightMyRequestInjectOptions
export type LightMyRequestChain = Chain
export type LightMyRequestResponse = Response
export type LightMyRequestCallback = CallbackFunc
