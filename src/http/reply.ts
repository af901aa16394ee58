// The Reply object and the send pipeline: payload → preSerialization → serialization → onSend
// → write. Errors sent through it go to the error flow (error-handler.ts).
import type { ServerResponse } from 'node:http'
import { finished } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Logger } from '../app/logger.js'
import { codes } from '../errors.js'
import { HookRun, kSendCalled, runHooks, Shape, type Continuation } from '../hooks/request-hook-runner.js'
import { handleError, type ErrorHandlerLink } from './error-handler.js'
import { handlerStage } from './request-lifecycle.js'
import { kContext, type DecoratorProps, type Request } from './request.js'
import type { RouteContext } from './route-context.js'
import { serializerFor } from './schemas.js'

export const kHeaders = Symbol('weft.headers')
export const kRun = Symbol('weft.run')
export const kHijacked = Symbol('weft.hijacked')
export const kErrorHandler = Symbol('weft.errorHandler')
export const kRunningOnError = Symbol('weft.runningOnError')
export const kOnErrorRan = Symbol('weft.onErrorRan')
const kSerializer = Symbol('weft.serializer')
const kStart = Symbol('weft.start')

export type Headers = Record<string, string | number | string[]>

export class Reply {
  static props: DecoratorProps = []

  raw: ServerResponse
  request: Request
  log: Logger
  [kSendCalled]: boolean
  [kHeaders]: Headers
  [kContext]: RouteContext
  [kRun]: HookRun | null
  [kSerializer]: ((payload: unknown) => string) | null
  [kHijacked]: boolean
  [kErrorHandler]: ErrorHandlerLink | null
  [kRunningOnError]: boolean
  [kOnErrorRan]: boolean
  [kStart]: number

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

  getSerializationFunction (statusCode: number | string): ((payload: unknown) => string) | undefined {
    return serializerFor(this[kContext].serializers, Number(statusCode))
  }

  /** Hands the request to the not-found handler of its URL's scope. */
  callNotFound (): this {
    const context = this[kContext].app.notFoundContext(this.request.raw)
    this[kContext] = context
    this.request[kContext] = context
    this[kErrorHandler] = context.errorHandler
    handlerStage(this)
    return this
  }

  getDecorator<T = unknown> (name: string | symbol): T {
    if (!(name in this)) throw new codes.FST_ERR_DEC_UNDECLARED(String(name), 'reply')
    const value = (this as any)[name]
    return typeof value === 'function' ? value.bind(this) : value
  }

  send (payload?: unknown): this {
    if (this[kRunningOnError]) throw new codes.FST_ERR_SEND_INSIDE_ONERR()
    if (this[kSendCalled] || this[kHijacked]) {
      if (!this[kHijacked]) this.log.warn({ err: new codes.FST_ERR_REP_ALREADY_SENT(this.request.url, this.request.method) }, 'Reply was already sent')
      return this
    }
    this[kSendCalled] = true
    if (payload instanceof Error) {
      handleError(this, payload)
      return this
    }
    sendPayload(this, payload)
    return this
  }

