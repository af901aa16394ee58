// Declaring routes (option checks, prefixes, onRoute, automatic HEAD) and binding them when the
// app becomes ready: each route's context gets its final hook arrays (scope hooks first, then
// the route's own), compiled schemas, error handler and the scope's Request/Reply classes.
import { codes } from '../errors.js'
import { callbackArity, isAsyncFunction, requestHooks, validateHook, type RequestHookName } from '../hooks/names.js'
import type { HookEntry } from '../hooks/request-hook-runner.js'
import type { HttpScope } from './http-scope.js'
import { RouteContext, type HandlerFn } from './route-context.js'
import { withHeadOnSend } from './head-route.js'
import type { Router } from './router.js'
import { writesRequestLines, type WeftRuntime } from './runtime.js'
import { compileRouteSchemas, defaultSerializerCompiler, defaultValidatorCompiler, type SerializerCompiler, type ValidatorCompiler } from './schemas.js'

export interface RouteSettings {
  bodyLimit: number
  handlerTimeout: number
  exposeHeadRoutes: boolean
  ignoreTrailingSlash: boolean
  ignoreDuplicateSlashes: boolean
  ajv?: { customOptions?: object, plugins?: unknown[] }
  serializerOpts?: object
}

export interface RouteDeclaration {
  scope: HttpScope
  instance: any
  options: Record<string, any>
  context: RouteContext
  /** An automatic HEAD route (in the router from its declaration, unless a HEAD route had the path). */
  autoHead: boolean
  paths: string[]
}

export interface RouteHost {
  readonly runtime: WeftRuntime
  readonly router: Router
  readonly settings: RouteSettings
  readonly declarations: RouteDeclaration[]
  readonly started: boolean
  /** Boot-time figures (onRoute calls and their time). */
  readonly startup: { now (): number, onRoute (startMs: number): void }
  /** The plugin loader, which shows a route's binding step in printPlugins(). */
  readonly loader: { mark (): void }
}

export function route (host: RouteHost, instance: any, scope: HttpScope, opts: Record<string, any>): void {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new codes.FST_ERR_ROUTE_OPTIONS_NOT_OBJ(String((opts as any)?.method), String((opts as any)?.url))
  // as Fastify's: a missing url is '' (find-my-way then refuses the empty path); one that is not a
  // string is joined to the prefix as it converts (find-my-way then judges the path it makes)
  const given: unknown = opts.url || opts.path || ''
  const path = typeof given === 'string' ? given : '' + (given as string)
  const methods: unknown[] = Array.isArray(opts.method) ? opts.method : [opts.method]
  // Fastify's order: the handler, errorHandler, bodyLimit and handlerTimeout options, then the methods, then the url
  if (typeof opts.handler !== 'function') throw new codes.FST_ERR_ROUTE_MISSING_HANDLER(String(methods[0]), path)
  if (opts.errorHandler !== undefined && typeof opts.errorHandler !== 'function') throw new codes.FST_ERR_ROUTE_HANDLER_NOT_FN(String(methods[0]), path)
  if (opts.bodyLimit !== undefined && (!Number.isInteger(opts.bodyLimit) || opts.bodyLimit <= 0)) throw new codes.FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT(opts.bodyLimit)
  if (opts.handlerTimeout !== undefined && (!Number.isInteger(opts.handlerTimeout) || opts.handlerTimeout <= 0)) throw new codes.FST_ERR_ROUTE_HANDLER_TIMEOUT_OPTION_NOT_INT(opts.handlerTimeout)
  // `method: []` is a route with no method: onRoute sees it, find-my-way checks its path, nothing is routed
  for (const m of methods) {
    if (typeof m !== 'string') throw new codes.FST_ERR_ROUTE_METHOD_INVALID()
    const upper = m.toUpperCase()
    if (!host.runtime.methods.has(upper)) throw new codes.FST_ERR_ROUTE_METHOD_NOT_SUPPORTED(upper)
    if (host.runtime.methods.bodyless.has(upper) && opts.schema?.body != null) throw new codes.FST_ERR_ROUTE_BODY_VALIDATION_SCHEMA_NOT_SUPPORTED(upper, path)
  }
  const method = Array.isArray(opts.method) ? methods.map(m => (m as string).toUpperCase()) : (opts.method as string).toUpperCase()
  declare(host, instance, scope, opts, method, path, false)
}

