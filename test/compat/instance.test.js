// The instance side by side: listen()'s forms, return values and logged addresses (127.0.0.1,
// 0.0.0.0, ::, localhost on every address it resolves to, unix sockets), addresses(),
// listeningOrigin, signals, Symbol.asyncDispose, and the diagnostics_channel channels Fastify publishes.
import assert from 'node:assert/strict'
import dc from 'node:diagnostics_channel'
import { lookup } from 'node:dns/promises'
import http from 'node:http'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { both, deferred, logLines, within } from './harness.js'

const interfaces = Object.values(networkInterfaces()).flat()
const hasIPv6Loopback = interfaces.some((i) => i.family === 'IPv6' && i.address === '::1')

/** The `Server listening at` lines a log recorded. */
function listeningLines (lines) {
  return lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at ')).map((l) => l.msg.slice('Server listening at '.length))
}

/** GET over a real socket: to an origin, or through a unix socket path. */
function get (target, path = '/') {
  return within(new Promise((resolve, reject) => {
    // a new connection each time (agent: false): a closed app refuses it
    const opts = target.startsWith('/') ? { socketPath: target, path, agent: false } : { ...urlOptions(new URL(path, target)), agent: false }
    http.get(opts, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    }).on('error', reject)
  }), `GET ${target}${path}`)
}

function urlOptions (url) {
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname + url.search }
}

function hello (app) {
  app.get('/', async () => 'hello')
  return app
}

both('listen({ host: 127.0.0.1 }) resolves with the origin it logs once, and serves there', async (factory) => {
  const log = logLines()
  const app = hello(factory({ logger: { stream: log.stream } }))
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const port = app.server.address().port
  assert.equal(address, `http://127.0.0.1:${port}`)
  assert.deepEqual(listeningLines(log.lines), [address])
  assert.equal(app.listeningOrigin, address)
  assert.deepEqual(app.addresses(), [{ address: '127.0.0.1', family: 'IPv4', port }])
  assert.deepEqual(await get(address), { status: 200, body: 'hello' })
})

both('listen() without a port binds a free one (port 0), on localhost', async (factory) => {
  const app = hello(factory())
  const address = await app.listen()
  const port = app.server.address().port
  assert.ok(port > 0)
  assert.notEqual(port, 3000)
  assert.ok(address.endsWith(`:${port}`))
  assert.deepEqual(await get(address), { status: 200, body: 'hello' })
})

both('listen({ host: 0.0.0.0 }) logs one line per IPv4 interface, internal first, and resolves with the first', async (factory) => {
  const log = logLines()
  const app = hello(factory({ logger: { stream: log.stream } }))
  const address = await app.listen({ port: 0, host: '0.0.0.0' })
  const port = app.server.address().port
  const ipv4 = interfaces.filter((i) => i.family === 'IPv4')
  const expected = [...ipv4.filter((i) => i.internal), ...ipv4.filter((i) => !i.internal)].map((i) => `http://${i.address}:${port}`)
  assert.deepEqual(listeningLines(log.lines).sort(), [...expected].sort())
  assert.equal(address, expected[0])
  // listeningOrigin is the bound address itself, the wildcard
  assert.equal(app.listeningOrigin, `http://0.0.0.0:${port}`)
  assert.deepEqual(await get(address), { status: 200, body: 'hello' })
})

both('listen({ host: :: }) resolves with the bracketed wildcard and logs it', async (factory) => {
  if (!hasIPv6Loopback) return
  const log = logLines()
  const app = hello(factory({ logger: { stream: log.stream } }))
  const address = await app.listen({ port: 0, host: '::' })
  const port = app.server.address().port
  assert.equal(address, `http://[::]:${port}`)
  assert.deepEqual(listeningLines(log.lines), [address])
  assert.deepEqual(await get(`http://[::1]:${port}`), { status: 200, body: 'hello' })
})

both('listen({ host: localhost }) binds every address localhost resolves to, on one port, and logs each', async (factory) => {
  const log = logLines()
  const app = hello(factory({ logger: { stream: log.stream } }))
  const address = await app.listen({ port: 0, host: 'localhost' })
  const port = app.server.address().port
  const resolved = [...new Set((await lookup('localhost', { all: true })).map((a) => a.address))]
  const origins = resolved.map((a) => a.includes(':') ? `http://[${a}]:${port}` : `http://${a}:${port}`)
  assert.deepEqual(listeningLines(log.lines).sort(), [...origins].sort())
  assert.equal(address, listeningLines(log.lines)[0])
  assert.deepEqual(app.addresses().map((a) => a.address).sort(), [...resolved].sort())
  assert.ok(app.addresses().every((a) => a.port === port))
  // listeningOrigin is app.server's address: the last of addresses()
  assert.equal(app.listeningOrigin, address)
  for (const origin of origins) assert.deepEqual(await get(origin), { status: 200, body: 'hello' })
  await app.close()
  for (const origin of origins) await assert.rejects(get(origin), /ECONNREFUSED/)
})