  /** Resolves when the response has been written: lets async hooks and handlers `return reply`. */
  then (fulfilled?: () => void, rejected?: (err: unknown) => void): void {
    if (this.sent) { fulfilled?.(); return }
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

export function extendReply (Parent: ReplyClass): ReplyClass {
  const Scoped = class extends Parent {}
  Scoped.props = Parent.props.slice()
  return Scoped
}

/** A HookRun for the next chain of this reply: its own one, made on first use, unless that one is
 *  still waiting on a hook or the handler (an early reply, a send from a pending handler); then a new one. */
export function hookRun (reply: Reply): HookRun {
  const run = reply[kRun]
  if (run === null) return (reply[kRun] = new HookRun(reply.request, reply))
  return run.busy ? new HookRun(reply.request, reply) : run
}


function isBinary (payload: object): boolean {
  return Buffer.isBuffer(payload) || ArrayBuffer.isView(payload)
}

/** send() for anything that is not an Error: decide content type and whether to serialize. */
export function sendPayload (reply: Reply, payload: unknown): void {
  if (payload === undefined) {
    onSendStage(reply, undefined)
    return
  }
  const headers = reply[kHeaders]
  const contentType = headers['content-type'] as string | undefined
  if (payload !== null) {
    if (typeof (payload as { pipe?: unknown }).pipe === 'function' || (typeof payload === 'object' && isBinary(payload))) {
      if (contentType === undefined && typeof (payload as { pipe?: unknown }).pipe !== 'function') headers['content-type'] = 'application/octet-stream'
      onSendStage(reply, payload)
      return
    }
    if (typeof payload === 'string') {
      if (contentType === undefined) headers['content-type'] = 'text/plain; charset=utf-8'
      onSendStage(reply, payload)
      return
    }
  }
  if (contentType === undefined) {
    headers['content-type'] = 'application/json; charset=utf-8'
  } else if (reply[kSerializer] === null && contentType.indexOf('json') === -1) {
    // a non-JSON content type with a non-string payload: the user's serializer or onSend must turn it into bytes
    onSendStage(reply, payload)
    return
  }
  const hooks = reply[kContext].preSerialization
  if (hooks !== null) {
    runHooks(hookRun(reply), hooks, Shape.payload, payload, false, afterPreSerialization)
    return
  }
  serializeAndContinue(reply, payload)
}

const afterPreSerialization: Continuation = (run, err, payload) => {
  const reply = run.reply as Reply
  if (err !== null) { handleError(reply, err); return }
  serializeAndContinue(reply, payload)
}

function serializeAndContinue (reply: Reply, payload: unknown): void {
  let body: string
  try {
    body = serializePayload(reply, payload)
  } catch (err) {
    handleError(reply, err)
    return
  }
  onSendStage(reply, body)
}

export function serializePayload (reply: Reply, payload: unknown): string {
  const custom = reply[kSerializer]
  if (custom !== null) return custom(payload)
  const context = reply[kContext]
  if (context.serializers !== null) {
    const fn = serializerFor(context.serializers, reply.raw.statusCode)
    if (fn !== undefined) return fn(payload)
  }
  if (context.replySerializer !== null) return context.replySerializer(payload, reply.raw.statusCode)
  const json = JSON.stringify(payload)
  return json === undefined ? 'null' : json
}

/** Runs onSend (for every response, errors included), then writes. */
export function onSendStage (reply: Reply, payload: unknown): void {
  const hooks = reply[kContext].onSend
  if (hooks !== null) {
    runHooks(hookRun(reply), hooks, Shape.payload, payload, false, afterOnSend)
    return
  }
  writeResponse(reply, payload)
}

const afterOnSend: Continuation = (run, err, payload) => {
  const reply = run.reply as Reply
  if (err !== null) { handleError(reply, err); return }
  writeResponse(reply, payload)
}

export function writeResponse (reply: Reply, payload: unknown): void {
  if (reply[kHijacked]) return
  const res = reply.raw
  if (res.headersSent || res.writableEnded) {
    reply.log.warn('Reply was already written by other means')
    return
  }
  const headers = reply[kHeaders]
  if (payload === undefined || payload === null) {
    const status = res.statusCode
    if (status >= 200 && status !== 204 && status !== 304 && reply.request.raw.method !== 'HEAD' && headers['content-length'] === undefined) {
      headers['content-length'] = '0'
    }
    res.writeHead(status, headers)
    res.end()
    return
  }
  if (typeof (payload as { pipe?: unknown }).pipe === 'function') {
    sendStream(reply, payload as NodeJS.ReadableStream)
    return
  }
  let body: string | Buffer
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) body = payload
  else if (ArrayBuffer.isView(payload)) body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  else {
    handleError(reply, new codes.FST_ERR_REP_INVALID_PAYLOAD_TYPE(typeof payload))
    return
  }
  const length = Buffer.byteLength(body)
  const declared = headers['content-length']
  if (declared === undefined || (reply.request.raw.method !== 'HEAD' && Number(declared) !== length)) headers['content-length'] = '' + length
  res.writeHead(res.statusCode, headers)
  res.end(body)
}

function sendStream (reply: Reply, stream: NodeJS.ReadableStream): void {
  const res = reply.raw
  const headers = reply[kHeaders]
  for (const key in headers) res.setHeader(key, headers[key]!)
  let failed = false
  stream.on('error', (err: Error) => {
    if (failed) return
    failed = true
    if (!res.headersSent) {
      for (const key in headers) res.removeHeader(key)
      reply[kHeaders] = {}
      handleError(reply, err)
    } else {
      reply.log.warn({ err }, 'response stream failed after headers were sent')
      res.destroy(err)
    }
  })
  res.once('close', () => {
    if (!res.writableFinished) (stream as unknown as { destroy?: () => void }).destroy?.()
  })
  stream.pipe(res)
}