/** A route's log level must be one of the app logger's levels (a logger that lists none, as the silent one, takes any). */
function checkLogLevel (level: unknown, method: unknown, url: string, log: unknown): void {
  if (level === undefined || level === null || level === '') return
  const known = (log as { levels?: { values?: Record<string, number> } } | null)?.levels?.values
  if (known === undefined || known === null) return
  if (typeof level !== 'string' || known[level] === undefined) throw new codes.FST_ERR_ROUTE_LOG_LEVEL_INVALID(String(method), url, String(level))
}

function checkRouteHooks (opts: Record<string, any>): void {
  for (const name of requestHooks) {
    const value = opts[name]
    if (value === undefined) continue
    for (const fn of Array.isArray(value) ? value : [value]) {
      if (typeof fn !== 'function') throw new codes.FST_ERR_HOOK_INVALID_HANDLER(name, Object.prototype.toString.call(fn))
      validateHook(name, fn)
    }
  }
}

/** A route's URL is its scope's prefix and its path as written ('/p' + '*' is '/p*'), without a doubled slash ('/p/' + '/x' is '/p/x'). */
function joinPath (prefix: string, path: string): string {
  if (path.startsWith('/') && prefix.endsWith('/')) return prefix + path.slice(1)
  return prefix + path
}

/**
 * Where a declaration goes: its url (what onRoute sees), the other path it also answers on, and the
 * paths an automatic HEAD route is declared for. '/' under a prefix is the prefix itself ('/p'),
 * also answering '/p/' unless prefixTrailingSlash or ignoreTrailingSlash say otherwise (Fastify's
 * rule, which does not apply to a HEAD route).
 */
function placement (host: RouteHost, prefix: string, opts: Record<string, any>, method: string | string[], path: string):
  { url: string, routePath: string, extra: string | null, headPaths: string[] } {
  if (path !== '/' || prefix === '' || method === 'HEAD') {
    return { url: joinPath(prefix, path), routePath: path, extra: null, headPaths: [path] }
  }
  // 'slash' appends the path as written, even to a prefix ending in '/' ('/p/' + '/' is '/p//')
  if (opts.prefixTrailingSlash === 'slash') return { url: prefix + path, routePath: path, extra: null, headPaths: [path] }
  const settings = host.settings
  if (opts.prefixTrailingSlash === 'no-slash' || settings.ignoreTrailingSlash || (settings.ignoreDuplicateSlashes && prefix.endsWith('/'))) {
    return { url: prefix, routePath: '', extra: null, headPaths: [''] }
  }
  return { url: prefix, routePath: '', extra: prefix + '/', headPaths: ['', '/'] }
}