both('listen({ host: ::1 }): listeningOrigin and addresses() in IPv6', async (factory) => {
  if (!hasIPv6Loopback) return
  const app = hello(factory())
  const address = await app.listen({ port: 0, host: '::1' })
  const port = app.server.address().port
  assert.equal(address, `http://[::1]:${port}`)
  assert.equal(app.listeningOrigin, address)
  assert.deepEqual(app.addresses(), [{ address: '::1', family: 'IPv6', port }])
})

both('listen({ path }) on a unix socket: resolves with the path, addresses() and listeningOrigin are the path', async (factory) => {
  const path = join(tmpdir(), `weft-compat-${process.pid}-${Math.random().toString(16).slice(2, 10)}.sock`)
  rmSync(path, { force: true })
  const log = logLines()
  const app = hello(factory({ logger: { stream: log.stream } }))
  const address = await app.listen({ path })
  assert.equal(address, path)
  assert.deepEqual(listeningLines(log.lines), [path])
  assert.deepEqual(app.addresses(), [path])
  assert.equal(app.listeningOrigin, path)
  assert.deepEqual(await get(path), { status: 200, body: 'hello' })
})

both('listenTextResolver words each logged line', async (factory) => {
  const log = logLines()
  const app = hello(factory({ logger: { stream: log.stream } }))
  const address = await app.listen({ port: 0, host: '127.0.0.1', listenTextResolver: (a) => `up: ${a}` })
  assert.deepEqual(log.lines.filter((l) => String(l.msg).startsWith('up: ')).map((l) => l.msg), [`up: ${address}`])
  assert.deepEqual(listeningLines(log.lines), [])
})

both('listen(opts, callback): (null, address), then a second listen gets (err, null)', async (factory) => {
  const app = hello(factory())
  const first = deferred()
  app.listen({ port: 0, host: '127.0.0.1' }, (err, address) => { if (err) first.reject(err); else first.resolve(address) })
  const address = await first.promise
  assert.equal(address, `http://127.0.0.1:${app.server.address().port}`)
  const second = deferred()
  app.listen({ port: app.server.address().port, host: '127.0.0.1' }, (err, addr) => second.resolve({ err, addr }))
  const { err, addr } = await second.promise
  assert.equal(addr, null)
  assert.equal(err.code, 'FST_ERR_REOPENED_SERVER')
  await assert.rejects(app.listen({ port: 0 }), { code: 'FST_ERR_REOPENED_SERVER' })
})

both('listen on a port in use rejects with EADDRINUSE, and each retry rejects once', async (factory) => {
  const holder = http.createServer()
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve))
  try {
    const app = factory()
    const options = { port: holder.address().port, host: '127.0.0.1' }
    for (let i = 0; i < 3; i++) await assert.rejects(app.listen(options), { code: 'EADDRINUSE' })
  } finally {
    holder.close()
  }
})

both('listen({ signal }): an aborted signal closes instead of binding; an abort later closes the app', async (factory) => {
  const before = factory()
  const closed = deferred()
  before.addHook('onClose', (_, done) => { closed.resolve(); done() })
  await before.listen({ port: 0, signal: AbortSignal.abort() })
  await closed.promise
  assert.equal(before.server.listening, false)

  const controller = new AbortController()
  const later = hello(factory())
  const closedLater = deferred()
  later.addHook('onClose', (_, done) => { closedLater.resolve(); done() })
  const address = await later.listen({ port: 0, host: '127.0.0.1', signal: controller.signal })
  assert.deepEqual(await get(address), { status: 200, body: 'hello' })
  controller.abort()
  await closedLater.promise
  await assert.rejects(get(address), /ECONNREFUSED/)
})

both('listen({ signal: not a signal }) throws FST_ERR_LISTEN_OPTIONS_INVALID', async (factory) => {
  const app = factory()
  let error
  try { await app.listen({ port: 0, signal: {} }) } catch (err) { error = err }
  assert.equal(error?.code, 'FST_ERR_LISTEN_OPTIONS_INVALID')
})

