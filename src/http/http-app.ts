// The application with its HTTP side: options, the node:http server, the router and route
// declarations. At boot it binds routes and not-found handlers; at close it stops accepting,
// lets in-flight requests finish and closes idle keep-alive connections (or all of them).
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { AppLifecycle } from '../app/app-lifecycle.js'
import type { ChildLoggerFactory, Logger } from '../app/logger.js'
import type { PluginScope } from '../app/plugin-scope.js'
import { codes } from '../errors.js'
import { HttpMethods } from './http-methods.js'
import { answerMissingHost, clientErrorListener, defaultClientErrorHandler, lacksRequiredHost, type ClientErrorHandler } from './client-errors.js'
import { answerWhileClosing, TrackedSockets } from './closing.js'
import { guardDispatch } from './dispatch-guard.js'
import { HttpScope, type HttpScopeDefaults } from './http-scope.js'
import { initialConfig } from './initial-config.js'
import { checkBodyLimit, checkServerOptions } from './options-validation.js'
import { handleRequest, requestId, requestLogger, requestStages } from './request-lifecycle.js'
import { RouteContext, unroutedOptions } from './route-context.js'
import { bindRoutes, type RouteDeclaration, type RouteHost, type RouteSettings } from './routes.js'
import { bindNotFoundRoutes, defaultNotFound } from './not-found.js'
import { Router, type RouterOptions } from './router.js'
import type { RequestObserver } from './request-observer.js'
import { writesRequestLines, type RequestStages, type WeftRuntime } from './runtime.js'
import { logControllerOf, type LogController } from './log-controller.js'
import { createWeftServer } from './server-options.js'
import { checkSchemaErrorFormatter, type BucketFactory, type CompilersFactory, type SchemaErrorFormatter } from './schemas.js'
import { compileTrust, type TrustFn } from './trust-proxy.js'
import { answerUnknownMethod, isUnknownMethod } from './unknown-method.js'

/**
 * The option checks Fastify makes before it builds the logger, in its order: querystringParser (top level or under
 * routerOptions), schemaController.bucket, bodyLimit, ajv. The logController comes next (once the logger is built),
 * then the documented options' types.
 */
export function checkOptionsBeforeLogger (options: WeftOptions): void {
  for (const given of [options.querystringParser, options.routerOptions?.querystringParser]) {
    if (given && typeof given !== 'function') throw new codes.FST_ERR_QSP_NOT_FN(typeof (options.querystringParser ?? options.routerOptions?.querystringParser))
  }
  const bucket = options.schemaController?.bucket
  if (bucket && typeof bucket !== 'function') throw new codes.FST_ERR_SCHEMA_CONTROLLER_BUCKET_OPT_NOT_FN(typeof bucket)
  checkBodyLimit(options.bodyLimit)
  ajvOptionsOf(options.ajv)
}

/** The ajv option as Fastify keeps it: a new object, `customOptions` ({}) and `plugins` ([]) filled in under the
 *  given keys; a falsy or mistyped customOptions or plugins (one given as undefined too) is refused. */
function ajvOptionsOf (ajv: WeftOptions['ajv']): { customOptions: object, plugins: unknown[] } {
  const normal = Object.assign({ customOptions: {}, plugins: [] }, ajv) as { customOptions: unknown, plugins: unknown }
  if (!normal.customOptions || Object.prototype.toString.call(normal.customOptions) !== '[object Object]') throw new codes.FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ(typeof normal.customOptions)
  if (!normal.plugins || !Array.isArray(normal.plugins)) throw new codes.FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR(typeof normal.plugins)
  return normal as { customOptions: object, plugins: unknown[] }
}

