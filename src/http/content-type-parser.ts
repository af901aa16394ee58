// A scope's body parsers (Fastify 5's addContentTypeParser semantics): the registry (add, has, remove,
// clone) and which parser a request's content-type selects; reading the body is body-reader.ts's.
import type { Readable } from 'node:stream'
import { codes } from '../errors.js'
import type { AddContentTypeParserOptions, ContentTypeParserFunction, ParsableRequest, PoisoningAction, RegisteredParser } from './body-parser-types.js'
import { BodyReader } from './body-reader.js'
import { defaultTextParser, getDefaultJsonParser, syncFormOf } from './default-body-parsers.js'
import { parseMediaType } from './media-type-key.js'

export type { AddContentTypeParserOptions, BodyParserDone, ContentTypeParserFunction, ParsableRequest, PoisoningAction } from './body-parser-types.js'
export { defaultTextParser, getDefaultJsonParser } from './default-body-parsers.js'

const CACHE_SIZE = 100
/** The key a missing content-type is looked up by (Fastify tests its RegExps against it too). */
const NO_TYPE_KEY = '/'

/** What a content-type header selects: a parser, no parser for a valid media type, or an invalid header. */
type Selection = RegisteredParser | 'none' | 'invalid'

/** FSTSEC001: a RegExp neither anchored at the start nor allowing `;?` also matches a type named in a parameter. */
function warnUnanchored (re: RegExp): void {
  if (re.source[0] === '^' || re.source.includes(';?')) return
  process.emitWarning(`You are using /${re.source}/ Content-Type which may be vulnerable to CORS attack. Please make sure your RegExp start with "^" or include ";?" to proper detection of the essence MIME type.`,
    { type: 'FastifySecurity', code: 'FSTSEC001' })
}

export class ContentTypeParser {
  readonly defaultTextParser: ContentTypeParserFunction = defaultTextParser
  #bodyLimit: number
  #onProto: PoisoningAction
  #onConstructor: PoisoningAction
  /** exact (normalized) content types; '' holds the catch-all ('*') parser */
  #types: Map<string, RegisteredParser>
  /** RegExp parsers, most recently added first (Fastify tries the last added first) */
  #regexps: Array<{ re: RegExp; parser: RegisteredParser }>
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
  #select (key: string, media: string | undefined): RegisteredParser | 'none' {
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

function makeParser (fn: ContentTypeParserFunction, parseAs: 'string' | 'buffer' | undefined, bodyLimit: number | undefined, overridable: boolean): RegisteredParser {
  const sync = parseAs !== undefined ? syncFormOf(fn) : undefined
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
