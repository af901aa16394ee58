// The error flow: onError hooks (once per request) → the route scope's error handler, falling
// back to the parent's when a handler throws → onSend → write. The default handler applies the
// error's status and headers and answers { statusCode, code, error, message } (through the
// route's response schema for that status when there is one); when every handler failed, the
// error is written directly, without hooks or user code.
import { STATUS_CODES } from 'node:http'
import { codes } from '../errors.js'
import { Guard, isThenable, kHijacked, kSendCalled, runHooks, Shape, type Continuation } from '../hooks/request-hook-runner.js'
import { kContext, type Request } from './request.js'
import {
  hookRun, kErrorHandler, kHeaders, kOnErrorRan, kRunningOnError, onSendStage, settleReply, type Reply
} from './reply.js'
import type { ErrorHandlerLink } from './route-context.js'
import { Stage } from './request-observer.js'
import { handlerTraceOf } from './diagnostics.js'
import { serializerFor } from './schemas.js'
import { logsRequest } from './runtime.js'

export type ErrorHandlerFn = ErrorHandlerLink['fn']

/** Where every failure of a request goes: a hook's or handler's error, a parser error, a bad serialization. */
export function handleError (reply: Reply, error: unknown): void {
  if (reply[kHijacked]) return
  reply[kSendCalled] = true
  const context = reply[kContext]
  const hooks = context.onError
  if (context.app.observer !== null) context.app.observer.stage(reply, hooks !== null && !reply[kOnErrorRan] ? Stage.onError : Stage.errorHandler, error)
  if (hooks !== null && !reply[kOnErrorRan]) {
    reply[kOnErrorRan] = true
    reply[kRunningOnError] = true
    runHooks(hookRun(reply), hooks, Shape.error, error, Guard.hijack, afterOnError)
    return
  }
  callErrorHandler(reply, error)
}

const afterOnError: Continuation<Reply> = (run, hookError, error) => {
  const reply = run.reply
  reply[kRunningOnError] = false
  if (hookError !== null) reply.log.error({ err: hookError }, 'onError hook failed')
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.errorHandler, error)
  callErrorHandler(reply, error)
}

function callErrorHandler (reply: Reply, error: unknown): void {
  const link = reply[kErrorHandler]
  if (link === null) {
    writeFallback(reply, error)
    return
  }
  reply[kErrorHandler] = link.parent
  // the payload type is chosen again for what the error handler sends
  const headers = reply[kHeaders]
  delete headers['content-type']
  delete headers['content-length']
  reply[kSendCalled] = false
  let result: unknown
  try {
    result = link.fn.call(link.scope, error, reply.request, reply)
  } catch (err) {
    reply.send(err) // an Error goes on to the next handler up; anything else is sent as it is
    return
  }
  if (result === undefined) return
  if (isThenable(result)) settleReply(reply, result, handlerTraceOf(reply))
  else reply.send(result)
}

function inErrorRange (value: unknown): value is number {
  return typeof value === 'number' ? value >= 400 && value <= 599 : Number(value) >= 400 && Number(value) <= 599
}

/** The status and headers the default handler answers an error with. */
function applyError (reply: Reply, error: unknown): void {
  const res = reply.raw
  let status = inErrorRange(res.statusCode) ? res.statusCode : 500
  if (error !== null && typeof error === 'object') {
    const e = error as { headers?: Record<string, unknown>, statusCode?: unknown, status?: unknown }
    if (e.headers !== undefined && e.headers !== null) reply.headers(e.headers)
    if (inErrorRange(e.statusCode)) status = Number(e.statusCode)
    else if (inErrorRange(e.status)) status = Number(e.status)
  }
  res.statusCode = status
}

/** The root scope's handler: status and headers from the error, a log line (error for 5xx, info below), the standard body. */
export function defaultErrorHandler (this: unknown, error: unknown, request: Request, reply: Reply): void {
  applyError(reply, error)
  const statusCode = reply.raw.statusCode
  const app = reply[kContext].app
  if (logsRequest(app, request)) {
    const message = (error as Error | null | undefined)?.message
    if (statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, message)
    else reply.log.info({ res: reply, err: error }, message)
  }
  if (!(error instanceof Error)) {
    // a thrown string or plain object is the body itself
    reply.send(error)
    return
  }
  reply[kSendCalled] = true
  const payload = errorPayload(reply, error)
  onSendStage(reply, payload)
}

/** The body of an Error answer: through the route's response schema for the status, else the standard shape. */
function errorPayload (reply: Reply, error: unknown): string {
  const headers = reply[kHeaders]
  headers['content-type'] ??= 'application/json; charset=utf-8'
  const statusCode = reply.raw.statusCode
  const e = (error ?? {}) as { code?: unknown, message?: unknown }
  let payload: string
  try {
    const serialize = serializerFor(reply[kContext].serializers, statusCode)
    payload = serialize === undefined
      ? JSON.stringify(errorBody(error, statusCode))
      : serialize(Object.create(error as object, {
        error: { value: STATUS_CODES[statusCode] },
        message: { value: e.message },
        statusCode: { value: statusCode }
      }))
  } catch (err) {
    reply.log.error({ err, statusCode }, 'The serializer for the given status code failed')
    reply.raw.statusCode = 500
    payload = JSON.stringify(errorBody(new codes.FST_ERR_FAILED_ERROR_SERIALIZATION((err as Error)?.message, String(e.message)), 500))
  }
  headers['content-length'] = '' + Buffer.byteLength(payload)
  return payload
}

/** The standard error body: { statusCode, code, error, message }. */
export function errorBody (error: unknown, statusCode: number): { statusCode: number, code?: string, error: string, message: string } {
  const e = error !== null && typeof error === 'object' ? error as { code?: unknown, message?: unknown } : null
  const message = e !== null && e.message !== undefined ? String(e.message) : String(error)
  const name = STATUS_CODES[statusCode] ?? 'Error'
  return e !== null && typeof e.code === 'string'
    ? { statusCode, code: e.code, error: name, message }
    : { statusCode, error: name, message }
}

/**
 * An answer that cannot wait for hooks or user code (a handlerTimeout fired while onSend or the
 * error flow was stuck): the error's status and the standard body, written now; cut if it started.
 */
export function answerDirectly (reply: Reply, error: unknown): void {
  const res = reply.raw
  if (!res.headersSent) {
    const headers = reply[kHeaders]
    delete headers['content-type']
    delete headers['content-length']
    applyError(reply, error)
  }
  writeFallback(reply, error)
}

/** Written when every error handler has failed: no hooks, no user code. */
function writeFallback (reply: Reply, error: unknown): void {
  const res = reply.raw
  if (res.headersSent || res.writableEnded || res.destroyed) {
    // the answer already started: all that is left is to cut it
    reply.log.error({ err: error }, 'error after the response started')
    res.destroy()
    return
  }
  if (!inErrorRange(res.statusCode)) res.statusCode = 500
  const payload = errorPayload(reply, error instanceof Error ? error : new codes.FST_ERR_SEND_UNDEFINED_ERR())
  try {
    res.writeHead(res.statusCode, reply[kHeaders])
  } catch {
    // HTTP/2 keeps a header it refuses (Transfer-Encoding, Upgrade…) until the stream responds
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    res.writeHead(res.statusCode)
  }
  res.end(payload)
}
