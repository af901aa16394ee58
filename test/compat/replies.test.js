// Replies side by side (issue 17): Web API bodies (Response, ReadableStream, a locked stream), Node
// stream replies and their errors, trailers, 103 Early Hints, serializeInput and content-type defaults.
import assert from 'node:assert/strict'
import http from 'node:http'
import http2 from 'node:http2'
import net from 'node:net'
import { Readable } from 'node:stream'
import { both, deferred, inject, logLines, within } from './harness.js'

/** Listens on an ephemeral port and returns its base URL. */
async function listen (app) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${app.server.address().port}`
}

/** GET over node:http: status, headers, body and trailers (an error when the connection is cut). */
function get (url) {
  return within(new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('error', reject)
      res.on('aborted', () => reject(new Error('aborted')))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString(), trailers: res.trailers }))
    }).on('error', reject)
  }), `GET ${url}`)
}

/** Sends raw request bytes; resolves with everything the server wrote until it closed the connection. */
function rawExchange (port, request) {
  return within(new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request))
    const chunks = []
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
  }), 'raw exchange')
}

// --- Web API bodies -------------------------------------------------------------------------

both('a Response lends its status, headers (over the reply\'s) and body, over a socket', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    reply.header('x-reply', 'kept').header('x-both', 'reply').code(202)
    return new Response('hello web', { status: 201, headers: { 'x-both': 'response', 'x-response': 'yes' } })
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 201)
  assert.equal(res.body, 'hello web')
  assert.equal(res.headers['x-reply'], 'kept')
  assert.equal(res.headers['x-both'], 'response')
  assert.equal(res.headers['x-response'], 'yes')
  assert.equal(res.headers['content-type'], 'text/plain;charset=UTF-8')
})

both('a Response with no body is an empty reply with its status; a JSON Response keeps its type', async (factory) => {
  const app = factory()
  app.get('/empty', () => new Response(null, { status: 204, headers: { 'x-n': '1' } }))
  app.get('/json', () => Response.json({ a: 1 }, { status: 418 }))
  const base = await listen(app)
  const empty = await get(base + '/empty')
  assert.equal(empty.status, 204)
  assert.equal(empty.body, '')
  assert.equal(empty.headers['x-n'], '1')
  const json = await get(base + '/json')
  assert.equal(json.status, 418)
  assert.deepEqual(JSON.parse(json.body), { a: 1 })
  assert.match(json.headers['content-type'], /^application\/json/)
})

both('a Response whose body was already read is FST_ERR_REP_RESPONSE_BODY_CONSUMED', async (factory) => {
  const app = factory()
  app.get('/', async () => {
    const response = new Response('once')
    await response.text()
    return response
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 500)
  assert.equal(JSON.parse(res.body).code, 'FST_ERR_REP_RESPONSE_BODY_CONSUMED')
})

both('a ReadableStream body is streamed chunk by chunk (Response-wrapped too)', async (factory) => {
  const app = factory()
  const chunks = ['one ', 'two ', 'three']
  const webStream = () => new ReadableStream({
    start (controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
      controller.close()
    }
  })
  app.get('/bare', (req, reply) => reply.type('text/plain').send(webStream()))
  app.get('/wrapped', () => new Response(webStream(), { headers: { 'content-type': 'text/x-chunks' } }))
  const base = await listen(app)
  const bare = await get(base + '/bare')
  assert.equal(bare.status, 200)
  assert.equal(bare.body, chunks.join(''))
  assert.equal(bare.headers['content-type'], 'text/plain')
  const wrapped = await get(base + '/wrapped')
  assert.equal(wrapped.body, chunks.join(''))
  assert.equal(wrapped.headers['content-type'], 'text/x-chunks')
})

both('a locked ReadableStream is FST_ERR_REP_READABLE_STREAM_LOCKED (500)', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    const stream = new ReadableStream({ start (c) { c.enqueue(new Uint8Array([1])); c.close() } })
    stream.getReader()
    reply.send(stream)
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 500)
  const body = JSON.parse(res.body)
  assert.equal(body.code, 'FST_ERR_REP_READABLE_STREAM_LOCKED')
  assert.match(body.message, /ReadableStream was locked/)
})

both('a ReadableStream failing before its first chunk goes to the error handler', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    reply.send(new ReadableStream({ pull (c) { c.error(new Error('web source broke')) } }))
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 500)
  assert.equal(JSON.parse(res.body).message, 'web source broke')
})

both('onSend may turn the payload into a Response or a ReadableStream', async (factory) => {
  const app = factory()
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url === '/to-response') return new Response('from onSend: ' + payload, { status: 203, headers: { 'x-hook': 'response' } })
    return new ReadableStream({ start (c) { c.enqueue(new TextEncoder().encode('streamed ' + payload)); c.close() } })
  })
  app.get('/to-response', () => 'original')
  app.get('/to-stream', () => 'original')
  const base = await listen(app)
  const asResponse = await get(base + '/to-response')
  assert.deepEqual([asResponse.status, asResponse.body, asResponse.headers['x-hook']], [203, 'from onSend: original', 'response'])
  const asStream = await get(base + '/to-stream')
  assert.deepEqual([asStream.status, asStream.body], [200, 'streamed original'])
})

both('a client leaving mid-stream cancels a ReadableStream source', async (factory) => {
  const app = factory()
  const cancelled = deferred()
  const firstChunk = deferred()
  app.get('/', (req, reply) => {
    reply.send(new ReadableStream({
      start (c) { c.enqueue(new TextEncoder().encode('first')) },
      cancel (reason) { cancelled.resolve('cancelled') }
    }))
  })
  const base = await listen(app)
  const request = http.get(base + '/', { agent: false }, (res) => {
    res.once('data', () => { firstChunk.resolve(); request.destroy() })
  })
  request.on('error', () => {})
  await within(firstChunk.promise, 'the first chunk')
  assert.equal(await within(cancelled.promise, 'the source cancel'), 'cancelled')
})

// --- Node stream replies --------------------------------------------------------------------

both('a Node stream reply: no content-type set by default, chunked, body whole', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => reply.send(Readable.from(['a', 'b', 'c'].map((s) => Buffer.from(s)))))
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 200)
  assert.equal(res.body, 'abc')
  assert.equal(res.headers['content-type'], undefined)
  assert.equal(res.headers['transfer-encoding'], 'chunked')
})

both('a stream failing before any byte is a normal error reply (its headers dropped)', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    const stream = new Readable({ read () { this.destroy(new Error('no such file')) } })
    reply.header('x-stream', '1').type('text/csv').send(stream)
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 500)
  assert.equal(JSON.parse(res.body).message, 'no such file')
  assert.match(res.headers['content-type'], /^application\/json/)
})

both('a stream failing after its first bytes cuts the connection', async (factory) => {
  const app = factory()
  const handlerErrors = []
  app.setErrorHandler((err, req, reply) => { handlerErrors.push(err); reply.send(err) })
  app.get('/', (req, reply) => {
    let n = 0
    const stream = new Readable({
      read () {
        if (n++ === 0) this.push('first part')
        else setTimeout(() => this.destroy(new Error('broke midway')), 20)
      }
    })
    reply.send(stream)
  })
  await assert.rejects(get(await listen(app) + '/'))
  assert.equal(handlerErrors.length, 0)
})

both('a client leaving mid-stream: the source is destroyed (or closed) and the close logged at info', async (factory) => {
  const lines = []
  const app = factory({ logger: { level: 'info', stream: { write (line) { lines.push(JSON.parse(line)) } } } })
  const destroyed = deferred()
  const closed = deferred()
  app.get('/destroy', (req, reply) => {
    const stream = new Readable({ read () { if (!this.sent) { this.sent = true; this.push('hello') } } })
    stream.once('close', () => destroyed.resolve('destroyed'))
    reply.send(stream)
  })
  app.get('/close', (req, reply) => {
    // a stream-like payload with close() and no destroy()
    const inner = new Readable({ read () { if (!this.sent) { this.sent = true; this.push('hello') } } })
    const payload = { pipe: (dest, opts) => inner.pipe(dest, opts), on: (...a) => { inner.on(...a); return payload }, once: (...a) => { inner.once(...a); return payload }, close: (cb) => { closed.resolve('closed'); cb?.() } }
    reply.send(payload)
  })
  const base = await listen(app)
  for (const path of ['/destroy', '/close']) {
    const request = http.get(base + path, { agent: false }, (res) => res.once('data', () => request.destroy()))
    request.on('error', () => {})
  }
  assert.equal(await within(destroyed.promise, 'the stream destroy'), 'destroyed')
  assert.equal(await within(closed.promise, 'the stream close'), 'closed')
  const premature = lines.filter((l) => l.msg === 'stream closed prematurely')
  assert.equal(premature.length, 2)
  assert.ok(premature.every((l) => l.level === 30 && l.res !== undefined))
})

both('a stream error carrying a statusCode gives that status (a missing file as 404)', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    const err = Object.assign(new Error('file not found'), { statusCode: 404 })
    reply.send(new Readable({ read () { this.destroy(err) } }))
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 404)
  assert.equal(JSON.parse(res.body).message, 'file not found')
})

both('onSend sees the stream, then the error when the stream fails before any byte', async (factory) => {
  const app = factory()
  const seen = []
  app.addHook('onSend', async (req, reply, payload) => { seen.push(typeof payload?.pipe === 'function' ? 'stream' : payload) })
  app.get('/', (req, reply) => reply.send(new Readable({ read () { this.destroy(new Error('bad')) } })))
  const res = await get(await listen(app) + '/')
  assert.equal(res.status, 500)
  assert.equal(seen.length, 2)
  assert.equal(seen[0], 'stream')
  assert.equal(JSON.parse(seen[1]).message, 'bad')
})

// --- trailers ---------------------------------------------------------------------------------

both('trailers by callback and by promise: chunked, announced, no content-length', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    reply.trailer('ETag', (reply, payload, done) => done(null, 'etag-' + payload.length))
    reply.trailer('server-timing', async () => 'db;dur=12')
    reply.send('twelve chars')
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.body, 'twelve chars')
  assert.equal(res.headers['transfer-encoding'], 'chunked')
  assert.equal(res.headers['content-length'], undefined)
  assert.equal(res.headers.trailer, 'etag server-timing')
  assert.deepEqual(res.trailers, { etag: 'etag-12', 'server-timing': 'db;dur=12' })
})

both('trailers after JSON, empty, undefined and stream payloads', async (factory) => {
  const app = factory()
  const add = (reply) => reply.trailer('x-sum', (r, payload, done) => done(null, String(payload === null ? 'null' : typeof payload === 'string' ? payload.length : payload === undefined ? 'undefined' : 'buffer')))
  app.get('/json', (req, reply) => { add(reply); reply.send({ a: 1 }) })
  app.get('/empty', (req, reply) => { add(reply); reply.send('') })
  app.get('/undefined', (req, reply) => { add(reply); reply.send() })
  app.get('/stream', (req, reply) => { add(reply); reply.send(Readable.from([Buffer.from('x'), Buffer.from('y')])) })
  const base = await listen(app)
  const results = {}
  for (const path of ['json', 'empty', 'undefined', 'stream']) {
    const res = await get(`${base}/${path}`)
    assert.equal(res.headers['content-length'], undefined, path)
    results[path] = [res.body, res.trailers['x-sum']]
  }
  assert.deepEqual(results, { json: ['{"a":1}', '7'], empty: ['', '0'], undefined: ['', 'undefined'], stream: ['xy', 'null'] })
})

both('trailers after a web ReadableStream and a pre-ended Readable; a stream failing midway with trailers does not hang', async (factory) => {
  const app = factory()
  const add = (reply) => reply.trailer('x-done', (r, payload, done) => done(null, 'yes'))
  app.get('/web', (req, reply) => {
    add(reply).send(new ReadableStream({ start (c) { c.enqueue(new TextEncoder().encode('web')); c.close() } }))
  })
  app.get('/ended', (req, reply) => {
    const stream = new Readable({ read () {} })
    stream.push('early')
    stream.push(null)
    stream.resume()
    stream.once('end', () => { stream.pause(); add(reply).send(stream) })
  })
  app.get('/broken', (req, reply) => {
    let n = 0
    add(reply).send(new Readable({ read () { if (n++ === 0) this.push('part'); else setTimeout(() => this.destroy(new Error('midway')), 10) } }))
  })
  const base = await listen(app)
  const web = await get(base + '/web')
  assert.deepEqual([web.body, web.trailers], ['web', { 'x-done': 'yes' }])
  const ended = await get(base + '/ended')
  assert.equal(ended.status, 200)
  assert.deepEqual(ended.trailers, { 'x-done': 'yes' })
  await assert.rejects(get(base + '/broken'))
})

both('removeTrailer and hasTrailer; removing every trailer gives a plain response', async (factory) => {
  const app = factory()
  const seen = []
  app.get('/some', (req, reply) => {
    reply.trailer('x-a', (r, p, done) => done(null, 'a')).trailer('x-b', (r, p, done) => done(null, 'b'))
    seen.push(reply.hasTrailer('X-B'))
    reply.removeTrailer('X-B')
    seen.push(reply.hasTrailer('x-b'), reply.hasTrailer('x-a'))
    reply.send('body')
  })
  app.get('/none', (req, reply) => {
    reply.trailer('x-a', (r, p, done) => done(null, 'a'))
    reply.removeTrailer('x-a')
    reply.send('plain')
  })
  const base = await listen(app)
  const some = await get(base + '/some')
  assert.deepEqual(seen, [true, false, true])
  assert.equal(some.headers.trailer, 'x-a')
  assert.deepEqual(some.trailers, { 'x-a': 'a' })
  const none = await get(base + '/none')
  assert.equal(none.headers.trailer, undefined)
  assert.equal(none.headers['content-length'], '5')
  assert.deepEqual(none.trailers, {})
})

both('a failing trailer is left out; the others are sent', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    reply.trailer('x-bad', (r, p, done) => done(new Error('no value')))
    reply.trailer('x-bad-async', async () => { throw new Error('no value either') })
    reply.trailer('x-good', (r, p, done) => setTimeout(() => done(null, 'late'), 10))
    reply.send('ok')
  })
  const res = await get(await listen(app) + '/')
  assert.equal(res.body, 'ok')
  assert.deepEqual(res.trailers, { 'x-good': 'late' })
})

both('reply.trailer refuses forbidden names and non-functions with Fastify\'s errors', async (factory) => {
  const app = factory()
  const errors = []
  app.get('/', (req, reply) => {
    for (const name of ['Content-Length', 'set-cookie', 'trailer', 'host', 'transfer-encoding']) {
      try { reply.trailer(name, () => {}) } catch (err) { errors.push([err.code, err.message]) }
    }
    try { reply.trailer('x-ok', 'not a function') } catch (err) { errors.push([err.code, err.message]) }
    reply.send('done')
  })
  const res = await inject(app, '/')
  assert.equal(res.body, 'done')
  assert.deepEqual(errors, [
    ['FST_ERR_BAD_TRAILER_NAME', 'Called reply.trailer with an invalid header name: content-length'],
    ['FST_ERR_BAD_TRAILER_NAME', 'Called reply.trailer with an invalid header name: set-cookie'],
    ['FST_ERR_BAD_TRAILER_NAME', 'Called reply.trailer with an invalid header name: trailer'],
    ['FST_ERR_BAD_TRAILER_NAME', 'Called reply.trailer with an invalid header name: host'],
    ['FST_ERR_BAD_TRAILER_NAME', 'Called reply.trailer with an invalid header name: transfer-encoding'],
    ['FST_ERR_BAD_TRAILER_VALUE', "Called reply.trailer('x-ok', fn) with an invalid type: string. Expected a function."]
  ])
})

both('trailers on the wire: with a user content-length, on an error reply, on HEAD', async (factory) => {
  const app = factory()
  const withTrailer = (reply) => reply.trailer('x-t', (r, p, done) => done(null, 'v'))
  app.get('/length', (req, reply) => { withTrailer(reply).header('content-length', 4).send('abcd') })
  app.head('/head', (req, reply) => { withTrailer(reply).send('abcd') })
  app.get('/error', (req, reply) => { withTrailer(reply); throw new Error('boom') })
  await listen(app)
  const port = app.server.address().port
  const wire = {}
  for (const line of ['GET /length', 'HEAD /head', 'GET /error']) {
    const raw = await rawExchange(port, `${line} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    wire[line] = raw.replace(/\r\nDate: [^\r]*/i, '')
  }
  assert.deepEqual(wire, {
    'GET /length': 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\ncontent-type: text/plain; charset=utf-8\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\nx-t: v\r\n\r\n',
    'HEAD /head': 'HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\nConnection: close\r\n\r\n',
    'GET /error': 'HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 67\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\nConnection: close\r\n\r\n43\r\n{"statusCode":500,"error":"Internal Server Error","message":"boom"}\r\n0\r\nx-t: v\r\n\r\n'
  })
})

