// The public instance, request and reply interfaces and the route and plugin types built on
// them: one module because each names the others (request.server, reply.request, handlers).
// Fastify's names hold the members, so `declare module 'fastify'` augmentations of plugins
// land here when `fastify` maps to weft; the Weft names extend them, so augmenting either works.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Chain as InjectChain, InjectOptions, Response as InjectResponse } from 'light-my-request'
import type { Logger } from '../app/logger.js'
import type { StartupView } from '../app/startup-timeline.js'
import type { codes } from '../errors.js'
import type { AddContentTypeParserOptions, ContentTypeParserFunction, PoisoningAction } from '../http/content-type-parser.js'
import type { WeftOptions } from '../http/http-app.js'
import type { ListenOptions } from '../http/listen.js'
import type { FoundRoute } from '../http/router.js'
import type { Headers as ReplyHeaders } from '../http/reply.js'
import type { Request as RequestClass } from '../http/request.js'
import type { CompilersFactory, SchemaErrorFormatter, SerializerCompiler, ValidatorCompiler } from '../http/schema-store.js'
import type { AppHookHandlers, AppHookName, HookHandlers, RequestHookName, RouteHookOption, WeftHookError } from './hooks.js'
import type { BodyOf, HeadersOf, ParamsOf, QueryOf, ReplyFor, ReplyUnion, ResolveRoute, RouteGenericInterface } from './route-generic.js'
import type { PathParams } from './path-params.js'
import type { FastifySchema } from './schema-types.js'
import type { FastifySchemaCompiler, FastifySerializerCompiler } from './schema-compilers.js'
import type { FastifyTypeProvider, FastifyTypeProviderDefault, HasTypeProvider, ProviderOf } from './type-provider.js'
import type {
  DecoratorType, GetterSetter, HasScopeTypes, ScopeOf, ScopePrefixParams, ScopeTypes, ScopeReply, ScopeRequest, WithDecorator, WithPrefixParams,
  WithReplyDecorator, WithRequestDecorator
} from './scope.js'

export type RawServerBase = Server | HttpsServer | Http2Server | Http2SecureServer
export type RawServerDefault = Server
/** The raw request of a server: node:http's IncomingMessage, or node:http2's compatibility request. */
export type RawRequestDefaultExpression<RawServer extends RawServerBase = RawServerDefault> =
  RawServer extends Server | HttpsServer ? IncomingMessage : Http2ServerRequest
export type RawReplyDefaultExpression<RawServer extends RawServerBase = RawServerDefault> =
  RawServer extends Server | HttpsServer ? ServerResponse : Http2ServerResponse
export type FastifyBaseLogger = Logger
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
/** Route `config`: plugins add their keys by declaration merging (rate-limit's `rateLimit`). */
export interface FastifyContextConfig {}
export type ContextConfigDefault = unknown
export type FastifyPluginOptions = Record<string, any>


type MaybePromise<T> = T | Promise<T>

/** Anything a handler may return instead of a payload: the reply itself (sent, or to be sent). */
export interface ReplyLike { readonly sent: boolean, hijack (): unknown }

/** What a handler may return: a payload the route can send, the reply, or nothing. */
export type RouteReturn<R> = MaybePromise<ReplyUnion<R> | ReplyLike | void>

/** The request a handler of instance I sees for route types R. */
export type ScopedRequest<I, R = RouteGenericInterface> = WeftRequest<R & RouteGenericInterface> & ScopeRequest<I>
/** The reply a handler of instance I sees for route types R. */
export type ScopedReply<I, R = RouteGenericInterface> = DecoratedReply<R & RouteGenericInterface, ScopeReply<I>> & ScopeReply<I>

export type RouteHandlerMethod<I = WeftInstance, R = RouteGenericInterface> =
  (this: I, request: ScopedRequest<I, R>, reply: ScopedReply<I, R>) => RouteReturn<R>

