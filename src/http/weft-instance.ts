// The HTTP half of the public instance: routes and their shorthands, request/reply decorators,
// error and not-found handlers, schemas, body parsers, listen() and inject().
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fastQuerystring from 'fast-querystring'
import { defaultChildLoggerFactory, type ChildLoggerFactory } from '../app/logger.js'
import { PluginHost } from '../app/plugin-host.js'
import { checkDependencies, isGetterSetter } from '../app/decorators.js'
import { kApp, kScope } from '../app/symbols.js'
import { codes } from '../errors.js'
import type { ContentTypeParserFunction, AddContentTypeParserOptions, PoisoningAction } from './content-type-parser.js'
import { defaultTextParser, getDefaultJsonParser } from './content-type-parser.js'
import type { HttpScope } from './http-scope.js'
import type { HookSignatures } from './hook-types.js'
import type { AddHttpMethodOptions } from './http-methods.js'
import { inject } from './inject.js'
import { checkListenSignal, listen, originOf, type ListenOptions } from './listen.js'
import type { Request } from './request.js'
import type { Reply } from './reply.js'
import { route } from './routes.js'
import { checkSchemaErrorFormatter, type BucketFactory, type CompilersFactory, type SchemaErrorFormatter, type SerializerCompiler, type ValidatorCompiler } from './schemas.js'
import type { HttpApp } from './http-app.js'
import type { FoundRoute } from './router.js'
import { declareNotFound } from './not-found.js'

/**
 * A user's function (a handler, an error or not-found handler, a logger factory) as the instance
 * stores it: the runtime checks only that it is a function. What it is called with and returns is
 * typed per route and scope by the public interface, WeftInstance (src/types/api.ts).
 */
export type UserFunction = (...args: any[]) => any
export interface RouteShorthandOptions { [key: string]: any }
export interface RouteOptions extends RouteShorthandOptions { method: string | string[], url: string, handler: UserFunction }

/** get(), post(), ...: I is the instance they are called on. */
type Shorthand<I> = (path: string, optsOrHandler: RouteShorthandOptions | UserFunction, handler?: UserFunction) => I

function shorthand<I extends HttpInstance> (method: string | string[]): Shorthand<I> {
  return function (this: I, path, optsOrHandler, handler) {
    if (typeof path !== 'string') throw new codes.FST_ERR_INVALID_URL(typeof path)
    let opts: RouteShorthandOptions | undefined
    if (handler === undefined && typeof optsOrHandler === 'function') {
      handler = optsOrHandler as UserFunction // a function given as the options is the handler
      opts = {}
    } else {
      opts = optsOrHandler
      if (typeof handler === 'function') {
        // Fastify's checks: options must be a plain object, and must not bring a handler of their own
        if (Object.prototype.toString.call(opts) !== '[object Object]') throw new codes.FST_ERR_ROUTE_OPTIONS_NOT_OBJ(String(method), path)
        if (opts!.handler) {
          if (typeof opts!.handler === 'function') throw new codes.FST_ERR_ROUTE_DUPLICATED_HANDLER(String(method), path)
          throw new codes.FST_ERR_ROUTE_HANDLER_NOT_FN(String(method), path)
        }
      }
    }
    return this.route({ ...opts, method, url: path, handler: handler || opts?.handler })
  }
}

/** What every request and reply gets when made: decorators in Fastify's eyes (has*Decorator, dependencies). */
const requestBuiltIns = new Set<unknown>(['id', 'params', 'raw', 'query', 'log', 'body'])
const replyBuiltIns = new Set<unknown>(['raw', 'request', 'log'])
/** Fields every Request / Reply owns (set in its constructor): a decorator may not take their names. */
const requestFields = new Set<string | symbol>(['id', 'params', 'raw', 'query', 'log', 'body', 'validationError'])
const replyFields = new Set<string | symbol>(['raw', 'request', 'log'])

/**
 * Adds a Request/Reply decorator to this scope's class. A name clashes only with what this
 * scope's class owns, a value decorator of an ancestor (copied into every request), or a
 * field; a parent's function decorator or a built-in method may be replaced.
 */
function decorateClass (self: HttpInstance, Class: { prototype: object, props: Array<[string | symbol, unknown]> }, fields: Set<string | symbol>, builtIns: ReadonlySet<unknown>,
  name: string | symbol, value: unknown, dependencies?: string[]): void {
  if (self[kApp].state.ready) throw new codes.FST_ERR_DEC_AFTER_START(String(name))
  const getterSetter = isGetterSetter(value)
  if (!getterSetter && value !== null && typeof value === 'object') throw new codes.FST_ERR_DEC_REFERENCE_TYPE(String(name), typeof value)
  const proto = Class.prototype
  if (Object.hasOwn(proto, name) || fields.has(name) || Class.props.some(([key]) => key === name)) throw new codes.FST_ERR_DEC_ALREADY_PRESENT(String(name))
  checkDependencies(proto, name, dependencies, builtIns)
  if (getterSetter) {
    Object.defineProperty(proto, name, { get: value.getter, set: value.setter, configurable: true })
    return
  }
  Object.defineProperty(proto, name, { value, writable: true, configurable: true })
  if (typeof value !== 'function') Class.props.push([name, value])
}

