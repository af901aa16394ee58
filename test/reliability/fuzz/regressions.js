// Inputs the differential fuzzer found where Weft differed from Fastify 5.12, kept with the seed
// that found them, and the expected outcome on both (asserted on Fastify as ground truth too).
// `deliberate` names the README difference that must explain a case instead of an equal outcome.

const CRLF = '\r\n'
const raw = (...lines) => lines.join(CRLF)

export const regressions = [
  {
    name: 'a 415 for an empty content-type keeps the keep-alive connection',
    found: 'fc.sample(requestArb, { seed: 1 }) input 18 (first harness): Weft answered Connection: close',
    request: raw('QUERY / HTTP/1.1', 'Host: fuzz.test', 'Content-Type: ', '', ''),
    expect: { status: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', closed: false }
  },
  {
    name: 'a 415 for a content-type without parser keeps the connection, its unread body discarded',
    found: 'fc.sample(requestArb, { seed: 1 }) input 109 (first harness): Weft answered Connection: close',
    request: raw('DELETE /echo HTTP/1.1', 'Host: fuzz.test', 'Content-Type: /json', 'Content-Length: 3', '', '&&&'),
    expect: { status: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', closed: false }
  },
  {
    name: 'a QUERY without content-type (400) keeps the connection',
    found: 'fc.sample(requestArb, { seed: 2 }) input 53 (first harness): Weft answered Connection: close',
    request: raw('QUERY /echo HTTP/1.1', 'Host: fuzz.test', 'Content-Length: 13', '', '{"name":"\u00e9"}'),
    expect: { status: 400, code: 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE', closed: false }
  },
  {
    name: 'a parser error still closes the connection (the client may still be sending)',
    found: 'control case for the three above',
    request: raw('POST /echo HTTP/1.1', 'Host: fuzz.test', 'Content-Type: application/json', 'Content-Length: 5', '', '{"a":'),
    expect: { status: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', closed: true }
  },
  {
    name: 'ignoreTrailingSlash with a not-found handler under a prefix: the app starts',
    found: 'bench/fuzz.mjs --seed 14 (lenient configuration added): Weft\'s ready() threw "Method \'ACL\' already declared for route \'/api/v1\'"',
    config: 'lenient',
    request: raw('GET /api/v1/ HTTP/1.1', 'Host: fuzz.test', '', ''),
    expect: { status: 404, code: 'API_NOT_FOUND', closed: false }
  },
  {
    name: 'caseSensitive: false does not apply to not-found prefixes (root 404 for /API/v1/...)',
    found: 'reading Fastify\'s 404 router after the seed 14 finding: it takes none of the router options',
    config: 'lenient',
    request: raw('GET /API/v1/nope HTTP/1.1', 'Host: fuzz.test', '', ''),
    expect: { status: 404, code: undefined, closed: false }
  },
  {
    name: 'ignoreDuplicateSlashes does not apply to not-found prefixes (root 404 for //api/v1/...)',
    found: 'as above',
    config: 'lenient',
    request: raw('GET //api/v1/nope HTTP/1.1', 'Host: fuzz.test', '', ''),
    expect: { status: 404, code: undefined, closed: false }
  },
  {
    name: 'useSemicolonDelimiter does not apply to not-found prefixes (root 404 for /api/v1;x)',
    found: 'as above',
    config: 'lenient',
    request: raw('GET /api/v1;x HTTP/1.1', 'Host: fuzz.test', '', ''),
    expect: { status: 404, code: undefined, closed: false }
  },
  {
    name: 'a Host-less HTTP/1.1 request: bare 400 from Node for Fastify, JSON 400 for Weft',
    found: 'fc.sample(requestArb, { seed: 2 }) input 18 (first harness)',
    request: raw('POST /echo HTTP/1.1', 'Content-Type: application/x-csv; header=present', 'Content-Length: 3', '', 'a,b'),
    deliberate: 'hostlessHttp11',
    expect: { status: 400, closed: true }
  },
  {
    name: 'an unknown Expect: bare 417 from Node for Fastify, JSON 417 for Weft',
    found: 'fc.sample(requestArb, { seed: 1 }) input 41 (first harness)',
    request: raw('GET / HTTP/1.1', 'Host: fuzz.test', 'Expect: foo', '', ''),
    deliberate: 'unknownExpect',
    expect: { status: 417, closed: false }
  },
  {
    name: 'Expect: 100-Continue (any case) is no difference',
    found: 'control case for unknownExpect',
    request: raw('POST /echo HTTP/1.1', 'Host: fuzz.test', 'Expect: 100-Continue', 'Content-Type: text/plain', 'Content-Length: 2', '', 'hi'),
    expect: { status: 200, closed: false }
  }
]
