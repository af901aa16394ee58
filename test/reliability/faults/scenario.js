// One fault case on one framework (Weft or Fastify, same API): the app with the faulty hook, the
// faulty request over a real socket, then 100 ordinary requests and close(), each step bounded.
import http from 'node:http'
import net from 'node:net'

export const bounds = {
  /** handlerTimeout of every request case (except onTimeout's, which needs the socket to time out) */
  handlerTimeout: 250,
  /** connectionTimeout of the onTimeout cases */
  connectionTimeout: 1000,
  /** pluginTimeout: the bound Fastify and Weft give application hooks */
  pluginTimeout: 300,
  /** the faulty request: answered or closed within this, else it hung */
  request: 3000,
  /** an ordinary request after the faulty one */
  next: 5000,
  /** ready(), listen(), close() */
  call: 2000,
  /** the client of an onRequestAbort case goes away after this */
  abortAfter: 50,
  /** a late send is set on a timer this long */
  lateSend: 5
}

const host = '127.0.0.1'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** 'resolved' / 'rejected' (with what) / 'hung', within `ms`; a hung promise is left behind. */
export async function settle (fn, ms = bounds.call) {
  let timer
  const hung = new Promise((resolve) => { timer = setTimeout(() => resolve({ state: 'hung' }), ms) })
  try {
    const done = Promise.resolve().then(fn).then(() => ({ state: 'resolved' }), (err) => ({ state: 'rejected', error: describe(err) }))
    return await Promise.race([done, hung])
  } finally {
    clearTimeout(timer)
  }
}

/** A value as a short string (errors by code or message), for the results table. */
export function describe (value) {
  if (value instanceof Error) return value.code ?? value.message.slice(0, 80)
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'object') return 'object ' + JSON.stringify(value).slice(0, 60)
  return typeof value + ' ' + String(value).slice(0, 60)
}

function tag (c) { return `fault#${c.id}` }

/** The value a `fail` fault ends its hook with. */
function failValue (c) {
  switch (c.fault.value) {
    case 'error': return new Error(tag(c))
    case 'string': return tag(c)
    case 'null': return null
    case 'undefined': return undefined
    case 'object': return { message: tag(c), code: 'E_FAULT' }
    case 'number': return 42
    case 'status': return Object.assign(new Error(tag(c)), { statusCode: c.fault.statusCode })
  }
  throw new Error('unknown fault value ' + c.fault.value)
}

const isFaulty = (request) => request.headers['x-fault'] === '1'

// ---- request targets ----------------------------------------------------------------------------

/** How each request hook is called: (request, reply, done), (request, reply, value, done), (request, done). */
const shapeOf = {
  onRequest: 'plain', preValidation: 'plain', preHandler: 'plain', onResponse: 'plain', onTimeout: 'plain',
  preParsing: 'payload', preSerialization: 'payload', onSend: 'payload', onError: 'error', onRequestAbort: 'request'
}

/**
 * What the hook does on the faulty request, in the callback style: `go()` is its normal way on
 * (done(), or done(null, payload)). Returns what the hook returns.
 */
function callbackAct (c, request, reply, go, done) {
  switch (c.fault.kind) {
    case 'throw': throw new Error(tag(c))
    case 'fail': done(failValue(c)); return
    case 'never': return
    case 'done-twice': go(); go(); return
    case 'done-after-resolve': setImmediate(go); return Promise.resolve()
    case 'send-twice': reply.send('first'); reply.send('second'); return
    case 'send-after-hijack': hijackAndSend(reply); go(); return
    case 'timer-send': go(); lateSend(reply); return
  }
}

/** The same in the async style: a promise-returning function without `done`. */
async function asyncAct (c, request, reply) {
  switch (c.fault.kind) {
    case 'fail': throw failValue(c)
    case 'never': await new Promise(() => {}); return
    case 'send-twice': reply.send('first'); reply.send('second'); return reply
    case 'send-after-hijack': hijackAndSend(reply); return
    case 'timer-send': lateSend(reply); return
  }
  throw new Error('no async act for ' + c.fault.kind)
}

function hijackAndSend (reply) {
  reply.hijack()
  if (!reply.raw.headersSent && !reply.raw.destroyed) {
    reply.raw.writeHead(200, { 'content-type': 'text/plain' })
    reply.raw.end('hijacked')
  }
  reply.send('late')
}

function lateSend (reply) {
  setTimeout(() => reply.send('late'), bounds.lateSend)
}

