// The application with its HTTP side: options, the node:http server, the router and route
// declarations. At boot it binds routes and not-found handlers; at close it stops accepting,
// lets in-flight requests finish and closes idle keep-alive connections.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createServer as createHttpsServer } from 'node:https'
import { AppLifecycle } from '../app/app-lifecycle.js'
import type { Logger } from '../app/logger.js'
import type { PluginScope } from '../app/plugin-scope.js'
import type { Reply } from './reply.js'
import { kContext, type Request } from './request.js'
import { codes } from '../errors.js'
import { HttpScope, type HttpScopeDefaults } from './http-scope.js'
import { handleRequest, requestStages } from './request-lifecycle.js'
import { RouteContext } from './route-context.js'
import { bindHooks, bindRoutes, type RouteDeclaration, type RouteHost, type RouteSettings } from './routes.js'
import { Router, type RouterOptions } from './router.js'
import type { BoundRoute, RequestObserver } from './request-observer.js'
import type { RequestStages, WeftRuntime } from './runtime.js'

export interface WeftOptions extends RouterOptions {
  logger?: boolean | Record<string, unknown> | Logger
  loggerInstance?: Logger
  disableRequestLogging?: boolean
  genReqId?: (req: IncomingMessage) => string
  requestIdHeader?: string | false
  requestIdLogLabel?: string
  bodyLimit?: number
  pluginTimeout?: number
  connectionTimeout?: number
  keepAliveTimeout?: number
  requestTimeout?: number
  maxRequestsPerSocket?: number
  forceCloseConnections?: boolean | 'idle'
  return503OnClosing?: boolean
  exposeHeadRoutes?: boolean
  trustProxy?: boolean
  onProtoPoisoning?: 'error' | 'remove' | 'ignore'
  onConstructorPoisoning?: 'error' | 'remove' | 'ignore'
  querystringParser?: (search: string) => Record<string, unknown>
  ajv?: { customOptions?: object, plugins?: unknown[] }
  serializerOpts?: object
  https?: Record<string, unknown> | null
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: WeftOptions) => Server
  routerOptions?: RouterOptions
  /** weft/observe's options (see ObserveOptions in weft/observe): per-request activity for the whole app. */
  observe?: boolean | Record<string, unknown>
  /** Answers the requests the router refuses (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) instead of the built-in JSON. */
  frameworkErrors?: (error: Error, request: any, reply: any) => unknown
}

const maxId = 2147483647
let nextReqId = 0
function defaultGenReqId (): string {
  nextReqId = (nextReqId + 1) & maxId
  return 'req-' + nextReqId.toString(36)
}

/** Requests Node could not parse (or that timed out before a handler ran) get a JSON answer. */
function onClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
    socket.destroy()
    return
  }
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const body = JSON.stringify({ statusCode: status, code: err.code, error: STATUS_CODES[status], message: 'Client Error: ' + (err.message ?? 'bad request') })
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

function defaultNotFound (request: Request, reply: Reply): void {
  if (request[kContext].app.requestLogging) request.log.info(`Route ${request.method}:${request.url} not found`)
  reply.code(404).send({ message: `Route ${request.method}:${request.url} not found`, error: 'Not Found', statusCode: 404 })
}

export class HttpApp extends AppLifecycle implements WeftRuntime, RouteHost {
  readonly options: WeftOptions
  readonly router: Router
  readonly server: Server
  readonly declarations: RouteDeclaration[] = []
  readonly settings: RouteSettings
  readonly loggerEnabled: boolean
  readonly requestLogging: boolean
  readonly return503OnClosing: boolean
  readonly trustProxy: boolean
  readonly querystringParser: ((search: string) => Record<string, unknown>) | null
  readonly requestIdLogLabel: string
  readonly genReqId: (req: IncomingMessage) => string
  readonly scopeDefaults: HttpScopeDefaults
  readonly forceCloseConnections: boolean | 'idle'
  readonly stages: RequestStages
  readonly frameworkErrors: ((error: Error, request: any, reply: any) => unknown) | null
  frameworkContext: RouteContext | null = null
  /** weft/observe plugs in here (before the app is ready); null costs one check per stage. */
  observer: RequestObserver | null = null

