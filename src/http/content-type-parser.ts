// A scope's body parsers (Fastify 5's addContentTypeParser semantics): which parser a request's
// content-type selects, reading the body within the body limit, and the default JSON and text parsers.
import type { IncomingMessage, IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import secureJsonParse from 'secure-json-parse'
import { codes } from '../errors.js'
import { callWithDone, type SettleRules } from '../hooks/user-call.js'
import { captureAsyncContext, kAsyncContext, type RequestAsyncContext } from './request-context.js'

/** A parser that rejects without a reason fails the request (500), as Fastify's does. */
const parserRules: SettleRules = { timeout: 0, emptyRejection: () => new codes.FST_ERR_SEND_UNDEFINED_ERR() }

export type BodyParserDone = (err: Error | null, body?: unknown) => void
/** A user parser: (request, payload, done) where payload is the body stream, or the string/Buffer when parseAs is set.
 *  It may call done, or return a promise (async parser). */
export type ContentTypeParserFunction = (request: any, payload: any, done: BodyParserDone) => unknown
export interface AddContentTypeParserOptions { parseAs?: 'string' | 'buffer'; bodyLimit?: number }
export interface ParsableRequest { raw: IncomingMessage; headers: IncomingHttpHeaders; body: unknown; [kAsyncContext]: RequestAsyncContext | null }
export type PoisoningAction = 'error' | 'remove' | 'ignore'

type SyncParse = (body: string | Buffer) => unknown

/** Built-in parsers carry a synchronous form, so the common JSON body is parsed without a `done` closure. */
const kSyncParse = Symbol('weft.syncParse')


interface Parser {
  readonly fn: ContentTypeParserFunction
  readonly asString: boolean
  readonly asBuffer: boolean
  /** the parser's own limit; undefined: the route's/scope's applies */
  readonly bodyLimit: number | undefined
  readonly sync: SyncParse | undefined
  /** true for the two defaults the constructor installs: the user may replace them once */
  readonly overridable: boolean
}

/** A parsed content-type: the lowercased media type and the lookup key, Fastify's normal form: the media type,
 *  then each parameter as `; name="value"` in the order sent (names lowercased, values as sent, unquoted). */
interface MediaType { media: string; key: string; hasParams: boolean }

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const TOKEN_RE = new RegExp(`^${TOKEN}$`)
/** RFC 9110 §5.6.6: `name=value` at a parameter boundary, the value a token or a quoted-string (qdtext, quoted-pairs) */
const PARAM_RE = new RegExp(`(?:^|;)\\s*(${TOKEN})=("(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\xff])*"|${TOKEN})`, 'g')
const QUOTED_PAIR_RE = /\\([\t\x20-\xff])/g
const CACHE_SIZE = 100
/** The key a missing content-type is looked up by (Fastify tests its RegExps against it too). */
const NO_TYPE_KEY = '/'

/** What a content-type header selects: a parser, no parser for a valid media type, or an invalid header. */
type Selection = Parser | 'none' | 'invalid'

function parseMediaType (value: string): MediaType | null {
  const semi = value.indexOf(';')
  const head = semi === -1 ? value : value.slice(0, semi)
  const slash = head.indexOf('/')
  if (slash === -1) return null
  const type = head.slice(0, slash).trimStart().toLowerCase()
  const subtype = head.slice(slash + 1).trimEnd().toLowerCase()
  if (!TOKEN_RE.test(type) || !TOKEN_RE.test(subtype)) return null
  const media = `${type}/${subtype}`
  if (semi === -1) return { media, key: media, hasParams: false }
  // a repeated name keeps its first place and its last value
  const params = new Map<string, string>()
  const list = value.slice(semi + 1).trim()
  PARAM_RE.lastIndex = 0
  for (let m = PARAM_RE.exec(list); m !== null; m = PARAM_RE.exec(list)) {
    let v = m[2]
    if (v.charCodeAt(0) === 34 /* " */) v = v.slice(1, -1).replace(QUOTED_PAIR_RE, '$1')
    params.set(m[1].toLowerCase(), v)
  }
  if (params.size === 0) return { media, key: media, hasParams: false }
  let key = media
  for (const [name, v] of params) key += `; ${name}="${v}"`
  return { media, key, hasParams: true }
}

/** FSTSEC001: a RegExp neither anchored at the start nor allowing `;?` also matches a type named in a parameter. */
function warnUnanchored (re: RegExp): void {
  if (re.source[0] === '^' || re.source.includes(';?')) return
  process.emitWarning(`You are using /${re.source}/ Content-Type which may be vulnerable to CORS attack. Please make sure your RegExp start with "^" or include ";?" to proper detection of the essence MIME type.`,
    { type: 'FastifySecurity', code: 'FSTSEC001' })
}

// ---- default parsers -------------------------------------------------------------------------

function syncJsonParser (onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): SyncParse {
  const options = { protoAction: onProtoPoisoning, constructorAction: onConstructorPoisoning }
  return function parseJson (body) {
    if (body.length === 0) throw new codes.FST_ERR_CTP_EMPTY_JSON_BODY()
    try {
      return secureJsonParse(body, options)
    } catch {
      // prototype poisoning too: Fastify 5.12 answers it with this error's own message
      throw new codes.FST_ERR_CTP_INVALID_JSON_BODY()
    }
  }
}

function callbackForm (sync: SyncParse): ContentTypeParserFunction {
  const fn: ContentTypeParserFunction = (_request, body, done) => {
    let value: unknown
    try {
      value = sync(body)
    } catch (err) {
      done(err as Error)
      return
    }
    done(null, value)
  }
  ;(fn as any)[kSyncParse] = sync
  return fn
}

/** `app.getDefaultJsonParser(proto, ctor)`: a parseAs 'string' parser with the given poisoning actions. */
export function getDefaultJsonParser (onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): ContentTypeParserFunction {
  return callbackForm(syncJsonParser(onProtoPoisoning, onConstructorPoisoning))
}

/** The text/plain parser: the body as a string. */
export const defaultTextParser: ContentTypeParserFunction = callbackForm(body => body)

// ---- the registry ----------------------------------------------------------------------------

export class ContentTypeParser {
  readonly defaultTextParser: ContentTypeParserFunction = defaultTextParser
  #bodyLimit: number
  #onProto: PoisoningAction
  #onConstructor: PoisoningAction
  /** exact (normalized) content types; '' holds the catch-all ('*') parser */
  #types: Map<string, Parser>
  /** RegExp parsers, most recently added first (Fastify tries the last added first) */
  #regexps: Array<{ re: RegExp; parser: Parser }>
  /** raw content-type header → what it selects, so a repeated header costs one Map lookup */
  #cache = new Map<string, Selection>()

  constructor (bodyLimit: number, onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction) {
    this.#bodyLimit = bodyLimit
    this.#onProto = onProtoPoisoning
    this.#onConstructor = onConstructorPoisoning
    this.#types = new Map()
    this.#regexps = []
    const json = getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning)
    this.#types.set('application/json', makeParser(json, 'string', undefined, true))
    this.#types.set('text/plain', makeParser(defaultTextParser, 'string', undefined, true))
  }

  getDefaultJsonParser (onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): ContentTypeParserFunction {
    return getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning)
  }

  /** Fastify's checks, in its order, for each type: the type, the handler, an existing parser, parseAs, a valid media type. */
  add (contentType: string | string[] | RegExp, opts: AddContentTypeParserOptions, parser: ContentTypeParserFunction): void {
    if (Array.isArray(contentType)) {
      for (const type of contentType) this.#addOne(type, opts, parser)
    } else {
      this.#addOne(contentType, opts, parser)
    }
  }

  #addOne (contentType: unknown, opts: AddContentTypeParserOptions, parser: ContentTypeParserFunction): void {
    let name = ''
    if (typeof contentType === 'string') {
      name = contentType.trim().toLowerCase()
      if (name.length === 0) throw new codes.FST_ERR_CTP_EMPTY_TYPE()
    } else if (!(contentType instanceof RegExp)) {
      throw new codes.FST_ERR_CTP_INVALID_TYPE()
    }
    if (typeof parser !== 'function') throw new codes.FST_ERR_CTP_INVALID_HANDLER()
    if (contentType instanceof RegExp) {
      if (this.#regexps.some(r => sameRegExp(r.re, contentType))) throw new codes.FST_ERR_CTP_ALREADY_PRESENT(String(contentType))
    } else {
      // '*' is never "present": a second one replaces the first
      const existing = this.#types.get(typeKey(name) ?? NO_TYPE_KEY)
      if (existing !== undefined && !existing.overridable) throw new codes.FST_ERR_CTP_ALREADY_PRESENT(name)
    }
    const parseAs = opts?.parseAs
    if (parseAs !== undefined && parseAs !== 'string' && parseAs !== 'buffer') {
      throw new codes.FST_ERR_CTP_INVALID_PARSE_TYPE(parseAs)
    }
    const limit = opts?.bodyLimit
    const entry = makeParser(parser, parseAs, typeof limit === 'number' && limit > 0 ? limit : undefined, false)
    if (contentType instanceof RegExp) {
      warnUnanchored(contentType)
      this.#regexps.unshift({ re: contentType, parser: entry })
    } else if (name === '*') {
      this.#types.set('', entry)
    } else {
      const key = typeKey(name)
      if (key === null) throw new codes.FST_ERR_CTP_INVALID_TYPE()
      this.#types.set(key, entry)
    }
    this.#cache.clear()
  }

  /** Whether a parser is registered for exactly this type or RegExp ('*' and malformed types: never). */
  has (contentType: string | RegExp): boolean {
    if (contentType instanceof RegExp) return this.#regexps.some(r => sameRegExp(r.re, contentType))
    if (typeof contentType !== 'string') throw new codes.FST_ERR_CTP_INVALID_TYPE()
    const key = typeKey(contentType)
    return key !== null && this.#types.has(key)
  }

  /** Removes the parser of exactly this type or RegExp ('*' is not removed this way: removeAll() does). */
  remove (contentType: string | string[] | RegExp): void {
    if (Array.isArray(contentType)) {
      for (const type of contentType) this.remove(type)
      return
    }
    if (contentType instanceof RegExp) {
      const i = this.#regexps.findIndex(r => sameRegExp(r.re, contentType))
      if (i !== -1) this.#regexps.splice(i, 1)
    } else if (typeof contentType === 'string') {
      const key = typeKey(contentType)
      if (key !== null) this.#types.delete(key)
    } else {
      throw new codes.FST_ERR_CTP_INVALID_TYPE()
    }
    this.#cache.clear()
  }

  removeAll (): void {
    this.#types = new Map()
    this.#regexps = []
    this.#cache.clear()
  }

  clone (): ContentTypeParser {
    const copy = new ContentTypeParser(this.#bodyLimit, this.#onProto, this.#onConstructor)
    copy.#types = new Map(this.#types)
    copy.#regexps = this.#regexps.slice()
    return copy
  }

  /** What a content-type header selects (see #select); 'invalid' for a malformed header. Cached by the header as sent. */
  #find (header: string): Selection {
    const cached = this.#cache.get(header)
    if (cached !== undefined) return cached
    const mt = parseMediaType(header)
    const found = mt === null ? 'invalid' : this.#select(mt.key, mt.media)
    if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string)
    this.#cache.set(header, found)
    return found
  }

  /** Fastify's order: the exact type with its parameters, the media type alone, the RegExps (last added first, tested
   *  against the normal form with parameters), then '*'. */
  #select (key: string, media: string | undefined): Parser | 'none' {
    let parser = this.#types.get(key) ?? (media !== undefined && media !== key ? this.#types.get(media) : undefined)
    for (let i = 0; parser === undefined && i < this.#regexps.length; i++) {
      const { re, parser: candidate } = this.#regexps[i]
      if (testRegExp(re, key)) parser = candidate
    }
    return parser ?? this.#types.get('') ?? 'none'
  }

  /** Decides whether `request`, of a method with a body, has one to parse and parses it from `payload` (the raw request, or the
   *  stream a preParsing hook returned), by Fastify 5.12's rules (the caller leaves out methods without a body): a QUERY needs a
   *  content-type (400); a malformed content-type (an empty one included) is a 415; a body without content-type goes to the
   *  '*' parser. For a not-found request (`is404`) a well-formed content-type without a parser is no error: the 404 answers.
   *  On success sets request.body and calls done(null); on failure calls done(err) where err has .statusCode and .code, and
   *  `refused` true when the request was refused on its headers alone (400 QUERY without content-type, 415), before any
   *  parser ran: Fastify closes the connection after a parser's error only.
   *  `routeBodyLimit` is the route's own bodyLimit option (null: none): it wins over the parser's, which defaults to the
   *  app's. Never throws; never calls done twice.
   *  done may be called synchronously (no body, 413 from Content-Length, 415). */
  run (request: ParsableRequest, payload: Readable, routeBodyLimit: number | null, is404: boolean, done: (err: Error | null, refused?: boolean) => void): void {
    const headers = request.headers
    const method = request.raw.method ?? ''
    const contentType = headers['content-type']
    let selected: Selection
    if (contentType === undefined) {
      if (method === 'QUERY') { done(new codes.FST_ERR_ROUTE_MISSING_CONTENT_TYPE(method), true); return }
      if (headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0')) {
        done(null)
        return
      }
      selected = this.#select(NO_TYPE_KEY, undefined)
    } else {
      selected = this.#find(contentType)
    }
    if (selected === 'invalid' || (selected === 'none' && !is404)) { done(new codes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), true); return }
    if (selected === 'none') { done(null); return }
    const parser = selected

    const reader = new BodyReader(request, payload, parser, done)
    if (!(parser.asString || parser.asBuffer)) {
      reader.callParser(payload)
      return
    }
    const limit = routeBodyLimit ?? parser.bodyLimit ?? this.#bodyLimit
    const length = headers['content-length']
    const expected = length === undefined ? NaN : Number(length)
    if (expected > limit) {
      // not read: Node discards the unread body once the response is written
      reader.finish(new codes.FST_ERR_CTP_BODY_TOO_LARGE())
      return
    }
    reader.read(limit, expected)
  }
}