/** The faulty hook for a request target, with the parameters its style declares. */
function requestHook (c) {
  const shape = shapeOf[c.target]
  const normal = (payload, done) => (shape === 'payload' ? done(null, payload) : done())
  if (c.style === 'async' && c.fault.kind === 'throw') {
    // a promise-style hook (no done) that throws before returning its promise
    const thrower = (request) => {
      if (isFaulty(request)) throw new Error(tag(c))
      return Promise.resolve()
    }
    return shape === 'request' ? function (request) { return thrower(request) } : function (request, reply) { return thrower(request) }
  }
  if (c.style === 'callback') {
    const act = (request, reply, payload, done) => {
      if (!isFaulty(request)) return normal(payload, done)
      return callbackAct(c, request, reply, () => normal(payload, done), done)
    }
    if (shape === 'plain') return function (request, reply, done) { return act(request, reply, undefined, done) }
    if (shape === 'request') return function (request, done) { return act(request, undefined, undefined, done) }
    return function (request, reply, payload, done) { return act(request, reply, payload, done) }
  }
  const act = (request, reply) => (isFaulty(request) ? asyncAct(c, request, reply) : undefined)
  if (shape === 'request') return async function (request) { return act(request, undefined) }
  if (shape === 'plain') return async function (request, reply) { return act(request, reply) }
  return async function (request, reply, payload) { return act(request, reply) }
}

/** The route's handler: `{ ok: true }`, except on the faulty request of the targets that need it. */
function handlerFor (c) {
  if (c.target === 'handler') return faultyHandler(c)
  return function (request, reply) {
    if (isFaulty(request)) {
      if (c.target === 'onError') throw new Error(`handler#${c.id}`)
      if (c.target === 'onTimeout' || c.target === 'onRequestAbort') return // never answers
    }
    reply.send({ ok: true })
  }
}

function faultyHandler (c) {
  const k = c.fault.kind
  if (c.style === 'callback' || k === 'throw') {
    return function (request, reply) {
      if (!isFaulty(request)) { reply.send({ ok: true }); return }
      switch (k) {
        case 'throw': throw new Error(tag(c))
        case 'fail': throw failValue(c)
        case 'never': return
        case 'send-twice': reply.send('first'); reply.send('second'); return
        case 'send-after-hijack': hijackAndSend(reply); return
        case 'timer-send': reply.send({ ok: true }); lateSend(reply)
      }
    }
  }
  return async function (request, reply) {
    if (!isFaulty(request)) return { ok: true }
    if (k === 'timer-send') { lateSend(reply); return { ok: true } }
    return asyncAct(c, request, reply)
  }
}

/** One HTTP GET over a real socket: answered (status, body), closed, aborted (by us), or hung. */
export function get (port, { fault = false, agent = false, timeout = bounds.request, abortAfter = 0 } = {}) {
  return new Promise((resolve) => {
    let done = false
    const finish = (outcome) => { if (!done) { done = true; clearTimeout(timer); clearTimeout(abortTimer); resolve(outcome) } }
    const req = http.request({ host, port, path: '/', agent, headers: fault ? { 'x-fault': '1' } : {} }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { if (body.length < 200) body += d })
      res.on('end', () => finish({ kind: 'answered', status: res.statusCode, body: body.slice(0, 200) }))
      res.on('error', (err) => finish({ kind: 'closed', error: err.code ?? err.message }))
      res.on('aborted', () => finish({ kind: 'closed', error: 'response aborted' }))
    })
    req.on('error', (err) => finish(abortAfter > 0 && req.destroyed && err.message === 'aborted by the client'
      ? { kind: 'aborted' }
      : { kind: 'closed', error: err.code ?? err.message }))
    const timer = setTimeout(() => { finish({ kind: 'hung' }); req.destroy() }, timeout)
    const abortTimer = abortAfter > 0 ? setTimeout(() => { req.destroy(new Error('aborted by the client')) }, abortAfter) : undefined
    req.end()
  })
}

/**
 * 100 ordinary requests: four connections, each with 25 GETs pipelined (HTTP/1.1 over a raw
 * socket: cheaper than http.request, so the whole matrix fits the suite's time). Returns how many
 * did not get 200 with the body {"ok":true} within `bounds.next`.
 */
export async function next100 (port, { retryReset = false } = {}) {
  const outcomes = await Promise.all(Array.from({ length: 4 }, async () => {
    const o = await pipelined(port, 25)
    // with a connectionTimeout, a starved process (the machine is shared) can find a connection
    // idle past it by the wall clock and the server reset it: its requests are sent once more
    if (!retryReset || o.ok === 25 || !o.reset) return o
    const again = await pipelined(port, 25 - o.ok)
    return { ok: o.ok + again.ok, failure: again.failure, retried: true }
  }))
  let failures = 0
  let firstFailure = null
  let retried = 0
  for (const o of outcomes) {
    failures += 25 - o.ok
    if (o.ok < 25) firstFailure ??= o.failure
    if (o.retried === true) retried++
  }
  return { failures, firstFailure, retried }
}

const ordinary = `GET / HTTP/1.1\r\nhost: ${host}\r\n\r\n`

