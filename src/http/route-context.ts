// What a matched route carries into the request path: built once when the app becomes ready
// (final hook arrays with scope hooks first, compiled validators and serializers, the error
// handler chain, the scope's Request/Reply classes), so a request only walks what it is handed.
// It imports no module of the request path (they all import it): what it holds of them is typed by shape.
import type { ChildLoggerFactory } from '../app/logger.js'
import type { IncomingMessage } from 'node:http'
import type { HookEntry } from '../hooks/request-hook-runner.js'
import type { ContentTypeParser } from './content-type-parser.js'
import type { CompiledRouteSchemas, SchemaErrorFormatter } from './schema-store.js'
import type { WeftRuntime } from './runtime.js'

export type HandlerFn = (this: any, request: any, reply: any) => unknown

/** One handler in the error-handler chain; `parent` is tried when this one throws. */
export interface ErrorHandlerLink {
  fn: (this: any, error: any, request: any, reply: any) => unknown
  scope: unknown
  parent: ErrorHandlerLink | null
}

/** A scope's Request or Reply class (decorators live on its prototype and in `props`). */
export interface ScopedClass<A extends unknown[], T> {
  new (...args: A): T
  props: Array<[string | symbol, unknown]>
}

export class RouteContext {
  readonly app: WeftRuntime
  readonly instance: any
  readonly method: string
  readonly url: string
  readonly handler: HandlerFn
  readonly is404: boolean
  /** What request.routeOptions returns: the declared options, frozen. */
  routeOptions: Readonly<Record<string, any>>
  config: unknown

  onRequest: HookEntry[] | null = null
  preParsing: HookEntry[] | null = null
  preValidation: HookEntry[] | null = null
  preHandler: HookEntry[] | null = null
  preSerialization: HookEntry[] | null = null
  onError: HookEntry[] | null = null
  onSend: HookEntry[] | null = null
  onResponse: HookEntry[] | null = null
  onTimeout: HookEntry[] | null = null
  onRequestAbort: HookEntry[] | null = null
  /** reply.callNotFound()'s target: the not-found route of the scope this route was declared in (null for not-found routes). */
  notFound: RouteContext | null = null
  /** true when a listener on the response is needed (onResponse, onRequestAbort, request logging). */
  watchResponse = false
  /** The id generator its scope set with setGenReqId() (called with the scope's instance as `this`); null: the app's. */
  genReqId: ((req: IncomingMessage) => string) | null = null

  validators: CompiledRouteSchemas['validators'] | null = null
  serializers: CompiledRouteSchemas['serializers'] = null
  serializersByType: CompiledRouteSchemas['serializersByType'] = null
  schemaErrorFormatter: SchemaErrorFormatter | undefined = undefined
  attachValidation = false
  replySerializer: ((payload: unknown, statusCode: number) => string) | null = null
  errorHandler!: ErrorHandlerLink
  contentTypeParser!: ContentTypeParser
  bodyLimit: number
  /** The route's own bodyLimit option: it wins over a content-type parser's limit; null: the parser's applies.
   *  A not-found route's is the app's (as Fastify's); routes.ts sets a route's. */
  ownBodyLimit: number | null
  /** ms a request may run before it gets 503 FST_ERR_HANDLER_TIMEOUT; 0: no limit. */
  handlerTimeout = 0
  logLevel: string | undefined
  /** The options each request's child logger gets (`level`, `serializers`), made once at bind; undefined: none. */
  childLoggerOptions: { level?: string, serializers?: Record<string, unknown> } | undefined = undefined
  /** The route's or its scope's childLoggerFactory; null: logger.child(). */
  childLoggerFactory: ChildLoggerFactory | null = null
  /** The logController writes this route's request lines: the app's requestLogging, or a childLoggerFactory with the
   *  logger off (its loggers may write them, as in Fastify). */
  requestLogging: boolean
  /** The `request completed` line is written: requestLogging, and the response's end is watched for it. */
  completedLogging: boolean
  Request!: ScopedClass<any[], any>
  Reply!: ScopedClass<any[], any>

  constructor (app: WeftRuntime, instance: unknown, method: string, url: string, handler: HandlerFn, is404: boolean, bodyLimit: number, config: unknown) {
    this.app = app
    this.instance = instance
    this.method = method
    this.url = url
    this.handler = handler
    this.is404 = is404
    this.bodyLimit = bodyLimit
    this.ownBodyLimit = is404 ? bodyLimit : null
    this.config = config
    this.routeOptions = Object.freeze({ method, url, config })
    this.logLevel = undefined
    this.requestLogging = app.requestLogging
    this.completedLogging = app.requestLogging && app.loggerEnabled
  }
}

/** request.routeOptions for a request no route took (frameworkErrors, unknown methods): Fastify's keys, mostly unset. */
export function unroutedOptions (context: RouteContext): Readonly<Record<string, any>> {
  return Object.freeze({
    method: undefined,
    url: undefined,
    bodyLimit: context.bodyLimit,
    handlerTimeout: context.handlerTimeout,
    attachValidation: undefined,
    logLevel: '',
    exposeHeadRoute: undefined,
    prefixTrailingSlash: undefined,
    schema: undefined,
    handler: undefined,
    config: context.config,
    version: undefined
  })
}