export interface WeftOptions extends RouterOptions {
  logger?: boolean | Record<string, unknown> | Logger
  loggerInstance?: Logger
  /** true, or a function of the request answering true, drops the request lines (request.log stays). */
  disableRequestLogging?: boolean | ((request: any) => boolean)
  /** Makes each request's logger: `(logger, bindings, options, rawReq) => child` (setChildLoggerFactory() per scope). */
  childLoggerFactory?: ChildLoggerFactory
  genReqId?: (req: IncomingMessage) => string
  /** The header whose value is the request id when present (true: 'request-id'; false or '': none). */
  requestIdHeader?: string | boolean
  requestIdLogLabel?: string
  /** Writes the request lines: an instance of (a subclass of) LogController. */
  logController?: LogController
  bodyLimit?: number
  pluginTimeout?: number
  connectionTimeout?: number
  keepAliveTimeout?: number
  requestTimeout?: number
  maxRequestsPerSocket?: number
  handlerTimeout?: number
  /** Options for node:http's createServer (headersTimeout, connectionsCheckingInterval, …). */
  http?: ServerOptions | null
  clientErrorHandler?: ClientErrorHandler
  forceCloseConnections?: boolean | 'idle'
  return503OnClosing?: boolean
  exposeHeadRoutes?: boolean
  /** true, a trust function (address, hop), a hop count, or addresses/CIDR ranges/loopback|linklocal|uniquelocal (comma-separated or an array). */
  trustProxy?: boolean | number | string | string[] | ((address: string, hop: number) => boolean)
  onProtoPoisoning?: 'error' | 'remove' | 'ignore'
  onConstructorPoisoning?: 'error' | 'remove' | 'ignore'
  querystringParser?: (search: string) => Record<string, unknown>
  ajv?: { customOptions?: object, plugins?: unknown[] }
  serializerOpts?: object
  schemaController?: { compilersFactory?: CompilersFactory, bucket?: BucketFactory }
  /** The root scope's schema error formatter (setSchemaErrorFormatter() and route options override it). */
  schemaErrorFormatter?: SchemaErrorFormatter
  https?: Record<string, unknown> | boolean | null
  /** A node:http2 server: h2c, or h2 over TLS with `https` (HTTP/1.1 too with `https.allowHTTP1`). */
  http2?: boolean
  /** HTTP/2: an idle session is closed (GOAWAY) after this many ms (default 72000; 0: never). */
  http2SessionTimeout?: number
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: WeftOptions) => Server
  routerOptions?: RouterOptions
  /** Rewrites each request's URL before routing (`request.originalUrl` keeps the one received). */
  rewriteUrl?: (this: any, req: IncomingMessage) => string
  /** false: a second setErrorHandler() in one scope throws FST_ERR_ERROR_HANDLER_ALREADY_SET (default true: it warns, FSTWRN004). */
  allowErrorHandlerOverride?: boolean
  /** weft/observe's options (see ObserveOptions in weft/observe): per-request activity for the whole app. */
  observe?: boolean | Record<string, unknown>
  /** Answers the requests the router refuses (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) instead of the built-in JSON. */
  frameworkErrors?: (error: Error, request: any, reply: any) => unknown
}

const maxId = 2147483647
/** While close() waits for in-flight requests, idle keep-alive connections are closed this often. */
const idleSweepMs = 500
/** Request ids req-1, req-2, ... counted per app, as Fastify counts them per instance. */
function defaultGenReqId (): () => string {
  let nextReqId = 0
  return () => {
    nextReqId = (nextReqId + 1) & maxId
    return 'req-' + nextReqId.toString(36)
  }
}

