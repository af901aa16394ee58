// A reply's hand-offs: to the error flow, to a later send (the async context it continues in),
// from a handler's promise, and the hook runs its chains go through.
import { codes } from '../errors.js'
import { handlerChannel, traceError, type HandlerTrace } from './diagnostics.js'
import { HookRun, kHijacked, kSendCalled } from '../hooks/request-hook-runner.js'
import { kContext } from './request.js'
import { captureAsyncContext } from './request-context.js'
import { kRun, kSendLater, type ReplyState } from './reply-state.js'

/** Hands a failure to the error flow. */
export function fail (reply: ReplyState, error: unknown): void {
  reply[kContext].app.stages.fail(reply, error)
}

/** The handler (or a hook) waits for a send it did not make yet: the context it waits in is where that send will continue. */
export function sendLater (reply: ReplyState): void {
  if (reply[kHijacked]) return
  captureAsyncContext(reply.request)
  reply[kSendLater] = true
}

/**
 * What a handler's or error handler's promise settles into: its value is sent (undefined too, as an
 * empty body, unless the reply was sent meanwhile or the client is gone); a rejection is the
 * request's error, or only logged once the reply was sent or hijacked.
 */
export function settleReply (reply: ReplyState, promise: PromiseLike<unknown>, trace?: HandlerTrace): void {
  if (trace !== undefined) trace.async = true
  promise.then((payload) => {
    if (reply[kHijacked]) return
    if (trace !== undefined) handlerChannel.asyncStart.publish(trace)
    try {
      if (payload === undefined && (reply[kSendCalled] || !clientWaiting(reply))) return
      try {
        reply.send(payload)
      } catch (err) {
        fail(reply, err)
      }
    } finally {
      if (trace !== undefined) handlerChannel.asyncEnd.publish(trace)
    }
  }, (err: unknown) => {
    if (trace !== undefined) {
      traceError(reply, trace, err) // `error` comes before `asyncStart`, as on Fastify
      handlerChannel.asyncStart.publish(trace)
    }
    try {
      if (reply.sent || (reply[kSendCalled] && reply.raw.headersSent)) {
        reply.log.error({ err }, 'Promise errored, but reply.sent = true was set')
        return
      }
      reply[kSendCalled] = true
      fail(reply, err) // null and undefined too: the error handlers get what was rejected, as on Fastify
    } finally {
      if (trace !== undefined) handlerChannel.asyncEnd.publish(trace)
    }
  })
}

function clientWaiting (reply: ReplyState): boolean {
  const raw = reply.request.raw
  const socket = raw.socket
  return !reply.raw.headersSent && !raw.aborted && socket !== null && socket !== undefined && !socket.destroyed
}

/** A HookRun for the next chain of this reply: its own one, made on first use, unless that one is
 *  still waiting on a hook or the handler (an early reply, a send from a pending handler); then a new one. */
export function hookRun<R extends ReplyState> (reply: R): HookRun<R> {
  const run = reply[kRun]
  if (run === null) return (reply[kRun] = newHookRun(reply))
  return run.busy ? newHookRun(reply) : run
}

/** A HookRun that tells the observer (if one is plugged in) as each hook starts. */
export function newHookRun<R extends ReplyState> (reply: R): HookRun<R> {
  return new HookRun(reply.request, reply, reply[kContext].app.observer?.hook ?? null)
}
