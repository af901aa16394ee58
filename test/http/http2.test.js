// Weft's HTTP/2 guards where Fastify has none, over real sockets: close() ends open h2 sessions
// with a GOAWAY on every Node (Fastify's waits for them on Node 20/22), letting streams in flight
// finish; an allowHTTP1 server applies keepAliveTimeout to its HTTP/1.1 connections.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http2 from 'node:http2'
import tls from 'node:tls'
import { readFileSync } from 'node:fs'
import weft from 'weft'

const key = readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url))
const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url))

/** Rejects unless `promise` settles within `ms`. */
function within (promise, what, ms = 3000) {
  let timer
  const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function connect (t, address) {
  const session = http2.connect(address, { ca: cert })
  session.on('error', () => {})
  t.after(() => session.destroy())
  await within(new Promise((resolve) => session.once('connect', resolve)), 'connect')
  let goaway = false
  session.once('goaway', () => { goaway = true })
  const closed = new Promise((resolve) => session.once('close', () => resolve({ goaway })))
  return { session, closed }
}

function request (session, path) {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path })
    let status
    let body = ''
    stream.on('response', (h) => { status = h[':status'] })
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => { body += chunk })
    stream.on('end', () => resolve({ status, body }))
    stream.on('error', reject)
    stream.end()
  })
}

for (const secure of [false, true]) {
  const name = secure ? 'h2 over TLS' : 'h2c'
  const options = secure ? { http2: true, https: { key, cert } } : { http2: true }

  test(`${name}: close() with default options sends an idle session a GOAWAY and resolves, on every Node`, async (t) => {
    const app = weft(options)
    t.after(() => app.close())
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const { session, closed } = await connect(t, address)
    assert.equal((await request(session, '/')).body, 'ok')
    await within(app.close(), 'close() with an idle h2 session')
    assert.deepEqual(await within(closed, 'the client session to close'), { goaway: true })
  })

  test(`${name}: close() with default options lets the streams in flight finish, then resolves`, async (t) => {
    const app = weft(options)
    t.after(() => app.close())
    let release
    const held = new Promise((resolve) => { release = resolve })
    let entered
    const bothInHandler = new Promise((resolve) => { entered = resolve })
    let inHandler = 0
    app.get('/slow/:n', async (request) => {
      if (++inHandler === 2) entered()
      await held
      return `done ${request.params.n}`
    })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const { session, closed } = await connect(t, address)
    const first = request(session, '/slow/1')
    const second = request(session, '/slow/2')
    await bothInHandler
    let closeSettled = false
    const closing = app.close().then(() => { closeSettled = true })
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(closeSettled, false, 'close() waits for the streams in flight')
    release()
    assert.deepEqual(await within(Promise.all([first, second]), 'the requests in flight'),
      [{ status: 200, body: 'done 1' }, { status: 200, body: 'done 2' }])
    await within(closing, 'close() once the streams finished')
    assert.deepEqual(await within(closed, 'the client session to close'), { goaway: true })
  })
}

for (const return503OnClosing of [true, false]) {
  test(`h2c: a request sent as close() starts is refused (REFUSED_STREAM), return503OnClosing ${return503OnClosing}, on every Node`, async (t) => {
    // Fastify on Node 20/22 answers it 503 (or serves it); on Node 24+ it refuses it as here (test/compat/http2.test.js)
    const app = weft({ http2: true, return503OnClosing })
    t.after(() => app.close())
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const { session, closed } = await connect(t, address)
    const refused = request(session, '/').then(() => null, (err) => err.message)
    const closing = app.close()
    assert.match(await within(refused, 'the refused request'), /NGHTTP2_REFUSED_STREAM/)
    await within(closing, 'close()')
    assert.deepEqual(await within(closed, 'the client session to close'), { goaway: true })
  })
}