/** What `request.routeOptions` / the onRoute hook show of a route. */
export interface RouteOptionsView {
  method: string | string[]
  url: string
  path?: string
  routePath?: string
  prefix?: string
  schema?: FastifySchema
  config?: unknown
  handler?: Function
  [option: string]: unknown
}

type RouteHooks<I, Req, Rep, P> = { [K in RequestHookName]?: RouteHookOption<HookHandlers<I, Req, Rep, P>[K]> }

/**
 * A route's options besides method, url and handler. The leading type parameters mirror Fastify's
 * (plugins augment this interface); `SchemaCompiler` is the route's schema, `RouteGeneric` what it resolves to.
 */
export interface RouteShorthandOptions<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  ContextConfig = ContextConfigDefault,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  Instance = WeftInstance
> extends RouteHooks<Instance, ScopedRequest<Instance, RouteGeneric>, ScopedReply<Instance, RouteGeneric>, ReplyUnion<RouteGeneric>> {
  schema?: SchemaCompiler
  config?: ContextConfig & FastifyContextConfig
  attachValidation?: boolean
  exposeHeadRoute?: boolean
  bodyLimit?: number
  handlerTimeout?: number
  logLevel?: LogLevel | string
  constraints?: Record<string, unknown>
  prefixTrailingSlash?: 'slash' | 'no-slash' | 'both'
  errorHandler?: (this: Instance, error: WeftHookError, request: ScopedRequest<Instance, RouteGeneric>, reply: ScopedReply<Instance, RouteGeneric>) => unknown
  schemaErrorFormatter?: SchemaErrorFormatter
  validatorCompiler?: ValidatorCompiler
  serializerCompiler?: SerializerCompiler
  handler?: RouteHandlerMethod<Instance, RouteGeneric>
  /** Types only: never read; keeps the Fastify-shaped parameters in use. */
  readonly '~types'?: { rawServer: RawServer, rawRequest: RawRequest, rawReply: RawReply, typeProvider: TypeProvider, logger: Logger }
}

export type HTTPMethods = 'DELETE' | 'GET' | 'HEAD' | 'PATCH' | 'POST' | 'PUT' | 'OPTIONS' | 'QUERY' | 'SEARCH' | 'TRACE' | 'PROPFIND' |
  'PROPPATCH' | 'MKCOL' | 'COPY' | 'MOVE' | 'LOCK' | 'UNLOCK'

/** app.route()'s options: the shorthand options plus method, url and handler. */
export interface RouteOptions<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  ContextConfig = ContextConfigDefault,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  Instance = WeftInstance
> extends RouteShorthandOptions<RawServer, RawRequest, RawReply, RouteGeneric, ContextConfig, SchemaCompiler, TypeProvider, Logger, Instance> {
  method: HTTPMethods | Lowercase<HTTPMethods> | Array<HTTPMethods | Lowercase<HTTPMethods>> | string | string[]
  url: string
  handler: RouteHandlerMethod<Instance, RouteGeneric>
}

type Resolved<I, G, S, Path extends string> = ResolveRoute<G, S, Path, ScopePrefixParams<I>, ProviderOf<I>>
type ShorthandOptionsFor<I, R extends RouteGenericInterface, ContextConfig, S extends FastifySchema> =
  RouteShorthandOptions<RawServerDefault, IncomingMessage, ServerResponse, R, ContextConfig, S, FastifyTypeProviderDefault, FastifyBaseLogger, I>

/**
 * get(), post(), …: `(path, handler)`, `(path, options, handler)` or `(path, options with handler)`.
 * One signature rather than three overloads: TypeScript then infers the schema's types once per route
 * (overloads are each tried twice), which keeps a project of hundreds of routes quick to check.
 */
