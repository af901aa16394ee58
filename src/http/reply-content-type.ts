// A content-type header read as Fastify reads it (the reply's before sending, and request/reply.mediaType): a valid media type (or
// none: empty and malformed values count as unset), whether it names a charset, and its normal form.
const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/
const SUBTYPE = /^[\w!#$%&'*+.^`|~-]+\s*$/
const PARAM = /(?:^|;)\s*([\w!#$%&'*+.^`|~-]+)=("(?:[\t\u0020\u0021\u0023-\u005b\u005d-\u007e\u0080-\u00ff]|\\[\t\u0020-\u00ff])*"|[\w!#$%&'*+.^`|~-]+)/gu
const QUOTED_PAIR = /\\([\t\u0020-\u00ff])/gu

export interface ReplyMediaType {
  /** 'type/subtype', lower-cased. */
  readonly mediaType: string
  readonly hasCharset: boolean
  /** The type and its parameters re-written (`type/subtype; key="value"`), before a charset is appended. */
  readonly normal: string
}

const CACHE_SIZE = 100
const cache = new Map<string, ReplyMediaType | null>()

/** The parsed content type, or null when the value is not a valid media type (then the reply's default applies). */
export function replyMediaType (header: unknown): ReplyMediaType | null {
  if (typeof header !== 'string' || header === '' || header === 'undefined') return null
  let parsed = cache.get(header)
  if (parsed !== undefined) return parsed
  parsed = parse(header)
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(header, parsed)
  return parsed
}

function parse (header: string): ReplyMediaType | null {
  const semi = header.indexOf(';')
  const media = (semi === -1 ? header : header.slice(0, semi)).toLowerCase()
  const slash = media.indexOf('/')
  if (slash === -1) return null
  const type = media.slice(0, slash).trimStart()
  const subtype = media.slice(slash + 1).trimEnd()
  if (!TOKEN.test(type) || !SUBTYPE.test(subtype)) return null
  const mediaType = type + '/' + subtype
  if (semi === -1) return { mediaType, hasCharset: false, normal: mediaType }
  const params = new Map<string, string>()
  const list = header.slice(semi + 1).trim()
  PARAM.lastIndex = 0
  for (let m = PARAM.exec(list); m !== null; m = PARAM.exec(list)) {
    let value = m[2]!
    if (value.charCodeAt(0) === 0x22) {
      value = value.slice(1, -1)
      if (value.indexOf('\\') !== -1) value = value.replace(QUOTED_PAIR, '$1')
    }
    params.set(m[1]!.toLowerCase(), value)
  }
  let normal = mediaType
  for (const [key, value] of params) normal += '; ' + key + '="' + value + '"'
  return { mediaType, hasCharset: params.has('charset'), normal }
}
