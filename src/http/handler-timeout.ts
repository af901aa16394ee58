// handlerTimeout: once a request has run that long without an answer, its signal aborts and it
// gets 503 FST_ERR_HANDLER_TIMEOUT through the route's onError hooks and error handler.
import { codes } from '../errors.js'
import { handleError } from './error-handler.js'
import type { Reply } from './reply.js'
import { kContext } from './request.js'
import { inRequestContext } from './request-context.js'
import { abortRequestSignal, kResponse } from './request-signal.js'

/** Called once per request as it starts: a timer only when the route has a handlerTimeout. */
export function watchRequest (reply: Reply): void {
  reply.request[kResponse] = reply.raw
  const ms = reply[kContext].handlerTimeout
  if (ms > 0) startHandlerTimer(reply, ms)
}

function startHandlerTimer (reply: Reply, ms: number): void {
  const res = reply.raw
  const timer = setTimeout(onHandlerTimeout, ms, reply, ms)
  res.once('close', () => clearTimeout(timer))
}

/** The timer fires in the context the request started in: what follows runs in the one it has now. */
function onHandlerTimeout (reply: Reply, ms: number): void {
  if (reply.sent) return
  inRequestContext(reply.request, handlerTimedOut, reply, ms)
}

function handlerTimedOut (reply: Reply, ms: number): void {
  const context = reply[kContext]
  const err = new codes.FST_ERR_HANDLER_TIMEOUT(ms, context.is404 ? undefined : context.url)
  abortRequestSignal(reply.request, err)
  if (reply.sent) return // a signal listener answered
  if (reply.raw.headersSent) {
    // the response has started: an error answer can no longer be written
    reply.raw.destroy(err)
    return
  }
  handleError(reply, err)
}