export interface RouteShorthandMethod<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  I = WeftInstance<RawServer, RawRequest, RawReply, Logger, TypeProvider>
> {
  <RouteGeneric extends RouteGenericInterface = {}, ContextConfig = ContextConfigDefault, const S extends FastifySchema = {}, const Path extends string = string>(
    path: Path,
    opts: ShorthandOptionsFor<I, Resolved<I, RouteGeneric, S, Path>, ContextConfig, S> | RouteHandlerMethod<I, Resolved<I, RouteGeneric, S, Path>>,
    handler?: RouteHandlerMethod<I, Resolved<I, RouteGeneric, S, Path>>): I
}

/** A plugin in callback style: calls `done` once loaded. */
export type WeftPluginCallback<Options extends FastifyPluginOptions = Record<never, never>, Instance = WeftInstance> =
  (instance: Instance, opts: Options, done: (err?: Error) => void) => void
/** A plugin in async style. */
export type WeftPluginAsync<Options extends FastifyPluginOptions = Record<never, never>, Instance = WeftInstance> =
  (instance: Instance, opts: Options) => Promise<void>
export type WeftPlugin<Options extends FastifyPluginOptions = Record<never, never>, Instance = WeftInstance> =
  WeftPluginCallback<Options, Instance> | WeftPluginAsync<Options, Instance>

export type FastifyPluginCallback<Options extends FastifyPluginOptions = Record<never, never>, Server extends RawServerBase = RawServerDefault,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault, Logger extends FastifyBaseLogger = FastifyBaseLogger> =
  WeftPluginCallback<Options, WeftInstance<Server, RawRequestDefaultExpression<Server>, RawReplyDefaultExpression<Server>, Logger, TypeProvider>>
export type FastifyPluginAsync<Options extends FastifyPluginOptions = Record<never, never>, Server extends RawServerBase = RawServerDefault,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault, Logger extends FastifyBaseLogger = FastifyBaseLogger> =
  WeftPluginAsync<Options, WeftInstance<Server, RawRequestDefaultExpression<Server>, RawReplyDefaultExpression<Server>, Logger, TypeProvider>>
export type FastifyPlugin<Options extends FastifyPluginOptions = Record<never, never>> = FastifyPluginCallback<Options> | FastifyPluginAsync<Options>

/** A module object whose default export is the plugin (`await import('./plugin.js')`). */
export interface PluginModule<Options extends FastifyPluginOptions, Instance> { default: PluginFunction<Options, Instance> }

/** What register() takes as a plugin: either style in one signature (an async plugin leaves `done` out), so inline plugins are typed from context. */
export type PluginFunction<Options extends FastifyPluginOptions, Instance> =
  (instance: Instance, opts: Options, done: (err?: Error) => void) => void | Promise<unknown>

/** Options register() reads itself, next to the plugin's own. */
export interface RegisterOptions<Prefix extends string = string> {
  prefix?: Prefix
  logLevel?: LogLevel | string
  logSerializers?: Record<string, (value: any) => unknown>
}

/** T, without being a place T is inferred from (NoInfer<T> breaks on a union with a callable member, as cors' options). */
type NotInferred<T> = [T][T extends unknown ? 0 : never]

/** register()'s second argument: the plugin's options (with register's own), or a function of the plugin's instance giving them. */
export type PluginOptionsArg<Options, Prefix extends string, I> =
  | (Options & RegisterOptions<Prefix>)
  | ((instance: I) => Options & RegisterOptions<Prefix>)

/** The scope a plugin runs in: its parent's types, plus the params its prefix declares. */
export type ChildInstance<I, Prefix extends string> = WithPrefixParams<I, PathParams<Prefix>>

/** Node-style callback of listen(). */
export type ListenCallback = (err: Error | null, address: string) => void

/**
 * The application / plugin instance. Its five type parameters are Fastify's (rate-limit augments
 * this interface with them); the scope's own additions travel on the `this` type (see scope.ts).
 */
