// User code that runs before the request lifecycle owns a request (genReqId, a constraint
// strategy's deriveConstraint) or a clientErrorHandler that throws: over real sockets and HTTP/2
// the client gets a JSON 500 (or its socket closed), the error is logged, and the server keeps
// serving. Fastify's process crashes there (an uncaught exception from the server's listener).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:http2'
import { Writable } from 'node:stream'
import weft from 'weft'
import { noUncaught } from '../http/helpers.js'

function logSink () {
  const lines = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb() } })
  return { lines, stream }
}

const throwingStrategy = {
  name: 'tenant',
  storage () { const m = new Map(); return { get: (k) => m.get(k), set: (k, v) => { m.set(k, v) } } },
  deriveConstraint (req) { if (req.headers['x-tenant'] === 'bad') throw new Error('tenant lookup failed'); return req.headers['x-tenant'] },
  mustMatchWhenDerived: false,
  validate () {}
}

test('a genReqId that throws: 500 with the message, one error line, the next request is served', async (t) => {
  const log = logSink()
  let calls = 0
  const app = weft({ logger: { stream: log.stream }, genReqId () { if (++calls === 1) throw new Error('no id today'); return 'id-' + calls } })
  t.after(() => app.close())
  app.get('/', async () => 'ok')
  await app.listen({ port: 0 })
  const url = `http://127.0.0.1:${app.server.address().port}/`
  await noUncaught(async () => {
    const first = await fetch(url)
    assert.equal(first.status, 500)
    assert.deepEqual(await first.json(), { statusCode: 500, error: 'Internal Server Error', message: 'no id today' })
    const second = await fetch(url)
    assert.equal(second.status, 200)
    assert.equal(await second.text(), 'ok')
  })
  const errors = log.lines.filter((l) => l.level === 50)
  assert.equal(errors.length, 1)
  assert.equal(errors[0].err.message, 'no id today')
})

test('a constraint strategy that throws: 500, and other requests on the route still match', async (t) => {
  const app = weft({ logger: false, routerOptions: { constraints: { tenant: throwingStrategy } } })
  t.after(() => app.close())
  app.get('/', { constraints: { tenant: 'acme' } }, async () => 'acme')
  app.get('/', async () => 'anyone')
  await app.listen({ port: 0 })
  const url = `http://127.0.0.1:${app.server.address().port}/`
  await noUncaught(async () => {
    const bad = await fetch(url, { headers: { 'x-tenant': 'bad' } })
    assert.equal(bad.status, 500)
    assert.equal((await bad.json()).message, 'tenant lookup failed')
    assert.equal(await (await fetch(url, { headers: { 'x-tenant': 'acme' } })).text(), 'acme')
    assert.equal(await (await fetch(url)).text(), 'anyone')
  })
})

test('over HTTP/2 too: the stream gets the 500, the session keeps serving', async (t) => {
  let calls = 0
  const app = weft({ http2: true, logger: false, genReqId () { if (++calls === 1) throw new Error('no id'); return String(calls) } })
  t.after(() => app.close())
  app.get('/', async () => 'h2 ok')
  await app.listen({ port: 0 })
  const session = connect(`http://127.0.0.1:${app.server.address().port}`)
  t.after(() => session.close())
  const get = () => new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/' })
    let status = 0
    let body = ''
    stream.on('response', (h) => { status = h[':status'] })
    stream.setEncoding('utf8')
    stream.on('data', (d) => { body += d })
    stream.on('end', () => resolve({ status, body }))
    stream.on('error', reject)
  })
  await noUncaught(async () => {
    const first = await get()
    assert.equal(first.status, 500)
    assert.equal(JSON.parse(first.body).message, 'no id')
    assert.deepEqual(await get(), { status: 200, body: 'h2 ok' })
  })
})

test('a clientErrorHandler that throws: the socket is closed, the error logged, the server keeps serving', async (t) => {
  const { connect: connectTcp } = await import('node:net')
  const log = logSink()
  const app = weft({ logger: { stream: log.stream }, clientErrorHandler () { throw new Error('handler broke') } })
  t.after(() => app.close())
  app.get('/', async () => 'ok')
  await app.listen({ port: 0 })
  const port = app.server.address().port
  await noUncaught(async () => {
    const closed = await new Promise((resolve) => {
      const socket = connectTcp(port, '127.0.0.1', () => { socket.write('NOT HTTP AT ALL\r\n\r\n') })
      let bytes = 0
      socket.on('data', (d) => { bytes += d.length })
      socket.on('error', () => {})
      socket.on('close', () => resolve(bytes))
    })
    assert.equal(closed, 0) // nothing was answered: the handler threw before writing
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ok')
  })
  const errors = log.lines.filter((l) => l.level === 50)
  assert.equal(errors.length, 1)
  assert.equal(errors[0].err.message, 'handler broke')
  assert.equal(errors[0].msg, 'clientErrorHandler threw')
})
