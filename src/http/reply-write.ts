// Writing a response: status line and headers, then the body (a string or bytes, nothing, a
// web Response, or a stream through reply-stream.ts), with trailers when some are set.
import type { ServerResponse } from 'node:http'
import { codes } from '../errors.js'
import { kHijacked } from '../hooks/request-hook-runner.js'
import { kContext } from './request.js'
import { Stage } from './request-observer.js'
import { fail } from './reply-flow.js'
import { kHeaders, kTrailers, type ReplyState } from './reply-state.js'
import { sendStream } from './reply-stream.js'
import { sendTrailers, trailerNames, type Trailers } from './reply-trailers.js'
import { isWebResponse, isWebStream, unwrapResponse, webStreamReadable } from './reply-web.js'

/** Throws FST_ERR_REP_INVALID_PAYLOAD_TYPE for a payload that is no string, bytes, stream or Response. */
export function writeResponse (reply: ReplyState, payload: unknown): void {
  if (reply[kHijacked]) return
  const res = reply.raw
  if (res.headersSent || res.writableEnded) {
    warnAlreadySent(reply)
    return
  }
  const app = reply[kContext].app
  if (app.observer !== null) app.observer.stage(reply, Stage.write) // may add headers (Server-Timing)
  let trailers = reply[kTrailers]
  if (trailers !== null) {
    const names = trailerNames(trailers)
    if (names === '') {
      trailers = reply[kTrailers] = null
    } else {
      // HTTP/1.1 carries trailers in chunked encoding only; HTTP/2 has its own frames (and no transfer-encoding)
      if (reply.request.raw.httpVersionMajor !== 2) reply.header('transfer-encoding', 'chunked')
      reply.header('trailer', names)
    }
  }
  if (isWebResponse(payload)) {
    try {
      payload = unwrapResponse(reply, payload)
    } catch (err) {
      fail(reply, err)
      return
    }
  }
  const headers = reply[kHeaders]
  const status = res.statusCode
  if (payload === undefined || payload === null) {
    if (status >= 200 && status !== 204 && status !== 304 && reply.request.raw.method !== 'HEAD' && trailers === null) headers['content-length'] = '0'
    if (writeHead(reply, status)) end(reply, res, trailers, payload)
    return
  }
  if ((status >= 100 && status < 200) || status === 204) {
    // no body for these: no content headers either
    delete headers['content-type']
    delete headers['content-length']
    if (typeof (payload as { resume?: unknown }).resume === 'function') {
      (payload as NodeJS.ReadableStream).on('error', ignore)
      ;(payload as NodeJS.ReadableStream).resume()
    }
    if (writeHead(reply, status)) end(reply, res, trailers, undefined)
    return
  }
  if (typeof (payload as { pipe?: unknown }).pipe === 'function') {
    sendStream(reply, payload as NodeJS.ReadableStream)
    return
  }
  if (isWebStream(payload)) {
    let readable: NodeJS.ReadableStream
    try {
      readable = webStreamReadable(payload)
    } catch (err) {
      fail(reply, err)
      return
    }
    sendStream(reply, readable)
    return
  }
  // thrown, as Fastify: out of send() to its caller, or into the error flow from a hook's continuation
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) throw new codes.FST_ERR_REP_INVALID_PAYLOAD_TYPE(typeof payload)
  const length = Buffer.byteLength(payload)
  if (trailers === null) {
    const declared = headers['content-length']
    if (declared === undefined || (reply.request.raw.method !== 'HEAD' && Number(declared) !== length)) headers['content-length'] = '' + length
    if (!writeHead(reply, status)) return
    if (length > http2ChunkSize && reply.request.raw.httpVersionMajor === 2) writeInChunks(res, payload, length, () => { res.end() })
    else res.end(payload)
    return
  }
  if (!writeHead(reply, status)) return
  if (length > http2ChunkSize && reply.request.raw.httpVersionMajor === 2) {
    writeInChunks(res, payload, length, () => { sendTrailers(reply, trailers, res, payload) })
    return
  }
  res.write(payload)
  sendTrailers(reply, trailers, res, payload)
}

/** An HTTP/2 body above this is written in pieces of this size, each after the stream drained. */
const http2ChunkSize = 64 * 1024

/**
 * A large HTTP/2 body, as Fastify writes it: one piece at a time, waiting for 'drain', so a stream
 * the client cancels (or stops reading) does not leave the whole body queued in the session.
 */
function writeInChunks (res: ServerResponse, payload: string | Buffer, length: number, done: () => void): void {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
  let offset = 0
  const writeMore = (): void => {
    while (offset < length) {
      if (res.destroyed || res.writableEnded) return
      const end = Math.min(offset + http2ChunkSize, length)
      const more = res.write(bytes.subarray(offset, end))
      offset = end
      if (!more) {
        res.once('drain', writeMore)
        return
      }
    }
    done()
  }
  writeMore()
}

function ignore (): void {}

/** Ends the response, with its trailers when some are set. */
function end (reply: ReplyState, res: ServerResponse, trailers: Trailers | null, payload: unknown): void {
  if (trailers === null) res.end()
  else sendTrailers(reply, trailers, res, payload)
}

/** Writes the status line and headers; a header Node refuses (a bad value) becomes the request's error. */
function writeHead (reply: ReplyState, status: number): boolean {
  try {
    reply.raw.writeHead(status, reply[kHeaders])
    return true
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 'ERR_HTTP_HEADERS_SENT') warnAlreadySent(reply)
    fail(reply, err)
    return false
  }
}

function warnAlreadySent (reply: ReplyState): void {
  reply.log.warn(`Reply was already sent, did you forget to "return reply" in the "${reply.request.raw.url}" (${reply.request.raw.method}) route?`)
}
