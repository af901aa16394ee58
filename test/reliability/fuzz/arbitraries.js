// fast-check arbitraries for raw HTTP/1.x requests: method, request target (paths of the fuzz app,
// percent-encodings good and bad, dot segments, unicode, very long), version, headers and bodies
// with their framing (Content-Length right or wrong, chunked valid or not). `serialize` makes bytes.
import fc from 'fast-check'

const oneOf = (...values) => fc.constantFrom(...values)

export const methodArb = fc.oneof(
  { weight: 12, arbitrary: oneOf('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY', 'HEAD') },
  { weight: 2, arbitrary: oneOf('TRACE', 'PROPFIND', 'CONNECT', 'get', 'Post', 'FOO', 'SEARCH', 'MKCOL') },
  { weight: 1, arbitrary: oneOf('', 'G ET', 'GET\t', 'P\u00d6ST', 'GET/', '-', 'X'.repeat(40)) }
)

// one path segment: words the routes know, numbers, encodings good and bad, unicode, dots
const segmentArb = fc.oneof(
  { weight: 10, arbitrary: oneOf('users', 'files', 'api', 'v1', 'things', 'items', 'search', 'multi', 're', 'static', 'a', 'b', 'echo', 'small', 'text', 'error', 'crash', 'posts', 'API', 'Users', 'Echo', 'V1') },
  { weight: 6, arbitrary: fc.oneof(fc.nat({ max: 99999 }).map(String), oneOf('-1', '1.5', '0x10', '1e3', '007', '12-34', 'abc-def', '9'.repeat(30))) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(encodeURIComponent) },
  { weight: 2, arbitrary: oneOf('.', '..', '', '%2e', '%2E%2E', '%2F', '%2f..', '..%2F', '%5C', '\\', ';a=b', '%00', '%25', '%', '%A', '%ZZ', '%G1', '%e9', '%C3%A9', '%C3', '%F0%9F%98%80', '%ED%A0%80', '%FF') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }).filter((s) => /[^\x21-\x7e]/.test(s)).map((s) => `raw${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 130 }).map((n) => 'p'.repeat(n)) },
  { weight: 1, arbitrary: oneOf(4000, 9000, 17000, 70000).map((n) => 'L'.repeat(n)) }
)

const queryKeyArb = oneOf('q', 'n', 'flag', 'tags', 'x', '__proto__', '__proto__[x]', 'constructor[prototype][x]', 'constructor', 'a[b]', '', 'q%20', '%ZZ', 'n%00')
const queryValueArb = fc.oneof(
  oneOf('1', '0', '-5', '101', '50', 'true', 'false', 'yes', '', 'abc', '%ZZ', '%', '%E9', 'caf%C3%A9', 'a+b', 'a%2Bb', '1e2', 'null', '[]', '{}'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 25 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent)
)
export const queryArb = fc.array(fc.tuple(queryKeyArb, queryValueArb, fc.boolean()), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join('&'))

// paths the routes match, with a fuzzed parameter, wildcard tail or query
const routedArb = fc.tuple(
  oneOf('/users/', '/users/1/posts/', '/multi/', '/re/', '/files/', '/api/v1/things/', '/items/', '/echo', '/search', '/api/v1/things', '/', '/text', '/small', '/static/a/b', '/error', '/crash'),
  segmentArb, segmentArb, fc.option(queryArb, { freq: 2 })
).map(([base, a, b, query]) => {
  const path = base === '/multi/' ? `${base}${a}-${b}` : base === '/files/' ? `${base}${a}/${b}` : base.endsWith('/') && base !== '/' ? base + a : base
  return query === null ? path : `${path}?${query}`
})

export const targetArb = fc.oneof(
  { weight: 20, arbitrary: routedArb },
  { weight: 10, arbitrary: fc.tuple(fc.array(segmentArb, { minLength: 0, maxLength: 5 }), fc.option(queryArb, { freq: 3 }), fc.boolean(), fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: oneOf('/', '//', '/./', '/../') }))
    .map(([segments, query, trailing, prefix]) => (prefix ?? '/') + segments.join('/') + (trailing && segments.length ? '/' : '') + (query === null ? '' : `?${query}`)) },
  { weight: 3, arbitrary: oneOf('/', '/search?q=x&n=3&flag=true&tags=a&tags=b', '/users/42', '/multi/1-2', '/re/77', '/files/a/b/c', '/api/v1/things', '/api/v1/things/3', '/echo', '/static/a/b', '/error', '/crash', '/items', '/items/5', '/small', '/text') },
  { weight: 1, arbitrary: oneOf('*', 'http://example.com/users/1', 'http://x/echo?a=1', 'users/1', '', '?q=1', '#frag', '/echo#frag', '/echo?#', '/ echo', '/echo?a=b c', '/e\u00e9cho', '/\u65e5\u672c', '/echo?\u00e9=\u00e9', '/%', '/echo%00', '//users/1', '/users//1', '/users/1/../2', '/files/../../etc/passwd', '/files/%2e%2e/%2e%2e/x') }
)

export const versionArb = fc.oneof(
  { weight: 20, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 3, arbitrary: fc.constant('HTTP/1.0') },
  { weight: 1, arbitrary: oneOf('HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'http/1.1', 'HTTP/1', 'HTTP/1.1 ', 'HTTP/11', '') }
)

const contentTypeArb = oneOf(
  'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8',
  'application/json ; charset=utf-8', 'application/json; charset="utf-8"', 'application/json; charset=latin1',
  'application/json; foo=bar; charset=utf-8', 'application/json;', 'application/jsonx', 'application/vnd.api+json', 'application/json, text/plain',
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'Application/X-WWW-Form-Urlencoded',
  'text/plain', 'text/plain; charset=utf-8', 'TEXT/PLAIN', 'text/plain;charset=latin1', 'text/html',
  'application/x-csv', 'application/x-csv; header=present', 'application/vnd.acme+json', 'application/vnd.acme.v2+json; charset=utf-8', 'application/vnd.ACME+json', 'application/octet-stream', 'multipart/form-data; boundary=x',
  '', ' ', 'json', '*/*', 'application/', '/json', 'application/json\t'
)

const hugeArb = oneOf(1000, 8000, 16000, 16300, 16500, 17000, 40000).map((n) => 'h'.repeat(n))

/** Extra headers a request may carry (Host, Content-Type and framing headers are added by requestArb). */
const extraHeaderArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(oneOf('Accept', 'accept', 'ACCEPT'), oneOf('application/json', '*/*', 'text/html', '', 'application/json;q=0.5, */*;q=0.1')) },
  { weight: 4, arbitrary: fc.tuple(oneOf('Connection', 'connection'), oneOf('close', 'keep-alive', 'Upgrade', 'close, keep-alive', 'foo')) },
  { weight: 2, arbitrary: fc.tuple(oneOf('Expect', 'expect'), oneOf('100-continue', '100-continue', '100-Continue', 'foo', '')) },
  { weight: 4, arbitrary: fc.tuple(oneOf('X-Custom', 'x-custom', 'X-Long'), fc.string({ unit: 'grapheme-ascii', maxLength: 30 })) },
  { weight: 1, arbitrary: fc.tuple(oneOf('X-Huge'), hugeArb) },
  { weight: 1, arbitrary: fc.tuple(oneOf('X-Deny', 'x-block'), oneOf('1', '')) },
  { weight: 1, arbitrary: fc.tuple(oneOf('X-Request-Id', 'x-request-id'), oneOf('abc', '', ' ', '\u00e9', 'x'.repeat(300))) },
  { weight: 4, arbitrary: fc.tuple(oneOf('X-Forwarded-For', 'User-Agent', 'Cookie', 'Authorization', 'Origin', 'Accept-Encoding', 'Upgrade'), fc.string({ unit: 'grapheme-ascii', maxLength: 40 })) },
  { weight: 1, arbitrary: fc.tuple(oneOf('Bad Header', 'Bad:Header', '', 'X-\u00e9', 'X-Nul'), oneOf('v', '')) },
  { weight: 1, arbitrary: fc.tuple(oneOf('X-Ctl'), oneOf('a\u0000b', 'a\u0001b', 'a\rb', 'caf\u00e9', '\u00ff', ' padded ')) }
)

const jsonBodyArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.oneof(fc.string({ maxLength: 45 }), fc.integer(), fc.constant(null)), count: fc.oneof(fc.integer({ min: -2, max: 1000 }), oneOf('7', '1.5', 'x', true)), tags: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 7 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: oneOf('{"__proto__":{"polluted":1}}', '{"a":1,"__proto__":{"x":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"name":"a","constructor":{"prototype":{"x":1}}}', '{"\\u005f_proto__":{"x":1}}', '{"name":"x","meta":{"__proto__":{"x":1}}}', '{"constructor":{"prototyp":1}}', '[{"__proto__":{}}]') },
  { weight: 2, arbitrary: oneOf('{', '{"a":', '}', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '01', '"unterminated', '{"a":1}{"b":2}', '{"a":1} x', '\u00ef\u00bb\u00bf{"a":1}', '\ufeff{"a":1}', '  ', '[1,2', 'nul', '{"a":"\\x"}', '{"name":"\ud800"}') },
  { weight: 1, arbitrary: oneOf(50, 500, 3000).map((n) => '['.repeat(n) + ']'.repeat(n)) },
  { weight: 1, arbitrary: oneOf(50, 500, 3000).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)) }
)

const formBodyArb = fc.oneof(
  queryArb,
  oneOf('name=a&count=2', 'name=a&name=b', '__proto__[polluted]=1', 'constructor[prototype][x]=1', '=', '&&&', '%ZZ=1', 'a=%E9', 'name=' + 'x'.repeat(100))
)

export const bodyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 8, arbitrary: jsonBodyArb },
  { weight: 3, arbitrary: formBodyArb },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: oneOf('a,b\nc,d', 'a,"b"', ',,\n,', 'x'.repeat(70)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  // large: past the strict (200) and lenient (2048) limits, past a socket read, past the default 1 MiB
  { weight: 1, arbitrary: oneOf(300, 5000, 100_000, 1_100_000).map((n) => JSON.stringify({ name: 'big', tags: ['x'.repeat(n)] })) }
)

/** How the body is delimited on the wire. */
export const framingArb = fc.oneof(
  { weight: 14, arbitrary: fc.constant('length') },
  { weight: 3, arbitrary: fc.constant('chunked') },
  { weight: 3, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: oneOf('length-short', 'length-long', 'length-bad', 'length-odd', 'length-list', 'length-twice', 'length-conflict', 'length-and-chunked',
    'chunked-bad-size', 'chunked-no-crlf', 'chunked-unterminated', 'chunked-ext', 'chunked-trailer', 'te-gzip', 'te-chunked-twice', 'te-identity', 'te-Chunked') }
)

// how the bytes go out: the app's configuration, the client ending its side after the request,
// the bytes in two writes some milliseconds apart, a second request pipelined behind the first
const deliveryArbs = {
  config: fc.oneof({ weight: 4, arbitrary: fc.constant('default') }, { weight: 1, arbitrary: fc.constant('lenient') }, { weight: 1, arbitrary: fc.constant('strict') }),
  halfClose: fc.boolean(),
  split: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 15 })) }),
  pipelined: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
}

// a request a client could well send to one of the routes: method, path and body that fit
const routeMethods = [
  ['/items', ['POST', 'QUERY', 'OPTIONS']], ['/items/:id', ['PUT', 'PATCH', 'DELETE', 'GET']], ['/echo', ['POST', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'OPTIONS', 'GET', 'HEAD']],
  ['/api/v1/things', ['GET', 'POST', 'HEAD']], ['/api/v1/things/:id', ['GET', 'DELETE']], ['/small', ['POST']], ['/text', ['POST']],
  ['/search', ['GET', 'HEAD']], ['/users/:id', ['GET', 'HEAD']], ['/multi/:id-:id', ['GET']], ['/re/:id', ['GET']], ['/files/:id', ['GET']], ['/error', ['GET']], ['/crash', ['GET']],
  ['/api/v1/:id', ['GET', 'POST']], ['/old', ['GET', 'HEAD']], ['/echo', ['POST', 'PUT']]
]
const fittingArb = fc.tuple(fc.constantFrom(...routeMethods), fc.nat(), segmentArb, fc.nat({ max: 1000 }), fc.option(queryArb, { freq: 3 }), fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: oneOf('/', '//', 'X', '%20') }))
  .map(([[path, methods], pick, segment, number, query, tail]) => {
    const param = pick % 3 === 0 ? segment : String(number)
    const filled = path.replace(/:id/g, param)
    return { method: methods[pick % methods.length], target: filled + (tail ?? '') + (query === null ? '' : `?${query}`) }
  })

const coherentArb = fc.record({
  route: fittingArb,
  contentType: fc.option(fc.tuple(oneOf('Content-Type', 'content-type'), fc.oneof({ weight: 6, arbitrary: oneOf('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/x-csv', 'application/vnd.acme+json') }, { weight: 1, arbitrary: contentTypeArb })), { freq: 6 }),
  headers: fc.array(extraHeaderArb.filter(([name, value]) => /^[A-Za-z-]+$/.test(name) && /^[\x20-\x7e]*$/.test(value) && value.length < 100 && !/^expect$/i.test(name)), { maxLength: 2 }),
  body: bodyArb,
  framing: fc.oneof({ weight: 6, arbitrary: fc.constant('length') }, { weight: 1, arbitrary: fc.constant('chunked') }),
  ...deliveryArbs
}).map(({ route, ...rest }) => ({ method: route.method, target: route.target, version: 'HTTP/1.1', host: 'Host', ...rest }))

const chaoticArb = fc.record({
  method: methodArb,
  target: targetArb,
  version: versionArb,
  host: fc.oneof({ weight: 20, arbitrary: oneOf('Host') }, { weight: 2, arbitrary: oneOf('host', 'HOST', 'none', 'twice', 'empty', 'odd') }),
  contentType: fc.option(fc.tuple(oneOf('Content-Type', 'content-type', 'CONTENT-TYPE', 'Content-Type*2'), contentTypeArb), { freq: 4 }),
  headers: fc.array(extraHeaderArb, { maxLength: 3 }),
  body: bodyArb,
  framing: framingArb,
  ...deliveryArbs
})

/** A raw request: half fit the routes (well-formed, to reach the parsers and handlers), half are anything. */
export const requestArb = fc.oneof(coherentArb, chaoticArb)

function chunksOf (body, size) {
  const parts = []
  for (let i = 0; i < body.length; i += size) parts.push(body.subarray(i, i + size))
  return parts
}

/**
 * The request's header lines (without the final CRLF) and the bytes after them, as a Buffer.
 * Every framing is written out literally, so requests Node must reject are sent as they are.
 */
export function serialize (req) {
  const lines = [req.version === '' ? `${req.method} ${req.target}` : `${req.method} ${req.target} ${req.version}`]
  if (req.host === 'twice') lines.push('Host: a', 'Host: b')
  else if (req.host === 'empty') lines.push('Host:')
  else if (req.host === 'odd') lines.push('Host: bad host/\u00e9')
  else if (req.host !== 'none') lines.push(`${req.host}: fuzz.test`)
  if (req.contentType !== null) {
    const [name, value] = req.contentType
    if (name === 'Content-Type*2') lines.push(`Content-Type: ${value}`, 'Content-Type: text/plain')
    else lines.push(`${name}: ${value}`)
  }
  for (const [name, value] of req.headers) lines.push(name === 'X-Nul' ? 'X-Nul\u0000: v' : `${name}: ${value}`)
  const body = Buffer.from(req.body, 'utf8')
  let payload = body
  const chunked = (parts, last = '0\r\n\r\n', ext = '') => Buffer.concat([...parts.flatMap((p) => [Buffer.from(p.length.toString(16) + ext + '\r\n'), p, Buffer.from('\r\n')]), Buffer.from(last)])
  switch (req.framing) {
    case 'length': if (body.length > 0 || req.method === 'POST' || req.method === 'PUT') lines.push(`Content-Length: ${body.length}`); break
    case 'none': break
    case 'length-short': lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`); break
    case 'length-long': lines.push(`Content-Length: ${body.length + 5}`); break
    case 'length-bad': lines.push(`Content-Length: ${body.length}x`); break
    case 'length-odd': lines.push(`Content-Length: ${['0', '+', ' ', '-'][body.length % 4]}${body.length}`); break
    case 'length-list': lines.push(`Content-Length: ${body.length}, ${body.length}`); break
    case 'length-twice': lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length}`); break
    case 'length-conflict': lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`); break
    case 'length-and-chunked': lines.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'); payload = chunked(chunksOf(body, 7)); break
    case 'chunked': lines.push('Transfer-Encoding: chunked'); payload = chunked(chunksOf(body, 5)); break
    case 'chunked-bad-size': lines.push('Transfer-Encoding: chunked'); payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')]); break
    case 'chunked-no-crlf': lines.push('Transfer-Encoding: chunked'); payload = Buffer.concat([Buffer.from(`${(body.length + 1).toString(16)}\r\n`), body, Buffer.from('0\r\n\r\n')]); break
    case 'chunked-unterminated': lines.push('Transfer-Encoding: chunked'); payload = chunked(chunksOf(body, 5), ''); break
    case 'chunked-ext': lines.push('Transfer-Encoding: chunked'); payload = chunked(chunksOf(body, 4), '0\r\n\r\n', ';name=value'); break
    case 'chunked-trailer': lines.push('Transfer-Encoding: chunked'); payload = chunked(chunksOf(body, 6), '0\r\nX-Trailer: t\r\n\r\n'); break
    case 'te-gzip': lines.push('Transfer-Encoding: gzip'); break
    case 'te-chunked-twice': lines.push('Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'); payload = chunked(chunksOf(body, 5)); break
    case 'te-identity': lines.push('Transfer-Encoding: identity'); break
    case 'te-Chunked': lines.push('Transfer-Encoding: Chunked'); payload = chunked(chunksOf(body, 5)); break
  }
  const next = req.pipelined ? Buffer.from('GET /users/7?n=1 HTTP/1.1\r\nHost: fuzz.test\r\n\r\n') : Buffer.alloc(0)
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), payload, next])
}

/** A short text naming the request, for reports (long runs of one character are abbreviated). */
export function describe (req) {
  const text = serialize(req).toString('latin1')
  return text.replace(/(.)\1{39,}/gs, (run, c) => `${c}{x${run.length}}`)
}