test('allowHTTP1: an idle HTTP/1.1 keep-alive connection is closed after keepAliveTimeout', async (t) => {
  const app = weft({ http2: true, https: { key, cert, allowHTTP1: true }, keepAliveTimeout: 300 })
  t.after(() => app.close())
  app.get('/', async (request) => ({ version: request.raw.httpVersion }))
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  // a raw TLS socket: an https.Agent would close it itself on the Keep-Alive hint
  const socket = tls.connect({ port: Number(new URL(address).port), host: '127.0.0.1', ca: cert, servername: 'localhost', ALPNProtocols: ['http/1.1'] })
  t.after(() => socket.destroy())
  let received = ''
  let answeredAt = 0
  socket.setEncoding('utf8')
  socket.on('data', (chunk) => {
    received += chunk
    if (answeredAt === 0 && received.includes('{"version":"1.1"}')) answeredAt = Date.now()
  })
  const closedAt = new Promise((resolve) => socket.once('close', () => resolve(Date.now())))
  socket.once('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'))
  const closed = await within(closedAt, 'the idle keep-alive connection to close')
  assert.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  assert.match(received, /\r\nConnection: keep-alive\r\n/i)
  assert.ok(answeredAt > 0, 'the response came')
  const idle = closed - answeredAt
  assert.ok(idle >= 200, `closed after ${idle} ms idle, before keepAliveTimeout (300 ms)`)
})

test('a header HTTP/2 forbids (Transfer-Encoding, Upgrade) ends in a 500, not a stream left open (Fastify throws it uncaught)', async (t) => {
  const app = weft({ http2: true })
  t.after(() => app.close())
  app.get('/te', async (request, reply) => { reply.header('transfer-encoding', 'chunked'); return 'body' })
  app.get('/upgrade', (request, reply) => { reply.header('upgrade', 'websocket').send('body') })
  app.get('/fine', async () => 'fine')
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { session } = await connect(t, address)
  for (const path of ['/te', '/upgrade']) {
    const res = await within(request(session, path), `GET ${path}`)
    assert.equal(res.status, 500)
    assert.equal(JSON.parse(res.body).code, 'ERR_HTTP2_INVALID_CONNECTION_HEADERS')
  }
  assert.deepEqual(await within(request(session, '/fine'), 'GET /fine on the same session'), { status: 200, body: 'fine' })
})

test('an observed app answers an unknown method like any other request (Server-Timing, no internal error)', async (t) => {
  const app = weft({ http2: true, observe: { serverTiming: true } })
  t.after(() => app.close())
  app.get('/', async () => 'root')
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { session } = await connect(t, address)
  const res = await within(new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/', ':method': 'FOO' })
    let headers
    let body = ''
    stream.on('response', (h) => { headers = h })
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => { body += chunk })
    stream.on('end', () => resolve({ headers, body }))
    stream.on('error', reject)
    stream.end()
  }), 'FOO /')
  assert.equal(res.headers[':status'], 404)
  assert.equal(JSON.parse(res.body).code, 'FST_ERR_NOT_FOUND')
  assert.match(res.headers['server-timing'], /(^|, )total;dur=[\d.]+$/)
  assert.equal(app.observe.internalErrors, 0)
})

test('a negative http2SessionTimeout is refused when the app is made (Fastify accepts it, then Node throws at the first session)', () => {
  assert.throws(() => weft({ http2: true, http2SessionTimeout: -1 }), { code: 'FST_ERR_INIT_OPTS_INVALID' })
})

test('an unknown method logs one warning naming it (Fastify: "likely a fastify bug" and the route tree)', async (t) => {
  const { Writable } = await import('node:stream')
  const lines = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb() } })
  const app = weft({ http2: true, logger: { stream, level: 'warn' } })
  t.after(() => app.close())
  app.get('/', async () => 'root')
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { session } = await connect(t, address)
  const status = await within(new Promise((resolve, reject) => {
    const req = session.request({ ':path': '/', ':method': 'FOO' })
    req.on('response', (h) => { resolve(h[':status']) })
    req.on('error', reject)
    req.resume()
    req.end()
  }), 'FOO /')
  assert.equal(status, 404)
  const warnings = lines.filter((l) => l.level === 40)
  assert.equal(warnings.length, 1)
  assert.equal(warnings[0].msg, 'method FOO is not routed by any tree: answered 404')
})