export interface FastifyInstance<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault
> extends HasScopeTypes, HasTypeProvider<TypeProvider> {
  readonly server: RawServer
  readonly log: Logger
  /** The Fastify API version Weft implements (plugin-meta `fastify` ranges are checked against it); Weft's own is the `weftVersion` export. */
  readonly version: string
  readonly errorCodes: typeof codes
  readonly pluginTimeout: number
  readonly prefix: string
  readonly pluginName: string
  readonly initialConfig: Readonly<WeftOptions>
  /** The raw request handler, for custom servers. */
  readonly routing: (req: RawRequest, res: RawReply) => void
  readonly errorHandler: (error: any, request: WeftRequest, reply: WeftReply) => unknown
  readonly validatorCompiler: ValidatorCompiler | undefined
  readonly serializerCompiler: SerializerCompiler | undefined

  // plugins
  register<Options extends FastifyPluginOptions = Record<never, never>, const Prefix extends string = ''>(
    plugin: PluginFunction<Options, ChildInstance<this, Prefix>> | PluginModule<Options, ChildInstance<this, Prefix>>,
    opts?: PluginOptionsArg<NotInferred<Options>, Prefix, ChildInstance<this, Prefix>>): this
  register<Options extends FastifyPluginOptions = Record<never, never>, const Prefix extends string = ''>(
    plugin: Promise<PluginModule<Options, ChildInstance<this, Prefix>>>,
    opts?: PluginOptionsArg<NotInferred<Options>, Prefix, ChildInstance<this, Prefix>>): this
  /** A plugin typed against another framework's instance type (Fastify's own `.d.ts`): its options are still checked. */
  register<Options extends FastifyPluginOptions = Record<never, never>>(
    plugin: ((instance: never, opts: Options, done: (err?: Error) => void) => void) | ((instance: never, opts: Options) => Promise<void>),
    opts?: PluginOptionsArg<NotInferred<Options>, string, this>): this
  /** `after(fn)` runs fn once the plugins registered so far have loaded; `after()` is a promise of that. */
  after(): Promise<void>
  after(fn: (err: Error | null, done: (err?: Error | null) => void) => unknown): this
  /** Boots the app (plugins, then onReady); a plugin's instance: resolves once the plugins have loaded. */
  ready(): Promise<this>
  ready(cb: (err: Error | null) => void): void
  hasPlugin(name: string): boolean
  printPlugins(): string
  startupTimeline(): StartupView
  close(): Promise<void>
  close(cb: (err?: Error | null) => void): void
  onClose(hook: AppHookHandlers<this, RouteOptionsView>['onClose'][1]): this

  // decorators
  decorate<const K extends string | symbol, A extends unknown[], R>(name: K, value: (this: this, ...args: A) => R, dependencies?: string[]): WithDecorator<this, K, (...args: A) => R>
  decorate<const K extends string | symbol, T>(name: K, value: GetterSetter<this, T>, dependencies?: string[]): WithDecorator<this, K, T>
  decorate<const K extends string | symbol, T>(name: K, value: T, dependencies?: string[]): WithDecorator<this, K, DecoratorType<T>>
  /** Fastify's form with the value's type given: the instance type is unchanged (declare the member by declaration merging). */
  decorate<T>(name: string | symbol, value: T, dependencies?: string[]): this
  decorateRequest<const K extends string | symbol, A extends unknown[], R>(name: K, value: (this: ScopedRequest<this>, ...args: A) => R, dependencies?: string[]):
    WithRequestDecorator<this, WeftRequest, K, (...args: A) => R>
  decorateRequest<const K extends string | symbol, T>(name: K, value: GetterSetter<ScopedRequest<this>, T>, dependencies?: string[]): WithRequestDecorator<this, WeftRequest, K, T>
  decorateRequest<const K extends string | symbol, T>(name: K, value: T, dependencies?: string[]): WithRequestDecorator<this, WeftRequest, K, DecoratorType<T>>
  decorateRequest<T>(name: string | symbol, value: T, dependencies?: string[]): this
  decorateReply<const K extends string | symbol, A extends unknown[], R>(name: K, value: (this: ScopedReply<this>, ...args: A) => R, dependencies?: string[]):
    WithReplyDecorator<this, WeftReply, K, (...args: A) => R>
  decorateReply<const K extends string | symbol, T>(name: K, value: GetterSetter<ScopedReply<this>, T>, dependencies?: string[]): WithReplyDecorator<this, WeftReply, K, T>
  decorateReply<const K extends string | symbol, T>(name: K, value: T, dependencies?: string[]): WithReplyDecorator<this, WeftReply, K, DecoratorType<T>>
  decorateReply<T>(name: string | symbol, value: T, dependencies?: string[]): this
  hasDecorator(name: string | symbol): boolean
  hasRequestDecorator(name: string | symbol): boolean
  hasReplyDecorator(name: string | symbol): boolean
  /** A decorator's value; a function comes bound to this instance. */
  getDecorator<T = unknown>(name: string | symbol): T

  // hooks: request hooks in async or callback style, application hooks
  // (one signature per hook, the callback one: an async hook, which leaves `done` out, fits it too,
  // and a single signature is what lets TypeScript type the hook's parameters from context)
  addHook<K extends RequestHookName>(name: K, hook: HookHandlers<this, ScopedRequest<this>, ScopedReply<this>>[K][1]): this
  addHook<K extends AppHookName>(name: K, hook: AppHookHandlers<this, RouteOptionsView>[K][1]): this

  // routes
  route<RouteGeneric extends RouteGenericInterface = {}, ContextConfig = ContextConfigDefault, const S extends FastifySchema = {}, const Path extends string = string>(
    opts: RouteOptions<RawServerDefault, IncomingMessage, ServerResponse, Resolved<this, RouteGeneric, S, Path>, ContextConfig, S, FastifyTypeProviderDefault, FastifyBaseLogger, this> & { url: Path }): this
  get: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  head: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  post: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  put: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  delete: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  options: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  patch: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  trace: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  query: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  all: RouteShorthandMethod<RawServer, RawRequest, RawReply, TypeProvider, Logger, this>
  /** The methods routes may use: GET, HEAD, TRACE, DELETE, OPTIONS, PATCH, PUT, POST, QUERY and those addHttpMethod() added. */
  readonly supportedMethods: string[]
  /** Lets routes use `method` (one Node knows), parsing its body when `hasBody`; adds its lowercase shorthand as a decorator. */
  addHttpMethod(method: string, methodOptions?: { hasBody?: boolean, overrideExisting?: boolean }): this
  hasRoute(opts: { method: HTTPMethods | Lowercase<HTTPMethods> | string, url: string, constraints?: Record<string, unknown> }): boolean
  /** The route a request with this method, url and constraints would reach (handler, params, parsed query), or null. */
  findRoute(opts: { method: HTTPMethods | Lowercase<HTTPMethods> | string, url: string, constraints?: Record<string, unknown> }): FoundRoute | null
  /** Adds a find-my-way constraint strategy (name, storage, deriveConstraint, validate, mustMatchWhenDerived); not once started. */
  addConstraintStrategy(strategy: { name: string, storage: () => unknown, deriveConstraint: Function, validate?: (value: unknown) => void, mustMatchWhenDerived?: boolean }): void
  /** Whether a constraint strategy of this name is custom, or one a route uses (version, host). */
  hasConstraintStrategy(strategyName: string): boolean
  /** Sets how this scope (and its children) make request ids; the requestIdHeader option is still read first. */
  setGenReqId(fn: (this: this, req: RawRequest) => string): this
  /** This scope's request id generator. */
  readonly genReqId: (req: RawRequest) => string
  printRoutes(options?: { commonPrefix?: boolean, includeMeta?: boolean | Array<string | symbol>, includeHooks?: boolean, method?: string }): string

  // error and not-found handling
  setErrorHandler<TError = WeftHookError>(handler: (this: this, error: TError, request: ScopedRequest<this>, reply: ScopedReply<this>) => unknown): this
  setNotFoundHandler(handler: RouteHandlerMethod<this>): this
  setNotFoundHandler(opts: { preValidation?: RouteShorthandOptions['preValidation'], preHandler?: RouteShorthandOptions['preHandler'] }, handler: RouteHandlerMethod<this>): this

  // schemas, validation, serialization
  addSchema(schema: { $id: string, [keyword: string]: unknown } | Record<string, unknown>): this
  getSchemas(): Record<string, unknown>
  getSchema(id: string): unknown
  setValidatorCompiler<T = FastifySchema>(compiler: ValidatorCompiler | FastifySchemaCompiler<T>): this
  setSerializerCompiler<T = FastifySchema>(compiler: SerializerCompiler | FastifySerializerCompiler<T>): this
  setSchemaErrorFormatter(formatter: SchemaErrorFormatter): this
  /** `compilersFactory.buildValidator/buildSerializer(externalSchemas, options)` build this scope's compilers (Fastify's `bucket` is not supported). */
  /** Makes this scope's request loggers (`this`: the route's instance); the option of the same name sets the root's. */
  setChildLoggerFactory(factory: (this: this, logger: Logger, bindings: Record<string, unknown>, options: Record<string, unknown>, rawReq: RawRequest) => Logger): this
  readonly childLoggerFactory: (this: this, logger: Logger, bindings: Record<string, unknown>, options: Record<string, unknown>, rawReq: RawRequest) => Logger
  setSchemaController(options: { compilersFactory?: CompilersFactory }): this
  setReplySerializer(serializer: (payload: unknown, statusCode: number) => string): this

  // body parsers
  addContentTypeParser(contentType: string | string[] | RegExp, parser: ContentTypeParserFunction): this
  addContentTypeParser(contentType: string | string[] | RegExp, opts: AddContentTypeParserOptions, parser: ContentTypeParserFunction): this
  hasContentTypeParser(contentType: string | RegExp): boolean
  removeContentTypeParser(contentType: string | string[] | RegExp): this
  removeAllContentTypeParsers(): this
  getDefaultJsonParser(onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): ContentTypeParserFunction
  /** The text/plain parser (the body as a string), to register for other types with `{ parseAs: 'string' }`. */
  readonly defaultTextParser: ContentTypeParserFunction

  // serving
  listen(opts?: ListenOptions): Promise<string>
  listen(cb: ListenCallback): void
  listen(opts: ListenOptions, cb: ListenCallback): void
  addresses(): AddressInfo[]
  /** The origin app.server listens at: `http://127.0.0.1:3000`, `http://[::1]:3000`, or a unix socket's path. */
  readonly listeningOrigin: string
  /** `await using app = weft()` closes the app at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>
  /** Runs a fake request through the whole lifecycle (booting the app first). */
  inject(): InjectChain
  inject(opts: InjectOptions | string): Promise<InjectResponse>
  inject(opts: InjectOptions | string, cb: (err: Error | undefined, response: InjectResponse | undefined) => void): void

  /**
   * The same instance, typed with a type provider: its routes' schemas are read through the
   * provider (`TypeBoxTypeProvider`, …) rather than Weft's own inference. Types only.
   */
  withTypeProvider<Provider extends FastifyTypeProvider>(): WithTypeProvider<this, RawServer, RawRequest, RawReply, Logger, Provider>
}

