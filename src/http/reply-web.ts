// Web API bodies: a `Response` lends the reply its status, headers and body; a `ReadableStream` is
// read into the response as a Node stream would be piped (a locked one is refused, as in Fastify).
import { Readable } from 'node:stream'
import { codes } from '../errors.js'

const toString = Object.prototype.toString

/** A WHATWG `Response` (any realm: checked by its tag, as Fastify does). */
export function isWebResponse (payload: unknown): payload is Response {
  return payload !== null && typeof payload === 'object' && toString.call(payload) === '[object Response]'
}

/** A WHATWG `ReadableStream` (or anything with getReader()). */
export function isWebStream (payload: unknown): payload is ReadableStream {
  return payload !== null && typeof payload === 'object' && typeof (payload as { getReader?: unknown }).getReader === 'function'
}

/** Applies a Response's status and headers to the reply; returns its body (null or a ReadableStream). Throws FST_ERR_REP_RESPONSE_BODY_CONSUMED. */
export function unwrapResponse (reply: { code (n: number): unknown, header (k: string, v: unknown): unknown }, response: Response): ReadableStream | null {
  if (typeof response.status === 'number') reply.code(response.status)
  const headers = response.headers
  if (headers !== null && typeof headers === 'object' && typeof headers.forEach === 'function') {
    for (const [name, value] of headers) reply.header(name, value)
  }
  if (response.body !== null && response.bodyUsed) throw new codes.FST_ERR_REP_RESPONSE_BODY_CONSUMED()
  return response.body
}

/** A Node Readable over a web stream (FST_ERR_REP_READABLE_STREAM_LOCKED when another reader holds it). */
export function webStreamReadable (stream: ReadableStream): Readable {
  if (stream.locked) throw new codes.FST_ERR_REP_READABLE_STREAM_LOCKED()
  return Readable.fromWeb(stream as import('node:stream/web').ReadableStream)
}