both('await using: Symbol.asyncDispose closes the app', async (factory) => {
  const app = hello(factory())
  const closed = deferred()
  app.addHook('onClose', (_, done) => { closed.resolve(); done() })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  assert.equal(typeof app[Symbol.asyncDispose], 'function')
  await app[Symbol.asyncDispose]()
  await closed.promise
  await assert.rejects(get(address), /ECONNREFUSED/)
})

both('version is a semver string; initialConfig is frozen', async (factory) => {
  const app = factory({ bodyLimit: 1000 })
  assert.match(app.version, /^\d+\.\d+\.\d+/)
  assert.equal(app.initialConfig.bodyLimit, 1000)
  assert.ok(Object.isFrozen(app.initialConfig))
})

// diagnostics_channel: what APM agents subscribe to

/** Subscribes to the five `tracing:fastify.request.handler:*` channels of one app; returns the events in order. */
function traceEvents (app) {
  const events = []
  const subs = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((name) => {
    const channel = `tracing:fastify.request.handler:${name}`
    const fn = (msg) => { if (msg.request.server === app) events.push({ name, msg, status: msg.reply.statusCode }) }
    dc.subscribe(channel, fn)
    return () => dc.unsubscribe(channel, fn)
  })
  return { events, off: () => { for (const off of subs) off() } }
}

both('fastify.initialization publishes { fastify } with each new instance', async (factory) => {
  const seen = []
  const fn = (msg) => seen.push(msg.fastify)
  dc.subscribe('fastify.initialization', fn)
  try {
    const a = factory()
    const b = factory()
    assert.equal(seen.length, 2)
    assert.equal(seen[0], a)
    assert.equal(seen[1], b)
  } finally {
    dc.unsubscribe('fastify.initialization', fn)
  }
})

both('a sync handler: start then end, one message with request, reply and route, over a real socket', async (factory) => {
  const app = factory()
  app.get('/items/:id', (request, reply) => { reply.send({ id: request.params.id }) })
  const trace = traceEvents(app)
  try {
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(await get(address, '/items/7'), { status: 200, body: '{"id":"7"}' })
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'end'])
    const msg = trace.events[0].msg
    assert.equal(trace.events[1].msg, msg)
    assert.deepEqual(msg.route, { url: '/items/:id', method: 'GET' })
    assert.equal(msg.async, false)
    assert.equal(msg.request.params.id, '7')
    assert.equal(typeof msg.reply.send, 'function')
  } finally {
    trace.off()
  }
})

both('an async handler: start, end, asyncStart, asyncEnd; two requests make two messages', async (factory) => {
  const app = factory()
  app.get('/', async () => { await new Promise((resolve) => setImmediate(resolve)); return { ok: true } })
  const trace = traceEvents(app)
  try {
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    await get(address)
    await get(address)
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'end', 'asyncStart', 'asyncEnd', 'start', 'end', 'asyncStart', 'asyncEnd'])
    assert.notEqual(trace.events[0].msg, trace.events[4].msg)
    assert.equal(trace.events[0].msg.async, true)
  } finally {
    trace.off()
  }
})

both('a handler that throws: start, error (with the error and its status), end', async (factory) => {
  const app = factory()
  app.get('/', () => { throw Object.assign(new Error('teapot'), { statusCode: 418 }) })
  const trace = traceEvents(app)
  try {
    const res = await app.inject('/')
    assert.equal(res.statusCode, 418)
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'error', 'end'])
    assert.equal(trace.events[1].msg.error.message, 'teapot')
    assert.equal(trace.events[1].status, 418)
  } finally {
    trace.off()
  }
})

both('an async handler that rejects: error before asyncStart; 500 without a status; a custom handler answers after', async (factory) => {
  const app = factory()
  app.setErrorHandler((error, request, reply) => { reply.code(503).send({ message: error.message }) })
  app.get('/', async () => { throw new Error('down') })
  const trace = traceEvents(app)
  try {
    const res = await app.inject('/')
    assert.equal(res.statusCode, 503)
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    assert.equal(trace.events[2].status, 500)
  } finally {
    trace.off()
  }
})

both('an async error handler after a sync throw is traced as the async part of the call', async (factory) => {
  const app = factory()
  app.setErrorHandler(async (error, request, reply) => {
    await new Promise((resolve) => setImmediate(resolve))
    reply.code(503).send({ message: error.message })
  })
  app.get('/', () => { throw new Error('sync') })
  const trace = traceEvents(app)
  try {
    const res = await app.inject('/')
    assert.equal(res.statusCode, 503)
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'error', 'end', 'asyncStart', 'asyncEnd'])
    assert.equal(trace.events[2].msg.async, true)
  } finally {
    trace.off()
  }
})

