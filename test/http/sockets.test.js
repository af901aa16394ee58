// What only a real socket shows: onTimeout and onRequestAbort, onResponse after a real response,
// the shutdown sequence (in-flight requests finish, new ones get 503, keep-alive and
// forceCloseConnections, inject() once closing), and a server that keeps answering after bad requests.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import v8 from 'node:v8'
import vm from 'node:vm'
import { once } from 'node:events'
import Fastify from 'fastify'
import weft from 'weft'

const styles = ['callback', 'async']

function deferred () {
  let resolve
  const promise = new Promise((r) => { resolve = r })
  return { promise, resolve }
}

/** Fails instead of hanging when something the test waits for never happens. */
function within (promise, what, ms = 3000) {
  let timer
  const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A listening app on a random port, closed when the test ends. Returns { app, port }. */
async function listening (t, app) {
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: app.server.address().port }
}

/** One HTTP request on its own connection (unless an agent is given); resolves with status, headers and body. */
function request (port, path, { method = 'GET', headers = {}, body, agent = false, onRequest } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    onRequest?.(req)
    req.end(body)
  })
}

/** Sends raw bytes on a new connection and resolves with everything the server wrote before closing. */
async function rawExchange (port, bytes) {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const chunks = []
  socket.on('data', (c) => chunks.push(c))
  const closed = new Promise((resolve) => { socket.on('close', resolve); socket.on('error', resolve) })
  socket.write(bytes)
  await within(closed, 'the server closing the connection')
  return Buffer.concat(chunks).toString()
}

describe('onTimeout', () => {
  for (const style of styles) {
    test(`runs when the socket times out (connectionTimeout) on a request that never answers (${style})`, async (t) => {
      const app = weft({ connectionTimeout: 100 })
      const timedOut = deferred()
      app.addHook('onTimeout', style === 'callback'
        ? function (req, reply, done) { timedOut.resolve({ url: req.url, sent: reply.sent }); done() }
        : async function (req, reply) { timedOut.resolve({ url: req.url, sent: reply.sent }) })
      app.get('/never', () => {}) // never answers
      app.get('/fast', async () => 'fast')
      const { port } = await listening(t, app)

      const client = request(port, '/never')
      assert.deepEqual(await within(timedOut.promise, 'onTimeout'), { url: '/never', sent: false })
      await assert.rejects(client, /socket hang up|ECONNRESET/)
      assert.equal((await request(port, '/fast')).body, 'fast', 'the server keeps answering')
    })
  }

  test('does not run for requests answered in time', async (t) => {
    const app = weft({ connectionTimeout: 100 })
    let calls = 0
    app.addHook('onTimeout', async () => { calls++ })
    app.get('/', async () => 'ok')
    const { port } = await listening(t, app)

    const agent = new http.Agent({ keepAlive: true })
    t.after(() => agent.destroy())
    assert.equal((await request(port, '/', { agent })).body, 'ok')
    await sleep(200) // the idle keep-alive socket times out: no request is in flight
    assert.equal(calls, 0)
  })
  for (const how of ['answered', 'hijacked']) {
    test(`the keep-alive socket lets go of a request once it was ${how} (its reply can be collected)`, async (t) => {
      v8.setFlagsFromString('--expose-gc')
      const gc = vm.runInNewContext('gc')
      const app = weft({ connectionTimeout: 5000 })
      app.addHook('onTimeout', (req, reply, done) => { done() })
      let ref
      app.get('/', (req, reply) => {
        ref = new WeakRef(reply)
        if (how === 'hijacked') {
          reply.hijack()
          reply.raw.end('ok')
        } else {
          reply.send('ok')
        }
      })
      const { port } = await listening(t, app)
      const agent = new http.Agent({ keepAlive: true })
      t.after(() => agent.destroy())
      assert.equal((await request(port, '/', { agent })).body, 'ok')
      for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
        await new Promise((resolve) => setImmediate(resolve))
        gc()
      }
      assert.equal(ref.deref(), undefined, 'the reply is still held')
    })
  }
})