/**
 * Instance I typed with provider P: the instance type with P in place of its provider, plus what
 * I gained on the way (decorators, and its scope's request / reply decorators and prefix params).
 */
export type WithTypeProvider<I, RawServer extends RawServerBase, RawRequest extends RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer>, Logger extends FastifyBaseLogger, P extends FastifyTypeProvider> =
  WeftInstance<RawServer, RawRequest, RawReply, Logger, P> & Omit<I, keyof FastifyInstance> & (ScopeOf<I> extends infer S extends ScopeTypes ? HasScopeTypes<S> : {})

/**
 * Members a plugin of Weft's own declares on the instance type by augmentation and adds at run
 * time by decorating (weft/observe's `observe`, there once the plugin is registered): the only
 * members of WeftInstance the runtime instance class does not define itself.
 */
export type PluginDeclaredMember = 'observe'
/** The same on requests (weft/observe's `activity`). */
export type PluginDeclaredRequestMember = 'activity'

/** The instance `weft()` returns; augment either this or FastifyInstance (`declare module 'weft'`). */
export interface WeftInstance<
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault
> extends FastifyInstance<RawServer, RawRequest, RawReply, Logger, TypeProvider> {}

/** Members of the runtime Request the public interface takes as they are (string keys; the typed ones are redeclared). */
type RequestBase = Omit<Pick<RequestClass, Extract<keyof RequestClass, string>>,
  'params' | 'query' | 'body' | 'headers' | 'raw' | 'log' | 'server' | 'routeOptions' | 'setDecorator'>