/** Runs onRoute once for the declaration, then registers each of its methods. */
function declare (host: RouteHost, instance: any, scope: HttpScope, opts: Record<string, any>, method: string | string[], path: string, autoHead: boolean): void {
  const { url, routePath, extra, headPaths } = placement(host, scope.prefix, opts, method, path)
  const options: Record<string, any> = {
    ...opts,
    method,
    url,
    path: url,
    routePath,
    prefix: scope.prefix,
    config: opts.config ?? {},
    handler: opts.handler,
    // a route's log level: its own, else its plugin's (register's logLevel option), else ''
    logLevel: opts.logLevel || scope.logLevel,
    attachValidation: opts.attachValidation ?? false
  }
  checkLogLevel(options.logLevel, options.method, url, host.runtime.log)
  for (const hook of scope.hooks.onRoute) {
    const started = host.startup.now()
    hook.fn.call(hook.scope, options)
    host.startup.onRoute(started)
  }
  checkRouteHooks(options)
  // what request.routeOptions.config holds: a copy made after onRoute, with the route's url and method
  const config = { ...options.config, url: options.url, method: options.method }
  const methods: string[] = Array.isArray(options.method) ? options.method : [options.method]
  const paths = extra === null ? [options.url as string] : [options.url as string, extra]
  const bodyLimit = options.bodyLimit ?? host.settings.bodyLimit
  for (const m of methods) {
    const context = new RouteContext(host.runtime, instance, m, options.url, options.handler as HandlerFn, false, bodyLimit, config)
    context.ownBodyLimit = options.bodyLimit ?? null
    if (!autoHead) for (const p of paths) host.router.add(m, p, options.constraints, context)
    else addAutoHead(host, paths, options.constraints, context)
    host.declarations.push({ scope, instance, options, context, autoHead, paths })
  }
  if (methods.length === 0) for (const p of paths) host.router.checkPath(p)
  // Fastify binds each path it adds through its plugin loader: printPlugins() shows each step
  for (let i = 0; i < paths.length; i++) host.loader.mark()
  // Fastify then declares the second path with the same options object, set to it: what an onRoute
  // hook kept (@fastify/swagger keeps them) ends with the url '/p/'
  if (extra !== null) {
    options.url = extra
    options.path = extra
    options.routePath = '/'
  }
  // an automatic HEAD route for each path (declared and seen by onRoute as Fastify does), unless the
  // declaration lists HEAD itself or a HEAD route already has the path
  if (autoHead || !methods.includes('GET') || methods.includes('HEAD') || !(options.exposeHeadRoute ?? host.settings.exposeHeadRoutes)) return
  // the automatic HEAD route is declared as get() would declare it: with the url as given, which must be a string
  const given: unknown = opts.url || opts.path || ''
  for (const headPath of headPaths) {
    if (host.router.has('HEAD', joinPath(scope.prefix, headPath), options.constraints)) continue
    if (typeof given !== 'string') throw new codes.FST_ERR_INVALID_URL(typeof given)
    declare(host, instance, scope, { ...opts, method: 'HEAD', onSend: withHeadOnSend(opts.onSend) }, 'HEAD', headPath, true)
  }
}

/**
 * An automatic HEAD route joins the router as it is declared, as Fastify's does (printRoutes lists
 * it right after its GET; a HEAD route declared later for the path is a duplicate); a path some
 * HEAD route already has keeps it.
 */
function addAutoHead (host: RouteHost, paths: string[], constraints: Record<string, unknown> | undefined, context: RouteContext): void {
  for (const p of paths) {
    if (host.router.has('HEAD', p, constraints)) continue
    try {
      host.router.add('HEAD', p, constraints, context)
    } catch {
      // another declaration took the path: the explicit route stays
    }
  }
}

function hookEntry (name: RequestHookName, fn: Function, scope: unknown): HookEntry {
  return { fn, scope, callback: !isAsyncFunction(fn) && fn.length >= callbackArity[name] }
}

