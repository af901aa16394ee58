// Not-found handlers: the level a scope's setNotFoundHandler() belongs to (the root, or the nearest
// scope registered with its own prefix, as Fastify), one handler per level, their routes at boot
// and the default handler (Fastify's 404 body).
import { codes } from '../errors.js'
import type { PluginScope } from '../app/plugin-scope.js'
import type { HttpScope } from './http-scope.js'
import { kContext, type Request } from './request.js'
import type { Reply } from './reply.js'
import { RouteContext } from './route-context.js'
import { bindHooks, type RouteHost } from './routes.js'

/** The scope whose not-found handler `scope`'s setNotFoundHandler() sets: itself when it is the root or has a prefix of its own. */
export function notFoundLevel (scope: HttpScope): HttpScope {
  let level = scope
  while (level.parent !== null && level.prefix === (level.parent as HttpScope).prefix) level = level.parent as HttpScope
  return level
}

/** Declares `scope`'s not-found handler on its level; a level takes one (FST's "already set" error otherwise). */
export function declareNotFound (scope: HttpScope, handler: (this: any, request: any, reply: any) => unknown, options: Record<string, any>): void {
  const level = notFoundLevel(scope)
  if (level.notFound !== null) throw new codes.WEFT_ERR_NOT_FOUND_HANDLER_ALREADY_SET(level.prefix || '/')
  level.notFound = { handler, options, scope }
}

/**
 * The not-found route reply.callNotFound() hands a route's request to: the level's, but with the
 * route's own onSend hooks, as Fastify (a view over the level's context when they differ), and the
 * route's request lines (the request keeps the logger the route made for it).
 */
export function notFoundFor (route: RouteContext, level: RouteContext): RouteContext {
  if (route.onSend === level.onSend && route.requestLogging === level.requestLogging && route.completedLogging === level.completedLogging) return level
  const view: RouteContext = Object.create(level)
  view.onSend = route.onSend
  view.requestLogging = route.requestLogging
  view.completedLogging = route.completedLogging
  return view
}

/** The root's handler until one is set: Fastify's 404 body, a "not found" line at info. */
export function defaultNotFound (request: Request, reply: Reply): void {
  const context = request[kContext]
  if (context.requestLogging) context.app.logController.routeNotFound(request, reply)
  reply.code(404).send({ message: `Route ${request.method}:${request.url} not found`, error: 'Not Found', statusCode: 404 })
}

/**
 * At boot: a not-found route per level that has a handler (the root always), in the router under
 * its prefix, and each declared route linked to its level's (what reply.callNotFound() runs).
 * `watch`: the response's end must be seen even without onResponse hooks or request lines (an
 * observer). Returns the not-found contexts with the scope that set each.
 */
export function bindNotFoundRoutes (host: RouteHost, root: HttpScope, watch: boolean): Array<{ context: RouteContext, scope: HttpScope }> {
  const levels = new Map<PluginScope, RouteContext>()
  const bound: Array<{ context: RouteContext, scope: HttpScope }> = []
  for (const scope of root.walk() as Iterable<HttpScope>) {
    if (scope.notFound === null && scope !== root) continue
    const declared = scope.notFound ?? { handler: defaultNotFound, options: {}, scope }
    const owner = declared.scope // the scope that set it: its hooks and `this`
    const context = new RouteContext(host.runtime, owner.instance, '*', scope.prefix + '*', declared.handler, true, host.settings.bodyLimit, {})
    context.handlerTimeout = host.settings.handlerTimeout
    bindHooks(context, owner, owner.instance, declared.options, watch)
    host.router.addNotFound(scope.prefix, context)
    levels.set(scope, context)
    bound.push({ context, scope: owner })
  }
  for (const d of host.declarations) {
    let scope: PluginScope | null = d.scope
    while (scope !== null && !levels.has(scope)) scope = scope.parent
    d.context.notFound = notFoundFor(d.context, levels.get(scope ?? root)!)
  }
  return bound
}