describe('onRequestAbort', () => {
  for (const style of styles) {
    test(`runs when the client goes away before the response (${style})`, async (t) => {
      const app = weft()
      const entered = deferred()
      const release = deferred()
      const aborted = deferred()
      app.addHook('onRequestAbort', style === 'callback'
        ? function (req, done) { aborted.resolve(req.url); done() }
        : async function (req) { aborted.resolve(req.url) })
      app.get('/wait', async () => { entered.resolve(); await release.promise; return 'too late' })
      app.get('/fast', async () => 'fast')
      const { port } = await listening(t, app)

      let clientRequest
      const client = request(port, '/wait', { onRequest: (req) => { clientRequest = req } })
      client.catch(() => {})
      await within(entered.promise, 'the handler starting')
      clientRequest.destroy()

      assert.equal(await within(aborted.promise, 'onRequestAbort'), '/wait')
      release.resolve() // the handler answers after the client left: nothing breaks
      await sleep(10)
      assert.equal((await request(port, '/fast')).body, 'fast')
    })
  }

  for (const style of styles) {
    test(`its errors are logged and the server keeps answering (${style})`, async (t) => {
      const lines = []
      const app = weft({ logger: { stream: { write: (l) => { lines.push(JSON.parse(l)) } } } })
      const entered = deferred()
      const release = deferred()
      const ran = deferred()
      app.addHook('onRequestAbort', style === 'callback'
        ? function (req, done) { setImmediate(ran.resolve); done(new Error('abort hook failed')) }
        : async function (req) { setImmediate(ran.resolve); throw new Error('abort hook failed') })
      app.get('/wait', async () => { entered.resolve(); await release.promise; return 'late' })
      app.get('/fast', async () => 'fast')
      const { port } = await listening(t, app)

      let clientRequest
      request(port, '/wait', { onRequest: (req) => { clientRequest = req } }).catch(() => {})
      await within(entered.promise, 'the handler starting')
      clientRequest.destroy()
      await within(ran.promise, 'onRequestAbort')
      release.resolve()

      assert.ok(lines.some((l) => l.level >= 50 && l.err?.message === 'abort hook failed'), 'the error is logged')
      assert.equal((await request(port, '/fast')).body, 'fast')
    })
  }

  for (const style of styles) {
    test(`does not run for a request answered through inject() (${style})`, async (t) => {
      const app = weft()
      t.after(() => app.close())
      const calls = []
      app.addHook('onRequestAbort', style === 'callback'
        ? function (req, done) { calls.push(req.url); done() }
        : async function (req) { calls.push(req.url) })
      app.get('/', async () => 'ok')

      assert.equal((await app.inject('/')).body, 'ok')
      await sleep(20)
      assert.deepEqual(calls, [])
    })
  }

  test('does not run for a request that was answered', async (t) => {
    const app = weft()
    let calls = 0
    app.addHook('onRequestAbort', async (req) => { calls++ })
    app.get('/', async () => 'ok')
    const { port } = await listening(t, app)

    assert.equal((await request(port, '/')).body, 'ok')
    await sleep(20)
    assert.equal(calls, 0)
  })
})

