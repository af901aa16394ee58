// handlerTimeout guards every stage until the response is written (issue 16.6): an onSend hook that
// never settles, or an error answer stuck the same way, no longer hangs its request. Real sockets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { listenOn, within } from './raw-http.js'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function get (port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
}

function errorLines () {
  const lines = []
  return { lines, stream: { write (line) { const o = JSON.parse(line); if (o.level >= 50) lines.push(o) } } }
}

test('an onSend hook that never settles: the request gets 503 FST_ERR_HANDLER_TIMEOUT instead of hanging', async (t) => {
  const log = errorLines()
  const app = weft({ handlerTimeout: 60, logger: { stream: log.stream } })
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url === '/stuck') await new Promise(() => {}) // never settles
    return payload
  })
  app.get('/stuck', async () => ({ hello: 'world' }))
  app.get('/fine', async () => ({ hello: 'world' }))
  const port = await listenOn(t, app)
  const started = performance.now()
  const res = await within(get(port, '/stuck'), 'the answer to /stuck', 5000)
  assert.equal(res.status, 503)
  assert.match(res.type, /^application\/json/)
  assert.equal(JSON.parse(res.body).code, 'FST_ERR_HANDLER_TIMEOUT')
  assert.ok(performance.now() - started >= 55, 'not before the timeout')
  assert.ok(log.lines.some((l) => /sent but not written/.test(l.msg)), JSON.stringify(log.lines))
  // the others are not touched
  assert.deepEqual(await get(port, '/fine'), { status: 200, type: 'application/json; charset=utf-8', body: '{"hello":"world"}' })
})

test('a handler that never answers and an onSend that never settles: the timeout\'s own answer is guarded too', async (t) => {
  const app = weft({ handlerTimeout: 50, logger: false })
  let onSendCalls = 0
  app.addHook('onSend', async () => { onSendCalls++; await new Promise(() => {}) })
  app.get('/', (req, reply) => {}) // never sends
  const port = await listenOn(t, app)
  const res = await within(get(port, '/'), 'the answer', 5000)
  assert.equal(res.status, 503)
  assert.equal(JSON.parse(res.body).code, 'FST_ERR_HANDLER_TIMEOUT')
  assert.equal(onSendCalls, 1, 'the error answer went through onSend once, then was written without it')
})

test('an onSend that settles after the timeout answered does not write a second answer', async (t) => {
  const app = weft({ handlerTimeout: 50, logger: false })
  let late
  app.addHook('onSend', async (req, reply, payload) => { await sleep(150); late = reply.raw.writableEnded; return payload })
  app.get('/', async () => 'slow onSend')
  const port = await listenOn(t, app)
  const res = await within(get(port, '/'), 'the answer', 5000)
  assert.equal(res.status, 503)
  await sleep(200)
  assert.equal(late, true, 'the stuck onSend finished after the answer was written')
  // the server still answers on a new connection
  assert.equal((await get(port, '/')).status, 503)
})
