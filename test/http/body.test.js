// Body parsing through the public API: default JSON and text parsers, body limits, unsupported media types,
// custom content-type parsers and their encapsulation, and what a real socket sees for a bad body.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { Readable, PassThrough } from 'node:stream'
import weft from 'weft'

/** An app whose POST / answers with the parsed body (and its type), closed when the test ends. */
function echoApp (t, opts) {
  const app = weft(opts)
  app.post('/', async (req) => ({ body: req.body === undefined ? '<undefined>' : req.body, type: typeOf(req.body) }))
  t.after(() => app.close())
  return app
}

function typeOf (value) {
  if (value === undefined) return 'undefined'
  if (Buffer.isBuffer(value)) return 'buffer'
  if (Array.isArray(value)) return 'array'
  return value === null ? 'null' : typeof value
}

/** After a rejected request, the same app still parses a good JSON body. */
async function assertStillServes (app, url = '/') {
  const res = await app.inject({ method: 'POST', url, payload: { ok: true } })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json().body, { ok: true })
}

function post (app, payload, headers = {}, url = '/') {
  return app.inject({ method: 'POST', url, payload, headers })
}

describe('application/json (default parser)', () => {
  test('an object payload is parsed into request.body', async (t) => {
    const app = echoApp(t)
    const res = await post(app, { name: 'weft', n: 1, list: [1, 2] })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { body: { name: 'weft', n: 1, list: [1, 2] }, type: 'object' })
  })

  test('content-type parameters (charset) and letter case do not matter', async (t) => {
    const app = echoApp(t)
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset="UTF-8"']) {
      const res = await post(app, '{"a":1}', { 'content-type': ct })
      assert.equal(res.statusCode, 200, ct)
      assert.deepEqual(res.json().body, { a: 1 }, ct)
    }
  })

  test('a JSON scalar body is accepted', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '42', { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { body: 42, type: 'number' })
  })

  test('multi-byte characters split across chunks are decoded intact', async (t) => {
    const app = echoApp(t)
    const bytes = Buffer.from('{"s":"h\u00e9llo \u{1F600}"}')
    const payload = Readable.from([bytes.subarray(0, 9), bytes.subarray(9, 16), bytes.subarray(16)])
    const res = await post(app, payload, { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { s: 'h\u00e9llo \u{1F600}' })
  })

  test('malformed JSON is a 400 FST_ERR_CTP_INVALID_JSON_BODY', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '{"name": "weft",', { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
    assert.match(res.json().message, /not valid JSON/)
    await assertStillServes(app)
  })

  test('an empty body with content-type application/json is a 400 FST_ERR_CTP_EMPTY_JSON_BODY', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '', { 'content-type': 'application/json', 'content-length': '0' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_EMPTY_JSON_BODY')
    assert.match(res.json().message, /Body cannot be empty/)
    await assertStillServes(app)
  })

  test('__proto__ poisoning is refused with a 400', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '{"a":1,"__proto__":{"polluted":true}}', { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
    assert.equal(res.json().message, "Body is not valid JSON but content-type is set to 'application/json'") // Fastify 5.12's words
    assert.equal({}.polluted, undefined)
    await assertStillServes(app)
  })

  test('constructor.prototype poisoning is refused with a 400', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '{"constructor":{"prototype":{"polluted":true}}}', { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
    assert.equal(res.json().message, "Body is not valid JSON but content-type is set to 'application/json'") // Fastify 5.12's words
    await assertStillServes(app)
  })

  test("onProtoPoisoning: 'remove' and onConstructorPoisoning: 'remove' strip the keys instead", async (t) => {
    const app = echoApp(t, { onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' })
    const res = await post(app, '{"a":1,"__proto__":{"x":1},"b":{"constructor":{"prototype":{"y":1}}}}', { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { a: 1, b: {} })
  })
})

describe('text/plain (default parser)', () => {
  test('the body is passed as a string', async (t) => {
    const app = echoApp(t)
    const res = await post(app, 'hello weft', { 'content-type': 'text/plain' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { body: 'hello weft', type: 'string' })
  })

  test('a charset parameter is accepted and an empty text body is the empty string', async (t) => {
    const app = echoApp(t)
    let res = await post(app, 'h\u00e9', { 'content-type': 'text/plain; charset=utf-8' })
    assert.deepEqual(res.json(), { body: 'h\u00e9', type: 'string' })
    res = await post(app, '', { 'content-type': 'text/plain', 'content-length': '0' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { body: '', type: 'string' })
  })
})

describe('which requests are parsed', () => {
  test('a POST with neither content-type nor body runs the handler with body undefined', async (t) => {
    const app = echoApp(t)
    const res = await app.inject({ method: 'POST', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().type, 'undefined')
  })

  test('a POST with a body but no content-type is a 415', async (t) => {
    const app = echoApp(t)
    const res = await app.inject({ method: 'POST', url: '/', payload: 'abc', headers: { 'content-length': '3' } })
    assert.equal(res.statusCode, 415)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    await assertStillServes(app)
  })

  test('PUT and PATCH bodies are parsed like POST', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.put('/', async (req) => req.body)
    app.patch('/', async (req) => req.body)
    for (const method of ['PUT', 'PATCH']) {
      const res = await app.inject({ method, url: '/', payload: { m: method } })
      assert.equal(res.statusCode, 200, method)
      assert.deepEqual(res.json(), { m: method })
    }
  })

  test('DELETE parses its body as POST does: a JSON content-type with no body is a 400', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.delete('/', async (req) => ({ type: typeOf(req.body), body: req.body ?? null }))
    let res = await app.inject({ method: 'DELETE', url: '/', headers: { 'content-type': 'application/json' } })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_EMPTY_JSON_BODY')
    res = await app.inject({ method: 'DELETE', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().type, 'undefined')
    res = await app.inject({ method: 'DELETE', url: '/', payload: { id: 3 } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { id: 3 })
  })

  test('a GET body is never parsed', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.get('/', async (req) => ({ type: typeOf(req.body) }))
    const res = await app.inject({ method: 'GET', url: '/', payload: '{not json', headers: { 'content-type': 'application/json' } })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().type, 'undefined')
  })
})

describe('unsupported media types', () => {
  test('a content-type without a parser is a 415 (Fastify\'s message)', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '<a/>', { 'content-type': 'application/xml' })
    assert.equal(res.statusCode, 415)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    assert.equal(res.json().message, 'Unsupported Media Type')
    await assertStillServes(app)
  })

  test('a malformed content-type header is a 415', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '{}', { 'content-type': 'json' })
    assert.equal(res.statusCode, 415)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  })

  test('the handler does not run for a 415', async (t) => {
    const app = weft()
    t.after(() => app.close())
    let ran = false
    app.post('/', async () => { ran = true; return 'ran' })
    const res = await post(app, 'x', { 'content-type': 'image/png' })
    assert.equal(res.statusCode, 415)
    assert.equal(ran, false)
  })
})