both('over HTTP/2 (h2c): trailers in their own frame without transfer-encoding, and a 103', async (factory) => {
  const app = factory({ http2: true })
  app.get('/', (req, reply) => {
    reply.writeEarlyHints({ link: '</h2.css>; rel=preload; as=style' })
    reply.trailer('x-digest', async (r, payload) => 'len=' + payload.length)
    reply.send('h2 body')
  })
  const base = await listen(app)
  const session = http2.connect(base)
  try {
    const result = await within(new Promise((resolve, reject) => {
      const out = { informational: [], body: '' }
      const stream = session.request({ ':path': '/' })
      stream.on('headers', (h) => out.informational.push([h[':status'], h.link]))
      stream.on('response', (h) => { out.status = h[':status']; out.te = h['transfer-encoding']; out.trailer = h.trailer })
      stream.on('trailers', (t) => { out.trailers = t['x-digest'] })
      stream.setEncoding('utf8')
      stream.on('data', (c) => { out.body += c })
      stream.on('end', () => resolve(out))
      stream.on('error', reject)
    }), 'the h2 request')
    assert.deepEqual(result, { informational: [[103, '</h2.css>; rel=preload; as=style']], body: 'h2 body', status: 200, te: undefined, trailer: 'x-digest', trailers: 'len=7' })
  } finally {
    session.close()
  }
})