/** The error of a setter called once the app has booted, as Fastify words it. */
function assertNotStarted (self: HttpInstance, method: string): void {
  if (self[kApp].state.ready) throw new codes.FST_ERR_INSTANCE_ALREADY_LISTENING(`Cannot call "${method}"!`)
}

const asyncListenCallbackWarning = 'The listen method mixes async and callback styles that may lead to unhandled rejections. Please use only one of them.'

const errorHandlerOverrideWarning = 'It seems that you are overriding an errorHandler in the same scope, which can lead to subtle bugs. ' +
  'To disable this behavior, set \'allowErrorHandlerOverride\' to false.'

/**
 * The runtime instance: the app half (PluginHost) and this HTTP half. Its public type is the
 * WeftInstance interface (src/types/api.ts); weft() checks the class against it member by member.
 */
export class HttpInstance extends PluginHost<HttpScope, HttpApp> {
  get server (): Server { return this[kApp].server }
  get initialConfig (): Readonly<Record<string, unknown>> { return this[kApp].initialConfig }

  override addHook<K extends keyof HookSignatures<this>> (name: K, fn: HookSignatures<this>[K]): this {
    return super.addHook(name, fn as Function)
  }

  route (opts: RouteOptions): this {
    const app = this[kApp]
    if (app.state.ready) throw new codes.FST_ERR_INSTANCE_ALREADY_LISTENING('Cannot add route!')
    if (app.state.started) throw new codes.AVV_ERR_ROOT_PLG_BOOTED()
    route(app, this, this[kScope], opts)
    return this
  }

  get: Shorthand<this> = shorthand<this>('GET')
  head: Shorthand<this> = shorthand<this>('HEAD')
  post: Shorthand<this> = shorthand<this>('POST')
  put: Shorthand<this> = shorthand<this>('PUT')
  delete: Shorthand<this> = shorthand<this>('DELETE')
  options: Shorthand<this> = shorthand<this>('OPTIONS')
  patch: Shorthand<this> = shorthand<this>('PATCH')
  trace: Shorthand<this> = shorthand<this>('TRACE')
  query: Shorthand<this> = shorthand<this>('QUERY')

  /** Every method the app routes when it is called (Fastify's `supportedMethods`, addHttpMethod's included). */
  all (path: string, optsOrHandler: RouteShorthandOptions | UserFunction, handler?: UserFunction): this {
    return shorthand<this>(this[kApp].methods.list()).call(this, path, optsOrHandler, handler)
  }

  get supportedMethods (): string[] { return this[kApp].methods.list() }

  /** Routes `method` (one Node knows, as Node spells it), parsing its body when `hasBody`; adds a lowercase shorthand for it. */
  addHttpMethod (method: string, opts?: AddHttpMethodOptions): this {
    this[kApp].methods.add(method, opts)
    const name = method.toLowerCase()
    if (!this.hasDecorator(name)) this.decorate(name, shorthand(method))
    return this
  }

  hasRoute (opts: { method?: string, url?: string, constraints?: Record<string, unknown> }): boolean {
    return this[kApp].router.has(opts.method?.toUpperCase() ?? '', opts.url || '', opts.constraints)
  }

  /** The route a request with this method, url and constraints would reach: its handler, params and parsed query; null if none. */
  findRoute (opts: { method?: string, url?: string, constraints?: Record<string, unknown> }): FoundRoute | null {
    const app = this[kApp]
    const parse = app.querystringParser ?? fastQuerystring.parse
    return app.router.findRoute(opts.method?.toUpperCase() ?? '', opts.url || '', opts.constraints, parse)
  }

  /** Adds a constraint strategy (find-my-way's shape: name, storage, deriveConstraint, validate…); not once the app has started. */
  addConstraintStrategy (strategy: Record<string, unknown>): void {
    // as Fastify: refused once the app has started (a tick after ready() resolved)
    if (this[kApp].state.ready) throw new codes.FST_ERR_INSTANCE_ALREADY_LISTENING('Cannot add constraint strategy!')
    ;this[kApp].router.addConstraintStrategy(strategy)
  }

