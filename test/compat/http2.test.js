// HTTP/2, HTTPS and serverFactory side by side (issue 17) over real sockets: h2c, h2 over TLS,
// allowHTTP1, https alone, http2SessionTimeout, HEAD and unknown methods, close(), serverFactory.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import { readFileSync } from 'node:fs'
import { both, deferred, inject, within } from './harness.js'

const key = readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url))
const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url))
const nodeMajor = Number(process.versions.node.split('.')[0])

/** Client sessions the running case opened: destroyed when it ends, before its apps close. */
const openSessions = new Set()

/** `both()`, destroying the HTTP/2 client sessions the case left open. */
function h2both (name, fn, opts) {
  both(name, async (factory, framework) => {
    try {
      await fn(factory, framework)
    } finally {
      for (const session of openSessions) session.destroy()
      openSessions.clear()
    }
  }, opts)
}

/** An HTTP/2 client session to `address` (trusting the fixture cert), destroyed when the case ends. */
async function connect (address) {
  const session = http2.connect(address, { ca: cert })
  openSessions.add(session)
  session.on('error', () => {}) // a GOAWAY'd or reset session reports on its streams
  await within(new Promise((resolve, reject) => {
    session.once('connect', resolve)
    session.once('error', reject)
  }), `HTTP/2 connect to ${address}`)
  return session
}

/** One request on `session`: resolves { status, headers, body }. */
function request (session, headers, body) {
  const stream = session.request(headers)
  return within(new Promise((resolve, reject) => {
    let responseHeaders
    let text = ''
    stream.on('response', (h) => { responseHeaders = h })
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => { text += chunk })
    stream.on('end', () => resolve({ status: responseHeaders[':status'], headers: responseHeaders, body: text }))
    stream.on('error', reject)
    stream.end(body)
  }), `HTTP/2 ${headers[':method'] ?? 'GET'} ${headers[':path']}`)
}

/** An HTTP/1.1 request over TLS (trusting the fixture cert): resolves { status, headers, body }. */
function httpsGet (url) {
  return within(new Promise((resolve, reject) => {
    https.get(url, { ca: cert, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }))
    }).on('error', reject)
  }), `HTTPS GET ${url}`)
}

/** Resolves once `session` has closed (and says whether a GOAWAY came first). */
function sessionEnd (session) {
  let goaway = false
  session.once('goaway', () => { goaway = true })
  return new Promise((resolve) => session.once('close', () => resolve({ goaway })))
}

/** A route reporting what the raw request and reply are. */
function describeRoute (app) {
  app.get('/about', async (request, reply) => ({
    raw: request.raw.constructor.name,
    rawReply: reply.raw.constructor.name,
    protocol: request.protocol,
    httpVersion: request.raw.httpVersion,
    method: request.method,
    hostname: request.hostname
  }))
}

