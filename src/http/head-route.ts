// The onSend step every automatic HEAD route ends with (as Fastify's): the body is dropped, its
// size kept as content-length, and a stream payload drained or cancelled, its errors only logged.
import type { Reply } from './reply.js'

type Done = (err: Error | null, payload: null) => void

/** Drops the payload of an automatic HEAD route; a string or Buffer leaves its length behind (the name is printRoutes({ includeHooks }) output, as Fastify's). */
export function headRouteOnSendHandler (this: unknown, _request: unknown, reply: Reply, payload: unknown, done: Done): void {
  if (payload === undefined) {
    reply.header('content-length', '0')
  } else if (payload !== null && typeof (payload as { resume?: unknown }).resume === 'function') {
    const stream = payload as NodeJS.ReadableStream
    stream.on('error', (err: Error) => { reply.log.error({ err }, 'Error on Stream found for HEAD route') })
    stream.resume()
  } else if (payload !== null && typeof (payload as { getReader?: unknown }).getReader === 'function') {
    const cancelled = (payload as ReadableStream).cancel('Stream cancelled by HEAD route')
    cancelled.catch((err: unknown) => { reply.log.error({ err }, 'Error on Stream found for HEAD route') })
  } else if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    reply.header('content-length', '' + Buffer.byteLength(payload))
  }
  done(null, null)
}

/** A route's own onSend hooks (one, a list or none) followed by the HEAD step. */
export function withHeadOnSend (onSend: unknown): unknown[] {
  if (onSend === undefined || onSend === null) return [headRouteOnSendHandler]
  return Array.isArray(onSend) ? [...onSend, headRouteOnSendHandler] : [onSend, headRouteOnSendHandler]
}
