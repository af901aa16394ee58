// The Reply object and the send pipeline: payload → preSerialization → serialization → onSend
// → write. Errors go to the error flow, which the app passes in (runtime.stages), so this module
// never imports back into the request path.
import type { ServerResponse } from 'node:http'
import { finished } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Logger } from '../app/logger.js'
import { codes } from '../errors.js'
import { handlerChannel, traceError, type HandlerTrace } from './diagnostics.js'
import { Guard, HookRun, kHijacked, kSendCalled, runHooks, Shape, type Continuation } from '../hooks/request-hook-runner.js'
import { kContext, type DecoratorProps, type Request } from './request.js'
import type { ErrorHandlerLink, RouteContext } from './route-context.js'
import { Stage } from './request-observer.js'
import { captureAsyncContext, inRequestContext } from './request-context.js'
import { defaultSerializerCompiler, serializerFor, serializerForType } from './serialization.js'
import { kScope } from '../app/symbols.js'
import type { SchemaStore, SerializerCompiler, SerializerFunction } from './schema-store.js'
import { FORBIDDEN_TRAILERS, sendTrailers, trailerNames, type TrailerFn, type Trailers } from './reply-trailers.js'
import { replyMediaType } from './reply-content-type.js'
import { isWebResponse, isWebStream, unwrapResponse, webStreamReadable } from './reply-web.js'

export const kHeaders = Symbol('weft.headers')
export const kRun = Symbol('weft.run')
export { kHijacked }
export const kErrorHandler = Symbol('weft.errorHandler')
export const kRunningOnError = Symbol('weft.runningOnError')
export const kOnErrorRan = Symbol('weft.onErrorRan')
const kSerializer = Symbol('weft.serializer')
const kStart = Symbol('weft.start')
const kTrailers = Symbol('weft.trailers')
/** reply.compileSerializationSchema()'s functions, per route context and schema object. */
const compiledBySchema = new WeakMap<object, WeakMap<object, SerializerFunction>>()
/** What compileSerializationSchema needs of the route's scope (typed by shape: http-scope.ts leads back here). */
interface SerializerScope { serializerCompilerFor (make: (store: SchemaStore) => SerializerCompiler): SerializerCompiler }
/** The handler finished without sending: a later send may come from another async context (a driver's callback). */
export const kSendLater = Symbol('weft.sendLater')

export type Headers = Record<string, string | number | string[]>

export class Reply {
  static props: DecoratorProps = []

  raw: ServerResponse
  request: Request
  log: Logger
  [kSendCalled]: boolean
  [kHeaders]: Headers
  [kContext]: RouteContext
  [kRun]: HookRun<Reply> | null
  [kSerializer]: ((payload: unknown) => string) | null
  [kHijacked]: boolean
  [kErrorHandler]: ErrorHandlerLink | null
  [kRunningOnError]: boolean
  [kOnErrorRan]: boolean
  [kStart]: number
  [kSendLater]: boolean
  [kTrailers]: Trailers | null

  constructor (raw: ServerResponse, request: Request, log: Logger, context: RouteContext) {
    this.raw = raw
    this.request = request
    this.log = log
    this[kSendCalled] = false
    this[kHeaders] = {}
    this[kContext] = context
    this[kRun] = null
    this[kSerializer] = null
    this[kHijacked] = false
    this[kErrorHandler] = context.errorHandler
    this[kRunningOnError] = false
    this[kOnErrorRan] = false
    this[kStart] = performance.now()
    this[kSendLater] = false
    this[kTrailers] = null
    const props = (new.target as typeof Reply).props
    for (let i = 0; i < props.length; i++) (this as any)[props[i]![0]] = props[i]![1]
  }

  get server () { return this[kContext].instance }
  get routeOptions () { return this[kContext].routeOptions }
  get elapsedTime (): number { return performance.now() - this[kStart] }

  get statusCode (): number { return this.raw.statusCode }
  set statusCode (code: number) { this.code(code) }

  code (statusCode: number): this {
    const n = Number(statusCode)
    if (!Number.isInteger(n) || n < 100 || n > 599) throw new codes.FST_ERR_BAD_STATUS_CODE(String(statusCode))
    this.raw.statusCode = n
    return this
  }

  status (statusCode: number): this { return this.code(statusCode) }

  /** true once the response has been written, or the reply was hijacked. */
  get sent (): boolean { return this[kHijacked] || this.raw.writableEnded }
  set sent (value: boolean) {
    if (value !== true) throw new codes.FST_ERR_REP_SENT_VALUE()
    this.hijack()
  }