describe('onResponse over a real socket', () => {
  const hookNames = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend']
  const withValue = new Set(['preParsing', 'preSerialization', 'onSend'])

  function recorder (name, style, order) {
    if (style === 'async') return withValue.has(name) ? async (a, b, c) => { order.push(name) } : async (a, b) => { order.push(name) }
    return withValue.has(name)
      ? function (a, b, c, done) { order.push(name); done() }
      : function (a, b, done) { order.push(name); done() }
  }

  for (const style of styles) {
    test(`the full order ends with onResponse after the response is written (${style})`, async (t) => {
      const app = weft()
      const order = []
      const responded = deferred()
      for (const name of hookNames) app.addHook(name, recorder(name, style, order))
      app.addHook('onResponse', style === 'callback'
        ? function (req, reply, done) { order.push('onResponse'); responded.resolve(reply.raw.writableFinished); done() }
        : async function (req, reply) { order.push('onResponse'); responded.resolve(reply.raw.writableFinished) })
      app.post('/', async (req) => { order.push('handler'); return { got: req.body } })
      const { port } = await listening(t, app)

      const res = await request(port, '/', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(JSON.parse(res.body), { got: { a: 1 } })
      assert.equal(await within(responded.promise, 'onResponse'), true, 'the response had finished')
      assert.deepEqual(order, [...hookNames.slice(0, 4), 'handler', ...hookNames.slice(4), 'onResponse'])
    })
  }

  for (const style of styles) {
    test(`onResponse runs after an early reply and after an error (${style})`, async (t) => {
      const app = weft()
      const seen = []
      let next = deferred()
      app.addHook('onResponse', style === 'callback'
        ? function (req, reply, done) { seen.push(`${req.url} ${reply.statusCode}`); next.resolve(); done() }
        : async function (req, reply) { seen.push(`${req.url} ${reply.statusCode}`); next.resolve() })
      app.get('/early', { onRequest: async (req, reply) => { reply.code(202).send('early'); return reply } }, async () => 'handler')
      app.get('/error', async () => { throw new Error('boom') })
      const { port } = await listening(t, app)

      assert.equal((await request(port, '/early')).body, 'early')
      await within(next.promise, 'onResponse')
      next = deferred()
      assert.equal((await request(port, '/error')).statusCode, 500)
      await within(next.promise, 'onResponse')
      assert.deepEqual(seen, ['/early 202', '/error 500'])
    })
  }

  for (const style of styles) {
    test(`onResponse errors are logged, not sent, and the server keeps answering (${style})`, async (t) => {
      const lines = []
      const app = weft({ logger: { stream: { write: (l) => { lines.push(JSON.parse(l)) } } } })
      const ran = deferred()
      app.addHook('onResponse', style === 'callback'
        ? function (req, reply, done) { setImmediate(ran.resolve); done(new Error('onResponse failed')) }
        : async function (req, reply) { setImmediate(ran.resolve); throw new Error('onResponse failed') })
      app.get('/', async () => 'fine')
      const { port } = await listening(t, app)

      const res = await request(port, '/')
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, 'fine')
      await within(ran.promise, 'onResponse')
      assert.ok(lines.some((l) => l.level >= 50 && l.err?.message === 'onResponse failed'), 'the error is logged')
      assert.equal((await request(port, '/')).body, 'fine')
    })
  }

  test('request.raw is the node:http IncomingMessage and request.ip the client address', async (t) => {
    const app = weft()
    app.get('/', async (req) => ({ incoming: req.raw instanceof http.IncomingMessage, ip: req.ip }))
    const { port } = await listening(t, app)

    assert.deepEqual(JSON.parse((await request(port, '/')).body), { incoming: true, ip: '127.0.0.1' })
  })
})

describe('the shutdown sequence', () => {
  test('close() lets an in-flight request finish; a new request gets 503 with connection: close and runs no hooks', async (t) => {
    const app = weft()
    const entered = deferred()
    const release = deferred()
    const hooks = []
    app.addHook('onRequest', async (req) => { hooks.push(req.url) })
    app.get('/slow', async () => { entered.resolve(); await release.promise; return { slow: 'done' } })
    app.get('/new', async () => 'should not run')
    const { port } = await listening(t, app)

    const inFlight = request(port, '/slow')
    await within(entered.promise, 'the slow handler starting')

    // a second client has started sending its request when close() begins, and finishes it after
    const late = net.connect(port, '127.0.0.1')
    await once(late, 'connect')
    late.write('GET /new HTTP/1.1\r\nHost: localhost\r\n')
    await sleep(30)
    const closing = app.close()
    const lateChunks = []
    late.on('data', (c) => lateChunks.push(c))
    const lateClosed = new Promise((resolve) => { late.on('close', resolve); late.on('error', resolve) })
    late.write('\r\n')

    await within(lateClosed, 'the 503 answer')
    const answer = Buffer.concat(lateChunks).toString()
    assert.match(answer, /^HTTP\/1\.1 503 /)
    assert.match(answer, /\r\nconnection: close\r\n/i)

    release.resolve()
    const res = await within(inFlight, 'the in-flight response')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(JSON.parse(res.body), { slow: 'done' })
    await within(closing, 'close()')
    assert.deepEqual(hooks, ['/slow'], 'the 503 request ran no hooks')
  })

  test('close() does not wait for idle keep-alive connections', async (t) => {
    const app = weft()
    app.get('/', async () => 'ok')
    const { port } = await listening(t, app)
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60000 })
    t.after(() => agent.destroy())

    for (let i = 0; i < 3; i++) assert.equal((await request(port, '/', { agent })).body, 'ok')
    assert.ok(Object.values(agent.freeSockets).flat().length > 0, 'the agent keeps an idle socket open')
    await within(app.close(), 'close() with an idle keep-alive connection')
  })

  test('with keep-alive, the in-flight response is still delivered', async (t) => {
    const app = weft()
    const entered = deferred()
    const release = deferred()
    app.get('/slow', async () => { entered.resolve(); await release.promise; return 'done' })
    const { port } = await listening(t, app)
    const agent = new http.Agent({ keepAlive: true })
    t.after(() => agent.destroy())

    const inFlight = request(port, '/slow', { agent })
    await within(entered.promise, 'the slow handler starting')
    const closing = app.close()
    release.resolve()
    const res = await within(inFlight, 'the in-flight response')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'done')
    await within(closing, 'close()')
  })

  test('forceCloseConnections: true closes in-flight connections', async (t) => {
    const app = weft({ forceCloseConnections: true })
    const entered = deferred()
    app.get('/never', () => { entered.resolve() }) // never answers
    const { port } = await listening(t, app)

    const client = request(port, '/never')
    client.catch(() => {})
    await within(entered.promise, 'the handler starting')
    await within(app.close(), 'close() with a request that never answers')
    await assert.rejects(within(client, 'the client noticing'), /socket hang up|ECONNRESET/)
  })

  test('after close() the server accepts no connections', async (t) => {
    const app = weft()
    app.get('/', async () => 'ok')
    const { port } = await listening(t, app)

    await app.close()
    await assert.rejects(request(port, '/'), { code: 'ECONNREFUSED' })
  })
})

