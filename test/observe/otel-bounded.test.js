// Tracing while the receiver is away: what waits for export is bounded (maxQueueSize), spans beyond
// it and spans of failed or unanswered exports are dropped and counted in app.observe.droppedSpans.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import weft from 'weft'
import { observe } from 'weft/observe'

/** A port nothing listens on: bound once, then closed. */
async function closedPort () {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A receiver that takes the connection and the request, and never answers. */
async function silentReceiver (t) {
  const requests = []
  const server = http.createServer((req) => { requests.push(req) })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${server.address().port}/v1/traces`, requests }
}

async function tracedApp (t, tracing) {
  const app = weft()
  await app.register(observe, { tracing: { serviceName: 'bounded', operationSpans: false, ...tracing } })
  app.get('/', async () => 'ok')
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base: `http://127.0.0.1:${app.server.address().port}` }
}

async function requests (base, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    http.get(base + '/', { agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject)
  })))
  agent.destroy()
}

async function until (check, what, ms = 15_000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) assert.fail('timed out waiting for ' + what)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('tracing with the receiver away', () => {
  test('a receiver that never answers: spans beyond maxQueueSize are dropped at once, the held ones when their export times out', async (t) => {
    const receiver = await silentReceiver(t)
    const { app, base } = await tracedApp(t, { url: receiver.url, maxQueueSize: 50, exportTimeoutMs: 1500 })
    assert.equal(app.observe.droppedSpans, 0)
    await requests(base, 200)
    // one SERVER span per request: 50 wait (the first batch went out and hangs), 150 had no room
    await until(() => app.observe.droppedSpans >= 150, '150 dropped spans')
    assert.equal(app.observe.droppedSpans, 150)
    assert.equal(app.observe.internalErrors, 0)
    await until(() => receiver.requests.length >= 1, 'the export request')
    // the 50 held spans count as dropped once their export gives up; then close() does not hang
    await until(() => app.observe.droppedSpans === 200, 'every span accounted for')
    const closing = Date.now()
    await app.close()
    assert.ok(Date.now() - closing < 10_000, 'close() is not held by the dead receiver')
    assert.equal(app.observe.droppedSpans, 200)
  })

  test('a receiver that is down (closed port): every span is counted as dropped, none kept beyond the bound', async (t) => {
    const port = await closedPort()
    const { app, base } = await tracedApp(t, { url: `http://127.0.0.1:${port}/v1/traces`, maxQueueSize: 64, exportTimeoutMs: 1000 })
    await requests(base, 300)
    await until(() => app.observe.droppedSpans >= 300 - 64, 'the spans with no room')
    await app.close()
    assert.equal(app.observe.droppedSpans, 300)
  })

  test('with a working exporter nothing is dropped', async (t) => {
    const exported = []
    const exporter = {
      export (spans, done) { exported.push(...spans); setImmediate(() => done({ code: 0 })) },
      async shutdown () {},
      async forceFlush () {}
    }
    const { app, base } = await tracedApp(t, { exporter, maxQueueSize: 64 })
    for (let i = 0; i < 5; i++) await requests(base, 20)
    await app.close()
    assert.equal(exported.length, 100)
    assert.equal(app.observe.droppedSpans, 0)
  })

  test('bad bounds are rejected', async () => {
    for (const tracing of [{ maxQueueSize: 0 }, { exportTimeoutMs: 1.5 }, { maxQueSize: 10 }]) {
      const app = weft()
      app.register(observe, { tracing })
      await assert.rejects(app.ready(), { code: 'WEFT_ERR_OBSERVE_OPTION' })
    }
  })
})
