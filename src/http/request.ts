// The Request object handed to hooks and handlers: a thin view over the raw IncomingMessage,
// with params from the router, a query string parsed on first read, request.signal made on
// first read, and decorators.
import type { IncomingMessage, ServerResponse } from 'node:http'
import fastQuerystring from 'fast-querystring'
import type { Logger } from '../app/logger.js'
import { codes } from '../errors.js'
import { kAsyncContext, type RequestAsyncContext } from './request-context.js'
import { kResponse, requestSignal } from './request-signal.js'
import { replyMediaType } from './reply-content-type.js'
import type { RouteContext } from './route-context.js'
import { forwardedAddresses, lastEntry } from './trust-proxy.js'

export const kContext = Symbol('weft.context')
const kSearch = Symbol('weft.search')
const kQuery = Symbol('weft.query')

export type DecoratorProps = Array<[string | symbol, unknown]>

export class Request {
  /** Decorator values set on each new instance, so every request has the same shape. */
  static props: DecoratorProps = []

  id: string
  params: Record<string, string>
  raw: IncomingMessage
  body: unknown
  log: Logger
  validationError: Error | undefined
  [kContext]: RouteContext
  [kSearch]: string
  [kQuery]: Record<string, unknown> | undefined
  /** The response, for request.signal (set as the request starts). */
  [kResponse]: ServerResponse | undefined
  /** The request's async context, captured only when the lifecycle may resume from another one (see request-context.ts). */
  [kAsyncContext]: RequestAsyncContext | null

  constructor (id: string, params: Record<string, string>, raw: IncomingMessage, search: string, log: Logger, context: RouteContext) {
    this.id = id
    this.params = params
    this.raw = raw
    this.body = undefined
    this.log = log
    this.validationError = undefined
    this[kContext] = context
    this[kSearch] = search
    this[kQuery] = undefined
    this[kResponse] = undefined
    this[kAsyncContext] = null
    const props = (new.target as typeof Request).props
    for (let i = 0; i < props.length; i++) (this as any)[props[i]![0]] = props[i]![1]
  }

  get query (): Record<string, unknown> {
    let q = this[kQuery]
    if (q === undefined) {
      const search = this[kSearch]
      const parse = this[kContext].app.querystringParser
      // a custom querystringParser is called with '' too, as Fastify's router does
      q = this[kQuery] = parse !== null ? parse(search) : search.length === 0 ? {} : fastQuerystring.parse(search)
    }
    return q
  }

  set query (value: Record<string, unknown>) { this[kQuery] = value }

  get headers () { return this.raw.headers }
  set headers (value) { this.raw.headers = value }
  get url (): string { return this.raw.url! }
  /** The body's content-type as `type/subtype`, lower-cased, without parameters; undefined when none or malformed. */
  get mediaType (): string | undefined { return replyMediaType(this.raw.headers['content-type'])?.mediaType }
  get originalUrl (): string { return (this.raw as { originalUrl?: string }).originalUrl ?? this.raw.url! }
  get method (): string { return this.raw.method! }
  get socket () { return this.raw.socket }
  get server () { return this[kContext].instance }
  /** The route's options; with versioned routes, `version` is the Accept-Version sent (as Fastify). */
  get routeOptions () {
    const context = this[kContext]
    if (!context.app.versioned) return context.routeOptions
    return { ...context.routeOptions, version: this.raw.headers['accept-version'] }
  }
  get is404 (): boolean { return this[kContext].is404 }
  /** Aborts when the client goes away before the answer, or at handlerTimeout; made on first read. */
  get signal (): AbortSignal { return requestSignal(this) }

  get ip (): string | undefined {
    const trust = this[kContext].app.trustProxy
    if (trust !== null) {
      const addresses = forwardedAddresses(this.raw, trust)
      return addresses[addresses.length - 1]
    }
    return this.raw.socket?.remoteAddress
  }

  /** The socket's address then the forwarded ones through the trusted proxies; undefined without trustProxy (as Fastify). */
  get ips (): string[] | undefined {
    const trust = this[kContext].app.trustProxy
    return trust !== null ? forwardedAddresses(this.raw, trust) : undefined
  }

  get host (): string {
    const headers = this.raw.headers
    const forwarded = headers['x-forwarded-host']
    if (typeof forwarded === 'string' && forwarded !== '' && this.#fromTrustedProxy()) return lastEntry(forwarded)
    return headers.host ?? headers[':authority'] as string ?? ''
  }

  get hostname (): string {
    const host = this.host
    if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
    const colon = host.indexOf(':')
    return colon === -1 ? host : host.slice(0, colon)
  }

  /** The port written in the host; null when it has none. */
  get port (): number | null {
    const m = /:(\d+)$/.exec(this.host)
    return m !== null ? parseInt(m[1]!, 10) : null
  }

  /** X-Forwarded-Proto's last value as sent by a trusted proxy, else the socket's. */
  get protocol (): string {
    const forwarded = this.raw.headers['x-forwarded-proto']
    if (typeof forwarded === 'string' && forwarded !== '' && this.#fromTrustedProxy()) return lastEntry(forwarded)
    return (this.raw.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http'
  }

  #fromTrustedProxy (): boolean {
    const trust = this[kContext].app.trustProxy
    const socket = this.raw.socket
    return trust !== null && socket != null && trust(socket.remoteAddress as string, 0)
  }

  getDecorator<T = unknown> (name: string | symbol): T {
    if (!(name in this)) throw new codes.FST_ERR_DEC_UNDECLARED(String(name), 'request')
    const value = (this as any)[name]
    return typeof value === 'function' ? value.bind(this) : value
  }

  /** Sets a declared decorator's value on this request. */
  setDecorator (name: string | symbol, value: unknown): void {
    if (!(name in this)) throw new codes.FST_ERR_DEC_UNDECLARED(String(name), 'request')
    ;(this as any)[name] = value
  }
}

export type RequestClass = typeof Request

/** A subclass for a child scope: its decorators stay in the child. */
export function extendRequest (Parent: RequestClass): RequestClass {
  const Scoped = class extends Parent {}
  Scoped.props = Parent.props.slice()
  return Scoped
}