/** Fills a context's hook arrays from its scope's hooks and the route's own. */
/** `watch`: the response's end must be seen even without onResponse hooks or request lines (an observer). */
export function bindHooks (context: RouteContext, scope: HttpScope, instance: unknown, options: Record<string, any>, watch: boolean): void {
  for (const name of requestHooks) {
    // `this` in a request hook is the route's scope, wherever the hook was added
    const entries: HookEntry[] = scope.hooks[name].map(h => hookEntry(name, h.fn, instance))
    const own = options[name]
    if (own !== undefined && own !== null) for (const fn of Array.isArray(own) ? own : [own]) entries.push(hookEntry(name, fn, instance))
    context[name] = entries.length > 0 ? entries : null
  }
  context.Request = scope.Request
  context.genReqId = scope.idGenerator()
  context.Reply = scope.Reply
  context.contentTypeParser = scope.contentTypeParser
  context.replySerializer = scope.replySerializer
  context.schemaErrorFormatter = options.schemaErrorFormatter ?? scope.schemaErrorFormatter
  context.logLevel = options.logLevel || undefined
  const own = options.logSerializers !== null && typeof options.logSerializers === 'object' ? options.logSerializers : null
  const logSerializers = own === null && scope.logSerializers === null ? undefined : { ...scope.logSerializers, ...own }
  context.childLoggerOptions = context.logLevel === undefined && logSerializers === undefined
    ? undefined
    : { ...(context.logLevel !== undefined ? { level: context.logLevel } : {}), ...(logSerializers !== undefined ? { serializers: logSerializers } : {}) }
  context.childLoggerFactory = typeof options.childLoggerFactory === 'function' ? options.childLoggerFactory : scope.childLoggerFactory
  const app = context.app
  context.requestLogging = writesRequestLines(app, context.childLoggerFactory)
  // as Fastify, which watches a response's end only with the logger on, onResponse hooks or a handlerTimeout
  context.completedLogging = context.requestLogging && (app.loggerEnabled || context.onResponse !== null || context.handlerTimeout > 0)
  // onTimeout: the socket lets go of the reply when its response finished (socket-timeout.ts)
  context.watchResponse = context.onResponse !== null || context.onRequestAbort !== null || context.onTimeout !== null || context.completedLogging || watch
  context.errorHandler = typeof options.errorHandler === 'function'
    ? { fn: options.errorHandler, scope: instance, parent: scope.errorHandler }
    : scope.errorHandler
}

/** Binds every declared route; automatic HEAD routes join the router unless HEAD was declared. */
export function bindRoutes (host: RouteHost): void {
  const { settings } = host
  for (const d of host.declarations) {
    const { context, options, scope, instance } = d
    context.handlerTimeout = options.handlerTimeout ?? settings.handlerTimeout
    bindHooks(context, scope, instance, options, host.runtime.observer !== null)
    context.attachValidation = options.attachValidation === true
    if (options.schema !== undefined && options.schema !== null) {
      // a route's own compilers win over its scope's, which win over the compilersFactory's, then Ajv's and the default serializer
      const factory = scope.compilersFactory
      const validatorCompiler: ValidatorCompiler = typeof options.validatorCompiler === 'function'
        ? options.validatorCompiler
        : scope.validatorCompilerFor(store => typeof factory?.buildValidator === 'function'
          ? factory.buildValidator(store.getSchemas(), settings.ajv ?? { customOptions: {}, plugins: [] })
          : defaultValidatorCompiler(store, settings.ajv))
      const serializerCompiler: SerializerCompiler = typeof options.serializerCompiler === 'function'
        ? options.serializerCompiler
        : scope.serializerCompilerFor(store => typeof factory?.buildSerializer === 'function'
          ? factory.buildSerializer(store.getSchemas(), settings.serializerOpts ?? null)
          : defaultSerializerCompiler(store, settings.serializerOpts))
      const compiled = compileRouteSchemas(options.schema, context.method, context.url, validatorCompiler, serializerCompiler)
      context.validators = Object.keys(compiled.validators).length > 0 ? compiled.validators : null
      context.serializers = compiled.serializers
      context.serializersByType = compiled.serializersByType
    }
    context.routeOptions = Object.freeze({
      // the route's declared method, as Fastify: an array stays one (['GET', 'POST'] on both)
      method: options.method ?? context.method,
      url: context.url,
      bodyLimit: context.bodyLimit,
      handlerTimeout: context.handlerTimeout,
      attachValidation: context.attachValidation,
      logLevel: options.logLevel,
      exposeHeadRoute: options.exposeHeadRoute ?? settings.exposeHeadRoutes,
      prefixTrailingSlash: options.prefixTrailingSlash || 'both',
      schema: options.schema,
      handler: options.handler,
      config: context.config,
      version: options.constraints?.version
    })
  }
}
