// Requests Node rejects before routing, and paths the router rejects: each gets a JSON answer
// (Fastify's status and body, checked against Fastify itself where Fastify answers in JSON).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { STATUS_CODES } from 'node:http'
import Fastify from 'fastify'
import weft from 'weft'
import { connect, exchange, listenOn, parseResponse, within } from './raw-http.js'

const clientErrorBody = (statusCode, message) => ({ error: STATUS_CODES[statusCode], message, statusCode })

/** The same raw bytes sent to a Weft app and a Fastify app with the same routes. */
async function bothAnswer (t, bytes, options = {}) {
  const answers = []
  for (const make of [weft, Fastify]) {
    const app = make(options)
    app.get('/', async () => 'ok')
    app.get('/users/:id', async (req) => req.params)
    const port = await listenOn(t, app)
    answers.push(parseResponse(await exchange(port, bytes)))
  }
  return { weft: answers[0], fastify: answers[1] }
}

describe('malformed requests Node rejects get Fastify\'s JSON error answer', () => {
  const cases = {
    'a control character in a header value': 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n',
    'a space in a header name': 'GET / HTTP/1.1\r\nHost: x\r\nX Bad: ab\r\n\r\n',
    'bytes that are not HTTP': 'NOT HTTP AT ALL\r\n\r\n',
    'a Content-Length that is not a number': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'headers over the size limit': 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20000) + '\r\n\r\n'
  }
  for (const [name, bytes] of Object.entries(cases)) {
    test(`${name}: same status and body as Fastify, JSON, connection closed`, async (t) => {
      const answers = await bothAnswer(t, bytes)
      assert.ok(answers.fastify.statusCode >= 400, 'Fastify rejects it too')
      assert.equal(answers.weft.statusCode, answers.fastify.statusCode)
      assert.deepEqual(JSON.parse(answers.weft.body), JSON.parse(answers.fastify.body))
      assert.match(answers.weft.headers['content-type'], /^application\/json/)
    })
  }

  test('each one is logged at trace level as a client error', async (t) => {
    const lines = []
    const app = weft({ logger: { level: 'trace', stream: { write: (l) => { lines.push(JSON.parse(l)) } } } })
    const port = await listenOn(t, app)
    await exchange(port, 'NOT HTTP AT ALL\r\n\r\n')
    const line = lines.find((l) => l.msg === 'client error')
    assert.ok(line, 'a "client error" line')
    assert.equal(line.level, 10)
    assert.equal(line.err.code, 'HPE_INVALID_METHOD')
  })

  test('the clientErrorHandler option replaces the answer; `this` is the app', async (t) => {
    const app = weft({
      clientErrorHandler (err, socket) {
        seen.push({ code: err.code, self: this === app })
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 6\r\nConnection: close\r\n\r\ncustom')
      }
    })
    const seen = []
    const port = await listenOn(t, app)
    const answer = parseResponse(await exchange(port, 'NOT HTTP AT ALL\r\n\r\n'))
    assert.equal(answer.body, 'custom')
    assert.deepEqual(seen, [{ code: 'HPE_INVALID_METHOD', self: true }])
  })
})

