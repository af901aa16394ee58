// The error flow: onError hooks (once per request) → the route scope's error handler, falling
// back to the parent's when a handler throws → onSend → write. The default handler answers
// { statusCode, code, error, message }; when every handler failed, a plain 500 is written.
import { STATUS_CODES } from 'node:http'
import { codes } from '../errors.js'
import { runHooks, Shape, kSendCalled, type Continuation } from '../hooks/request-hook-runner.js'
import { kContext, type Request } from './request.js'
import {
  hookRun, kErrorHandler, kHeaders, kOnErrorRan, kRunningOnError, onSendStage, serializePayload, type Reply
} from './reply.js'

export type ErrorHandlerFn = (this: any, error: any, request: Request, reply: Reply) => unknown

/** One handler in the chain; `parent` is tried when this one throws. */
export interface ErrorHandlerLink {
  fn: ErrorHandlerFn
  scope: unknown
  parent: ErrorHandlerLink | null
}

export function handleError (reply: Reply, error: unknown): void {
  reply[kSendCalled] = true
  const hooks = reply[kContext].onError
  if (hooks !== null && !reply[kOnErrorRan]) {
    reply[kOnErrorRan] = true
    reply[kRunningOnError] = true
    runHooks(hookRun(reply), hooks, Shape.error, error, false, afterOnError)
    return
  }
  callErrorHandler(reply, error)
}

const afterOnError: Continuation = (run, hookError, error) => {
  const reply = run.reply as Reply
  reply[kRunningOnError] = false
  if (hookError !== null) reply.log.error({ err: hookError }, 'onError hook failed')
  callErrorHandler(reply, error)
}

function statusOf (error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const e = error as { statusCode?: unknown, status?: unknown }
  const s = Number(e.statusCode ?? e.status)
  return Number.isInteger(s) && s >= 400 && s <= 599 ? s : undefined
}

function callErrorHandler (reply: Reply, error: unknown): void {
  const link = reply[kErrorHandler]
  if (link === null) {
    writeFallback(reply, error)
    return
  }
  reply[kErrorHandler] = link.parent
  const status = statusOf(error)
  reply.raw.statusCode = status ?? (reply.raw.statusCode >= 400 ? reply.raw.statusCode : 500)
  // the rest of an oversized body is not worth reading: the connection ends after this answer
  if (status === 413) reply[kHeaders].connection = 'close'
  reply[kSendCalled] = false
  let result: unknown
  try {
    result = link.fn.call(link.scope, error, reply.request, reply)
  } catch (err) {
    handleError(reply, err)
    return
  }
  if (result !== undefined && !reply[kSendCalled]) {
    if (result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => { if (value !== undefined && !reply[kSendCalled]) reply.send(value) },
        (err) => { if (!reply.raw.headersSent) handleError(reply, err ?? new codes.FST_ERR_SEND_UNDEFINED_ERR()) }
      )
    } else {
      reply.send(result)
    }
  }
}

/** The error body every Weft app answers with unless an error handler says otherwise. */
export function errorBody (error: unknown, statusCode: number): { statusCode: number, code?: string, error: string, message: string } {
  const e = error !== null && typeof error === 'object' ? error as { code?: unknown, message?: unknown } : null
  const message = e !== null && e.message !== undefined ? String(e.message) : String(error)
  const name = STATUS_CODES[statusCode] ?? 'Error'
  return e !== null && typeof e.code === 'string'
    ? { statusCode, code: e.code, error: name, message }
    : { statusCode, error: name, message }
}

/** The root scope's handler: logs (error for 5xx, info for 4xx) and sends the standard body. */
export function defaultErrorHandler (this: unknown, error: unknown, request: Request, reply: Reply): void {
  const statusCode = reply.raw.statusCode
  if (statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, (error as Error)?.message ?? String(error))
  else reply.log.info({ res: reply, err: error }, (error as Error)?.message ?? String(error))
  const body = errorBody(error, statusCode)
  reply[kSendCalled] = true
  reply[kHeaders]['content-type'] = 'application/json; charset=utf-8'
  let json: string
  try {
    json = serializePayload(reply, body)
  } catch {
    json = JSON.stringify(body)
  }
  onSendStage(reply, json)
}

/** Written when every error handler has failed: no hooks, no user code. */
function writeFallback (reply: Reply, error: unknown): void {
  const res = reply.raw
  reply.log.error({ err: error }, 'error handler failed, answering 500')
  if (res.headersSent || res.writableEnded) {
    res.destroy()
    return
  }
  const json = JSON.stringify(errorBody(error, 500))
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': '' + Buffer.byteLength(json) })
  res.end(json)
}

