// request.signal: an AbortSignal made on first read (no AbortController per request otherwise)
// that aborts when the client goes away before the response finished, or at handlerTimeout.
import type { ServerResponse } from 'node:http'
import { captureAsyncContext, inRequestContext, kAsyncContext, type HoldsAsyncContext } from './request-context.js'

export const kResponse = Symbol('weft.response')
const kController = Symbol('weft.signalController')
const kAbortReason = Symbol('weft.abortReason')

interface SignalHolder {
  [kResponse]?: ServerResponse
  [kController]?: AbortController
  [kAbortReason]?: unknown
}

/** The request's signal, made now if this is the first read. */
export function requestSignal (request: object): AbortSignal {
  const holder = request as SignalHolder
  let controller = holder[kController]
  if (controller !== undefined) return controller.signal
  controller = holder[kController] = new AbortController()
  if (holder[kAbortReason] !== undefined) {
    controller.abort(holder[kAbortReason])
    return controller.signal
  }
  const res = holder[kResponse]
  if (res !== undefined && !res.writableEnded && !res.destroyed) {
    const signalController = controller
    // abort listeners run in the request's context (the one it is read in, unless one was captured), not the socket's
    if ((request as HoldsAsyncContext)[kAsyncContext] === null) captureAsyncContext(request as HoldsAsyncContext)
    res.once('close', () => { if (!res.writableEnded) inRequestContext(request as HoldsAsyncContext, abort, signalController, undefined) })
  }
  return controller.signal
}

/** Aborts the request's signal with `reason`, now if it was read, else when it is first read. */
export function abortRequestSignal (request: object, reason: unknown): void {
  const holder = request as SignalHolder
  const controller = holder[kController]
  if (controller !== undefined) abort(controller, reason)
  else holder[kAbortReason] ??= reason
}

function abort (controller: AbortController, reason: unknown): void {
  if (!controller.signal.aborted) controller.abort(reason)
}