/** The members of a route generic that say something (`Body?: unknown` leaves the body to the schema). */
type Declared<G> = { [K in keyof G as unknown extends G[K] ? never : K]: G[K] }

/**
 * What a request's parts are typed by: the route generic; and when a schema type is given (as on
 * Fastify, `FastifyRequest<G, RawServerDefault, IncomingMessage, typeof schema, TypeBoxTypeProvider>`),
 * that schema read by the provider for the parts the generic leaves out.
 */
type RequestTypes<G, SchemaCompiler, TypeProvider extends FastifyTypeProvider> =
  FastifySchema extends SchemaCompiler ? G : ResolveRoute<Declared<G>, SchemaCompiler, string, {}, TypeProvider>

/** The request: body, params, query and headers typed by the route (see RouteGenericInterface). */
export interface FastifyRequest<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  ContextConfig = ContextConfigDefault,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  RequestType = unknown
> extends RequestBase {
  params: ParamsOf<RequestTypes<RouteGeneric, SchemaCompiler, TypeProvider>>
  query: QueryOf<RequestTypes<RouteGeneric, SchemaCompiler, TypeProvider>>
  body: BodyOf<RequestTypes<RouteGeneric, SchemaCompiler, TypeProvider>>
  headers: HeadersOf<RequestTypes<RouteGeneric, SchemaCompiler, TypeProvider>>
  raw: RawRequest
  log: Logger
  readonly server: WeftInstance
  readonly routeOptions: Readonly<{ method: string, url: string, config: ContextConfig & FastifyContextConfig, schema?: FastifySchema }>
  /** Sets a declared decorator's value on this request (FST_ERR_DEC_UNDECLARED for an undeclared name). */
  setDecorator<T = unknown>(name: string | symbol, value: T): void
  /** Types only: keeps Fastify's parameters in use. */
  readonly '~types'?: { typeProvider: TypeProvider, requestType: RequestType }
}