describe('bodyLimit', () => {
  test('a Content-Length above the app bodyLimit is a 413 FST_ERR_CTP_BODY_TOO_LARGE', async (t) => {
    const app = echoApp(t, { bodyLimit: 100 })
    const res = await post(app, { data: 'x'.repeat(200) })
    assert.equal(res.statusCode, 413)
    assert.equal(res.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
    assert.match(res.json().message, /Request body is too large/)
    await assertStillServes(app)
  })

  test('a body exactly at the limit is accepted', async (t) => {
    const app = echoApp(t, { bodyLimit: 12 })
    const res = await post(app, '"0123456789"', { 'content-type': 'application/json' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().body, '0123456789')
  })

  test('a streamed body without Content-Length is cut off at the limit with a 413', async (t) => {
    const app = echoApp(t, { bodyLimit: 1000 })
    const chunks = Array.from({ length: 20 }, () => Buffer.from('a'.repeat(100)))
    const res = await post(app, Readable.from(chunks), { 'content-type': 'text/plain' })
    assert.equal(res.statusCode, 413)
    assert.equal(res.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
    await assertStillServes(app)
  })

  test('the route bodyLimit option overrides the app bodyLimit, both ways', async (t) => {
    const app = weft({ bodyLimit: 1000 })
    t.after(() => app.close())
    app.post('/small', { bodyLimit: 20 }, async (req) => ({ body: req.body }))
    app.post('/large', { bodyLimit: 5000 }, async (req) => ({ body: req.body }))
    let res = await post(app, { data: 'x'.repeat(30) }, {}, '/small')
    assert.equal(res.statusCode, 413)
    assert.equal(res.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
    res = await post(app, { data: 'x'.repeat(2000) }, {}, '/large')
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().body.data.length, 2000)
    res = await post(app, { ok: true }, {}, '/small')
    assert.equal(res.statusCode, 200)
  })

  test('a parser registered with its own bodyLimit uses it', async (t) => {
    const app = echoApp(t, { bodyLimit: 1000 })
    app.addContentTypeParser('text/tiny', { parseAs: 'string', bodyLimit: 5 }, (req, body, done) => done(null, body))
    let res = await post(app, 'abcdef', { 'content-type': 'text/tiny' })
    assert.equal(res.statusCode, 413)
    res = await post(app, 'abcde', { 'content-type': 'text/tiny' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().body, 'abcde')
    // the other types keep the app limit
    res = await post(app, 'x'.repeat(500), { 'content-type': 'text/plain' })
    assert.equal(res.statusCode, 200)
  })

  test('a body shorter than its Content-Length is a 400 FST_ERR_CTP_INVALID_CONTENT_LENGTH', async (t) => {
    const app = echoApp(t)
    const res = await post(app, '{"a":1}', { 'content-type': 'application/json', 'content-length': '50' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
    await assertStillServes(app)
  })
})

describe('addContentTypeParser', () => {
  test('a string parser (parseAs: string) receives the body as a string', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body)))
    })
    const res = await post(app, 'a=1&b=two', { 'content-type': 'application/x-www-form-urlencoded' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { a: '1', b: 'two' })
  })

  test('parseAs: buffer gives a Buffer', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, body, done) => done(null, body))
    app.post('/', async (req) => ({ isBuffer: Buffer.isBuffer(req.body), hex: req.body.toString('hex') }))
    const res = await post(app, Buffer.from([0, 1, 254, 255]), { 'content-type': 'application/octet-stream' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { isBuffer: true, hex: '0001feff' })
  })

  test('an array of content types registers the parser for each', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (req, body, done) => done(null, body.split(',')))
    for (const ct of ['text/csv', 'application/csv']) {
      const res = await post(app, 'a,b,c', { 'content-type': ct })
      assert.equal(res.statusCode, 200, ct)
      assert.deepEqual(res.json().body, ['a', 'b', 'c'])
    }
  })

  test('a RegExp parser matches any content type it tests true for', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser(/^image\/.*/, { parseAs: 'buffer' }, (req, body, done) => done(null, { bytes: body.length }))
    for (const ct of ['image/png', 'image/svg+xml; charset=utf-8']) {
      const res = await post(app, 'abcd', { 'content-type': ct })
      assert.equal(res.statusCode, 200, ct)
      assert.deepEqual(res.json().body, { bytes: 4 })
    }
    assert.equal((await post(app, 'abcd', { 'content-type': 'video/mp4' })).statusCode, 415)
  })

  test('exact strings win over RegExps', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser(/^application\/.*json$/, { parseAs: 'string' }, (req, body, done) => done(null, 'regexp'))
    app.addContentTypeParser('application/vnd.weft+json', { parseAs: 'string' }, (req, body, done) => done(null, 'exact'))
    assert.equal((await post(app, '{}', { 'content-type': 'application/vnd.weft+json' })).json().body, 'exact')
    assert.equal((await post(app, '{}', { 'content-type': 'application/vnd.other+json' })).json().body, 'regexp')
    assert.deepEqual((await post(app, '{}', { 'content-type': 'application/json' })).json().body, {})
  })

  test('a stream parser (no parseAs) gets the payload stream', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('application/x-ndjson', (req, payload, done) => {
      let text = ''
      payload.setEncoding('utf8')
      payload.on('data', (chunk) => { text += chunk })
      payload.on('end', () => done(null, text.trim().split('\n').map((line) => JSON.parse(line))))
      payload.on('error', done)
    })
    const res = await post(app, '{"a":1}\n{"b":2}\n', { 'content-type': 'application/x-ndjson' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, [{ a: 1 }, { b: 2 }])
  })

  test('an async parser returns the body', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('text/reverse', { parseAs: 'string' }, async (req, body) => body.split('').reverse().join(''))
    const res = await post(app, 'abc', { 'content-type': 'text/reverse' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().body, 'cba')
  })

  test('an async stream parser returns the body', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('application/x-count', async (req, payload) => {
      let bytes = 0
      for await (const chunk of payload) bytes += chunk.length
      return { bytes }
    })
    const res = await post(app, 'x'.repeat(33), { 'content-type': 'application/x-count' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { bytes: 33 })
  })

  test('a parser error without a statusCode is a 500; one with a statusCode keeps it; the connection closes after either', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('text/fail', { parseAs: 'string' }, (req, body, done) => done(new Error('cannot parse this')))
    app.addContentTypeParser('text/teapot', { parseAs: 'string' }, async () => {
      throw Object.assign(new Error('short and stout'), { statusCode: 418 })
    })
    app.addContentTypeParser('text/throws', { parseAs: 'string' }, () => { throw new Error('sync throw') })
    let res = await post(app, 'x', { 'content-type': 'text/fail' })
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers.connection, 'close')
    assert.match(res.json().message, /cannot parse this/)
    res = await post(app, 'x', { 'content-type': 'text/teapot' })
    assert.equal(res.statusCode, 418)
    assert.equal(res.headers.connection, 'close')
    assert.match(res.json().message, /short and stout/)
    res = await post(app, 'x', { 'content-type': 'text/throws' })
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers.connection, 'close')
    assert.match(res.json().message, /sync throw/)
    await assertStillServes(app)
  })

  test('a parser registered with parameters only matches those parameters', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('application/vnd.api; version=2', { parseAs: 'string' }, (req, body, done) => done(null, 'v2'))
    app.addContentTypeParser('application/vnd.api', { parseAs: 'string' }, (req, body, done) => done(null, 'any'))
    assert.equal((await post(app, 'x', { 'content-type': 'application/vnd.api; version=2' })).json().body, 'v2')
    assert.equal((await post(app, 'x', { 'content-type': 'application/vnd.api; version=3' })).json().body, 'any')
    assert.equal((await post(app, 'x', { 'content-type': 'application/vnd.api' })).json().body, 'any')
  })

  test("a catch-all '*' parser handles unknown types and bodies without a content-type", async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => done(null, `raw:${body}`))
    assert.equal((await post(app, 'x', { 'content-type': 'application/unknown' })).json().body, 'raw:x')
    assert.equal((await app.inject({ method: 'POST', url: '/', payload: 'y', headers: { 'content-length': '1' } })).json().body, 'raw:y')
    assert.deepEqual((await post(app, '{"a":1}', { 'content-type': 'application/json' })).json().body, { a: 1 })
  })

  test('the default JSON parser may be replaced once; a second replacement throws FST_ERR_CTP_ALREADY_PRESENT', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => done(null, { custom: body }))
    assert.throws(() => app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => done(null, body)),
      (err) => err.code === 'FST_ERR_CTP_ALREADY_PRESENT')
    const res = await post(app, '{"a":1}', { 'content-type': 'application/json' })
    assert.deepEqual(res.json().body, { custom: '{"a":1}' })
  })

  test('the default text parser may be replaced', async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('text/plain', { parseAs: 'string' }, (req, body, done) => done(null, body.toUpperCase()))
    assert.equal((await post(app, 'abc', { 'content-type': 'text/plain' })).json().body, 'ABC')
  })

  test('adding a custom type twice throws FST_ERR_CTP_ALREADY_PRESENT', (t) => {
    const app = weft()
    t.after(() => app.close())
    const parser = (req, body, done) => done(null, body)
    app.addContentTypeParser('text/custom', { parseAs: 'string' }, parser)
    assert.throws(() => app.addContentTypeParser('text/custom', { parseAs: 'string' }, parser),
      (err) => err.code === 'FST_ERR_CTP_ALREADY_PRESENT' && /text\/custom/.test(err.message))
    app.addContentTypeParser(/^video\//, parser)
    assert.throws(() => app.addContentTypeParser(/^video\//, parser), (err) => err.code === 'FST_ERR_CTP_ALREADY_PRESENT')
  })

  test('invalid arguments are rejected with their FST_ERR_CTP_* code', (t) => {
    const app = weft()
    t.after(() => app.close())
    const parser = (req, body, done) => done(null, body)
    assert.throws(() => app.addContentTypeParser('', parser), (err) => err.code === 'FST_ERR_CTP_EMPTY_TYPE')
    assert.throws(() => app.addContentTypeParser(42, parser), (err) => err.code === 'FST_ERR_CTP_INVALID_TYPE')
    assert.throws(() => app.addContentTypeParser('not-a-media-type', parser), (err) => err.code === 'FST_ERR_CTP_INVALID_TYPE')
    assert.throws(() => app.addContentTypeParser('text/x', 'nope'), (err) => err.code === 'FST_ERR_CTP_INVALID_HANDLER')
    assert.throws(() => app.addContentTypeParser('text/x', { parseAs: 'json' }, parser), (err) => err.code === 'FST_ERR_CTP_INVALID_PARSE_TYPE')
    assert.equal(app.hasContentTypeParser('text/x'), false)
  })

  test('hasContentTypeParser and removeContentTypeParser (string, RegExp, array)', async (t) => {
    const app = echoApp(t)
    assert.equal(app.hasContentTypeParser('application/json'), true)
    assert.equal(app.hasContentTypeParser('text/plain'), true)
    assert.equal(app.hasContentTypeParser('text/html'), false)
    app.addContentTypeParser(/^text\/html/, { parseAs: 'string' }, (req, body, done) => done(null, body))
    assert.equal(app.hasContentTypeParser(/^text\/html/), true)
    app.removeContentTypeParser('text/plain')
    assert.equal(app.hasContentTypeParser('text/plain'), false)
    app.removeContentTypeParser([/^text\/html/])
    assert.equal(app.hasContentTypeParser(/^text\/html/), false)
    assert.equal((await post(app, 'abc', { 'content-type': 'text/plain' })).statusCode, 415)
    assert.equal((await post(app, '<p>', { 'content-type': 'text/html' })).statusCode, 415)
    assert.equal((await post(app, '{"a":1}', { 'content-type': 'application/json' })).statusCode, 200)
  })

  test('after removeAllContentTypeParsers only the parsers added afterwards exist', async (t) => {
    const app = echoApp(t)
    app.removeAllContentTypeParsers()
    assert.equal(app.hasContentTypeParser('application/json'), false)
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => done(null, { len: body.length }))
    assert.deepEqual((await post(app, '{"a":1}', { 'content-type': 'application/json' })).json().body, { len: 7 })
    assert.equal((await post(app, 'abc', { 'content-type': 'text/plain' })).statusCode, 415)
  })

  test('parsers cannot be added or removed once the app has started: FST_ERR_CTP_INSTANCE_ALREADY_STARTED', async (t) => {
    const app = echoApp(t)
    await app.ready()
    // as Fastify's, the app counts as started a tick after ready() resolved
    await new Promise((resolve) => setImmediate(resolve))
    const parser = (req, body, done) => done(null, body)
    assert.throws(() => app.addContentTypeParser('text/late', parser), (err) => err.code === 'FST_ERR_CTP_INSTANCE_ALREADY_STARTED')
    assert.throws(() => app.removeContentTypeParser('text/plain'), (err) => err.code === 'FST_ERR_CTP_INSTANCE_ALREADY_STARTED')
    assert.throws(() => app.removeAllContentTypeParsers(), (err) => err.code === 'FST_ERR_CTP_INSTANCE_ALREADY_STARTED')
    assert.equal((await post(app, 'abc', { 'content-type': 'text/plain' })).statusCode, 200)
  })

  test("getDefaultJsonParser('ignore', 'ignore') builds a JSON parser for another type", async (t) => {
    const app = echoApp(t)
    app.addContentTypeParser('text/json', { parseAs: 'string' }, app.getDefaultJsonParser('ignore', 'ignore'))
    let res = await post(app, '{"a":[1,2]}', { 'content-type': 'text/json' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { a: [1, 2] })
    res = await post(app, '{"a":', { 'content-type': 'text/json' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
  })

  test('a preParsing hook may replace the payload stream; receivedEncodedLength is checked against Content-Length', async (t) => {
    const app = echoApp(t)
    app.addHook('preParsing', async (req, reply, payload) => {
      const upper = new PassThrough()
      let encoded = 0
      payload.on('data', (chunk) => { encoded += chunk.length; upper.receivedEncodedLength = encoded; upper.write(chunk.toString().toUpperCase() + chunk.toString()) })
      payload.on('end', () => upper.end())
      upper.receivedEncodedLength = 0
      return upper
    })
    const res = await post(app, 'ab', { 'content-type': 'text/plain' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().body, 'ABab')
  })
})

describe('content-type parsers are encapsulated per plugin', () => {
  test('a parser added in a plugin applies to its routes only', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.post('/root', async (req) => ({ body: req.body }))
    app.register(async (child) => {
      child.addContentTypeParser('application/x-yaml', { parseAs: 'string' }, (req, body, done) => done(null, { yaml: body }))
      child.post('/child', async (req) => ({ body: req.body }))
      assert.equal(child.hasContentTypeParser('application/x-yaml'), true)
    })
    await app.ready()
    assert.equal(app.hasContentTypeParser('application/x-yaml'), false)
    let res = await post(app, 'a: 1', { 'content-type': 'application/x-yaml' }, '/child')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, { yaml: 'a: 1' })
    res = await post(app, 'a: 1', { 'content-type': 'application/x-yaml' }, '/root')
    assert.equal(res.statusCode, 415)
  })

  test('a plugin replacing the JSON parser leaves its parent with the default one', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.post('/root', async (req) => ({ body: req.body }))
    app.register(async (child) => {
      child.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => done(null, 'child json'))
      child.post('/child', async (req) => ({ body: req.body }))
    })
    assert.equal((await post(app, { a: 1 }, {}, '/child')).json().body, 'child json')
    assert.deepEqual((await post(app, { a: 1 }, {}, '/root')).json().body, { a: 1 })
  })

  test('parsers added to the parent before register are inherited by the plugin', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (req, body, done) => done(null, body.split(',')))
    app.register(async (child) => {
      child.post('/child', async (req) => ({ body: req.body }))
    }, { prefix: '/p' })
    const res = await post(app, '1,2', { 'content-type': 'text/csv' }, '/p/child')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json().body, ['1', '2'])
  })

  test('removing a parser in a plugin does not remove it from the parent', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.post('/root', async (req) => ({ body: req.body }))
    app.register(async (child) => {
      child.removeContentTypeParser('application/json')
      child.post('/child', async (req) => ({ body: req.body }))
    })
    assert.equal((await post(app, { a: 1 }, {}, '/child')).statusCode, 415)
    assert.equal((await post(app, { a: 1 }, {}, '/root')).statusCode, 200)
  })
})

