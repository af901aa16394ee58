// The only node:async_hooks use in src/http: where the lifecycle resumes from someone else's async
// context (body stream events, a parser's late callback, timers, socket events), it is put back
// into the request's own, which AsyncLocalStorage users (and weft/observe) see. Made per request
// only when such a resume can happen: a timeout or abort watcher is armed, request.signal is read,
// or the handler returned before sending. Type WEFT_REQUEST_CONTEXT, destroyed when the request
// completes. A body parse has a resource of its own, as Fastify's: see parserAsyncContext.
import { AsyncResource } from 'node:async_hooks'

/** The async context a request runs in, captured where it was current. */
export type RequestAsyncContext = AsyncResource

/** The async resource a body parse settles in. */
export type ParserAsyncContext = AsyncResource

/** Set on the Request (null until captured). */
export const kAsyncContext = Symbol('weft.asyncContext')

export interface HoldsAsyncContext { [kAsyncContext]: RequestAsyncContext | null }

/** Captures the current async context as the request's (replacing an earlier capture: the later one has more in it). */
export function captureAsyncContext (request: HoldsAsyncContext): RequestAsyncContext {
  const previous = request[kAsyncContext]
  if (previous != null) previous.emitDestroy()
  return (request[kAsyncContext] = new AsyncResource('WEFT_REQUEST_CONTEXT'))
}

/** The resource a body parse settles in, made in the request's context when a parser is chosen (Fastify's type,
 *  `content-type-parser:run`): the body's stream events and the parser's answer run in it, and so does the lifecycle
 *  after the parse (the handler included), as Fastify runs them. Its destroy is emitted when the parser answers. */
export function parserAsyncContext (): ParserAsyncContext {
  return new AsyncResource('content-type-parser:run')
}

/** The request is over: its captured context (if any) is destroyed now rather than at garbage collection. */
export function releaseAsyncContext (request: HoldsAsyncContext): void {
  const context = request[kAsyncContext]
  if (context == null) return
  request[kAsyncContext] = null
  context.emitDestroy()
}

/** Calls fn(a, b) in the request's captured context, or right here when nothing was captured. */
export function inRequestContext<A, B> (request: HoldsAsyncContext, fn: (a: A, b: B) => void, a: A, b: B): void {
  const context = request[kAsyncContext]
  if (context == null) fn(a, b) // null: nothing captured (undefined: not a Request)
  else context.runInAsyncScope(fn, undefined, a, b)
}