  header (key: string, value: unknown): this {
    const name = key.toLowerCase()
    const v = value === undefined ? '' : value
    const headers = this[kHeaders]
    if (name === 'set-cookie' && headers[name] !== undefined) {
      const prev = headers[name]
      headers[name] = (Array.isArray(prev) ? prev : [String(prev)]).concat(v as string | string[])
    } else {
      headers[name] = v as string
    }
    return this
  }

  headers (headers: Record<string, unknown>): this {
    for (const key of Object.keys(headers)) this.header(key, headers[key])
    return this
  }

  /** The content-type set so far as `type/subtype`, lower-cased, without parameters; undefined when none or malformed. */
  get mediaType (): string | undefined {
    return replyMediaType(this.getHeader('content-type'))?.mediaType
  }

  getHeader (key: string): string | number | string[] | undefined {
    const name = key.toLowerCase()
    return this[kHeaders][name] ?? this.raw.getHeader(name)
  }

  getHeaders (): Headers {
    return { ...(this.raw.getHeaders() as Headers), ...this[kHeaders] }
  }

  hasHeader (key: string): boolean {
    const name = key.toLowerCase()
    return this[kHeaders][name] !== undefined || this.raw.hasHeader(name)
  }

  removeHeader (key: string): this {
    const name = key.toLowerCase()
    delete this[kHeaders][name]
    if (!this.raw.headersSent) this.raw.removeHeader(name)
    return this
  }

  type (contentType: string): this { return this.header('content-type', contentType) }

  redirect (url: string, code?: number): this {
    const status = code ?? (this.raw.statusCode >= 300 && this.raw.statusCode < 400 ? this.raw.statusCode : 302)
    return this.header('location', url).code(status).send()
  }

  hijack (): this {
    this[kHijacked] = true
    return this
  }

  serializer (fn: (payload: unknown) => string): this {
    this[kSerializer] = fn
    return this
  }

  /** Serializes a payload the way send() would for the current status code. */
  serialize (payload: unknown): string {
    return serializePayload(this, payload)
  }

  /** The route's serializer for a response key ('200', '2xx', 'default'; per media type with `contentType`), or the one
   *  compileSerializationSchema() made for a schema object; undefined when there is none. */
  getSerializationFunction (schemaOrStatus: number | string | object, contentType?: string): SerializerFunction | undefined {
    const context = this[kContext]
    if (typeof schemaOrStatus === 'object' && schemaOrStatus !== null) return compiledBySchema.get(context)?.get(schemaOrStatus)
    if (typeof schemaOrStatus !== 'string' && typeof schemaOrStatus !== 'number') return undefined
    const key = String(schemaOrStatus)
    if (typeof contentType === 'string') return context.serializersByType?.[key]?.[contentType]
    const byType = context.serializersByType?.[key]
    if (byType !== undefined) return byType as unknown as SerializerFunction // Fastify hands back the per-type table here
    return context.serializers?.[key]
  }

  /** A serializer for `schema` made by the scope's serializer compiler, compiled once per route and schema object. */
  compileSerializationSchema (schema: object, httpStatus: number | string | null = null, contentType: string | null = null): SerializerFunction {
    const context = this[kContext]
    let cache = compiledBySchema.get(context)
    const cached = cache?.get(schema)
    if (cached !== undefined) return cached
    const scope = (context.instance as { [kScope]: SerializerScope })[kScope]
    const compiler = scope.serializerCompilerFor(store => defaultSerializerCompiler(store))
    const fn = compiler({ schema: schema as any, method: this.request.method, url: this.request.url, httpStatus: httpStatus as any, contentType: contentType as any })
    if (cache === undefined) compiledBySchema.set(context, cache = new WeakMap())
    cache.set(schema, fn)
    return fn
  }

  /** Serializes `data` with the route's response serializer for `httpStatus` (and `contentType`), or with `schema` compiled. */
  serializeInput (data: unknown, schema: object | number | string, httpStatus?: number | string | null, contentType?: string | null): string {
    const maybeType = httpStatus
    const status = typeof schema === 'string' || typeof schema === 'number' ? schema : httpStatus
    const type = status != null && status !== '' && maybeType !== status ? maybeType as string | null | undefined : contentType
    if (status != null) {
      const key = String(status)
      const context = this[kContext]
      const serialize = type != null ? context.serializersByType?.[key]?.[type] : (context.serializers?.[key])
      if (serialize === undefined) {
        if (type) throw new codes.FST_ERR_MISSING_CONTENTTYPE_SERIALIZATION_FN(key, type)
        throw new codes.FST_ERR_MISSING_SERIALIZATION_FN(key)
      }
      return serialize(data)
    }
    return this.compileSerializationSchema(schema as object, null, type ?? null)(data)
  }