describe('the server keeps answering after bad requests', () => {
  const bad = {
    'malformed JSON': (port) => request(port, '/echo', { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json' } })
      .then((r) => assert.equal(r.statusCode, 400)),
    'an empty JSON body': (port) => request(port, '/echo', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } })
      .then((r) => assert.equal(r.statusCode, 400)),
    'an unsupported content type': (port) => request(port, '/echo', { method: 'POST', body: 'x', headers: { 'content-type': 'application/x-unknown' } })
      .then((r) => assert.equal(r.statusCode, 415)),
    'a body over the limit': (port) => request(port, '/echo', { method: 'POST', body: JSON.stringify({ big: 'x'.repeat(2000) }), headers: { 'content-type': 'application/json' } })
      .then((r) => assert.equal(r.statusCode, 413)),
    'a malformed URL': (port) => request(port, '/echo/%zz').then((r) => assert.equal(r.statusCode, 400)),
    'a handler that throws': (port) => request(port, '/throw').then((r) => assert.equal(r.statusCode, 500)),
    'bytes that are not HTTP': (port) => rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n').then((answer) => assert.match(answer, /^HTTP\/1\.1 400 |^$/)),
    'a client leaving in the middle of its body': async (port) => {
      const socket = net.connect(port, '127.0.0.1')
      await once(socket, 'connect')
      socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":')
      await sleep(20)
      socket.destroy()
    }
  }

  for (const [name, send] of Object.entries(bad)) {
    test(`after ${name}`, async (t) => {
      const app = weft({ bodyLimit: 1000 })
      app.post('/echo', async (req) => req.body)
      app.get('/echo/:x', async (req) => req.params)
      app.get('/throw', async () => { throw new Error('boom') })
      app.get('/', async () => 'good')
      const { port } = await listening(t, app)

      await within(send(port), name)
      const res = await within(request(port, '/'), 'the good request')
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, 'good')
      const echo = await request(port, '/echo', { method: 'POST', body: '{"ok":true}', headers: { 'content-type': 'application/json' } })
      assert.deepEqual(JSON.parse(echo.body), { ok: true })
    })
  }
})

describe('inject() and close()', () => {
  test('once close() has begun, inject() rejects with FST_ERR_REOPENED_CLOSE_SERVER', async () => {
    const app = weft()
    app.get('/', async () => 'ok')
    await app.ready()
    const closing = app.close()
    await assert.rejects(app.inject('/'), { code: 'FST_ERR_REOPENED_CLOSE_SERVER', message: 'Fastify has already been closed and cannot be reopened' })
    await closing
    await assert.rejects(app.inject('/'), { code: 'FST_ERR_REOPENED_CLOSE_SERVER' })
  })

  test('the callback form gets the error and no response', async () => {
    const app = weft()
    app.get('/', async () => 'ok')
    await app.ready()
    await app.close()
    const args = await new Promise((resolve) => app.inject('/', (...a) => resolve(a)))
    assert.equal(args.length, 1)
    assert.equal(args[0].code, 'FST_ERR_REOPENED_CLOSE_SERVER')
  })

  test('before boot, inject() still boots the app and answers', async (t) => {
    const app = weft()
    t.after(() => app.close())
    let readyRan = 0
    app.addHook('onReady', async () => { readyRan++ })
    app.get('/', async () => 'ok')
    assert.equal((await app.inject('/')).body, 'ok')
    assert.equal(readyRan, 1)
  })
})

