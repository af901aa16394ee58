// handlerTimeout: once a request has run that long without an answer, its signal aborts and it
// gets 503 FST_ERR_HANDLER_TIMEOUT through the route's onError hooks and error handler. It guards
// until the response is written: stuck after send (an onSend that never settles), or stuck again in
// that error answer, the request is answered directly (no hooks), or cut if its answer had started.
import { codes } from '../errors.js'
import { kSendCalled } from '../hooks/request-hook-runner.js'
import { answerDirectly } from './error-handler.js'
import { fail } from './reply-flow.js'
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

const kTimer = Symbol('weft.handlerTimer')

function startHandlerTimer (reply: Reply, ms: number): void {
  const res = reply.raw as Reply['raw'] & { [kTimer]?: NodeJS.Timeout }
  res[kTimer] = setTimeout(onHandlerTimeout, ms, reply, ms)
  res.once('close', clearHandlerTimer)
}

function clearHandlerTimer (this: Reply['raw'] & { [kTimer]?: NodeJS.Timeout }): void {
  clearTimeout(this[kTimer])
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
  if (reply[kSendCalled]) {
    // sent, but its answer is stuck before the write (onSend, the error flow): no more hooks
    reply.log.error({ err }, 'handlerTimeout: the reply was sent but not written; answered without hooks')
    answerDirectly(reply, err)
    return
  }
  fail(reply, err)
  // the error answer runs onError, the error handler and onSend: guard it the same way
  if (!reply.sent && !reply.raw.destroyed) {
    (reply.raw as Reply['raw'] & { [kTimer]?: NodeJS.Timeout })[kTimer] = setTimeout(onAnswerTimeout, ms, reply, err)
  }
}

function onAnswerTimeout (reply: Reply, err: Error): void {
  if (reply.sent || reply.raw.destroyed) return
  reply.log.error({ err }, 'handlerTimeout: the error answer was not written in time; answered without hooks')
  answerDirectly(reply, err)
}