  /** Sets a trailer: `fn(reply, payload, done)` gives its value (callback or promise) once the body is written. */
  trailer (key: string, fn: TrailerFn): this {
    const name = key.toLowerCase()
    if (FORBIDDEN_TRAILERS.has(name)) throw new codes.FST_ERR_BAD_TRAILER_NAME(name)
    if (typeof fn !== 'function') throw new codes.FST_ERR_BAD_TRAILER_VALUE(name, typeof fn)
    ;(this[kTrailers] ??= {})[name] = fn
    return this
  }

  hasTrailer (key: string): boolean {
    return this[kTrailers]?.[key.toLowerCase()] !== undefined
  }

  removeTrailer (key: string): this {
    if (this[kTrailers] !== null) this[kTrailers][key.toLowerCase()] = undefined
    return this
  }

  /** Sends a 103 Early Hints response (node:http's writeEarlyHints). */
  writeEarlyHints (hints: Record<string, string | string[]>, callback?: () => void): this {
    this.raw.writeEarlyHints(hints, callback)
    return this
  }

  /** Hands the request to the not-found handler of its URL's scope (its preHandler hooks first). */
  callNotFound (): this {
    this[kContext].app.stages.notFound(this)
    return this
  }

  getDecorator<T = unknown> (name: string | symbol): T {
    if (!(name in this)) throw new codes.FST_ERR_DEC_UNDECLARED(String(name), 'reply')
    const value = (this as any)[name]
    return typeof value === 'function' ? value.bind(this) : value
  }

  send (payload?: unknown): this {
    if (this[kRunningOnError]) throw new codes.FST_ERR_SEND_INSIDE_ONERR()
    if (this[kSendCalled] || this.sent) {
      this.log.warn({ err: new codes.FST_ERR_REP_ALREADY_SENT(this.request.url, this.request.method) })
      return this
    }
    this[kSendCalled] = true
    if (this[kSendLater]) {
      // the handler left earlier: what follows the send runs in the context it left
      this[kSendLater] = false
      inRequestContext(this.request, sendNow, this, payload)
      return this
    }
    sendNow(this, payload)
    return this
  }