describe('requests that arrive while the app closes', () => {
  /** A listening app whose preClose hook waits until `release()`: close() has begun, the server still accepts. */
  async function closingApp (t, make, options) {
    const lines = []
    const app = make({ ...options, logger: { level: 'info', stream: { write: (l) => { lines.push(JSON.parse(l)) } } } })
    const preCloseEntered = deferred()
    const preCloseRelease = deferred()
    app.addHook('preClose', async () => { preCloseEntered.resolve(); await preCloseRelease.promise })
    app.get('/', async () => 'ok')
    const { port } = await listening(t, app)
    const conn = net.connect(port, '127.0.0.1')
    await once(conn, 'connect')
    t.after(() => conn.destroy())
    let received = ''
    conn.on('data', (c) => { received += c })
    const connClosed = new Promise((resolve) => conn.once('close', resolve))
    conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n') // a keep-alive connection, used before close()
    while (!received.endsWith('ok')) await sleep(5)
    const firstAnswer = received
    received = ''
    const closing = app.close()
    await within(preCloseEntered.promise, 'preClose')
    conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n') // the same connection, while closing
    await within(connClosed, 'the connection closing')
    preCloseRelease.resolve()
    await within(closing, 'close()')
    return { firstAnswer, lateAnswer: received, lines }
  }

  const statusOf = (text) => Number(text.split(' ')[1])
  const headerOf = (text, name) => new RegExp(`\r\n${name}: ([^\r]*)\r\n`, 'i').exec(text)?.[1]
  const bodyOf = (text) => text.slice(text.indexOf('\r\n\r\n') + 4)

  test('on an existing keep-alive connection: 503 with Connection: close and Fastify\'s body', async (t) => {
    const ours = await closingApp(t, weft)
    const fastify = await closingApp(t, Fastify)
    assert.match(ours.firstAnswer, /\r\nConnection: keep-alive\r\n/i, 'the answer before close() kept the connection')
    assert.equal(statusOf(ours.lateAnswer), 503)
    assert.equal(headerOf(ours.lateAnswer, 'connection'), 'close')
    assert.equal(statusOf(ours.lateAnswer), statusOf(fastify.lateAnswer))
    assert.deepEqual(JSON.parse(bodyOf(ours.lateAnswer)), JSON.parse(bodyOf(fastify.lateAnswer)))
  })

  test('each is logged at info level, as Fastify logs it', async (t) => {
    const pick = ({ level, msg, res }) => ({ level, msg, res })
    const ours = (await closingApp(t, weft)).lines.filter((l) => l.res?.statusCode === 503).map(pick)
    const fastify = (await closingApp(t, Fastify)).lines.filter((l) => l.res?.statusCode === 503).map(pick)
    assert.equal(ours.length, 1)
    assert.equal(ours[0].level, 30)
    assert.deepEqual(ours, fastify)
  })

  test('with return503OnClosing: false they are served, with Connection: close', async (t) => {
    const { lateAnswer } = await closingApp(t, weft, { return503OnClosing: false })
    assert.equal(statusOf(lateAnswer), 200)
    assert.equal(bodyOf(lateAnswer), 'ok')
    assert.equal(headerOf(lateAnswer, 'connection'), 'close')
  })
})

describe('forceCloseConnections on a serverFactory server', () => {
  /** A node:http server as old ones were: without closeAllConnections / closeIdleConnections. */
  const serverWithout = (...methods) => (handler) => {
    const server = http.createServer(handler)
    for (const m of methods) server[m] = undefined
    return server
  }

  test('true: Weft closes the connections itself when the server cannot', async (t) => {
    const app = weft({ forceCloseConnections: true, serverFactory: serverWithout('closeAllConnections') })
    const entered = deferred()
    app.get('/never', () => { entered.resolve() }) // never answers
    const { port } = await listening(t, app)

    const client = request(port, '/never')
    client.catch(() => {})
    await within(entered.promise, 'the handler starting')
    await within(app.close(), 'close() with a request that never answers')
    await assert.rejects(within(client, 'the client noticing'), /socket hang up|ECONNRESET/)
  })

  test('\'idle\' on a server without closeIdleConnections fails with FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE', () => {
    assert.throws(() => weft({ forceCloseConnections: 'idle', serverFactory: serverWithout('closeIdleConnections') }), { code: 'FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE' })
  })
})