  constructor (options: WeftOptions, log: Logger, loggerEnabled: boolean) {
    super(log, options.pluginTimeout ?? 10000)
    this.options = options
    this.loggerEnabled = loggerEnabled
    this.requestLogging = loggerEnabled && options.disableRequestLogging !== true
    this.return503OnClosing = options.return503OnClosing ?? true
    this.trustProxy = options.trustProxy === true
    if (options.querystringParser !== undefined && typeof options.querystringParser !== 'function') throw new codes.FST_ERR_QSP_NOT_FN(typeof options.querystringParser)
    this.querystringParser = options.querystringParser ?? null
    this.requestIdLogLabel = options.requestIdLogLabel ?? 'reqId'
    const header = options.requestIdHeader ?? false
    if (header !== false && typeof header !== 'string') throw new codes.FST_ERR_REQ_ID_HEADER_INVALID()
    const gen = options.genReqId ?? defaultGenReqId
    const headerName = header === false ? false : header.toLowerCase()
    this.genReqId = headerName === false ? gen : (req) => { const v = req.headers[headerName]; return typeof v === 'string' && v !== '' ? v : gen(req) }
    const bodyLimit = options.bodyLimit ?? 1048576
    this.scopeDefaults = { bodyLimit, onProtoPoisoning: options.onProtoPoisoning ?? 'error', onConstructorPoisoning: options.onConstructorPoisoning ?? 'error' }
    const routerOptions = { ...options, ...options.routerOptions }
    this.settings = {
      bodyLimit,
      exposeHeadRoutes: options.exposeHeadRoutes ?? true,
      ignoreTrailingSlash: routerOptions.ignoreTrailingSlash ?? false,
      ajv: options.ajv,
      serializerOpts: options.serializerOpts
    }
    this.router = new Router(routerOptions)
    this.stages = requestStages
    this.frameworkErrors = typeof options.frameworkErrors === 'function' ? options.frameworkErrors : null
    this.forceCloseConnections = options.forceCloseConnections ?? 'idle'
    const handler = (req: IncomingMessage, res: ServerResponse): void => handleRequest(this, this.router, req, res)
    this.server = this.#createServer(options, handler)
  }

  #createServer (options: WeftOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
    if (typeof options.serverFactory === 'function') return options.serverFactory(handler, options)
    const serverOptions = {
      keepAliveTimeout: options.keepAliveTimeout ?? 72000,
      requestTimeout: options.requestTimeout ?? 0,
      ...(options.maxRequestsPerSocket !== undefined ? { maxRequestsPerSocket: options.maxRequestsPerSocket } : {})
    }
    const server = options.https != null
      ? createHttpsServer({ ...options.https, ...serverOptions }, handler) as unknown as Server
      : createServer(serverOptions, handler)
    server.keepAliveTimeout = serverOptions.keepAliveTimeout
    server.on('clientError', onClientError)
    if (options.connectionTimeout !== undefined && options.connectionTimeout > 0) server.setTimeout(options.connectionTimeout)
    return server
  }

  get started (): boolean { return this.state.started }
  get runtime (): WeftRuntime { return this }

  override createScope (instance: unknown, parent: PluginScope | null, pluginName: string, prefix: string): PluginScope {
    return new HttpScope(instance, parent as HttpScope | null, pluginName, prefix, this.scopeDefaults)
  }

  /** The request handler, for serverFactory users and tests. */
  dispatch (req: IncomingMessage, res: ServerResponse): void {
    handleRequest(this, this.router, req, res)
  }

  protected override async prepare (): Promise<void> {
    bindRoutes(this)
    const notFound = new Map<PluginScope, RouteContext>()
    for (const scope of this.rootScope.walk() as Iterable<HttpScope>) {
      if (scope.notFound === null && scope !== this.rootScope) continue
      const declared = scope.notFound ?? { handler: defaultNotFound, options: {} }
      const context = new RouteContext(this, scope.instance, '*', scope.prefix + '*', declared.handler, true, this.settings.bodyLimit, {})
      bindHooks(context, scope, scope.instance, declared.options, this.requestLogging)
      this.router.addNotFound(scope.prefix, context)
      notFound.set(scope, context)
      this.observer?.bind(context as unknown as BoundRoute)
    }
    if (this.frameworkErrors !== null) this.frameworkContext = this.#frameworkContext()
    // reply.callNotFound() goes to the not-found route of the scope the route was declared in
    for (const d of this.declarations) {
      let scope: PluginScope | null = d.scope
      while (scope !== null && !notFound.has(scope)) scope = scope.parent
      d.context.notFound = notFound.get(scope ?? this.rootScope)!
    }
  }

  /** The route of requests the router refused: the root's classes and error handler, no hooks. */
  #frameworkContext (): RouteContext {
    const root = this.rootScope as HttpScope
    const context = new RouteContext(this, root.instance, '', '', defaultNotFound, false, this.settings.bodyLimit, {})
    context.Request = root.Request
    context.Reply = root.Reply
    context.errorHandler = root.errorHandler
    context.contentTypeParser = root.contentTypeParser
    context.replySerializer = root.replySerializer
    return context
  }

  protected override async stopServing (): Promise<void> {
    const server = this.server
    if (!server.listening) return
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      if (this.forceCloseConnections === true) server.closeAllConnections()
      else if (this.forceCloseConnections === 'idle') server.closeIdleConnections()
    })
  }
}
