// Reading one request body for a parseAs parser (within its limit, checked against Content-Length) or
// handing a streaming parser the payload, then settling in the parse's async resource (Fastify's
// content-type-parser:run, made in the request's context).
import type { Readable } from 'node:stream'
import { codes } from '../errors.js'
import { callWithDone, type SettleRules } from '../hooks/user-call.js'
import { captureAsyncContext, kAsyncContext, parserAsyncContext, type ParserAsyncContext } from './request-context.js'
import type { ParsableRequest, RegisteredParser } from './body-parser-types.js'

/** A parser that rejects without a reason fails the request (500), as Fastify's does. */
const parserRules: SettleRules = { timeout: 0, emptyRejection: () => new codes.FST_ERR_SEND_UNDEFINED_ERR() }

/** The per-request state of a body read. The stream listeners below are shared functions that find it on the stream. */
const kReader = Symbol('weft.bodyReader')

export class BodyReader {
  readonly request: ParsableRequest
  readonly payload: Readable
  readonly parser: RegisteredParser
  readonly done: (err: Error | null) => void
  /** The parse's resource, made in the request's context: stream events and the parser's callback come from
   *  elsewhere; what follows the body runs in it. */
  readonly context: ParserAsyncContext
  settled = false
  limit = 0
  expected = NaN
  received = 0
  chunks: Buffer[] = []

  constructor (request: ParsableRequest, payload: Readable, parser: RegisteredParser, done: (err: Error | null) => void) {
    this.request = request
    this.payload = payload
    this.parser = parser
    this.done = done
    this.context = parserAsyncContext()
  }

  read (limit: number, expected: number): void {
    this.limit = limit
    this.expected = expected
    const payload = this.payload as Readable & { [kReader]?: BodyReader }
    if (payload.readableEnded) { this.end(); return }
    if (payload.destroyed) { this.finish(new codes.WEFT_ERR_REQUEST_ABORTED()); return }
    payload[kReader] = this
    payload.on('data', onData)
    payload.on('end', onEnd)
    payload.on('close', onClose)
    // stays attached: a stream error after we are done must not become an uncaught exception
    payload.on('error', onError)
    payload.resume()
  }

  data (chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    this.received += buf.length
    const encoded = (this.payload as { receivedEncodedLength?: unknown }).receivedEncodedLength
    // the decoded body must stay within the limit too (a compressed "zip bomb")
    if (this.received > this.limit || (typeof encoded === 'number' && encoded > this.limit)) {
      // stop collecting; the stream keeps flowing with no data listener, so the rest is discarded
      this.detach()
      this.chunks = []
      this.finish(new codes.FST_ERR_CTP_BODY_TOO_LARGE())
      return
    }
    this.chunks.push(buf)
  }

  end (): void {
    this.detach()
    const encoded = (this.payload as { receivedEncodedLength?: unknown }).receivedEncodedLength
    const received = typeof encoded === 'number' && this.payload !== this.request.raw ? encoded : this.received
    if (!Number.isNaN(this.expected) && received !== this.expected) {
      this.finish(new codes.FST_ERR_CTP_INVALID_CONTENT_LENGTH())
      return
    }
    const chunks = this.chunks
    this.chunks = []
    let body: string | Buffer
    if (this.parser.asString) {
      body = chunks.length === 1 ? chunks[0].toString('utf8') : chunks.length === 0 ? '' : Buffer.concat(chunks, this.received).toString('utf8')
    } else {
      // always a copy: the parser never gets a view over the socket's read buffer
      body = Buffer.concat(chunks, this.received)
    }
    const sync = this.parser.sync
    if (sync === undefined) {
      this.callParser(body)
      return
    }
    let value: unknown
    try {
      value = sync(body)
    } catch (err) {
      this.finish(err)
      return
    }
    this.finish(null, value)
  }

  /** Calls the user parser with the body (parseAs) or the stream: `done(err, body)` or a returned promise, first answer wins. */
  callParser (payload: unknown): void {
    callWithDone(this.parser.fn, undefined, [this.request, payload], parserRules, (err, body) => { this.finish(err, body) })
  }

  detach (): void {
    const payload = this.payload as Readable & { [kReader]?: BodyReader }
    payload.removeListener('data', onData)
    payload.removeListener('end', onEnd)
    payload.removeListener('close', onClose)
    payload[kReader] = undefined
  }

  finish (err: unknown, body?: unknown): void {
    if (this.settled) return
    this.settled = true
    this.context.runInAsyncScope(this.settle, this, err, body)
  }

  settle (err: unknown, body: unknown): void {
    this.context.emitDestroy()
    // a watcher armed before the body (timeouts, abort hooks) resumes from here on in the context the parse ran in
    if (this.request[kAsyncContext] !== null) captureAsyncContext(this.request)
    if (err != null) {
      this.done(err as Error)
      return
    }
    this.request.body = body
    this.done(null)
  }
}

function onData (this: Readable & { [kReader]?: BodyReader }, chunk: Buffer | string): void {
  this[kReader]?.data(chunk)
}

function onEnd (this: Readable & { [kReader]?: BodyReader }): void {
  const reader = this[kReader]
  // a parseAs parser runs in the request's context, not the socket's
  if (reader !== undefined) reader.context.runInAsyncScope(reader.end, reader)
}

function onClose (this: Readable & { [kReader]?: BodyReader }): void {
  const reader = this[kReader]
  if (reader === undefined) return
  reader.detach()
  reader.finish(new codes.WEFT_ERR_REQUEST_ABORTED())
}

function onError (this: Readable & { [kReader]?: BodyReader }, err: Error): void {
  const reader = this[kReader]
  if (reader === undefined) return
  reader.detach()
  reader.finish(asHttpError(err))
}

/** Errors in reading the body become client errors: a missing or non-error statusCode becomes 400.
 *  (A parser's own errors keep their status, else the error handler answers 500.) */
function asHttpError (err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err))
  const status = (error as { statusCode?: unknown }).statusCode
  if (!(typeof status === 'number' && status >= 400)) {
    try { (error as { statusCode?: number }).statusCode = 400 } catch {}
  }
  return error
}