  /** Resolves when the response has been written: lets async hooks and handlers `return reply`. */
  then (fulfilled?: () => void, rejected?: (err: unknown) => void): void {
    if (this.sent) { fulfilled?.(); return }
    if (!this[kSendCalled]) sendLater(this)
    finished(this.raw, (err) => {
      if (err != null && (err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        if (rejected !== undefined) rejected(err)
        else this.log.warn({ err }, 'unhandled rejection on reply.then')
        return
      }
      fulfilled?.()
    })
  }
}

export type ReplyClass = typeof Reply

function sendNow (reply: Reply, payload: unknown): void {
  if (payload instanceof Error) fail(reply, payload)
  else sendPayload(reply, payload)
}

/** The handler (or a hook) waits for a send it did not make yet: the context it waits in is where that send will continue. */
export function sendLater (reply: Reply): void {
  if (reply[kHijacked]) return
  captureAsyncContext(reply.request)
  reply[kSendLater] = true
}

export function extendReply (Parent: ReplyClass): ReplyClass {
  const Scoped = class extends Parent {}
  Scoped.props = Parent.props.slice()
  return Scoped
}

/** Hands a failure to the error flow. */
export function fail (reply: Reply, error: unknown): void {
  reply[kContext].app.stages.fail(reply, error)
}

/**
 * What a handler's or error handler's promise settles into: its value is sent (undefined too, as an
 * empty body, unless the reply was sent meanwhile or the client is gone); a rejection is the
 * request's error, or only logged once the reply was sent or hijacked.
 */
export function settleReply (reply: Reply, promise: PromiseLike<unknown>, trace?: HandlerTrace): void {
  if (trace !== undefined) trace.async = true
  promise.then((payload) => {
    if (reply[kHijacked]) return
    if (trace !== undefined) handlerChannel.asyncStart.publish(trace)
    try {
      if (payload === undefined && (reply[kSendCalled] || !clientWaiting(reply))) return
      try {
        reply.send(payload)
      } catch (err) {
        fail(reply, err)
      }
    } finally {
      if (trace !== undefined) handlerChannel.asyncEnd.publish(trace)
    }
  }, (err: unknown) => {
    if (trace !== undefined) {
      traceError(reply, trace, err) // `error` comes before `asyncStart`, as on Fastify
      handlerChannel.asyncStart.publish(trace)
    }
    try {
      if (reply.sent || (reply[kSendCalled] && reply.raw.headersSent)) {
        reply.log.error({ err }, 'Promise errored, but reply.sent = true was set')
        return
      }
      reply[kSendCalled] = true
      fail(reply, err ?? new codes.FST_ERR_SEND_UNDEFINED_ERR())
    } finally {
      if (trace !== undefined) handlerChannel.asyncEnd.publish(trace)
    }
  })
}

function clientWaiting (reply: Reply): boolean {
  const raw = reply.request.raw
  const socket = raw.socket
  return !reply.raw.headersSent && !raw.aborted && socket !== null && socket !== undefined && !socket.destroyed
}

/** A HookRun for the next chain of this reply: its own one, made on first use, unless that one is
 *  still waiting on a hook or the handler (an early reply, a send from a pending handler); then a new one. */
export function hookRun (reply: Reply): HookRun<Reply> {
  const run = reply[kRun]
  if (run === null) return (reply[kRun] = newHookRun(reply))
  return run.busy ? newHookRun(reply) : run
}

/** A HookRun that tells the observer (if one is plugged in) as each hook starts. */
export function newHookRun (reply: Reply): HookRun<Reply> {
  return new HookRun(reply.request, reply, reply[kContext].app.observer?.hook ?? null)
}

/** send() for anything that is not an Error: decide content type and whether to serialize. */
export function sendPayload (reply: Reply, payload: unknown): void {
  if (payload === undefined) {
    onSendStage(reply, undefined)
    return
  }
  const headers = reply[kHeaders]
  // as Fastify: a content type set on the raw response counts; an empty or malformed one does not
  const header = headers['content-type'] ?? reply.raw.getHeader('content-type')
  const contentType = header === undefined ? null : replyMediaType(header)
  if (payload !== null) {
    if (typeof (payload as { pipe?: unknown }).pipe === 'function' || isWebStream(payload) || isWebResponse(payload)) {
      onSendStage(reply, payload)
      return
    }
    if ((payload as { buffer?: unknown }).buffer instanceof ArrayBuffer) {
      if (contentType === null) headers['content-type'] = 'application/octet-stream'
      const bytes = payload as ArrayBufferView
      onSendStage(reply, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      return
    }
    if (contentType === null && typeof payload === 'string') {
      headers['content-type'] = 'text/plain; charset=utf-8'
      onSendStage(reply, payload)
      return
    }
  }
  const serializer = reply[kSerializer]
  if (serializer !== null) {
    if (typeof payload === 'string') {
      let body: string
      try {
        body = serializer(payload)
      } catch (err) {
        fail(reply, err)
        return
      }
      onSendStage(reply, body)
      return
    }
  } else if (contentType === null) {
    headers['content-type'] = 'application/json; charset=utf-8'
  } else if (contentType.mediaType.indexOf('json') !== -1) {
    // a JSON type without a charset gets utf-8 (application/hal+json too), its parameters re-written
    if (!contentType.hasCharset) headers['content-type'] = contentType.normal + '; charset=utf-8'
  } else {
    // a non-JSON content type: a string goes as it is; anything else is for onSend to turn into bytes
    onSendStage(reply, payload)
    return
  }
  if (typeof payload === 'string') {
    onSendStage(reply, payload)
    return
  }
  const hooks = reply[kContext].preSerialization
  if (hooks !== null) {
    const observer = reply[kContext].app.observer
    if (observer !== null) observer.stage(reply, Stage.preSerialization)
    runHooks(hookRun(reply), hooks, Shape.payload, payload, Guard.hijack, afterPreSerialization)
    return
  }
  serializeAndContinue(reply, payload)
}

const afterPreSerialization: Continuation<Reply> = (run, err, payload) => {
  const reply = run.reply
  if (err !== null) { fail(reply, err); return }
  serializeAndContinue(reply, payload)
}

function serializeAndContinue (reply: Reply, payload: unknown): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.serialization)
  let body: string
  try {
    body = serializePayload(reply, payload)
  } catch (err) {
    fail(reply, err)
    return
  }
  onSendStage(reply, body)
}