export class HttpApp extends AppLifecycle<HttpScope> implements WeftRuntime, RouteHost {
  readonly options: WeftOptions
  readonly router: Router
  readonly server: Server
  readonly declarations: RouteDeclaration[] = []
  readonly settings: RouteSettings
  readonly loggerEnabled: boolean
  readonly requestLogging: boolean
  readonly requestLinesWanted: boolean
  readonly logController: LogController
  readonly return503OnClosing: boolean
  readonly trustProxy: TrustFn | null
  readonly querystringParser: ((search: string) => Record<string, unknown>) | null
  readonly requestIdLogLabel: string
  readonly genReqId: (req: IncomingMessage) => string
  readonly scopeDefaults: HttpScopeDefaults
  readonly forceCloseConnections: boolean | 'idle'
  readonly stages: RequestStages
  readonly frameworkErrors: ((error: Error, request: any, reply: any) => unknown) | null
  readonly methods = new HttpMethods()
  frameworkContext: RouteContext | null = null
  /** Hookless, with the root's classes and error handler: requests the router has no tree for. */
  #rootContext: RouteContext | null = null
  /** The not-found routes bound at boot, each with the scope that set it (null before boot). */
  #notFoundContexts: Array<{ context: RouteContext, scope: HttpScope }> | null = null
  /** weft/observe plugs in here (before the app is ready); null costs one check per stage. */
  observer: RequestObserver | null = null
  /** Sockets Weft destroys itself at close: forceCloseConnections on a server without closeAllConnections. */
  #trackedSockets: TrackedSockets | null = null
  #answersMissingHost = false
  /** Closes the HTTP/2 server's open sessions (GOAWAY) at close(): Weft's, or a serverFactory's closeHttp2Sessions. */
  #closeSessions: (() => void) | null = null
  #initialConfig: Readonly<Record<string, unknown>> | null = null
  readonly #checkedOptions: Record<string, unknown>
  /** Servers bound besides `server` (listen on 'localhost': its other addresses), with their HTTP/2 session closers. */
  readonly bindings: Array<{ server: Server, closeSessions: (() => void) | null }> = []

  constructor (options: WeftOptions, log: Logger, loggerEnabled: boolean) {
    super(log, options.pluginTimeout ?? 10000)
    // Fastify sets its default not-found handler through its plugin loader first: printPlugins() shows that step
    this.loader.mark()
    this.options = options
    // checkOptionsBeforeLogger() ran, then the logger was built: the logController is checked next, as in Fastify
    this.logController = logControllerOf(options)
    // Fastify's check of its documented options (types, coercion, defaults): the copy feeds initialConfig
    this.#checkedOptions = checkServerOptions(options)
    this.loggerEnabled = loggerEnabled
    // Fastify attempts the request lines whatever the logger (off, they go to a silent one): a logController of the
    // user's, or a disableRequestLogging function, is consulted on every request even then
    const ownController = Boolean(options.logController)
    const consulted = ownController || typeof options.disableRequestLogging === 'function'
    this.requestLinesWanted = ownController || options.disableRequestLogging !== true
    this.requestLogging = consulted || (loggerEnabled && this.requestLinesWanted)
    this.return503OnClosing = options.return503OnClosing ?? true
    this.trustProxy = compileTrust(options.trustProxy)
    // a router option: under routerOptions (which wins) or at the top level; either must be a function
    const qsp = options.routerOptions?.querystringParser ?? options.querystringParser
    this.querystringParser = typeof qsp === 'function' ? qsp : null
    this.requestIdLogLabel = this.logController.requestIdLogLabel
    const gen = options.genReqId ?? defaultGenReqId()
    this.genReqId = this.withIdHeader(gen)
    const ajv = ajvOptionsOf(options.ajv)
    const bucket = options.schemaController?.bucket
    const bodyLimit = options.bodyLimit ?? 1048576
    const handlerTimeout = options.handlerTimeout ?? 0
    const schemaErrorFormatter = options.schemaErrorFormatter || undefined
    this.scopeDefaults = { bodyLimit, onProtoPoisoning: options.onProtoPoisoning ?? 'error', onConstructorPoisoning: options.onConstructorPoisoning ?? 'error', schemaErrorFormatter, compilersFactory: options.schemaController?.compilersFactory, schemaBucket: typeof bucket === 'function' ? bucket : undefined, childLoggerFactory: options.childLoggerFactory }
    const routerOptions = { ...options, ...options.routerOptions }
    warnTopLevelRouterOptions(options)
    this.settings = {
      bodyLimit,
      handlerTimeout: Math.max(handlerTimeout, 0),
      exposeHeadRoutes: options.exposeHeadRoutes ?? true,
      ignoreTrailingSlash: routerOptions.ignoreTrailingSlash ?? false,
      ignoreDuplicateSlashes: routerOptions.ignoreDuplicateSlashes ?? false,
      ajv,
      serializerOpts: options.serializerOpts
    }
    this.router = new Router({ ...routerOptions, compile: options.routerOptions?.compile }) // compile: under routerOptions only, as Fastify
    this.stages = requestStages
    this.frameworkErrors = typeof options.frameworkErrors === 'function' ? options.frameworkErrors : null
    const handler = guardDispatch(this)
    this.server = this.#createServer(options, handler)
    this.forceCloseConnections = this.#forceCloseMode(options.forceCloseConnections)
    // checked once the server is made, as Fastify; the root scope binds it to the public instance, as Fastify does
    if (options.schemaErrorFormatter) checkSchemaErrorFormatter(options.schemaErrorFormatter, null)
    this.server.on('clientError', this.#clientErrorListener())
  }

  #createServer (options: WeftOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
    // any truthy serverFactory is called, as Fastify's (one not a function throws its TypeError)
    if (options.serverFactory) {
      const server = options.serverFactory(handler, options)
      const closeHttp2Sessions = (server as { closeHttp2Sessions?: unknown } | null)?.closeHttp2Sessions
      if (typeof closeHttp2Sessions === 'function') this.#closeSessions = () => { closeHttp2Sessions.call(server) }
      return server
    }
    const { server, answersMissingHost, closeSessions } = createWeftServer(options, handler)
    this.#answersMissingHost = answersMissingHost
    this.#closeSessions = closeSessions
    return server
  }