// --- 103 Early Hints --------------------------------------------------------------------------

both('writeEarlyHints sends a 103 before the response, and calls its callback', async (factory) => {
  const app = factory()
  const called = deferred()
  app.get('/', (req, reply) => {
    reply.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }, () => called.resolve('called'))
    reply.send('final')
  })
  await listen(app)
  const raw = await rawExchange(app.server.address().port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.equal(await within(called.promise, 'the early hints callback'), 'called')
  const hints = raw.indexOf('HTTP/1.1 103 Early Hints\r\n')
  const final = raw.indexOf('HTTP/1.1 200 OK\r\n')
  assert.ok(hints === 0, raw)
  assert.ok(final > hints, raw)
  assert.match(raw.slice(0, final), /\r\nLink: <\/style\.css>; rel=preload; as=style\r\n/i)
  assert.ok(raw.endsWith('final'), raw)
})

both('writeEarlyHints with several links, then a JSON reply read by node:http (which skips the 103)', async (factory) => {
  const app = factory()
  app.get('/', (req, reply) => {
    reply.writeEarlyHints({ link: ['</a.js>; rel=preload; as=script', '</b.css>; rel=preload; as=style'] })
    return { ok: true }
  })
  await listen(app)
  const raw = await rawExchange(app.server.address().port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.match(raw, /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/a\.js>; rel=preload; as=script, <\/b\.css>; rel=preload; as=style\r\n\r\n/i)
  const res = await get(`http://127.0.0.1:${app.server.address().port}/`)
  assert.deepEqual(JSON.parse(res.body), { ok: true })
})

// --- serialization ----------------------------------------------------------------------------

const responseSchema = {
  200: { type: 'object', properties: { kept: { type: 'string' } } },
  '4xx': { type: 'object', properties: { code: { type: 'integer' } } },
  201: { content: { 'application/json': { schema: { type: 'object', properties: { json: { type: 'string' } } } }, 'text/x-csvish': { schema: { type: 'object', properties: { csv: { type: 'string' } } } } } }
}

both('serializeInput by status, by status and media type, by schema; missing keys are Fastify\'s errors', async (factory) => {
  const app = factory()
  const out = {}
  app.get('/', { schema: { response: responseSchema } }, (req, reply) => {
    out.byStatus = reply.serializeInput({ kept: 'k', dropped: 'd' }, 200)
    out.byClass = reply.serializeInput({ code: 4, other: true }, '4xx')
    out.byType = reply.serializeInput({ json: 'j', csv: 'c' }, 201, 'application/json')
    out.byOtherType = reply.serializeInput({ json: 'j', csv: 'c' }, 201, 'text/x-csvish')
    const schema = { type: 'object', properties: { only: { type: 'number' } } }
    out.bySchema = reply.serializeInput({ only: 1, not: 2 }, schema)
    out.sameFn = reply.compileSerializationSchema(schema) === reply.getSerializationFunction(schema)
    out.getByStatus = reply.getSerializationFunction(200)({ kept: 'x', y: 1 })
    out.getByType = reply.getSerializationFunction(201, 'text/x-csvish')({ csv: 'z', json: 'no' })
    out.getMissing = [reply.getSerializationFunction(404), reply.getSerializationFunction(500), reply.getSerializationFunction({ type: 'string' })]
    for (const [name, args] of [['missing', [{}, 404]], ['missingType', [{}, 201, 'text/html']]]) {
      try { reply.serializeInput(...args) } catch (err) { out[name] = [err.code, err.message] }
    }
    return { kept: 'yes' }
  })
  await inject(app, '/')
  assert.deepEqual(out, {
    byStatus: '{"kept":"k"}',
    byClass: '{"code":4}',
    byType: '{"json":"j"}',
    byOtherType: '{"csv":"c"}',
    bySchema: '{"only":1}',
    sameFn: true,
    getByStatus: '{"kept":"x"}',
    getByType: '{"csv":"z"}',
    getMissing: [undefined, undefined, undefined],
    missing: ['FST_ERR_MISSING_SERIALIZATION_FN', 'Missing serialization function. Key "404"'],
    missingType: ['FST_ERR_MISSING_CONTENTTYPE_SERIALIZATION_FN', 'Missing serialization function. Key "201:text/html"']
  })
})

both('compileSerializationSchema uses the app\'s serializer compiler, once per schema, with status and type', async (factory) => {
  const app = factory()
  const calls = []
  app.setSerializerCompiler(({ schema, httpStatus, contentType, method, url }) => {
    calls.push({ title: schema.title, httpStatus, contentType, method, url })
    return (data) => `${schema.title}:${JSON.stringify(data)}`
  })
  const schema = { title: 'custom', type: 'object' }
  const results = []
  app.get('/c', (req, reply) => {
    const a = reply.compileSerializationSchema(schema, 200, 'application/json')
    const b = reply.compileSerializationSchema(schema)
    results.push(a === b, a({ n: 1 }), reply.serializeInput({ n: 2 }, schema))
    return 'ok'
  })
  await inject(app, '/c')
  assert.deepEqual(results, [true, 'custom:{"n":1}', 'custom:{"n":2}'])
  assert.deepEqual(calls, [{ title: 'custom', httpStatus: 200, contentType: 'application/json', method: 'GET', url: '/c' }])
})

// --- content types ------------------------------------------------------------------------------

both('content-type defaults per payload type, and charset rules, over a socket', async (factory) => {
  const app = factory()
  app.get('/string', () => 'text')
  app.get('/buffer', () => Buffer.from('bytes'))
  app.get('/typed-array', () => new Uint8Array([104, 105]))
  app.get('/object', () => ({ o: 1 }))
  app.get('/null', (req, reply) => reply.send(null))
  app.get('/undefined', (req, reply) => reply.send())
  app.get('/json-no-charset', (req, reply) => reply.type('application/vnd.api+json').send({ v: 1 }))
  app.get('/json-with-charset', (req, reply) => reply.type('application/json; charset=latin1').send({ v: 1 }))
  app.get('/json-uppercase-charset', (req, reply) => reply.type('application/json; Charset=utf-16').send({ v: 1 }))
  app.get('/html', (req, reply) => reply.type('text/html').send('<p>'))
  app.get('/html-object', (req, reply) => reply.type('text/plain').serializer((p) => 'S' + JSON.stringify(p)).send({ s: 1 }))
  const base = await listen(app)
  const seen = {}
  for (const path of ['string', 'buffer', 'typed-array', 'object', 'null', 'undefined', 'json-no-charset', 'json-with-charset', 'json-uppercase-charset', 'html', 'html-object']) {
    const res = await get(`${base}/${path}`)
    seen[path] = [res.headers['content-type'] ?? null, res.headers['content-length'] ?? null, res.body]
  }
  assert.deepEqual(seen, {
    string: ['text/plain; charset=utf-8', '4', 'text'],
    buffer: ['application/octet-stream', '5', 'bytes'],
    'typed-array': ['application/octet-stream', '2', 'hi'],
    object: ['application/json; charset=utf-8', '7', '{"o":1}'],
    null: ['application/json; charset=utf-8', '4', 'null'],
    undefined: [null, '0', ''],
    'json-no-charset': ['application/vnd.api+json; charset=utf-8', '7', '{"v":1}'],
    'json-with-charset': ['application/json; charset=latin1', '7', '{"v":1}'],
    'json-uppercase-charset': ['application/json; Charset=utf-16', '7', '{"v":1}'],
    html: ['text/html', '3', '<p>'],
    'html-object': ['text/plain', '8', 'S{"s":1}']
  })
})

both('the reply\'s content type is read as a media type: raw headers count, malformed ones do not, JSON ones are normalised', async (factory) => {
  const app = factory()
  const cases = {
    'raw-header': (req, reply) => { reply.raw.setHeader('content-type', 'text/html'); reply.send('<b>') },
    'params-rewritten': (req, reply) => reply.type('Application/JSON; Foo=Bar; q="x y"').send({ a: 1 }),
    uppercase: (req, reply) => reply.header('Content-Type', 'APPLICATION/JSON').send({ a: 1 }),
    'json-only-in-a-parameter': (req, reply) => reply.type('text/plain; x=json').send({ a: 1 }),
    'malformed-string': (req, reply) => reply.type('foo').send('s'),
    'malformed-object': (req, reply) => reply.type('foo').send({ a: 1 }),
    empty: (req, reply) => reply.type('').send({ a: 1 }),
    'charset-any-case': (req, reply) => reply.type('application/json; CHARSET=x').send({ a: 1 })
  }
  for (const [path, handler] of Object.entries(cases)) app.get('/' + path, handler)
  const base = await listen(app)
  const seen = {}
  for (const path of Object.keys(cases)) {
    const res = await get(`${base}/${path}`)
    seen[path] = [res.status, res.headers['content-type'], res.status === 500 ? JSON.parse(res.body).code : res.body]
  }
  assert.deepEqual(seen, {
    'raw-header': [200, 'text/html', '<b>'],
    'params-rewritten': [200, 'application/json; foo="Bar"; q="x y"; charset=utf-8', '{"a":1}'],
    uppercase: [200, 'application/json; charset=utf-8', '{"a":1}'],
    'json-only-in-a-parameter': [500, 'application/json; charset=utf-8', 'FST_ERR_REP_INVALID_PAYLOAD_TYPE'],
    'malformed-string': [200, 'text/plain; charset=utf-8', 's'],
    'malformed-object': [200, 'application/json; charset=utf-8', '{"a":1}'],
    empty: [200, 'application/json; charset=utf-8', '{"a":1}'],
    'charset-any-case': [200, 'application/json; CHARSET=x', '{"a":1}']
  })
})

both('request.mediaType and reply.mediaType: type/subtype lower-cased without parameters, null when malformed, in hooks too, over a socket', async (factory) => {
  const app = factory()
  const seen = []
  app.addHook('preHandler', async (request) => { seen.push(['preHandler', request.mediaType]) })
  app.post('/', async (request, reply) => {
    const before = reply.mediaType
    reply.type(request.headers['x-reply-type'])
    const set = reply.mediaType
    reply.raw.setHeader('x-seen', 'yes')
    return JSON.stringify({ request: request.mediaType ?? null, before: before ?? null, set: set ?? null })
  })
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => { done(null, body) })
  const base = await listen(app)
  const post = (contentType, replyType) => new Promise((resolve, reject) => {
    const headers = { 'x-reply-type': replyType }
    if (contentType !== undefined) headers['content-type'] = contentType
    const req = http.request(base + '/', { method: 'POST', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve(JSON.parse(body)))
    })
    req.on('error', reject)
    req.end('{}')
  })
  assert.deepEqual(await post('Application/JSON; charset=UTF-8', 'Text/HTML; charset=latin1'), { request: 'application/json', before: null, set: 'text/html' })
  assert.deepEqual(await post('text/plain ;  format=flowed', 'application/vnd.api+json'), { request: 'text/plain', before: null, set: 'application/vnd.api+json' })
  assert.deepEqual(await post('TEXT/csv', 'nonsense'), { request: 'text/csv', before: null, set: null })
  assert.deepEqual(seen.map(([, m]) => m ?? null), ['application/json', 'text/plain', 'text/csv'])
})