describe('HTTP/2 cleartext (http2: true)', () => {
  h2both('an h2c request reaches the route: raw is Http2ServerRequest, protocol http, version 2.0', async (factory) => {
    const app = factory({ http2: true })
    describeRoute(app)
    app.post('/echo', async (request) => request.body)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(app.server.constructor.name, 'Http2Server')
    const session = await connect(address)
    const about = await request(session, { ':path': '/about' })
    assert.equal(about.status, 200)
    assert.equal(about.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(JSON.parse(about.body), {
      raw: 'Http2ServerRequest', rawReply: 'Http2ServerResponse', protocol: 'http', httpVersion: '2.0', method: 'GET', hostname: '127.0.0.1'
    })
    const echo = await request(session, { ':path': '/echo', ':method': 'POST', 'content-type': 'application/json' }, '{"n":3}')
    assert.equal(echo.status, 200)
    assert.deepEqual(JSON.parse(echo.body), { n: 3 })
  })

  h2both('inject() still works on an http2 app', async (factory) => {
    const app = factory({ http2: true })
    app.get('/', async () => ({ ok: true }))
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { ok: true })
  })

  h2both('HEAD over h2 answers as GET with the same headers and no body; a missing route 404s', async (factory) => {
    const app = factory({ http2: true })
    app.get('/doc', async () => ({ hello: 'world', n: 12345 }))
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const get = await request(session, { ':path': '/doc' })
    const head = await request(session, { ':path': '/doc', ':method': 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    assert.equal(head.headers['content-type'], get.headers['content-type'])
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)))
    const missing = await request(session, { ':path': '/nowhere', ':method': 'HEAD' })
    assert.equal(missing.status, 404)
    assert.equal(missing.body, '')
  })

  h2both('a method no router knows (only HTTP/2 carries one) gets 404 FST_ERR_NOT_FOUND via the error handler, no onRequest', async (factory) => {
    const app = factory({ http2: true })
    const seen = []
    app.addHook('onRequest', async (request) => { seen.push(`onRequest ${request.method}`) })
    app.setErrorHandler((error, request, reply) => {
      seen.push(`errorHandler ${error.code} ${request.method}`)
      reply.code(error.statusCode).send({ handled: error.code })
    })
    app.get('/', async () => 'root')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const res = await request(session, { ':path': '/', ':method': 'FOO' })
    assert.equal(res.status, 404)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(JSON.parse(res.body), { handled: 'FST_ERR_NOT_FOUND' })
    assert.deepEqual(seen, ['errorHandler FST_ERR_NOT_FOUND FOO'])
  })

  h2both('the default error handler answers an unknown method with FST_ERR_NOT_FOUND JSON', async (factory) => {
    const app = factory({ http2: true })
    app.get('/', async () => 'root')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const res = await request(session, { ':path': '/x?y=1', ':method': 'BREW' })
    assert.equal(res.status, 404)
    assert.deepEqual(JSON.parse(res.body), { statusCode: 404, code: 'FST_ERR_NOT_FOUND', error: 'Not Found', message: 'Not Found' })
  })

  h2both('with the logger off, an unknown method\'s request gets the childLoggerFactory option\'s logger and its incoming line', async (factory) => {
    const got = []
    const sink = { info: (obj, msg) => got.push(['info', msg]), warn: () => got.push(['warn']), error () {}, debug () {}, fatal () {}, trace () {}, child () { return sink } }
    const app = factory({ http2: true, childLoggerFactory: (logger, bindings) => { got.push(['factory', bindings.reqId !== undefined]); return sink } })
    app.get('/', async () => 'root')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const res = await request(session, { ':path': '/', ':method': 'BREW' })
    assert.equal(res.status, 404)
    assert.deepEqual(got.slice(0, 2), [['factory', true], ['info', 'incoming request']])
    assert.ok(got.slice(2).some(([level]) => level === 'warn'))
  })

  h2both('http2SessionTimeout closes an idle session with a GOAWAY', async (factory) => {
    const app = factory({ http2: true, http2SessionTimeout: 300 })
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const ended = sessionEnd(session)
    const started = Date.now()
    assert.equal((await request(session, { ':path': '/' })).body, 'ok')
    const { goaway } = await within(ended, 'the idle session to be closed', 3000)
    const idle = Date.now() - started
    assert.equal(goaway, true)
    assert.ok(idle >= 250, `closed after ${idle} ms, before the 300 ms timeout`)
  })

  h2both('http2SessionTimeout, not connectionTimeout, decides when an idle session ends', async (factory) => {
    const app = factory({ http2: true, connectionTimeout: 150, http2SessionTimeout: 700 })
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const ended = sessionEnd(session)
    const started = Date.now()
    assert.equal((await request(session, { ':path': '/' })).body, 'ok')
    const { goaway } = await within(ended, 'the idle session to be closed', 3000)
    const idle = Date.now() - started
    assert.equal(goaway, true)
    assert.ok(idle >= 600, `closed after ${idle} ms: connectionTimeout (150 ms) ended it, not http2SessionTimeout (700 ms)`)
  })

  h2both('http2SessionTimeout is coerced as an integer option: a numeric string works, a word or a fraction is refused', async (factory) => {
    for (const value of ['abc', 1.5]) {
      assert.throws(() => factory({ http2: true, http2SessionTimeout: value }), { code: 'FST_ERR_INIT_OPTS_INVALID', message: 'Invalid initialization options: \'["must be integer"]\'' })
    }
    const app = factory({ http2: true, http2SessionTimeout: '300' })
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const ended = sessionEnd(session)
    assert.equal((await request(session, { ':path': '/' })).body, 'ok')
    assert.deepEqual(await within(ended, 'the idle session to be closed', 3000), { goaway: true })
  })

  h2both("forceCloseConnections: 'idle' is refused: an h2c server cannot close idle connections", async (factory) => {
    assert.throws(() => factory({ http2: true, forceCloseConnections: 'idle' }), { code: 'FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE' })
  })

  h2both('close() with forceCloseConnections sends an open idle session a GOAWAY and resolves', async (factory) => {
    const app = factory({ http2: true, forceCloseConnections: true })
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    assert.equal((await request(session, { ':path': '/' })).body, 'ok')
    const ended = sessionEnd(session)
    await within(app.close(), 'close() with an open h2 session', 2000)
    assert.deepEqual(await within(ended, 'the client session to close'), { goaway: true })
  })

  h2both('close() with forceCloseConnections lets a request in flight finish', async (factory) => {
    const app = factory({ http2: true, forceCloseConnections: true })
    const entered = deferred()
    const release = deferred()
    app.get('/slow', async () => { entered.resolve(); await release.promise; return 'done' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    const inFlight = request(session, { ':path': '/slow' })
    await entered.promise
    const closed = app.close()
    setTimeout(() => release.resolve(), 100)
    const res = await inFlight
    assert.equal(res.status, 200)
    assert.equal(res.body, 'done')
    await within(closed, 'close() after the in-flight request')
  })

  if (nodeMajor >= 24) {
    // Node 24 made server.close() close HTTP/2 sessions; on Node 20/22 Fastify's close() waits for
    // the session to time out (72 s by default), Weft's sends the GOAWAY itself (test/http/http2.test.js)
    h2both('close() with default options sends an open idle session a GOAWAY and resolves (Node 24+)', async (factory) => {
      const app = factory({ http2: true })
      app.get('/', async () => 'ok')
      const address = await app.listen({ port: 0, host: '127.0.0.1' })
      const session = await connect(address)
      assert.equal((await request(session, { ':path': '/' })).body, 'ok')
      const ended = sessionEnd(session)
      await within(app.close(), 'close() with an open h2 session', 2000)
      assert.deepEqual(await within(ended, 'the client session to close'), { goaway: true })
    })

    // on Node 20/22 Fastify answers such a request 503 (or serves it with return503OnClosing: false),
    // Weft refuses it there too (test/http/http2.test.js)
    h2both('a request sent as close() starts is refused, with return503OnClosing or without (Node 24+)', async (factory) => {
      for (const return503OnClosing of [true, false]) {
        const app = factory({ http2: true, return503OnClosing })
        app.get('/', async () => 'ok')
        const address = await app.listen({ port: 0, host: '127.0.0.1' })
        const session = await connect(address)
        const ended = sessionEnd(session)
        const refused = request(session, { ':path': '/' }).then(() => null, (err) => err.message)
        const closing = app.close()
        assert.match(await refused, /NGHTTP2_REFUSED_STREAM/, String(return503OnClosing))
        await within(closing, 'close()')
        assert.deepEqual(await within(ended, 'the client session to close'), { goaway: true })
      }
    })
  }
})

describe('HTTPS and HTTP/2 over TLS', () => {
  h2both('https alone serves HTTP/1.1 over TLS: protocol https, an https.Server, an https:// address', async (factory) => {
    const app = factory({ https: { key, cert } })
    describeRoute(app)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.match(address, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(app.server instanceof https.Server)
    const res = await httpsGet(`${address}/about`)
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), {
      raw: 'IncomingMessage', rawReply: 'ServerResponse', protocol: 'https', httpVersion: '1.1', method: 'GET', hostname: '127.0.0.1'
    })
  })

  h2both('https: false serves plain HTTP/1.1 and listen() says http://', async (factory) => {
    const app = factory({ https: false })
    app.get('/', async (request) => ({ protocol: request.protocol }))
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await within(fetch(`${address}/`), 'fetch over plain HTTP')
    assert.deepEqual(await res.json(), { protocol: 'http' })
  })

  h2both('initialConfig shows https as true or { allowHTTP1 }, never the key or the certificate', async (factory) => {
    const cases = [
      [{ https: { key, cert } }, true],
      [{ http2: true, https: { key, cert, allowHTTP1: true } }, { allowHTTP1: true }],
      [{ https: { key, cert, allowHTTP1: false } }, { allowHTTP1: false }]
    ]
    for (const [options, shown] of cases) {
      const config = factory(options).initialConfig
      assert.deepEqual(config.https, shown)
      assert.ok(!JSON.stringify(config).includes('PRIVATE KEY'))
      assert.ok(Object.isFrozen(config))
    }
  })

  h2both('http2 with https serves h2 over TLS: Http2SecureServer, protocol https', async (factory) => {
    const app = factory({ http2: true, https: { key, cert } })
    describeRoute(app)
    app.get('/fixed', async () => ({ same: 'for GET and HEAD' }))
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.match(address, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(app.server.constructor.name, 'Http2SecureServer')
    const session = await connect(address)
    const res = await request(session, { ':path': '/about' })
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), {
      raw: 'Http2ServerRequest', rawReply: 'Http2ServerResponse', protocol: 'https', httpVersion: '2.0', method: 'GET', hostname: '127.0.0.1'
    })
    const fixed = await request(session, { ':path': '/fixed' })
    const head = await request(session, { ':path': '/fixed', ':method': 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(fixed.body)))
  })

  h2both('allowHTTP1: the same TLS server answers HTTP/1.1 and h2 clients', async (factory) => {
    const app = factory({ http2: true, https: { key, cert, allowHTTP1: true } })
    describeRoute(app)
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const h1 = await httpsGet(`${address}/about`)
    assert.equal(h1.status, 200)
    assert.deepEqual(JSON.parse(h1.body), {
      raw: 'IncomingMessage', rawReply: 'ServerResponse', protocol: 'https', httpVersion: '1.1', method: 'GET', hostname: '127.0.0.1'
    })
    const session = await connect(address)
    const h2 = await request(session, { ':path': '/about' })
    assert.equal(JSON.parse(h2.body).raw, 'Http2ServerRequest')
    assert.equal(JSON.parse(h2.body).protocol, 'https')
  })

  h2both('close() on an allowHTTP1 server with an open h2 session and forceCloseConnections resolves', async (factory) => {
    const app = factory({ http2: true, https: { key, cert, allowHTTP1: true }, forceCloseConnections: true })
    app.get('/', async () => 'ok')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    assert.equal((await request(session, { ':path': '/' })).body, 'ok')
    const ended = sessionEnd(session)
    await within(app.close(), 'close() with an open h2 session', 2000)
    assert.deepEqual(await within(ended, 'the client session to close'), { goaway: true })
  })
})

