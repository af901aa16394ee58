// Timeouts over real sockets: the http/https server options reaching node:http, requestTimeout
// and connectionTimeout cutting slow clients with 408, defaults no looser than Node's,
// handlerTimeout (503 FST_ERR_HANDLER_TIMEOUT) and request.signal.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http, { STATUS_CODES } from 'node:http'
import Fastify from 'fastify'
import weft from 'weft'
import { connect, exchange, listenOn, parseResponse, sleep, trickle, within } from './raw-http.js'

const timeoutBody = { error: STATUS_CODES[408], message: 'Client Timeout', statusCode: 408 }
const slowHeaders = ['GET / HTTP/1.1\r\nHost: x\r\n', 'X-Drip: y\r\n']
const slowBody = ['POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n', 'a']
/** Checks for expired requests often, so a short timeout is enforced promptly. */
const quickChecks = { connectionsCheckingInterval: 25 }

function routes (app) {
  app.get('/', async () => 'ok')
  app.post('/echo', async (req) => req.body)
  return app
}

describe('the http and https options reach node:http', () => {
  test('http: { headersTimeout, maxHeaderSize, … } is what the server runs with', async (t) => {
    const app = routes(weft({ http: { headersTimeout: 1234, maxHeaderSize: 1024, ...quickChecks } }))
    const port = await listenOn(t, app)
    assert.equal(app.server.headersTimeout, 1234)
    // maxHeaderSize is enforced by Node's parser: a 2 KB header is over it
    const answer = parseResponse(await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2048)}\r\n\r\n`))
    assert.equal(answer.statusCode, 431)
  })

  test('https: { … } carries the same server options', () => {
    const app = weft({ https: { headersTimeout: 4321 } })
    assert.equal(app.server.headersTimeout, 4321)
  })

  test('a requestTimeout given only in the http object is used (Fastify replaces it with its default, 0)', () => {
    const app = weft({ logger: false, http: { requestTimeout: 5000 } })
    assert.equal(app.server.requestTimeout, 5000)
    assert.equal(app.initialConfig.requestTimeout, 5000)
  })

  test('top-level requestTimeout, keepAliveTimeout and maxRequestsPerSocket win over the http object', async (t) => {
    const app = routes(weft({ requestTimeout: 2000, keepAliveTimeout: 3000, maxRequestsPerSocket: 1, http: { requestTimeout: 9000, keepAliveTimeout: 9000 } }))
    const port = await listenOn(t, app)
    assert.equal(app.server.requestTimeout, 2000)
    assert.equal(app.server.keepAliveTimeout, 3000)
    // one request per socket: the first answer already says the connection ends
    const conn = await connect(port)
    t.after(() => conn.destroy())
    conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(waitFor(() => conn.received.endsWith('ok')), 'the answer')
    const answer = parseResponse(conn.received)
    assert.equal(answer.statusCode, 200)
    assert.equal(answer.headers.connection, 'close')
  })
})

describe('requestTimeout cuts slow clients with a 408', () => {
  for (const [name, [first, chunk]] of Object.entries({ 'slow headers': slowHeaders, 'a slow body': slowBody })) {
    test(`${name}, trickling in faster than any idle timeout, get 408 and the connection closes`, async (t) => {
      const app = routes(weft({ requestTimeout: 300, http: quickChecks }))
      const port = await listenOn(t, app)
      const answer = parseResponse(await trickle(port, first, chunk, 20))
      assert.equal(answer.statusCode, 408)
      assert.deepEqual(JSON.parse(answer.body), timeoutBody)
    })
  }

  test('http: { headersTimeout } cuts slow headers with Fastify\'s 408 answer', async (t) => {
    const answers = []
    for (const make of [weft, Fastify]) {
      const app = routes(make({ http: { headersTimeout: 300, ...quickChecks } }))
      const port = await listenOn(t, app)
      answers.push(parseResponse(await trickle(port, ...slowHeaders, 20)))
    }
    assert.equal(answers[0].statusCode, 408)
    assert.equal(answers[0].statusCode, answers[1].statusCode)
    assert.deepEqual(JSON.parse(answers[0].body), JSON.parse(answers[1].body))
  })
})

describe('connectionTimeout cuts clients that go quiet', () => {
  for (const [name, [first]] of Object.entries({ 'headers that stop half-way': slowHeaders, 'a body that stops half-way': slowBody })) {
    test(`${name} get 408 once the connection has been idle that long`, async (t) => {
      const app = routes(weft({ connectionTimeout: 150 }))
      const port = await listenOn(t, app)
      const answer = parseResponse(await exchange(port, first))
      assert.equal(answer.statusCode, 408)
      assert.deepEqual(JSON.parse(answer.body), timeoutBody)
    })
  }

  test('an idle keep-alive connection is closed (after keepAliveTimeout) without an answer', async (t) => {
    const app = routes(weft({ connectionTimeout: 150, keepAliveTimeout: 100 }))
    const port = await listenOn(t, app)
    const conn = await connect(port)
    t.after(() => conn.destroy())
    conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const everything = await conn.closed()
    assert.equal(parseResponse(everything).body, 'ok', 'only the answer to the one request')
  })
})

describe('defaults are at least as safe as Node\'s', () => {
  const node = http.createServer()

  test('a request has a bounded time to arrive: requestTimeout and headersTimeout are set and no longer than Node\'s', () => {
    const app = weft()
    assert.ok(app.server.requestTimeout > 0 && app.server.requestTimeout <= node.requestTimeout)
    assert.ok(app.server.headersTimeout > 0 && app.server.headersTimeout <= node.headersTimeout)
    assert.ok(app.server.keepAliveTimeout > 0, 'idle keep-alive connections are closed eventually')
  })

  test('requestTimeout: 0 (no limit on the whole request) still leaves the headers a limit', () => {
    const app = weft({ requestTimeout: 0 })
    assert.equal(app.server.requestTimeout, 0)
    assert.ok(app.server.headersTimeout > 0 && app.server.headersTimeout <= node.headersTimeout)
  })
})

describe('handlerTimeout', () => {
  test('past it the request gets 503 FST_ERR_HANDLER_TIMEOUT, the same answer as Fastify\'s', async (t) => {
    const answers = []
    for (const make of [weft, Fastify]) {
      const app = make({ handlerTimeout: 50 })
      t.after(() => app.close())
      app.get('/slow/:id', async () => { await sleep(300); return 'late' })
      answers.push(await app.inject('/slow/1'))
    }
    assert.equal(answers[0].statusCode, 503)
    assert.equal(answers[0].json().code, 'FST_ERR_HANDLER_TIMEOUT')
    assert.equal(answers[0].statusCode, answers[1].statusCode)
    assert.deepEqual(answers[0].json(), answers[1].json())
  })

  test('the route option wins over the server option; routes without it use the server\'s', async (t) => {
    const app = weft({ handlerTimeout: 2000 })
    t.after(() => app.close())
    app.get('/own', { handlerTimeout: 40 }, async (req) => { await sleep(300); return 'late' })
    app.get('/inherited', async (req) => req.routeOptions.handlerTimeout)
    const own = await app.inject('/own')
    assert.equal(own.statusCode, 503)
    assert.match(own.json().message, / 40 ms on route '\/own'/)
    assert.equal((await app.inject('/inherited')).json(), 2000)
  })

  test('the error goes through onError hooks and the route\'s error handler, with request.signal aborted by it', async (t) => {
    const app = weft()
    t.after(() => app.close())
    const seen = []
    app.addHook('onError', async (req, reply, err) => { seen.push(`onError ${err.code}`) })
    app.get('/', {
      handlerTimeout: 40,
      errorHandler: (err, req, reply) => {
        seen.push(`errorHandler ${err.code} ${err.statusCode} signal aborted by it: ${req.signal.reason === err}`)
        reply.code(504).send({ late: true })
      }
    }, async () => { await sleep(300); return 'late' })
    const res = await app.inject('/')
    assert.equal(res.statusCode, 504)
    assert.deepEqual(res.json(), { late: true })
    assert.deepEqual(seen, ['onError FST_ERR_HANDLER_TIMEOUT', 'errorHandler FST_ERR_HANDLER_TIMEOUT 503 signal aborted by it: true'])
  })

  test('a preHandler that never calls done no longer holds the connection', async (t) => {
    const app = weft({ handlerTimeout: 50 })
    app.get('/stuck', { preHandler: (req, reply, done) => {} }, async () => 'never')
    app.get('/', async () => 'ok')
    const port = await listenOn(t, app)
    const conn = await connect(port)
    t.after(() => conn.destroy())
    conn.write('GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(waitFor(() => conn.received.includes('}')), 'the 503 answer')
    assert.equal(parseResponse(conn.received).statusCode, 503)
    conn.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.match(await conn.closed(), /\r\n\r\nok$/, 'the same connection serves the next request')
  })

  test('the handler can stop its work through request.signal', async (t) => {
    const app = weft({ handlerTimeout: 40 })
    t.after(() => app.close())
    let stoppedWith = null
    app.get('/', (req, reply) => {
      req.signal.addEventListener('abort', () => { stoppedWith = req.signal.reason.code })
    })
    assert.equal((await app.inject('/')).statusCode, 503)
    assert.equal(stoppedWith, 'FST_ERR_HANDLER_TIMEOUT')
  })

  test('a response already being written is cut instead of answered twice', async (t) => {
    const app = weft({ handlerTimeout: 50 })
    app.get('/', async (req, reply) => {
      reply.raw.writeHead(200, { 'content-type': 'text/plain' })
      reply.raw.write('partial')
      await sleep(300)
      reply.raw.end()
      return reply
    })
    const port = await listenOn(t, app)
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.match(answer, /^HTTP\/1\.1 200 OK/)
    assert.doesNotMatch(answer, /503/)
  })

  test('a request answered in time is not touched by it', async (t) => {
    const app = weft({ handlerTimeout: 50 })
    t.after(() => app.close())
    let signal
    app.get('/', async (req) => { signal = req.signal; return 'fast' })
    assert.equal((await app.inject('/')).body, 'fast')
    await sleep(80)
    assert.equal(signal.aborted, false)
  })

  for (const bad of [0, -1, 1.5, '100']) {
    test(`a route option of ${JSON.stringify(bad)} is rejected with FST_ERR_ROUTE_HANDLER_TIMEOUT_OPTION_NOT_INT`, () => {
      const app = weft()
      assert.throws(() => app.get('/', { handlerTimeout: bad }, async () => 'x'), { code: 'FST_ERR_ROUTE_HANDLER_TIMEOUT_OPTION_NOT_INT', message: `'handlerTimeout' option must be an integer > 0. Got '${bad}'` })
    })
  }
})

describe('request.signal', () => {
  test('aborts when the client goes away before the answer', async (t) => {
    const app = weft()
    let aborted
    const abortSeen = new Promise((resolve) => { aborted = resolve })
    let entered
    const handlerStarted = new Promise((resolve) => { entered = resolve })
    app.get('/', (req) => {
      req.signal.addEventListener('abort', () => aborted(req.signal.reason.name))
      entered()
    })
    const port = await listenOn(t, app)
    const conn = await connect(port)
    conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await within(handlerStarted, 'the handler starting')
    conn.destroy()
    assert.equal(await within(abortSeen, 'the signal aborting'), 'AbortError')
  })

  test('also after the body was read: a client leaving during a POST handler aborts it', async (t) => {
    const app = weft()
    let aborted
    const abortSeen = new Promise((resolve) => { aborted = resolve })
    let entered
    const handlerStarted = new Promise((resolve) => { entered = resolve })
    app.post('/', (req) => {
      req.signal.addEventListener('abort', () => aborted(true))
      entered()
    })
    const port = await listenOn(t, app)
    const conn = await connect(port)
    conn.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nab')
    await within(handlerStarted, 'the handler starting')
    await sleep(20)
    conn.destroy()
    assert.equal(await within(abortSeen, 'the signal aborting'), true)
  })

  test('does not abort when the request is answered, with or without a body', async (t) => {
    const app = weft()
    const signals = []
    app.get('/', async (req) => { signals.push(req.signal); return 'ok' })
    app.post('/', async (req) => { signals.push(req.signal); await sleep(20); return req.body })
    const port = await listenOn(t, app)
    await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab')
    await sleep(20)
    assert.equal(signals.length, 2)
    assert.deepEqual(signals.map((s) => s.aborted), [false, false])
  })

  test('is one signal per request, the same on every read', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.get('/', async (req) => req.signal === req.signal && req.signal instanceof AbortSignal)
    assert.equal((await app.inject('/')).json(), true)
  })
})

async function waitFor (condition) {
  while (!condition()) await sleep(5)
}
