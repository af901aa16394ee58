// Shutdown on a real server (LIFECYCLE.md, "Shutdown sequence"): mark closing (new requests get
// 503 with Connection: close) → preClose → stop accepting, let in-flight requests finish, drop
// idle keep-alive connections → onClose → close() resolves. Closing twice, reopening.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import weft from 'weft'
import { deferred, listenOn, request, tick, keepProcessBusy } from './helpers.js'

/** An app with GET /slow that waits for `release`, reporting `started` once the handler runs. */
function slowApp () {
  const app = weft()
  const started = deferred()
  const release = deferred()
  app.get('/slow', async () => {
    started.resolve()
    await release.promise
    return { slow: 'done' }
  })
  app.get('/fast', async () => ({ fast: true }))
  return { app, started, release }
}

describe('shutdown sequence', () => {
  test('close() runs preClose, lets the in-flight request finish, stops the server, then runs onClose', async (t) => {
    const { app, started, release } = slowApp()
    const order = []
    app.addHook('onResponse', async (req, reply) => { order.push(`response ${reply.statusCode} sent`) })
    app.addHook('preClose', async () => { order.push('preClose'); setTimeout(() => release.resolve(), 20) })
    app.addHook('onClose', async (instance) => { order.push(`onClose (server listening: ${instance.server.listening})`) })
    const port = await listenOn(t, app)
    const slow = request(port, '/slow')
    await started.promise
    await app.close()
    order.push('close resolved')
    const res = await slow
    assert.equal(res.statusCode, 200)
    assert.deepEqual(JSON.parse(res.body), { slow: 'done' })
    assert.deepEqual(order, ['preClose', 'response 200 sent', 'onClose (server listening: false)', 'close resolved'])
  })

  test('once onClose runs, the server no longer accepts connections', async (t) => {
    const app = weft()
    let refused
    app.addHook('onClose', async () => {
      refused = await request(port, '/').then(() => null, (err) => err.code)
    })
    const port = await listenOn(t, app)
    await app.close()
    assert.equal(refused, 'ECONNREFUSED')
  })

  test('close() on an app that never listened still runs preClose and onClose', async () => {
    const app = weft()
    const order = []
    app.addHook('preClose', async () => { order.push('preClose') })
    app.addHook('onClose', async () => { order.push('onClose') })
    await app.ready()
    await app.close()
    assert.deepEqual(order, ['preClose', 'onClose'])
  })
})

describe('requests during shutdown', () => {
  test('a new request after close() started gets 503 with Connection: close and runs no hooks', async (t) => {
    const app = weft()
    const hooksRan = []
    const inPreClose = deferred()
    const finishPreClose = deferred()
    app.addHook('onRequest', async (req) => { hooksRan.push(`onRequest ${req.url}`) })
    app.addHook('onResponse', async (req) => { hooksRan.push(`onResponse ${req.url}`) })
    app.get('/', async () => 'served')
    app.addHook('preClose', async () => {
      inPreClose.resolve()
      await finishPreClose.promise
    })
    const port = await listenOn(t, app)
    const closing = app.close()
    await inPreClose.promise
    const res = await request(port, '/')
    finishPreClose.resolve()
    await closing
    assert.equal(res.statusCode, 503)
    assert.equal(res.headers.connection, 'close')
    assert.deepEqual(hooksRan, [])
  })

  test('an in-flight request is served to the end with 200', async (t) => {
    const { app, started, release } = slowApp()
    const port = await listenOn(t, app)
    const slow = request(port, '/slow')
    await started.promise
    const closing = app.close()
    setTimeout(() => release.resolve(), 20)
    const res = await slow
    await closing
    assert.equal(res.statusCode, 200)
    assert.deepEqual(JSON.parse(res.body), { slow: 'done' })
  })
})

describe('keep-alive connections', () => {
  test('an idle keep-alive connection does not hold close() open', { timeout: 10000 }, async (t) => {
    const app = weft()
    app.get('/', async () => ({ hello: 'world' }))
    const port = await listenOn(t, app)
    const agent = new http.Agent({ keepAlive: true })
    t.after(() => agent.destroy())
    const res = await request(port, '/', { agent })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.connection, 'keep-alive')
    await tick()
    // the agent's idle sockets are unref()ed: keep the process up to see this one close
    keepProcessBusy(t)
    const [socket] = Object.values(agent.freeSockets).flat()
    assert.ok(socket, 'the agent keeps the connection open')
    const socketClosed = new Promise((resolve) => socket.once('close', resolve))
    await app.close()
    await socketClosed
    assert.equal(app.server.listening, false)
  })

  test('a keep-alive connection with an in-flight request keeps its header and is closed once the response is sent', { timeout: 10000 }, async (t) => {
    const { app, started, release } = slowApp()
    const port = await listenOn(t, app)
    const agent = new http.Agent({ keepAlive: true })
    t.after(() => agent.destroy())
    const slow = request(port, '/slow', { agent })
    await started.promise
    const closing = app.close()
    setTimeout(() => release.resolve(), 20)
    const res = await slow
    await closing
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.connection, 'keep-alive', 'an in-flight response keeps its normal Connection header')
  })
})

describe('close()', () => {
  test('close() twice is safe: the same outcome, and the hooks run once', async (t) => {
    const app = weft()
    const runs = { preClose: 0, onClose: 0 }
    app.addHook('preClose', async () => { runs.preClose++ })
    app.addHook('onClose', async () => { runs.onClose++ })
    await listenOn(t, app)
    const first = app.close()
    const second = app.close()
    await Promise.all([first, second])
    await app.close()
    assert.deepEqual(runs, { preClose: 1, onClose: 1 })
    assert.equal(app.server.listening, false)
  })

  test('close() twice after a failing onClose hook rejects both times with the same error, running the hook once', async () => {
    const app = weft()
    let runs = 0
    const failure = new Error('flush failed')
    app.addHook('onClose', async () => { runs++; throw failure })
    await app.ready()
    await assert.rejects(app.close(), (err) => err === failure)
    await assert.rejects(app.close(), (err) => err === failure)
    assert.equal(runs, 1)
  })

  test('listen() after close() fails with FST_ERR_REOPENED_CLOSE_SERVER', async (t) => {
    const app = weft()
    await listenOn(t, app)
    await app.close()
    await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), { code: 'FST_ERR_REOPENED_CLOSE_SERVER' })
    assert.equal(app.server.listening, false)
  })

  test('listen() while close() is running fails with FST_ERR_REOPENED_CLOSE_SERVER', async () => {
    const app = weft()
    const closing = app.close()
    await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), { code: 'FST_ERR_REOPENED_CLOSE_SERVER' })
    await closing
    assert.equal(app.server.listening, false)
  })
})