export interface WeftRequest<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  ContextConfig = ContextConfigDefault,
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  RequestType = unknown
> extends FastifyRequest<RouteGeneric, RawServer, RawRequest, SchemaCompiler, TypeProvider, ContextConfig, Logger, RequestType> {}

/** A reply whose payload is checked for status C; `Decorations` are the scope's reply decorators, kept across code(). */
type ReplyWithStatus<RouteGeneric extends RouteGenericInterface, Decorations, C extends number> =
  DecoratedReply<RouteGeneric, Decorations, ReplyFor<RouteGeneric, C>> & Decorations

/** The reply of a route with types G, whose send() takes ReplyType, carrying the scope's reply decorators. */
type DecoratedReply<G extends RouteGenericInterface, Decorations, ReplyType = ReplyUnion<G>> =
  WeftReply<G, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, ContextConfigDefault, FastifySchema,
    FastifyTypeProviderDefault, ReplyType, Decorations>

/**
 * The reply. `ReplyType` is what send() accepts: any payload the route declares until code() names
 * the status, then that status's payload (unknown for a status without a schema, as it is then sent as JSON.stringify does).
 */
export interface FastifyReply<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  ContextConfig = ContextConfigDefault,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  ReplyType = ReplyUnion<RouteGeneric>,
  Decorations = {}
