// Routing with find-my-way: one router for routes, one for the not-found handlers of each
// prefix (setNotFoundHandler is encapsulated). Query strings are handed back raw and parsed
// only when request.query is read; unroutable paths (bad URL, over-long parameter) are recorded.
import type { IncomingMessage, ServerResponse } from 'node:http'
import assert from 'node:assert'
import FindMyWay from 'find-my-way'
import { codes } from '../errors.js'
import { recordAnswered, recordBadUrl, recordMaxParamLength } from './routing-errors.js'
import type { RouteContext } from './route-context.js'
import { printOptions, routeMeta } from './route-meta.js'

export interface RouterOptions {
  ignoreTrailingSlash?: boolean
  ignoreDuplicateSlashes?: boolean
  caseSensitive?: boolean
  maxParamLength?: number
  allowUnsafeRegex?: boolean
  useSemicolonDelimiter?: boolean
  constraints?: Record<string, unknown>
  querystringParser?: (search: string) => Record<string, unknown>
  /** Answers, with the raw request and response, what no route matches (replacing the not-found handlers). */
  defaultRoute?: (req: IncomingMessage, res: ServerResponse) => void
  /** Answers a path that does not decode (replacing the 400 and frameworkErrors). */
  onBadUrl?: (path: string, req: IncomingMessage, res: ServerResponse) => void
  /** Answers a parameter over maxParamLength (replacing the 414 and frameworkErrors). */
  onMaxParamLength?: (path: string, req: IncomingMessage, res: ServerResponse) => void
  /** Compile both routers' lookups once the app has booted (find-my-way's compile()); ajv-coerced like Fastify's. */
  compile?: unknown
  /** What printRoutes({ includeMeta }) shows of a route (find-my-way's route: method, path, opts, store). */
  buildPrettyMeta?: (route: unknown) => Record<string, unknown>
}

/** What findRoute() tells of a route: the handler the router calls, the params and the parsed query. */
export interface FoundRoute {
  handler: Function
  params: Record<string, string>
  searchParams: Record<string, unknown>
}

export interface RouteMatch {
  handler: (req: IncomingMessage, res: unknown) => void
  params: Record<string, string>
  store: RouteContext | null
  searchParams: string
}

function rawQuery (search: string): any { return search }

/** The store of the not-found router's catch-all: the root not-found handler, whichever it is when a request comes. */
const kRoot = Symbol('weft.rootNotFound')

export class Router {
  readonly routes: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>
  readonly notFound: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>
  rootNotFound!: RouteContext
  /** find-my-way's constrainer: which strategies (sync, async) routes use. */
  readonly #constrainer: { strategiesInUse: Set<string>, asyncStrategiesInUse: Set<string>, deriveConstraints: Function }
  /** routerOptions.defaultRoute: what no route matches goes to it, not to the not-found handlers. */
  readonly #defaultRoute: RouteMatch | null
  readonly #compile: boolean

  constructor (options: RouterOptions) {
    this.#compile = compileOption(options.compile)
    const onBadUrl = options.onBadUrl === undefined ? recordBadUrl : answeredBy(option(options.onBadUrl, 'onBadUrl'))
    const onMaxParamLength = typeof options.onMaxParamLength !== 'function' ? recordMaxParamLength : answeredBy(options.onMaxParamLength)
    const defaultRoute = options.defaultRoute === undefined ? undefined : option(options.defaultRoute, 'defaultRoute')
    this.#defaultRoute = defaultRoute === undefined
      ? null
      : { handler: (req, res) => { recordAnswered(req); defaultRoute(req, res as ServerResponse) }, params: {}, store: null, searchParams: '' }
    const base = {
      ignoreTrailingSlash: options.ignoreTrailingSlash ?? false,
      ignoreDuplicateSlashes: options.ignoreDuplicateSlashes ?? false,
      caseSensitive: options.caseSensitive ?? true,
      maxParamLength: options.maxParamLength ?? 100,
      allowUnsafeRegex: options.allowUnsafeRegex ?? false,
      useSemicolonDelimiter: options.useSemicolonDelimiter ?? false,
      querystringParser: rawQuery,
      onBadUrl: onBadUrl as any,
      onMaxParamLength: onMaxParamLength as any,
      buildPrettyMeta: (options.buildPrettyMeta === undefined ? routeMeta : option(options.buildPrettyMeta, 'buildPrettyMeta')) as any
    }
    this.routes = FindMyWay({ ...base, constraints: options.constraints as any })
    this.#constrainer = (this.routes as any).constrainer
    // as Fastify's, the router of not-found handlers takes none of the router options: a prefix is
    // matched case-sensitively, trailing and duplicate slashes and semicolons as they are
    this.notFound = FindMyWay({ querystringParser: rawQuery, onBadUrl: onBadUrl as any, onMaxParamLength: onMaxParamLength as any })
    // every method, every path: an unrouted path is decoded as a routed one is (a bad URL is a 400 for any method)
    this.notFound.all('/*', noop, kRoot)
  }

