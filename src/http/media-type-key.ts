// A content-type header in Fastify's normal form, the key parsers are registered and looked up by: the
// lowercased media type, then each parameter as `; name="value"` in the order sent.

/** A parsed content-type: the lowercased media type and the lookup key (the media type alone when there are no parameters). */
export interface MediaType { media: string; key: string }

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const TOKEN_RE = new RegExp(`^${TOKEN}$`)
/** RFC 9110 §5.6.6: `name=value` at a parameter boundary, the value a token or a quoted-string (qdtext, quoted-pairs) */
const PARAM_RE = new RegExp(`(?:^|;)\\s*(${TOKEN})=("(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\xff])*"|${TOKEN})`, 'g')
const QUOTED_PAIR_RE = /\\([\t\x20-\xff])/g

/** The normal form of a content-type (names lowercased, values as sent, unquoted); null when the media type is malformed. */
export function parseMediaType (value: string): MediaType | null {
  const semi = value.indexOf(';')
  const head = semi === -1 ? value : value.slice(0, semi)
  const slash = head.indexOf('/')
  if (slash === -1) return null
  const type = head.slice(0, slash).trimStart().toLowerCase()
  const subtype = head.slice(slash + 1).trimEnd().toLowerCase()
  if (!TOKEN_RE.test(type) || !TOKEN_RE.test(subtype)) return null
  const media = `${type}/${subtype}`
  if (semi === -1) return { media, key: media }
  // a repeated name keeps its first place and its last value
  const params = new Map<string, string>()
  const list = value.slice(semi + 1).trim()
  PARAM_RE.lastIndex = 0
  for (let m = PARAM_RE.exec(list); m !== null; m = PARAM_RE.exec(list)) {
    let v = m[2]
    if (v.charCodeAt(0) === 34 /* " */) v = v.slice(1, -1).replace(QUOTED_PAIR_RE, '$1')
    params.set(m[1].toLowerCase(), v)
  }
  if (params.size === 0) return { media, key: media }
  let key = media
  for (const [name, v] of params) key += `; ${name}="${v}"`
  return { media, key }
}
