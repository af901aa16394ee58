// The error flow: onError hooks (for the first failure, and once more for a failure after every
// handler was used, as Fastify) → the route scope's error handler, falling back to the parent's
// when a handler throws → onSend → write. The default handler applies the error's status and
// headers and answers { statusCode, code, error, message } (through the route's response schema
// for that status when there is one); when every handler failed, the error is written directly.
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

export type ErrorHandlerFn = ErrorHandlerLink['fn']

/** Set on a reply whose onError hooks ran a second time (a failure once every error handler had been used). */
const kOnErrorRanAgain = Symbol('weft.onErrorRanAgain')

/**
 * Whether onError hooks run for this failure: for the request's first one, and, as Fastify, once
 * more for a failure after every error handler was used (the default answer's onSend or write failed).
 */
function runsOnError (reply: Reply): boolean {
  if (!reply[kOnErrorRan]) return true
  return reply[kErrorHandler] === null && (reply as { [kOnErrorRanAgain]?: true })[kOnErrorRanAgain] !== true
}

/** Where every failure of a request goes: a hook's or handler's error, a parser error, a bad serialization. */
export function handleError (reply: Reply, error: unknown): void {
  if (reply[kHijacked]) return
  reply[kSendCalled] = true
  const context = reply[kContext]
  const hooks = context.onError
  const runHooksNow = hooks !== null && runsOnError(reply)
  if (context.app.observer !== null) context.app.observer.stage(reply, runHooksNow ? Stage.onError : Stage.errorHandler, error)
  if (runHooksNow) {
    if (reply[kOnErrorRan]) (reply as { [kOnErrorRanAgain]?: true })[kOnErrorRanAgain] = true
    reply[kOnErrorRan] = true
    reply[kRunningOnError] = true
    runHooks(hookRun(reply), hooks!, Shape.error, error, Guard.hijack, afterOnError)
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
  try {
    const result: unknown = link.fn.call(link.scope, error, reply.request, reply)
    if (result === undefined) return
    if (isThenable(result)) settleReply(reply, result, handlerTraceOf(reply))
    else reply.send(result)
  } catch (err) {
    // what the handler threw, or what its send() threw (FST_ERR_REP_INVALID_PAYLOAD_TYPE): an Error
    // goes on to the next handler up; anything else is sent as it is, unless send() refuses it too
    try {
      reply.send(err)
    } catch (refused) {
      handleError(reply, refused)
    }
  }
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
  const context = reply[kContext]
  if (context.requestLogging) context.app.logController.defaultErrorLog(error, request, reply)
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
    reply[kContext].app.logController.serializerError(err, reply.request, reply, { statusCode })
    reply.raw.statusCode = 500
    payload = ownErrorBody(new codes.FST_ERR_FAILED_ERROR_SERIALIZATION((err as Error)?.message, String(e.message)))
  }
  // a custom serializer that returns no string: that error's own body instead
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) payload = ownErrorBody(new codes.FST_ERR_REP_INVALID_PAYLOAD_TYPE(typeof payload))
  headers['content-length'] = '' + Buffer.byteLength(payload)
  return payload
}

/** The body of one of Weft's own errors raised while answering another: { statusCode, code, message }, no status name, as Fastify. */
function ownErrorBody (error: { statusCode?: number, code: string, message: string }): string {
  return JSON.stringify({ statusCode: error.statusCode ?? 500, code: error.code, message: error.message })
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
  } catch (err) {
    reply[kContext].app.logController.writeHeadError(err, reply.request, reply)
    if ((err as { code?: unknown } | null)?.code === 'ERR_HTTP_HEADERS_SENT' || res.headersSent || res.destroyed) {
      // the answer started after all (or writeHead cannot tell): trying again would throw the same, so cut it
      res.destroy(err as Error)
      return
    }
    // a header value Node refuses: once more without any; HTTP/2 keeps a header it refuses
    // (Transfer-Encoding, Upgrade…) until the stream responds, so the raw response's go too
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    res.writeHead(res.statusCode)
  }
  res.end(payload)
}