  find (req: IncomingMessage): RouteMatch | null {
    const constraints = this.#constrainer.strategiesInUse.size > 0 ? this.#constrainer.deriveConstraints(req, undefined) : undefined
    return this.routes.find(req.method as FindMyWay.HTTPMethod, req.url!, constraints as any) as RouteMatch | null
  }

  /** True when a route is constrained by an async strategy: find with findAsync(). */
  get asyncConstrained (): boolean { return this.#constrainer.asyncStrategiesInUse.size > 0 }

  /** find() once every constraint is derived, async strategies included; `done` gets their error, if any. */
  findAsync (req: IncomingMessage, done: (err: Error | null, match: RouteMatch | null) => void): void {
    this.#constrainer.deriveConstraints(req, undefined, (err: Error | null, constraints: unknown) => {
      if (err !== null) return done(err, null)
      done(null, this.routes.find(req.method as FindMyWay.HTTPMethod, req.url!, constraints as any) as RouteMatch | null)
    })
  }

  /** The route declared for `method` and `url` (a path or a declared pattern) under these constraints, or null. */
  findRoute (method: string, url: string, constraints: Record<string, unknown> | undefined, parse: (search: string) => Record<string, unknown>): FoundRoute | null {
    const match = this.routes.find(method as FindMyWay.HTTPMethod, url, constraints as any) as RouteMatch | null
    if (match === null) return null
    return { handler: match.handler, params: match.params, searchParams: parse(match.searchParams) }
  }

  addConstraintStrategy (strategy: unknown): void { this.routes.addConstraintStrategy(strategy as any) }

  hasConstraintStrategy (name: string): boolean { return this.routes.hasConstraintStrategy(name) }

  add (method: string, url: string, constraints: Record<string, unknown> | undefined, context: RouteContext): void {
    try {
      this.routes.on(method as FindMyWay.HTTPMethod, url, { constraints: constraints ?? {} } as any, noop, context)
    } catch (err) {
      const message = (err as Error).message ?? ''
      if (/already declared/.test(message)) throw new codes.FST_ERR_DUPLICATED_ROUTE(method, url)
      throw err
    }
  }

  /** What find-my-way checks of a route's path (not empty, starting with '/' or '*'), for a route declared with no method. */
  checkPath (url: string): void {
    this.routes.on([], url, noop)
  }

  has (method: string, url: string, constraints?: Record<string, unknown>): boolean {
    // find-my-way stores a route declared as '*' under '/*', and finds it only by that name
    return this.routes.hasRoute(method as FindMyWay.HTTPMethod, url === '*' ? '/*' : url, (constraints ?? {}) as any)
  }

  /** Routes unmatched URLs under `prefix` to `context`; the root prefix ('') is the fallback. */
  addNotFound (prefix: string, context: RouteContext): void {
    // the prefix '/' covers every path: its handler takes the root's place (scopes come root first)
    if (prefix === '' || prefix === '/') {
      this.rootNotFound = context
      return
    }
    this.notFound.all(prefix.endsWith('/') ? prefix + '*' : prefix + '/*', noop, context)
    this.notFound.all(prefix, noop, context)
  }

  /** The not-found handler of the request's prefix; a match with a null store when the path does not decode. */
  notFoundMatch (req: IncomingMessage): RouteMatch {
    if (this.#defaultRoute !== null) return this.#defaultRoute
    const match = this.notFound.find(req.method as FindMyWay.HTTPMethod, req.url!) as RouteMatch | null
    if (match === null || (match.store as unknown) === kRoot) return { handler: noop, params: {}, store: this.rootNotFound, searchParams: match?.searchParams ?? '' }
    return match
  }

  /** routerOptions.compile: compiles the lookups of both routers, once every route is in. */
  compileIfAsked (): void {
    if (!this.#compile) return
    this.routes.compile()
    this.notFound.compile()
  }

  print (options?: Record<string, unknown>): string {
    return this.routes.prettyPrint(printOptions(options) as any)
  }
}

function noop (): void {}

/** routerOptions.compile as Fastify's option schema reads it: a boolean, or what coerces to one. */
export function compileOption (value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === 'false') return false
  if (value === true || value === 1 || value === 'true') return true
  throw new codes.FST_ERR_INIT_OPTS_INVALID(JSON.stringify(['must be boolean']))
}

/** find-my-way's words when a router option is not a function (it checks before it would see our wrapper). */
const notAFunction: Record<string, string> = {
  onBadUrl: 'The bad url handler must be a function',
  defaultRoute: 'The default route must be a function',
  buildPrettyMeta: 'buildPrettyMeta must be a function'
}

/** A router option that must be a function, refused as find-my-way refuses it. */
function option<F> (fn: F, name: string): F {
  assert(typeof fn === 'function', notAFunction[name])
  return fn
}

/** A user's onBadUrl / onMaxParamLength: it answers the request itself. */
function answeredBy (fn: (path: string, req: IncomingMessage, res: ServerResponse) => void) {
  return (path: string, req: IncomingMessage, res: ServerResponse): void => {
    recordAnswered(req)
    fn(path, req, res)
  }
}
