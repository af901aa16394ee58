// What the router could not route, kept on the raw request for the request path to answer:
// a path that is not a valid URL component (400) or a parameter over maxParamLength (414), or
// that a router option of the user's answered it.
import type { IncomingMessage } from 'node:http'
import { codes, type WeftError } from '../errors.js'

const kRoutingError = Symbol('weft.routingError')

/** find-my-way's onBadUrl. */
export function recordBadUrl (path: string, req: IncomingMessage): void {
  (req as any)[kRoutingError] = new codes.FST_ERR_BAD_URL(path)
}

/** find-my-way's onMaxParamLength. */
export function recordMaxParamLength (path: string, req: IncomingMessage): void {
  (req as any)[kRoutingError] = new codes.FST_ERR_MAX_PARAM_LENGTH(path)
}

/** Records that the user's router option (routerOptions.onBadUrl, onMaxParamLength, defaultRoute) answers the request. */
export function recordAnswered (req: IncomingMessage): void {
  (req as any)[kRoutingError] = null
}

/** The error recorded by the router's handler for an unroutable request; null when a router option of the user's answered it. */
export function routingError (req: IncomingMessage): WeftError | null {
  const recorded = (req as any)[kRoutingError] as WeftError | null | undefined
  return recorded === undefined ? new codes.FST_ERR_BAD_URL(req.url) : recorded
}