describe('a real socket', () => {
  /** Sends `raw` on a fresh TCP connection, half-closes it after `endAfterWrite`, resolves with everything the server wrote. */
  function rawExchange (port, raw) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1')
      let received = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk) => { received += chunk })
      socket.on('error', (err) => { if (received) resolve(received); else reject(err) })
      socket.on('close', () => resolve(received))
      socket.on('connect', () => { socket.write(raw); socket.end() })
    })
  }

  function request (port, { method = 'POST', path = '/', headers = {}, body }) {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => { data += chunk })
        res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: data }))
      })
      req.on('error', reject)
      if (body !== undefined) req.write(body)
      req.end()
    })
  }

  test('413 and 400 are written for bad bodies and the server keeps serving', async (t) => {
    const app = weft({ bodyLimit: 1000 })
    t.after(() => app.close())
    app.post('/', async (req) => ({ body: req.body }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address()

    // Content-Length above the limit
    const big = JSON.stringify({ data: 'x'.repeat(5000) })
    let res = await request(port, { headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }, body: big })
    assert.equal(res.statusCode, 413)
    assert.equal(JSON.parse(res.body).code, 'FST_ERR_CTP_BODY_TOO_LARGE')

    // chunked, no Content-Length: cut off once more than the limit has arrived
    res = await request(port, { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big })
    assert.equal(res.statusCode, 413)
    assert.equal(JSON.parse(res.body).code, 'FST_ERR_CTP_BODY_TOO_LARGE')

    // Content-Length larger than what is sent, then the client ends its side
    const text = await rawExchange(port, 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1}')
    assert.match(text, /^HTTP\/1\.1 400 /)

    // the server still serves a good request
    res = await request(port, { headers: { 'content-type': 'application/json' }, body: '{"ok":true}' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(JSON.parse(res.body), { body: { ok: true } })
  })

  test('a keep-alive connection stays usable after a 413', async (t) => {
    const app = weft({ bodyLimit: 100 })
    t.after(() => app.close())
    app.post('/', async (req) => ({ body: req.body }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address()
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    t.after(() => agent.destroy())
    const send = (body) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => { data += chunk })
        res.on('end', () => resolve({ statusCode: res.statusCode, body: data }))
      })
      req.on('error', reject)
      req.end(body)
    })
    assert.equal((await send('y'.repeat(500))).statusCode, 413)
    const ok = await send('small')
    assert.equal(ok.statusCode, 200)
    assert.deepEqual(JSON.parse(ok.body), { body: 'small' })
  })
})
