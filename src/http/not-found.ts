// Not-found handlers: the level a scope's setNotFoundHandler() belongs to (the root, or the nearest
// scope registered with its own prefix, as Fastify), one handler per level, kept on the level.
import { codes } from '../errors.js'
import type { HttpScope } from './http-scope.js'
import type { RouteContext } from './route-context.js'

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
 * route's own onSend hooks, as Fastify (a view over the level's context when they differ).
 */
export function notFoundFor (route: RouteContext, level: RouteContext): RouteContext {
  if (route.onSend === level.onSend) return level
  const view: RouteContext = Object.create(level)
  view.onSend = route.onSend
  return view
}