both('a stream payload still running when code ends reply.raw itself is destroyed', async (factory) => {
  const app = factory()
  const destroyed = deferred()
  app.get('/', (request, reply) => {
    const source = new Readable({ read () {}, destroy (err, callback) { destroyed.resolve('destroyed'); callback(err) } })
    reply.code(200).send(source)
    reply.raw.end('hello\n')
  })
  const base = await listen(app)
  const response = await fetch(base + '/')
  assert.equal(response.status, 200)
  assert.equal(await response.text(), 'hello\n')
  assert.equal(await within(destroyed.promise, 'the source stream destroyed'), 'destroyed')
})

both('reply.code() takes any number from 100 to 599 (404.5 goes out as 404); null, undefined and 600 are FST_ERR_BAD_STATUS_CODE', async (factory) => {
  const app = factory()
  app.get('/:code', (request, reply) => {
    const raw = request.params.code
    reply.code(raw === 'null' ? null : raw === 'undefined' ? undefined : Number(raw)).send('ok')
  })
  const base = await listen(app)
  const answers = {}
  for (const code of ['404.5', '100.2', '599', 'null', 'undefined', '600', '99.9']) {
    const response = await fetch(`${base}/${code}`).catch(() => null)
    answers[code] = response === null ? 'no answer' : response.status === 500 ? (await response.json()).code : response.status
  }
  assert.deepEqual(answers, { 404.5: 404, 100.2: 'no answer', 599: 599, null: 'FST_ERR_BAD_STATUS_CODE', undefined: 'FST_ERR_BAD_STATUS_CODE', 600: 'FST_ERR_BAD_STATUS_CODE', 99.9: 'FST_ERR_BAD_STATUS_CODE' })
})