  /** Sets how this scope (and its children) make request ids; the requestIdHeader option is still read first. */
  setGenReqId (fn: (this: this, req: IncomingMessage) => string): this {
    if (this[kApp].state.ready) throw new codes.FST_ERR_INSTANCE_ALREADY_LISTENING('Cannot call "setGenReqId"!')
    if (typeof fn !== 'function') throw new TypeError('setGenReqId expects a function')
    ;this[kScope].genReqId = this[kApp].withIdHeader(fn as (req: IncomingMessage) => string)
    // in the turn `await ready()` resumes in, routes are bound but still take a new generator (as Fastify's read it per request)
    this[kApp].rebindIdGenerators()
    return this
  }

  /** This scope's request id generator. */
  get genReqId (): (req: IncomingMessage) => string { return this[kScope].idGenerator() ?? this[kApp].genReqId }

  /** Whether a strategy of this name is custom, or one a route uses (version, host). */
  hasConstraintStrategy (name: string): boolean { return this[kApp].router.hasConstraintStrategy(name) }

  printRoutes (options?: Record<string, unknown>): string { return this[kApp].router.print(options) }

  listen (opts?: ListenOptions | UserFunction, cb?: UserFunction): any {
    if (typeof opts === 'function') { cb = opts; opts = {} }
    const app = this[kApp]
    if (typeof cb === 'function' && cb.constructor.name === 'AsyncFunction') {
      process.emitWarning(asyncListenCallbackWarning, { type: 'FastifyWarning', code: 'FSTWRN003' })
    }
    checkListenSignal(opts)
    let p: Promise<string | undefined>
    try {
      p = listen(app, opts)
    } catch (err) {
      p = Promise.reject(err)
    }
    // success is reported first, then the onListen chain starts in the same turn
    if (typeof cb === 'function') {
      p.then((address) => {
        if (address === undefined) return // aborted by its signal
        app.startup.listening(); cb!(null, address); app.startOnListen()
      }, (err) => cb!(err, null))
      return undefined
    }
    return p.then((address) => {
      if (address === undefined) return address
      app.startup.listening()
      const reported = Promise.resolve(address)
      app.startOnListen()
      return reported
    })
  }

  /** Every address the app is bound at: the extra bindings of listen('localhost') first, then app.server's. */
  addresses (): AddressInfo[] {
    const app = this[kApp]
    const out: AddressInfo[] = [] // a unix socket's path too, typed as Fastify types it
    for (const b of app.bindings) { const a = b.server.address(); if (a !== null) out.push(a as AddressInfo) }
    const main = this.server.address()
    if (main !== null) out.push(main as AddressInfo)
    return out
  }

  /** The origin of app.server's address (`http://127.0.0.1:3000`, or a unix socket's path). */
  get listeningOrigin (): string {
    const address = this.server.address()
    if (address === null) throw new TypeError('listeningOrigin: the app is not listening')
    return originOf(address, Boolean(this[kApp].options.https))
  }

  /** `await using app = weft()`: closes the app. */
  [Symbol.asyncDispose] (): Promise<void> { return this.close() }

  inject (opts?: unknown, cb?: UserFunction): any {
    return inject(this[kApp], opts, cb)
  }

  /** The raw request handler (for custom servers). */
  get routing () { const app = this[kApp]; return app.dispatch.bind(app) }

  decorateRequest (name: string | symbol, value: unknown, dependencies?: string[]): this {
    decorateClass(this, this[kScope].Request, requestFields, requestBuiltIns, name, value, dependencies)
    return this
  }

  decorateReply (name: string | symbol, value: unknown, dependencies?: string[]): this {
    decorateClass(this, this[kScope].Reply, replyFields, replyBuiltIns, name, value, dependencies)
    return this
  }

  hasRequestDecorator (name: string | symbol): boolean { return name in this[kScope].Request.prototype || requestBuiltIns.has(name) }
  hasReplyDecorator (name: string | symbol): boolean { return name in this[kScope].Reply.prototype || replyBuiltIns.has(name) }

  setErrorHandler (fn: UserFunction): this {
    assertNotStarted(this, 'setErrorHandler')
    if (typeof fn !== 'function') throw new codes.FST_ERR_ERROR_HANDLER_NOT_FN()
    const scope = this[kScope]
    if (scope.errorHandlerSet) {
      if (this[kApp].options.allowErrorHandlerOverride === false) throw new codes.FST_ERR_ERROR_HANDLER_ALREADY_SET()
      process.emitWarning(errorHandlerOverrideWarning, { type: 'FastifyWarning', code: 'FSTWRN004' })
    }
    scope.errorHandlerSet = true
    // bound to this instance as Fastify's: the errorHandler getter gives the bound function ('bound name')
    scope.errorHandler = { fn: fn.bind(this), scope: this, parent: scope.errorHandler }
    return this
  }

  get errorHandler () { return this[kScope].errorHandler.fn }

