// The deliberate differences from Fastify (README, "Where Weft differs from Fastify"), each an
// explicit named predicate over one input and its outcomes; a difference none of them explains
// is a finding. Each predicate checks both that the input is the listed case and that the
// outcomes differ exactly as the bullet says (anything else about the answer must still match).
import { summary } from './harness.js'

const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i // Node's test for Expect: 100-continue

/** The request's header values for `name` (case-insensitive), as the serializer writes them. */
function headerValues (req, name) {
  const values = []
  const lower = name.toLowerCase()
  if (lower === 'host') {
    if (req.host === 'twice') values.push('a', 'b')
    else if (req.host === 'empty') values.push('')
    else if (req.host === 'odd') values.push('bad host/\u00e9')
    else if (req.host !== 'none') values.push('fuzz.test')
  }
  for (const [n, v] of req.headers) if (n.toLowerCase() === lower) values.push(v)
  return values
}

/** Fastify leaves these to Node, whose answer is a bare status line (no body, no content-type); Weft's is Fastify-style JSON. */
function bareVersusJson (pair, status) {
  const f = summary(pair.fastify)
  const w = summary(pair.weft)
  return f.status === status && w.status === status && f.type === '' && pair.fastify.body === '' &&
    w.type === 'application/json' && (w.statusCode === status || pair.weft.body === '') &&
    f.closed === w.closed && !f.hang && !w.hang && pair.weft.malformed === undefined
}

export const deliberate = {
  /**
   * README: "An HTTP/1.1 request without `Host` gets a JSON 400 (whatever it expects, as Node
   * orders them) ... Fastify leaves both to Node's bare status line." Node answers a Host-less
   * HTTP/1.1 request with a bare 400 for Fastify; Weft with a JSON 400.
   */
  hostlessHttp11 (req, result) {
    return req.version === 'HTTP/1.1' && headerValues(req, 'host').length === 0 && bareVersusJson(result.socket, 400)
  },

  /**
   * README: "... and one with an unknown `Expect` a JSON 417". Node answers an HTTP/1.1 request whose Expect is
   * not 100-continue with a bare 417 for Fastify; Weft with a JSON 417.
   */
  unknownExpect (req, result) {
    const expect = headerValues(req, 'expect')
    return req.version === 'HTTP/1.1' && expect.length > 0 && headerValues(req, 'host').length > 0 &&
      !CONTINUE.test(expect.join(', ')) && bareVersusJson(result.socket, 417)
  }
}

/**
 * Sorts an input's differences: { explainedBy } naming the deliberate difference that explains
 * all those seen over the socket (inject differences are never excused: inject has no Node parser
 * in front), or { unexplained: [...] }.
 */
export function classify (req, result, found) {
  if (found.length === 0) return {}
  const onSocket = found.filter((d) => d.via === 'socket')
  if (onSocket.length === found.length) {
    for (const [name, explains] of Object.entries(deliberate)) {
      if (explains(req, result)) return { explainedBy: name }
    }
  }
  return { unexplained: found }
}