export function serializePayload (reply: Reply, payload: unknown): string {
  const custom = reply[kSerializer]
  if (custom !== null) return custom(payload)
  const context = reply[kContext]
  if (context.serializers !== null) {
    const fn = context.serializersByType === null
      ? serializerFor(context.serializers, reply.raw.statusCode)
      : serializerForType(context, reply.raw.statusCode, reply[kHeaders]['content-type'])
    if (fn !== undefined) return fn(payload)
  }
  if (context.replySerializer !== null) return context.replySerializer(payload, reply.raw.statusCode)
  const json = JSON.stringify(payload)
  return json === undefined ? 'null' : json
}

/** Runs onSend (for every response, errors included), then writes. */
export function onSendStage (reply: Reply, payload: unknown): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.onSend)
  const hooks = reply[kContext].onSend
  if (hooks !== null) {
    runHooks(hookRun(reply), hooks, Shape.payload, payload, Guard.hijack, afterOnSend)
    return
  }
  writeResponse(reply, payload)
}

const afterOnSend: Continuation<Reply> = (run, err, payload) => {
  const reply = run.reply
  if (err !== null) { fail(reply, err); return }
  writeResponse(reply, payload)
}

export function writeResponse (reply: Reply, payload: unknown): void {
  if (reply[kHijacked]) return
  const res = reply.raw
  if (res.headersSent || res.writableEnded) {
    reply.log.warn(`Reply was already sent, did you forget to "return reply" in the "${reply.request.raw.url}" (${reply.request.raw.method}) route?`)
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
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
    fail(reply, new codes.FST_ERR_REP_INVALID_PAYLOAD_TYPE(typeof payload))
    return
  }
  if (trailers === null) {
    const length = Buffer.byteLength(payload)
    const declared = headers['content-length']
    if (declared === undefined || (reply.request.raw.method !== 'HEAD' && Number(declared) !== length)) headers['content-length'] = '' + length
    if (writeHead(reply, status)) res.end(payload)
    return
  }
  if (!writeHead(reply, status)) return
  res.write(payload)
  sendTrailers(reply, trailers, res, payload)
}

function ignore (): void {}

/** Ends the response, with its trailers when some are set. */
function end (reply: Reply, res: ServerResponse, trailers: Trailers | null, payload: unknown): void {
  if (trailers === null) res.end()
  else sendTrailers(reply, trailers, res, payload)
}

/** Writes the status line and headers; a header Node refuses (a bad value) becomes the request's error. */
function writeHead (reply: Reply, status: number): boolean {
  try {
    reply.raw.writeHead(status, reply[kHeaders])
    return true
  } catch (err) {
    fail(reply, err)
    return false
  }
}

function sendStream (reply: Reply, stream: NodeJS.ReadableStream): void {
  const res = reply.raw
  const headers = reply[kHeaders]
  for (const key in headers) res.setHeader(key, headers[key]!)
  let failed = false
  let sourceOpen = true
  const trailers = reply[kTrailers]
  stream.on('error', (err: Error) => {
    sourceOpen = false
    if (failed) return
    failed = true
    if (!res.headersSent) {
      for (const key in headers) res.removeHeader(key)
      reply[kHeaders] = {}
      fail(reply, err)
    } else {
      reply.log.warn({ err }, 'response terminated with an error with headers already sent')
      res.destroy()
    }
  })
  // finished() also reports a stream that had already ended when it was sent
  try {
    finished(stream, { readable: true, writable: false }, (err) => {
      sourceOpen = false
      if (err == null && trailers !== null && !failed) sendTrailers(reply, trailers, res, null)
    })
  } catch {
    // a stream-like payload Node does not take for a stream: its own pipe() ends the response
  }
  res.once('close', () => {
    if (res.writableFinished || !sourceOpen) return
    if (res.headersSent && !failed) reply.log.info({ res: reply }, 'stream closed prematurely')
    closeSource(reply, stream)
  })
  // with trailers, they end the response once the stream has ended (finished() above)
  stream.pipe(res, trailers === null ? undefined : { end: false })
}

/** Stops a stream payload the client no longer reads: destroy(), else close(), else abort() (as Fastify tries them). */
function closeSource (reply: Reply, stream: NodeJS.ReadableStream): void {
  const source = stream as unknown as { destroy?: unknown, close?: unknown, abort?: unknown }
  try {
    if (typeof source.destroy === 'function') source.destroy()
    else if (typeof source.close === 'function') source.close(ignore)
    else if (typeof source.abort === 'function') source.abort()
    else reply.log.warn('stream payload does not end properly')
  } catch (err) {
    reply.log.warn({ err }, 'closing the stream payload failed')
  }
}