  setNotFoundHandler (opts: Record<string, any> | UserFunction, handler?: UserFunction): this {
    if (typeof opts === 'function') { handler = opts as UserFunction; opts = {} }
    assertNotStarted(this, 'setNotFoundHandler')
    if (this[kApp].state.started) throw new codes.AVV_ERR_ROOT_PLG_BOOTED()
    const scope = this[kScope]
    if (typeof handler !== 'function') throw new codes.FST_ERR_ROUTE_MISSING_HANDLER('*', scope.prefix + '*')
    declareNotFound(scope, handler, opts ?? {})
    // a step of Fastify's plugin loader, which printPlugins() shows
    this[kApp].loader.mark()
    return this
  }

  setValidatorCompiler (compiler: ValidatorCompiler): this {
    assertNotStarted(this, 'setValidatorCompiler')
    ;this[kScope].validatorCompiler = compiler
    return this
  }

  setSerializerCompiler (compiler: SerializerCompiler): this {
    assertNotStarted(this, 'setSerializerCompiler')
    ;this[kScope].serializerCompiler = compiler
    return this
  }

  get validatorCompiler () { return this[kScope].builtValidatorCompiler() }
  get serializerCompiler () { return this[kScope].builtSerializerCompiler() }

  /** Makes the request loggers of this scope's routes (and its children's): `(logger, bindings, options, rawReq) => child`. */
  setChildLoggerFactory (factory: UserFunction): this {
    assertNotStarted(this, 'setChildLoggerFactory')
    ;this[kScope].childLoggerFactory = factory
    return this
  }

  get childLoggerFactory (): ChildLoggerFactory {
    return this[kScope].childLoggerFactory ?? defaultChildLoggerFactory
  }

  /** Fastify's setSchemaController: `compilersFactory` builds the compilers of this scope's routes (and its children's). */
  setSchemaController (options: { compilersFactory?: CompilersFactory, bucket?: BucketFactory }): this {
    assertNotStarted(this, 'setSchemaController')
    const scope = this[kScope]
    if (typeof options?.bucket === 'function') scope.useBucket(options.bucket)
    // a function left out is the parent's (Fastify's "inherits buildSerializer from parent")
    if (options?.compilersFactory !== undefined) scope.compilersFactory = { ...scope.compilersFactory, ...options.compilersFactory }
    return this
  }

  setSchemaErrorFormatter (formatter: SchemaErrorFormatter): this {
    assertNotStarted(this, 'setSchemaErrorFormatter')
    ;this[kScope].schemaErrorFormatter = checkSchemaErrorFormatter(formatter, this)
    return this
  }

  setReplySerializer (fn: (payload: unknown, statusCode: number) => string): this {
    assertNotStarted(this, 'setReplySerializer')
    if (typeof fn !== 'function') throw new codes.WEFT_ERR_REPLY_SERIALIZER_NOT_FN(typeof fn)
    ;this[kScope].replySerializer = fn
    return this
  }

  addSchema (schema: Record<string, unknown>): this {
    assertNotStarted(this, 'addSchema')
    ;this[kScope].addSchema(schema)
    return this
  }

  getSchemas (): Record<string, unknown> { return this[kScope].schemas.getSchemas() }
  getSchema (id: string): unknown { return this[kScope].schemas.getSchema(id) }

  addContentTypeParser (contentType: string | string[] | RegExp, opts: AddContentTypeParserOptions | ContentTypeParserFunction, parser?: ContentTypeParserFunction): this {
    if (this[kApp].state.ready) throw new codes.FST_ERR_CTP_INSTANCE_ALREADY_STARTED('addContentTypeParser')
    if (typeof opts === 'function') { parser = opts; opts = {} }
    ;this[kScope].contentTypeParser.add(contentType, opts ?? {}, parser as ContentTypeParserFunction)
    return this
  }

  hasContentTypeParser (contentType: string | RegExp): boolean { return this[kScope].contentTypeParser.has(contentType) }

  removeContentTypeParser (contentType: string | string[] | RegExp): this {
    if (this[kApp].state.ready) throw new codes.FST_ERR_CTP_INSTANCE_ALREADY_STARTED('removeContentTypeParser')
    ;this[kScope].contentTypeParser.remove(contentType)
    return this
  }

  removeAllContentTypeParsers (): this {
    if (this[kApp].state.ready) throw new codes.FST_ERR_CTP_INSTANCE_ALREADY_STARTED('removeAllContentTypeParsers')
    ;this[kScope].contentTypeParser.removeAll()
    return this
  }

  getDefaultJsonParser (onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): ContentTypeParserFunction {
    return getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning)
  }

  /** The text/plain parser, (request, body, done) with the body as a string: for addContentTypeParser, as Fastify's. */
  get defaultTextParser (): ContentTypeParserFunction { return defaultTextParser }

  /** Weft and Fastify type providers only change types: at run time this is the instance. */
  withTypeProvider (): this { return this }
}