describe('serverFactory', () => {
  h2both('serverFactory gets the handler and the options; listen() and inject() use the server it returns', async (factory) => {
    const made = []
    const app = factory({
      custom: 'kept',
      serverFactory (handler, opts) {
        made.push(opts.custom)
        const server = http.createServer((req, res) => {
          res.setHeader('x-through-factory', '1')
          handler(req, res)
        })
        return server
      }
    })
    app.get('/', async (request) => ({ url: request.url }))
    const injected = await inject(app, '/')
    assert.deepEqual(injected.json(), { url: '/' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.equal(app.server.address().port, Number(new URL(address).port))
    const res = await within(fetch(`${address}/`), 'fetch through the factory server')
    assert.equal(res.headers.get('x-through-factory'), '1')
    assert.deepEqual(await res.json(), { url: '/' })
    assert.deepEqual(made, ['kept'])
  })

  h2both('serverFactory may return an HTTP/2 server; its closeHttp2Sessions runs at close()', async (factory) => {
    let closedSessions = 0
    const app = factory({
      serverFactory (handler) {
        const server = http2.createServer(handler)
        const sessions = new Set()
        server.on('session', (s) => { sessions.add(s); s.once('close', () => sessions.delete(s)) })
        server.closeHttp2Sessions = () => { for (const s of sessions) { closedSessions++; s.close() } }
        return server
      }
    })
    app.get('/', async (request) => ({ raw: request.raw.constructor.name }))
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const session = await connect(address)
    assert.deepEqual(JSON.parse((await request(session, { ':path': '/' })).body), { raw: 'Http2ServerRequest' })
    const ended = sessionEnd(session)
    await within(app.close(), 'close() of a serverFactory h2 app', 2000)
    assert.equal(closedSessions, 1)
    assert.deepEqual(await within(ended, 'the client session to close'), { goaway: true })
  })
})

describe('large HTTP/2 bodies', () => {
  h2both('a large buffer reply the client cancels does not break the session: the next stream is answered', async (factory) => {
    const app = factory({ http2: true })
    const payload = Buffer.alloc(32 * 1024 * 1024, 'a')
    app.get('/large', async (req, reply) => {
      reply.header('content-type', 'application/octet-stream').header('content-length', payload.length)
      return payload
    })
    app.get('/small', async () => 'ok')
    const session = await connect(await app.listen({ port: 0, host: '127.0.0.1' }))
    const large = session.request({ ':path': '/large' })
    large.on('error', () => {})
    await within(new Promise((resolve) => large.once('response', resolve)), 'the large reply\'s headers')
    large.pause()
    await new Promise((resolve) => setTimeout(resolve, 100))
    large.close(http2.constants.NGHTTP2_CANCEL)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const small = await request(session, { ':path': '/small' })
    assert.deepEqual([small.status, small.body], [200, 'ok'])
  })

  h2both('a large string reply with a trailer arrives whole, then its trailer', async (factory) => {
    const app = factory({ http2: true })
    const text = 'abcdefgh'.repeat(40000) // 320 000 bytes: several pieces
    app.get('/', (req, reply) => {
      reply.trailer('x-length', (reply, payload, done) => { done(null, String(payload.length)) })
      reply.send(text)
    })
    const session = await connect(await app.listen({ port: 0, host: '127.0.0.1' }))
    const stream = session.request({ ':path': '/' })
    const result = await within(new Promise((resolve, reject) => {
      let body = ''
      let trailers
      stream.setEncoding('utf8')
      stream.on('trailers', (t) => { trailers = t })
      stream.on('data', (chunk) => { body += chunk })
      stream.on('end', () => resolve({ body, trailers }))
      stream.on('error', reject)
      stream.end()
    }), 'the large reply')
    assert.equal(result.body.length, text.length)
    assert.equal(result.body, text)
    assert.equal(result.trailers['x-length'], String(text.length))
  })
})
