// Routing with find-my-way: one router for routes, one for the not-found handlers of each
// prefix (setNotFoundHandler is encapsulated). Query strings are handed back raw and parsed
// only when request.query is read; unroutable paths (bad URL, over-long parameter) are recorded.
import type { IncomingMessage } from 'node:http'
import FindMyWay from 'find-my-way'
import { codes } from '../errors.js'
import { recordBadUrl, recordMaxParamLength } from './routing-errors.js'
import type { RouteContext } from './route-context.js'

export interface RouterOptions {
  ignoreTrailingSlash?: boolean
  ignoreDuplicateSlashes?: boolean
  caseSensitive?: boolean
  maxParamLength?: number
  allowUnsafeRegex?: boolean
  useSemicolonDelimiter?: boolean
  constraints?: Record<string, unknown>
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
  #constrained = false

  constructor (options: RouterOptions) {
    const base = {
      ignoreTrailingSlash: options.ignoreTrailingSlash ?? false,
      ignoreDuplicateSlashes: options.ignoreDuplicateSlashes ?? false,
      caseSensitive: options.caseSensitive ?? true,
      maxParamLength: options.maxParamLength ?? 100,
      allowUnsafeRegex: options.allowUnsafeRegex ?? false,
      useSemicolonDelimiter: options.useSemicolonDelimiter ?? false,
      querystringParser: rawQuery,
      onBadUrl: recordBadUrl as any,
      onMaxParamLength: recordMaxParamLength as any
    }
    this.routes = FindMyWay({ ...base, constraints: options.constraints as any })
    // as Fastify's, the router of not-found handlers takes none of the router options: a prefix is
    // matched case-sensitively, trailing and duplicate slashes and semicolons as they are
    this.notFound = FindMyWay({ querystringParser: rawQuery, onBadUrl: recordBadUrl as any, onMaxParamLength: recordMaxParamLength as any })
    // every method, every path: an unrouted path is decoded as a routed one is (a bad URL is a 400 for any method)
    this.notFound.all('/*', noop, kRoot)
  }

  find (req: IncomingMessage): RouteMatch | null {
    const constraints = this.#constrained ? (this.routes as any).constrainer.deriveConstraints(req, undefined) : undefined
    return this.routes.find(req.method as FindMyWay.HTTPMethod, req.url!, constraints as any) as RouteMatch | null
  }

  add (method: string, url: string, constraints: Record<string, unknown> | undefined, context: RouteContext): void {
    if (constraints !== undefined && Object.keys(constraints).length > 0) this.#constrained = true
    try {
      this.routes.on(method as FindMyWay.HTTPMethod, url, { constraints: constraints ?? {} } as any, noop, context)
    } catch (err) {
      const message = (err as Error).message ?? ''
      if (/already declared/.test(message)) throw new codes.FST_ERR_DUPLICATED_ROUTE(method, url)
      throw err
    }
  }

  has (method: string, url: string, constraints?: Record<string, unknown>): boolean {
    // find-my-way stores a route declared as '*' under '/*', and finds it only by that name
    return this.routes.hasRoute(method as FindMyWay.HTTPMethod, url === '*' ? '/*' : url, (constraints ?? {}) as any)
  }

  /** Routes unmatched URLs under `prefix` to `context`; the root prefix ('') is the fallback. */
  addNotFound (prefix: string, context: RouteContext): void {
    if (prefix === '') {
      this.rootNotFound = context
      return
    }
    this.notFound.all(prefix.endsWith('/') ? prefix + '*' : prefix + '/*', noop, context)
    this.notFound.all(prefix, noop, context)
  }

  /** The not-found handler of the request's prefix; a match with a null store when the path does not decode. */
  notFoundMatch (req: IncomingMessage): RouteMatch {
    const match = this.notFound.find(req.method as FindMyWay.HTTPMethod, req.url!) as RouteMatch | null
    if (match === null || (match.store as unknown) === kRoot) return { handler: noop, params: {}, store: this.rootNotFound, searchParams: match?.searchParams ?? '' }
    return match
  }

  print (options?: Record<string, unknown>): string {
    return this.routes.prettyPrint(options as any)
  }
}

function noop (): void {}