  /** The 'clientError' listener of each server: the clientErrorHandler option (or Fastify's default), `this` the root instance. */
  #clientErrorListener (): (err: NodeJS.ErrnoException, socket: Duplex) => void {
    const app = this
    // the root instance (the app itself before its scope exists) has the `log` the default handler reads
    const root = { get log () { return app.log }, instance: () => (app.rootScope?.instance ?? app) as { log: Logger } }
    return clientErrorListener(root, this.options.clientErrorHandler ?? defaultClientErrorHandler)
  }

  /** One more server of the same kind serving this app (listen on 'localhost' binds one per address). */
  createBinding (): Server {
    const handler = guardDispatch(this)
    const options = this.options
    let server: Server
    let closeSessions: (() => void) | null = null
    if (options.serverFactory) {
      server = options.serverFactory(handler, options)
      const close = (server as { closeHttp2Sessions?: unknown } | null)?.closeHttp2Sessions
      if (typeof close === 'function') closeSessions = () => { close.call(server) }
    } else {
      ({ server, closeSessions } = createWeftServer(options, handler))
    }
    server.on('clientError', this.#clientErrorListener())
    // upgrades reach the listeners of app.server (websocket plugins listen there)
    server.on('upgrade', (...args: unknown[]) => { this.server.emit('upgrade', ...args) })
    this.bindings.push({ server, closeSessions })
    return server
  }

  /** Forgets a binding that failed to bind. */
  dropBinding (server: Server): void {
    const i = this.bindings.findIndex((b) => b.server === server)
    if (i >= 0) this.bindings.splice(i, 1)
  }

  /** forceCloseConnections as this server can honour it (Fastify's rules). */
  #forceCloseMode (requested: boolean | 'idle' | undefined): boolean | 'idle' {
    const canCloseIdle = typeof this.server.closeIdleConnections === 'function'
    if (requested === 'idle' && !canCloseIdle) throw new codes.FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE()
    if (typeof requested !== 'boolean') return canCloseIdle ? 'idle' : false
    if (requested && typeof this.server.closeAllConnections !== 'function') this.#trackedSockets = new TrackedSockets()
    return requested
  }

  get started (): boolean { return this.state.started }

  /** `gen` behind the requestIdHeader option: the header's value when the request has one. */
  withIdHeader (gen: (req: IncomingMessage) => string): (req: IncomingMessage) => string {
    const headerName = requestIdHeaderName(this.options.requestIdHeader)
    if (headerName === false) return gen
    // as Fastify's, `gen` is then called without `this`
    return (req) => { const v = req.headers[headerName]; return typeof v === 'string' && v !== '' ? v : gen(req) }
  }

  get versioned (): boolean { return this.router.hasConstraintStrategy('version') }

  /** Fastify's documented server options with their defaults, made once. */
  get initialConfig (): Readonly<Record<string, unknown>> {
    if (this.#initialConfig !== null) return this.#initialConfig
    this.#initialConfig = initialConfig(this.#checkedOptions, {
      // an HTTP/2 server has neither: the options say them, as on Fastify
      requestTimeout: this.server.requestTimeout ?? this.#checkedOptions.requestTimeout ?? 0,
      keepAliveTimeout: this.server.keepAliveTimeout ?? this.#checkedOptions.keepAliveTimeout ?? 0,
      requestIdHeader: requestIdHeaderName(this.options.requestIdHeader)
    })
    return this.#initialConfig
  }
  get runtime (): WeftRuntime { return this }

  override createScope (instance: unknown, parent: HttpScope | null, pluginName: string, prefix: string): HttpScope {
    return new HttpScope(instance, parent, pluginName, prefix, this.scopeDefaults)
  }

  /** A request refused while closing gets its logger as Fastify's: an id, then the childLoggerFactory option's
   *  child (or the logger's), even with the logger off. */
  refusedRequestLogger (req: IncomingMessage): Logger {
    const context = this.#rootContext
    if (context === null) return this.log
    return requestLogger(this, context, requestId(this, context, req), req)
  }

  /** The request handler (what serverFactory receives, and what inject() drives). */
  dispatch (req: IncomingMessage, res: ServerResponse): void {
    if (this.state.closing && answerWhileClosing(this, req, res)) return
    // an HTTP/2 stream is not a connection: its session gets a GOAWAY at close (as in Fastify)
    if (this.#trackedSockets !== null && req.socket !== null && req.httpVersionMajor !== 2) this.#trackedSockets.add(req.socket)
    if (req.httpVersionMajor === 2 && isUnknownMethod(req.method!) && this.#rootContext !== null) {
      answerUnknownMethod(this, this.#rootContext, req, res)
      return
    }
    if (this.#answersMissingHost && lacksRequiredHost(req)) {
      answerMissingHost(res)
      return
    }
    const rewrite = this.options.rewriteUrl
    if (rewrite !== undefined) {
      ;(req as { originalUrl?: string }).originalUrl = req.url
      let url: unknown
      try {
        url = rewrite.call(this.rootScope.instance, req)
      } catch (err) {
        req.destroy(err as Error)
        return
      }
      if (typeof url !== 'string') {
        req.destroy(new codes.FST_ERR_ROUTE_REWRITE_NOT_STR(req.url, typeof url))
        return
      }
      req.url = url
    }
    handleRequest(this, this.router, req, res)
  }

  protected override async prepare (): Promise<void> {
    bindRoutes(this)
    this.#notFoundContexts = bindNotFoundRoutes(this, this.rootScope, this.observer !== null)
    this.router.compileIfAsked()
    this.#rootContext = this.#frameworkContext()
    if (this.frameworkErrors !== null) this.frameworkContext = this.#rootContext
  }

  /** After boot, a setGenReqId() (still taken in the turn ready() resolves in) reaches the bound routes. */
  rebindIdGenerators (): void {
    if (this.#notFoundContexts === null) return
    for (const d of this.declarations) d.context.genReqId = d.scope.idGenerator()
    for (const { context, scope } of this.#notFoundContexts) context.genReqId = scope.idGenerator()
    if (this.#rootContext !== null) this.#rootContext.genReqId = this.rootScope.idGenerator()
  }

  /** The route of requests the router refused: the root's classes and error handler, no hooks. */
  #frameworkContext (): RouteContext {
    const root = this.rootScope
    const context = new RouteContext(this, root.instance, '', '', defaultNotFound, false, this.settings.bodyLimit, {})
    context.Request = root.Request
    context.Reply = root.Reply
    context.errorHandler = root.errorHandler
    context.contentTypeParser = root.contentTypeParser
    context.replySerializer = root.replySerializer
    // the root's setGenReqId() generator names framework errors' requests, as Fastify's root instance does
    context.genReqId = root.idGenerator()
    // the childLoggerFactory option (not a later setChildLoggerFactory()), as Fastify's context made at construction has
    context.childLoggerFactory = this.scopeDefaults.childLoggerFactory ?? null
    context.requestLogging = writesRequestLines(this, context.childLoggerFactory)
    context.routeOptions = unroutedOptions(context)
    return context
  }

  protected override async stopServing (): Promise<void> {
    // One tick first, about what Fastify's close takes: Node's server.close() destroys every
    // connection it deems idle, and one whose response was ended in this very turn (a handler
    // calling close() after its send) counts as idle until that response's write has completed (a
    // tick later) — a pipelined request already read on it would be lost. No longer than that: a
    // pipelined request still being handled meanwhile would finish, leave its connection idle and
    // have it destroyed, so a request the client sends on it next would get no 503.
    if (this.server.listening) await new Promise<void>((resolve) => { process.nextTick(resolve) })
    await Promise.all([this.#stopMain(), ...this.bindings.splice(0).map((b) => this.#stopBinding(b.server, b.closeSessions))])
  }

  /** A binding stops accepting with the main server; its connections close as forceCloseConnections says. */
  async #stopBinding (server: Server, closeSessions: (() => void) | null): Promise<void> {
    if (!server.listening) return
    await new Promise<void>((resolve) => {
      server.close(() => { resolve() })
      if (this.forceCloseConnections === true && typeof server.closeAllConnections === 'function') server.closeAllConnections()
      else if (this.forceCloseConnections === 'idle' && this.options.serverFactory && typeof server.closeIdleConnections === 'function') server.closeIdleConnections()
      if (closeSessions !== null) closeSessions()
    })
  }

  async #stopMain (): Promise<void> {
    const server = this.server
    // a server listened to by its owner (a serverFactory's, bound without app.listen()) stays open, as on Fastify
    if (!server.listening || !this.state.listening) return
    await new Promise<void>((resolve) => {
      let reaper: NodeJS.Timeout | undefined
      server.close(() => { clearInterval(reaper); resolve() })
      if (this.#trackedSockets !== null) this.#trackedSockets.destroyAll()
      else if (this.forceCloseConnections === true) server.closeAllConnections()
      else if (this.forceCloseConnections === 'idle') {
        // node:http's own close() closes the idle connections: only a serverFactory's server is asked again, as on Fastify
        if (this.options.serverFactory) server.closeIdleConnections()
        // a keep-alive connection whose in-flight response finishes later is idle from then on:
        // close it then, rather than waiting out keepAliveTimeout (Fastify waits). Not at once:
        // a request the client sends on it right after still gets its 503 + Connection: close.
        reaper = setInterval(() => { server.closeIdleConnections() }, idleSweepMs)
        reaper.unref()
      }
      // HTTP/2 sessions end with a GOAWAY: streams in flight finish, then the server closes
      if (this.#closeSessions !== null) this.#closeSessions()
    })
  }
}


/** The lowercase header name a request id is read from, or false (Fastify's reading of requestIdHeader). */
function requestIdHeaderName (option: unknown): string | false {
  if (typeof option === 'string') return option.length > 0 ? option.toLowerCase() : false
  return option === true ? 'request-id' : false
}

/** Fastify's router options, in its order: given at the top level they still work, with FSTDEP022. */
const routerKeys = ['allowUnsafeRegex', 'buildPrettyMeta', 'caseSensitive', 'constraints', 'defaultRoute', 'ignoreDuplicateSlashes',
  'ignoreTrailingSlash', 'maxParamLength', 'onBadUrl', 'onMaxParamLength', 'querystringParser', 'useSemicolonDelimiter']

function warnTopLevelRouterOptions (options: object): void {
  const used = routerKeys.filter(key => Object.hasOwn(options, key))
  if (used.length === 0) return
  process.emitWarning(`The router options for ${used.join(', ')} property access is deprecated. Please use "options.routerOptions" instead for accessing router options. The router options will be removed in \`fastify@6\`.`,
    { type: 'FastifyWarning', code: 'FSTDEP022' })
}