both('send() of a payload its content type cannot carry throws FST_ERR_REP_INVALID_PAYLOAD_TYPE to the caller (who may send again); past a hook, or left uncaught, it is a 500, over a socket', async (factory) => {
  const app = factory()
  const thrown = []
  const attempt = (path, fn) => {
    try {
      fn()
      thrown.push([path, 'returned'])
    } catch (err) {
      thrown.push([path, err.code, err instanceof TypeError, err.message])
    }
  }
  app.get('/caught', (req, reply) => {
    attempt('/caught', () => reply.type('text/html').send({}))
    reply.send('<p>again</p>')
  })
  app.get('/serializer', (req, reply) => {
    attempt('/serializer', () => reply.serializer((payload) => payload).send({ a: 1 }))
    reply.send('as a string')
  })
  app.get('/later', (req, reply) => {
    setTimeout(() => {
      attempt('/later', () => reply.type('text/html').send([1]))
      reply.send('late')
    }, 5)
  })
  app.get('/uncaught', (req, reply) => { reply.type('text/html').send({}) })
  app.get('/returned', (req, reply) => { reply.type('text/html'); return {} })
  app.get('/async', async (req, reply) => { reply.type('text/html'); return {} })
  app.get('/on-send', {
    onSend: (req, reply, payload, done) => done()
  }, (req, reply) => { attempt('/on-send', () => reply.type('text/html').send({})) })
  app.register(async (child) => {
    child.setErrorHandler((err, req, reply) => {
      attempt('/child/error-handler', () => reply.type('text/html').send({ failed: err.message }))
      reply.send('handled')
    })
    child.get('/error-handler', () => { throw new Error('boom') })
    child.get('/error-handler-returns', () => { throw new Error('boom') })
  }, { prefix: '/child' })
  app.register(async (child) => {
    child.setErrorHandler((err, req, reply) => { reply.type('text/html'); return { failed: err.message } })
    child.get('/', () => { throw new Error('boom') })
  }, { prefix: '/returning-handler' })
  const base = await listen(app)
  const seen = {}
  for (const path of ['/caught', '/serializer', '/later', '/uncaught', '/returned', '/async', '/on-send', '/child/error-handler', '/returning-handler']) {
    const res = await get(base + path)
    seen[path] = [res.status, res.headers['content-type'], res.status === 500 ? JSON.parse(res.body).code : res.body]
  }
  const message = "Attempted to send payload of invalid type 'object'. Expected a string or Buffer."
  assert.deepEqual(thrown, [
    ['/caught', 'FST_ERR_REP_INVALID_PAYLOAD_TYPE', true, message],
    ['/serializer', 'FST_ERR_REP_INVALID_PAYLOAD_TYPE', true, message],
    ['/later', 'FST_ERR_REP_INVALID_PAYLOAD_TYPE', true, message],
    ['/on-send', 'returned'],
    ['/child/error-handler', 'FST_ERR_REP_INVALID_PAYLOAD_TYPE', true, message]
  ])
  const failed = 'FST_ERR_REP_INVALID_PAYLOAD_TYPE'
  assert.deepEqual(seen, {
    '/caught': [200, 'text/html', '<p>again</p>'],
    '/serializer': [200, 'text/plain; charset=utf-8', 'as a string'],
    '/later': [200, 'text/html', 'late'],
    '/uncaught': [500, 'application/json; charset=utf-8', failed],
    '/returned': [500, 'application/json; charset=utf-8', failed],
    '/async': [500, 'application/json; charset=utf-8', failed],
    '/on-send': [500, 'application/json; charset=utf-8', failed],
    '/child/error-handler': [200, 'text/html', 'handled'],
    '/returning-handler': [500, 'application/json; charset=utf-8', failed]
  })
})

both('a stream reply that ends normally logs no premature close, under inject() as over a socket', async (factory) => {
  const log = logLines()
  const app = factory({ logger: { level: 'info', stream: log.stream } })
  app.get('/', async (req, reply) => reply.send(Readable.from(['a', 'b'])))
  const injected = await inject(app, '/')
  const base = await listen(app)
  const fetched = await get(base + '/')
  assert.deepEqual([injected.statusCode, injected.payload, fetched.status, fetched.body], [200, 'ab', 200, 'ab'])
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.deepEqual(log.lines.filter((l) => l.msg !== 'Server listening at ' + base).map((l) => l.msg), [
    'incoming request', 'request completed', 'incoming request', 'request completed'
  ])
})