function makeParser (fn: ContentTypeParserFunction, parseAs: 'string' | 'buffer' | undefined, bodyLimit: number | undefined, overridable: boolean): Parser {
  const sync = parseAs !== undefined ? (fn as any)[kSyncParse] as SyncParse | undefined : undefined
  return { fn, asString: parseAs === 'string', asBuffer: parseAs === 'buffer', bodyLimit, sync, overridable }
}

/** The registry key of a type given to add/has/remove; null for '*' and malformed types. */
function typeKey (contentType: string): string | null {
  return parseMediaType(contentType)?.key ?? null
}

function sameRegExp (a: RegExp, b: RegExp): boolean {
  return a.source === b.source && a.flags === b.flags
}

function testRegExp (re: RegExp, value: string): boolean {
  re.lastIndex = 0 // a g/y RegExp keeps state between calls
  return re.test(value)
}

// ---- reading one body ------------------------------------------------------------------------

/** The per-request state of a body read. The stream listeners below are shared functions that find it on the stream. */
const kReader = Symbol('weft.bodyReader')

class BodyReader {
  readonly request: ParsableRequest
  readonly payload: Readable
  readonly parser: Parser
  readonly done: (err: Error | null) => void
  /** The request's context: stream events and the parser's callback come from elsewhere; what follows the body runs in it. */
  readonly context: RequestAsyncContext
  settled = false
  limit = 0
  expected = NaN
  received = 0
  chunks: Buffer[] = []

  constructor (request: ParsableRequest, payload: Readable, parser: Parser, done: (err: Error | null) => void) {
    this.request = request
    this.payload = payload
    this.parser = parser
    this.done = done
    this.context = captureAsyncContext(request)
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
