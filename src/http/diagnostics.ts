// The diagnostics_channel channels Fastify publishes, which APM agents subscribe to:
// `fastify.initialization` and the `fastify.request.handler` tracing channel (start/end/asyncStart/asyncEnd/error).
import dc from 'node:diagnostics_channel'

/** The message of one handler call, the same object through every event of that call. */
export interface HandlerTrace {
  request: unknown
  reply: unknown
  async: boolean
  route: { url: string, method: string }
  error?: unknown
}

export const initializationChannel = dc.channel('fastify.initialization')
export const handlerChannel = dc.tracingChannel('fastify.request.handler')

// the trace of a reply whose handler was traced, for the promise of its error handler
const traces = new WeakMap<object, HandlerTrace>()

export function newHandlerTrace (request: object, reply: object, url: string, method: string): HandlerTrace {
  const trace: HandlerTrace = { request, reply, async: false, route: { url, method } }
  traces.set(reply, trace)
  return trace
}

/** The trace of this reply's handler call, if it was traced (only looked up when someone subscribes). */
export function handlerTraceOf (reply: object): HandlerTrace | undefined {
  return handlerChannel.hasSubscribers ? traces.get(reply) : undefined
}

function errorRange (value: unknown): boolean {
  return typeof value === 'number' && value >= 400 && value <= 599
}

/**
 * The handler failed: the trace gets the error and the reply the status the error will answer
 * with (as Fastify sets it before publishing: a status already set stays, unless it is 200), then `error`.
 */
export function traceError (reply: { raw: { statusCode: number } }, trace: HandlerTrace, error: unknown): void {
  trace.error = error
  const raw = reply.raw
  if (raw.statusCode === 200 || !errorRange(raw.statusCode)) {
    const e = error as { statusCode?: unknown, status?: unknown } | null
    raw.statusCode = errorRange(e?.statusCode) ? e!.statusCode as number : errorRange(e?.status) ? e!.status as number : 500
  }
  handlerChannel.error.publish(trace)
}