/** `n` pipelined GETs on one socket: how many got 200 {"ok":true}, and the first thing that did not. */
function pipelined (port, n) {
  return new Promise((resolve) => {
    let ok = 0
    let seen = 0
    let failure = null
    let buffer = Buffer.alloc(0)
    const socket = net.connect(port, host, () => socket.end(ordinary.repeat(n)))
    const started = Date.now()
    const finish = (why) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ ok, reset: why === 'ECONNRESET' || why === 'closed', failure: failure ?? (seen < n ? `${why} after ${Date.now() - started} ms, ${seen} of ${n} answered` : null) })
    }
    const timer = setTimeout(() => finish('hung'), bounds.next)
    socket.on('error', (err) => finish(err.code ?? err.message))
    socket.on('close', () => finish('closed'))
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const head = buffer.indexOf('\r\n\r\n')
        if (head === -1) return
        const lines = buffer.subarray(0, head).toString('latin1').split('\r\n')
        const status = Number(lines[0].split(' ')[1])
        const lengthLine = lines.find((l) => l.toLowerCase().startsWith('content-length:'))
        if (lengthLine === undefined) { failure ??= `status ${status} without content-length`; return finish('unframed') }
        const length = Number(lengthLine.slice(15).trim())
        if (buffer.length < head + 4 + length) return
        const body = buffer.subarray(head + 4, head + 4 + length).toString('utf8')
        buffer = buffer.subarray(head + 4 + length)
        seen++
        if (status === 200 && body === '{"ok":true}') ok++
        else failure ??= `${status} ${body.slice(0, 80)}`
        if (seen === n) return finish(null)
      }
    })
  })
}

/** Runs one request case: the faulty request, then 100 more, then close(). */
export async function requestCase (factory, c) {
  const options = { logger: false, pluginTimeout: bounds.pluginTimeout }
  if (c.target === 'onTimeout') options.connectionTimeout = bounds.connectionTimeout
  else options.handlerTimeout = bounds.handlerTimeout
  const app = factory(options)
  if (c.target !== 'handler') app.addHook(c.target, requestHook(c))
  app.get('/', handlerFor(c))
  const listen = await settle(() => app.listen({ port: 0, host }))
  if (listen.state !== 'resolved') {
    await settle(() => app.close())
    return { setup: listen }
  }
  const port = app.server.address().port
  const started = Date.now()
  const first = await get(port, { fault: true, abortAfter: c.target === 'onRequestAbort' ? bounds.abortAfter : 0 })
  first.ms = Date.now() - started
  // the hooks of an aborted request get their turn
  if (c.target === 'onRequestAbort') await sleep(30)
  const next = await next100(port, { retryReset: c.target === 'onTimeout' })
  // a late send (on its timer) has fired before close
  await sleep(Math.max(0, 4 * bounds.lateSend - (Date.now() - started)))
  const close = await settle(() => app.close())
  return { first, next, close }
}

// ---- application targets ------------------------------------------------------------------------

/** The faulty application hook or plugin, with the parameters its style declares. */
function appHook (c) {
  const k = c.fault.kind
  const params = { onReady: 0, onListen: 0, preClose: 0, onClose: 1, plugin: 2, onRoute: 1, onRegister: 2 }[c.target]
  if (k === 'throw') {
    // the callback style declares done, the async style does not; both throw before finishing
    const f = () => { throw new Error(tag(c)) }
    return [function () { f() }, function (a) { f() }, function (a, b) { f() }, function (a, b, d) { f() }][params + (c.style === 'callback' ? 1 : 0)]
  }
  if (c.style === 'async') {
    const act = () => asyncAct(c)
    return [async function () { return act() }, async function (a) { return act() }, async function (a, b) { return act() }][params]
  }
  const act = (done) => {
    switch (k) {
      case 'fail': done(failValue(c)); return
      case 'never': return
      case 'done-twice': done(); done(); return
      case 'done-after-resolve': setImmediate(done); return Promise.resolve()
    }
    throw new Error('no callback act for ' + k)
  }
  return [function (done) { return act(done) }, function (a, done) { return act(done) }, function (a, b, done) { return act(done) }][params]
}

/** Runs one application case: install, listen (and a request if it listens), close; then a fresh app. */
export async function appCase (factory, c) {
  const app = factory({ logger: false, pluginTimeout: bounds.pluginTimeout })
  const result = {}
  try {
    const hook = appHook(c)
    if (c.target === 'plugin') app.register(hook)
    else app.addHook(c.target, hook)
    if (c.target === 'onRegister') app.register(async function child () {})
    app.get('/', function (request, reply) { reply.send({ ok: true }) })
  } catch (err) {
    result.install = describe(err)
  }
  result.listen = await settle(() => app.listen({ port: 0, host }))
  if (result.listen.state === 'resolved') result.served = await get(app.server.address().port)
  result.close = await settle(() => app.close())
  result.fresh = await freshApp(factory)
  return result
}

/** The process is unharmed: a new app boots, answers and closes. */
async function freshApp (factory) {
  const app = factory({ logger: false })
  app.get('/', function (request, reply) { reply.send({ ok: true }) })
  const listen = await settle(() => app.listen({ port: 0, host }))
  const served = listen.state === 'resolved' ? await get(app.server.address().port) : null
  const close = await settle(() => app.close())
  return listen.state === 'resolved' && served.kind === 'answered' && served.status === 200 && close.state === 'resolved'
}
