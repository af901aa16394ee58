// The Reply object: status, headers, serializers, trailers, send() and the thenable. What send()
// sets off lives apart: reply-send.ts (content type, hooks, serialization), reply-write.ts and
// reply-stream.ts (the write), reply-flow.ts (error flow, later sends, promises, hook runs); their
// shared view of a reply is the ReplyState interface (reply-state.ts). Errors go to the error flow,
// which the app passes in (runtime.stages), so none of these imports back into the request path.
import type { ServerResponse } from 'node:http'
import { finished } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Logger } from '../app/logger.js'
import { codes } from '../errors.js'
import { type HookRun, kHijacked, kSendCalled } from '../hooks/request-hook-runner.js'
import { kContext, type DecoratorProps, type Request } from './request.js'
import type { ErrorHandlerLink, RouteContext } from './route-context.js'
import { inRequestContext } from './request-context.js'
import { defaultSerializerCompiler } from './serialization.js'
import { kScope } from '../app/symbols.js'
import type { SchemaStore, SerializerCompiler, SerializerFunction } from './schema-store.js'
import { FORBIDDEN_TRAILERS, type TrailerFn, type Trailers } from './reply-trailers.js'
import { replyMediaType } from './reply-content-type.js'
import { sendLater } from './reply-flow.js'
import { unwatchTimeout } from './socket-timeout.js'
import { sendNow, serializePayload } from './reply-send.js'
import {
  kErrorHandler, kHeaders, kOnErrorRan, kRun, kRunningOnError, kSendLater, kSerializer, kStart, kTrailers,
  type Headers, type ReplyState
} from './reply-state.js'

// what the rest of src/http imports from here
export { kErrorHandler, kHeaders, kHijacked, kOnErrorRan, kRun, kRunningOnError, kSendLater, type Headers }
export { fail, hookRun, newHookRun, sendLater, settleReply } from './reply-flow.js'
export { onSendStage, sendPayload, serializePayload } from './reply-send.js'
export { writeResponse } from './reply-write.js'

/** reply.compileSerializationSchema()'s functions, per route context and schema object. */
const compiledBySchema = new WeakMap<object, WeakMap<object, SerializerFunction>>()
/** What compileSerializationSchema needs of the route's scope (typed by shape: http-scope.ts leads back here). */
interface SerializerScope { serializerCompilerFor (make: (store: SchemaStore) => SerializerCompiler): SerializerCompiler }

export class Reply implements ReplyState {
  static props: DecoratorProps = []

  raw: ServerResponse
  request: Request
  log: Logger
  [kSendCalled]: boolean
  [kHeaders]: Headers
  [kContext]: RouteContext
  [kRun]: HookRun<this> | null
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
    // as Fastify: any number from 100 to 599 (Node truncates a fraction when it writes the head)
    if (!(n >= 100 && n <= 599)) throw new codes.FST_ERR_BAD_STATUS_CODE(String(statusCode))
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
    if (this[kContext].onTimeout !== null) unwatchTimeout(this) // Weft's handling ends: its socket lets go of the reply
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
    const value: unknown = Reflect.get(this, name)
    // T is the caller's word for the decorator's type, as Fastify types it
    return (typeof value === 'function' ? value.bind(this) : value) as T
  }

  send (payload?: unknown): this {
    if (this[kRunningOnError]) throw new codes.FST_ERR_SEND_INSIDE_ONERR()
    if (this[kSendCalled] || this.sent) {
      this.log.warn({ err: new codes.FST_ERR_REP_ALREADY_SENT(this.request.url, this.request.method) })
      return this
    }
    this[kSendCalled] = true
    const later = this[kSendLater]
    try {
      if (later) {
        // the handler left earlier: what follows the send runs in the context it left
        this[kSendLater] = false
        inRequestContext(this.request, sendNow, this, payload)
      } else {
        sendNow(this, payload)
      }
    } catch (err) {
      // as Fastify: a payload the write cannot carry (FST_ERR_REP_INVALID_PAYLOAD_TYPE, reached
      // without a hook in between) is thrown to the caller; nothing was written, so it may send again
      if (!this.raw.headersSent) {
        this[kSendCalled] = false
        this[kSendLater] = later
      }
      throw err
    }
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

export function extendReply (Parent: ReplyClass): ReplyClass {
  const Scoped = class extends Parent {}
  Scoped.props = Parent.props.slice()
  return Scoped
}