describe('an HTTP/1.1 request without a Host header', () => {
  test('gets a JSON 400 (Node alone would answer with an empty body) and runs no route', async (t) => {
    const app = weft()
    let routed = 0
    app.addHook('onRequest', async () => { routed++ })
    app.get('/', async () => 'ok')
    const port = await listenOn(t, app)
    const answer = parseResponse(await exchange(port, 'GET / HTTP/1.1\r\n\r\n'))
    assert.equal(answer.statusCode, 400)
    assert.match(answer.headers['content-type'], /^application\/json/)
    assert.deepEqual(JSON.parse(answer.body), clientErrorBody(400, 'Client Error'))
    assert.equal(routed, 0)
  })

  test('an HTTP/1.0 request may leave Host out and is served', async (t) => {
    const app = weft()
    app.get('/', async () => 'ok')
    const port = await listenOn(t, app)
    const answer = parseResponse(await exchange(port, 'GET / HTTP/1.0\r\n\r\n'))
    assert.equal(answer.statusCode, 200)
    assert.equal(answer.body, 'ok')
  })

  test('with http: { requireHostHeader: false } the user accepts it and it is served', async (t) => {
    const app = weft({ http: { requireHostHeader: false } })
    app.get('/', async (req) => ({ host: req.headers.host ?? null }))
    const port = await listenOn(t, app)
    const answer = parseResponse(await exchange(port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'))
    assert.equal(answer.statusCode, 200)
    assert.deepEqual(JSON.parse(answer.body), { host: null })
  })
})

describe('an Expect header other than 100-continue', () => {
  test('gets a JSON 417 and the connection stays usable', async (t) => {
    const app = weft()
    app.get('/', async () => 'ok')
    const port = await listenOn(t, app)
    const conn = await connect(port)
    t.after(() => conn.destroy())
    conn.write('GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n')
    await within(waitFor(() => conn.received.includes('}')), 'the 417 answer')
    const answer = parseResponse(conn.received)
    assert.equal(answer.statusCode, 417)
    assert.deepEqual(JSON.parse(answer.body), clientErrorBody(417, 'Expectation Failed'))
    conn.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    const rest = await conn.closed()
    assert.match(rest, /\r\n\r\nok$/)
  })

  test('without Host it gets the JSON 400 of a Host-less request (Node checks Host first), and the connection closes', async (t) => {
    const app = weft()
    let handled = 0
    app.get('/', async () => { handled++; return 'ok' })
    const port = await listenOn(t, app)
    const answer = parseResponse(await exchange(port, 'GET / HTTP/1.1\r\nExpect: something-else\r\n\r\n'))
    assert.equal(answer.statusCode, 400)
    assert.deepEqual(JSON.parse(answer.body), clientErrorBody(400, 'Client Error'))
    assert.equal(handled, 0)
  })

  test('a checkExpectation listener of the user\'s own answers it, Host or not', async (t) => {
    const app = weft()
    app.get('/', async () => 'ok')
    app.server.on('checkExpectation', (req, res) => { res.writeHead(412, { 'content-length': 4 }); res.end('mine') })
    const port = await listenOn(t, app)
    for (const host of ['Host: x\r\n', '']) {
      const answer = parseResponse(await exchange(port, `GET / HTTP/1.1\r\n${host}Expect: something-else\r\nConnection: close\r\n\r\n`))
      assert.equal(answer.statusCode, 412, JSON.stringify(host))
      assert.equal(answer.body, 'mine')
    }
  })

  test('Expect: 100-continue still gets 100 Continue, then the answer', async (t) => {
    const app = weft()
    app.post('/', async (req) => req.body)
    const port = await listenOn(t, app)
    const answer = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab')
    assert.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
    assert.match(answer, /\r\n\r\nab$/)
  })
})

describe('a path parameter longer than maxParamLength', () => {
  test('answers 414 FST_ERR_MAX_PARAM_LENGTH with Fastify\'s status, code and message', async (t) => {
    const bytes = `GET /users/${'a'.repeat(101)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`
    const answers = await bothAnswer(t, bytes)
    const ours = JSON.parse(answers.weft.body)
    const theirs = JSON.parse(answers.fastify.body)
    assert.equal(answers.weft.statusCode, 414)
    assert.equal(answers.weft.statusCode, answers.fastify.statusCode)
    assert.equal(ours.code, 'FST_ERR_MAX_PARAM_LENGTH')
    assert.equal(ours.code, theirs.code)
    assert.equal(ours.message, theirs.message)
    assert.equal(ours.statusCode, 414)
  })

  test('the limit is the maxParamLength option: at the limit the route answers', async (t) => {
    const app = weft({ maxParamLength: 10 })
    app.get('/users/:id', async (req) => req.params)
    const atLimit = 'a'.repeat(10)
    assert.deepEqual((await app.inject(`/users/${atLimit}`)).json(), { id: atLimit })
    const over = await app.inject(`/users/${atLimit}b`)
    assert.equal(over.statusCode, 414)
    assert.equal(over.json().code, 'FST_ERR_MAX_PARAM_LENGTH')
  })
})

async function waitFor (condition) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}