both('not-found handlers and failures before preHandler publish nothing; a preHandler failure is traced', async (factory) => {
  const app = factory()
  app.get('/gone', (request, reply) => { reply.callNotFound() })
  app.get('/guarded', { preHandler: (request, reply, done) => done(new Error('no')) }, () => 'never')
  app.get('/early', { onRequest: (request, reply, done) => done(new Error('early')) }, () => 'never')
  const trace = traceEvents(app)
  try {
    assert.equal((await app.inject('/nowhere')).statusCode, 404)
    assert.equal((await app.inject('/early')).statusCode, 500)
    assert.deepEqual(trace.events.map((e) => e.name), [])
    assert.equal((await app.inject('/guarded')).statusCode, 500)
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'error', 'end'])
    assert.equal(trace.events[1].msg.error.message, 'no')
    assert.equal(trace.events[1].status, 500)
    trace.events.length = 0
    // the route calling callNotFound is traced; the not-found handler it hands over to is not
    assert.equal((await app.inject('/gone')).statusCode, 404)
    assert.deepEqual(trace.events.map((e) => e.name), ['start', 'end'])
  } finally {
    trace.off()
  }
})

// onClose resources and Ajv options

both('addHook(onClose, resource) disposes it at close: asyncDispose preferred, dispose otherwise, child plugins first', async (factory) => {
  const app = factory()
  const order = []
  app.register(async (child) => {
    child.addHook('onClose', { async [Symbol.asyncDispose] () { order.push('child async') }, [Symbol.dispose] () { order.push('child sync') } })
  })
  app.addHook('onClose', { [Symbol.dispose] () { order.push('root sync') } })
  await app.ready()
  await app.close()
  assert.deepEqual(order, ['child async', 'root sync'])
})

both('a failing dispose rejects close(); a non-disposable object is FST_ERR_HOOK_INVALID_HANDLER', async (factory) => {
  const app = factory()
  app.addHook('onClose', { async [Symbol.asyncDispose] () { throw new Error('cannot dispose') } })
  assert.throws(() => app.addHook('onClose', { close () {} }), { code: 'FST_ERR_HOOK_INVALID_HANDLER' })
  await app.ready()
  await assert.rejects(app.close(), { message: 'cannot dispose' })
})

both('ajv options: customOptions must be an object and plugins an array', async (factory) => {
  assert.throws(() => factory({ ajv: { customOptions: 8 } }), { code: 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ' })
  assert.throws(() => factory({ ajv: { customOptions: {}, plugins: 8 } }), { code: 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR' })
  const app = factory({ ajv: { customOptions: { coerceTypes: false } } })
  app.get('/', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async (request) => ({ n: request.query.n }))
  assert.equal((await app.inject('/?n=2')).statusCode, 400)
})

both('a serverFactory server: listen(localhost) binds it once; close() leaves a server its owner bound', async (factory) => {
  const shared = http.createServer()
  const app = hello(factory({ serverFactory: (handler) => { shared.on('request', handler); return shared } }))
  const address = await app.listen({ port: 0, host: 'localhost' })
  assert.equal(app.addresses().length, 1)
  assert.deepEqual(await get(address), { status: 200, body: 'hello' })
  await app.close()
  assert.equal(shared.listening, false)

  const owned = http.createServer()
  const other = hello(factory({ serverFactory: (handler) => { owned.on('request', handler); return owned } }))
  await other.ready()
  await new Promise((resolve) => owned.listen(0, '127.0.0.1', resolve))
  try {
    await other.close()
    assert.equal(owned.listening, true)
    assert.deepEqual(other.addresses(), [owned.address()])
  } finally {
    await new Promise((resolve) => owned.close(resolve))
  }
})

both('listen() with an async callback warns FSTWRN003 (mixing async and callback styles) and calls it', async (factory) => {
  const warnings = []
  const onWarning = (w) => { if (w.code === 'FSTWRN003') warnings.push([w.name, w.message]) }
  process.on('warning', onWarning)
  try {
    const app = factory()
    const called = deferred()
    app.listen({ port: 0, host: '127.0.0.1' }, async function doNotUseAsyncCallback (err) { called.resolve(err) })
    assert.equal(await within(called.promise, 'the listen callback'), null)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(warnings, [['FastifyWarning', 'The listen method mixes async and callback styles that may lead to unhandled rejections. Please use only one of them.']])
  } finally {
    process.off('warning', onWarning)
  }
})