> {
  raw: RawReply
  request: WeftRequest<RouteGeneric, RawServer, RawRequest, SchemaCompiler, TypeProvider, ContextConfig>
  log: FastifyBaseLogger
  readonly server: WeftInstance
  readonly routeOptions: Readonly<{ method: string, url: string, config: ContextConfig & FastifyContextConfig, schema?: FastifySchema }>
  readonly elapsedTime: number
  statusCode: number
  /** true once the response has been written, or the reply was hijacked; setting it true hijacks. */
  sent: boolean
  code<C extends number>(statusCode: C): ReplyWithStatus<RouteGeneric, Decorations, C>
  status<C extends number>(statusCode: C): ReplyWithStatus<RouteGeneric, Decorations, C>
  send(payload?: ReplyType | Error): this
  header(key: string, value: unknown): this
  headers(headers: Record<string, unknown>): this
  getHeader(key: string): string | number | string[] | undefined
  /** The content-type set so far as `type/subtype` (lower-cased, no parameters); undefined when none or malformed. */
  readonly mediaType: string | undefined
  getHeaders(): ReplyHeaders
  hasHeader(key: string): boolean
  removeHeader(key: string): this
  type(contentType: string): this
  redirect(url: string, code?: number): this
  hijack(): this
  serializer(fn: (payload: unknown) => string): this
  serialize(payload: unknown): string
  /** The route's serializer for a response key (and media type), or the one compileSerializationSchema() made for `schema`. */
  getSerializationFunction(schemaOrStatus: number | string | { [key: string]: any }, contentType?: string): ((payload: unknown) => string) | undefined
  /** A serializer for `schema` from the scope's serializer compiler, made once per route and schema object. */
  compileSerializationSchema(schema: { [key: string]: any }, httpStatus?: number | string | null, contentType?: string | null): (payload: unknown) => string
  /** Serializes `data` with the route's serializer for `httpStatus` (and `contentType`), or with `schema` compiled. */
  serializeInput(data: unknown, httpStatus: number | string): string
  serializeInput(data: unknown, httpStatus: number | string, contentType: string): string
  serializeInput(data: unknown, schema: { [key: string]: any }, httpStatus?: number | string | null, contentType?: string | null): string
  /** Sets a trailer whose value `fn` gives (by callback or promise) once the body is written. */
  trailer(key: string, fn: ((reply: FastifyReply<RouteGeneric, RawServer, RawRequest, RawReply, ContextConfig, SchemaCompiler, TypeProvider, ReplyType, Decorations>, payload: unknown, done: (err: Error | null, value?: string) => void) => void) | ((reply: FastifyReply<RouteGeneric, RawServer, RawRequest, RawReply, ContextConfig, SchemaCompiler, TypeProvider, ReplyType, Decorations>, payload: unknown) => Promise<string>)): this
  hasTrailer(key: string): boolean
  removeTrailer(key: string): this
  /** Sends a 103 Early Hints response. */
  writeEarlyHints(hints: Record<string, string | string[]>, callback?: () => void): this
  /** Hands the request to the not-found handler of its URL's scope. */
  callNotFound(): this
  getDecorator<T = unknown>(name: string | symbol): T
  /** Resolves (with nothing) once the response has been written: `return reply` from an async handler. */
  then(fulfilled: (value: void) => void, rejected?: (err: unknown) => void): void
}

export interface WeftReply<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  RawServer extends RawServerBase = RawServerDefault,
  RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
  RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
  ContextConfig = ContextConfigDefault,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  ReplyType = ReplyUnion<RouteGeneric>,
  Decorations = {}
> extends FastifyReply<RouteGeneric, RawServer, RawRequest, RawReply, ContextConfig, SchemaCompiler, TypeProvider, ReplyType, Decorations> {}

export type { RouteGenericInterface }
export type { FastifyTypeProvider, FastifyTypeProviderDefault }
