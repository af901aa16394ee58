// The request keeps its async context wherever the lifecycle resumes: an AsyncLocalStorage store
// set in onRequest (and @fastify/request-context's store) is seen by every later stage, over a
// real socket, whatever body the request carries and however its parser finishes. Each case runs
// on Fastify (the reference) and on Weft.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import http from 'node:http'
import { PassThrough, Transform } from 'node:stream'
import Fastify from 'fastify'
import weft from 'weft'
import { observe } from 'weft/observe'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import { fastifyRequestContext, requestContext } from '@fastify/request-context'
import { within } from './helpers.js'

/** weft/observe runs each request in an operation of its own: the body's stream events come from outside it. */
function observedWeft (opts) {
  const app = weft(opts)
  app.register(observe, { detail: 'resources' })
  return app
}

const frameworks = [
  { name: 'fastify', factory: Fastify },
  { name: 'weft', factory: weft },
  { name: 'weft with weft/observe', factory: observedWeft }
]
const STAGES = ['preValidation', 'preHandler', 'handler', 'onSend', 'onResponse']
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * An app whose onRequest hook puts { id } in an ALS store (enterWith) and in the request context
 * (requestContext.set); every later stage records what it sees, keyed by the request's tag.
 * `setup(app)` adds the body support a case needs; the route is POST /x.
 */
async function probeApp (t, factory, setup, handler = async () => ({ ok: true }), { withRequestContext = false, opts = {} } = {}) {
  const als = new AsyncLocalStorage()
  const seen = new Map()
  const responded = new Map()
  // with the plugin, its store is what is checked: the plugin re-enters the context it made
  // before our hook's enterWith (in preValidation), so on Node 24+ (AsyncContextFrame) that store is not in it
  const record = (req, stage) => {
    const tag = req.headers['x-tag']
    if (!seen.has(tag)) seen.set(tag, {})
    seen.get(tag)[stage] = (withRequestContext ? requestContext.get('tag') : als.getStore()?.tag) ?? null
  }
  const app = factory({ logger: false, ...opts })
  t.after(() => app.close())
  if (withRequestContext) await app.register(fastifyRequestContext)
  app.addHook('onRequest', (req, reply, done) => {
    const tag = req.headers['x-tag']
    if (withRequestContext) requestContext.set('tag', tag)
    else als.enterWith({ tag })
    done()
  })
  for (const stage of ['preValidation', 'preHandler', 'onResponse']) {
    app.addHook(stage, async (req) => { record(req, stage) })
  }
  app.addHook('onSend', async (req, reply, payload) => { record(req, 'onSend'); return payload })
  app.addHook('onResponse', async (req) => { responded.get(req.headers['x-tag'])?.() })
  await setup(app)
  app.post('/x', async (req, reply) => {
    const result = await handler(req, reply)
    record(req, 'handler')
    return result
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = app.server.address().port
  /** Sends one request (tagged) with `write(req)`, waits for the answer and onResponse; returns what each stage saw. */
  const probe = async (tag, headers, write) => {
    const finished = new Promise((resolve) => responded.set(tag, resolve))
    const res = await within(new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/x', headers: { 'x-tag': tag, connection: 'close', ...headers } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => { body += c })
        res.on('end', () => resolve({ status: res.statusCode, body }))
      })
      req.on('error', reject)
      Promise.resolve(write(req)).catch(reject)
    }), `POST ${tag}`, 5000)
    await within(finished, `onResponse of ${tag}`, 5000)
    return { res, seen: seen.get(tag) }
  }
  return { app, probe, als }
}

function assertSeen (result, tag) {
  assert.equal(result.res.status, 200, result.res.body)
  const expected = Object.fromEntries(STAGES.map((s) => [s, tag]))
  assert.deepEqual(result.seen, expected)
}

function boundaryBody (boundary, parts) {
  let out = ''
  for (const p of parts) {
    out += `--${boundary}\r\ncontent-disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`
    if (p.filename) out += 'content-type: text/plain\r\n'
    out += `\r\n${p.value}\r\n`
  }
  return out + `--${boundary}--\r\n`
}

const end = (body) => (req) => { req.end(body) }
const json = { 'content-type': 'application/json' }

const cases = [
  { name: 'no body', headers: {}, write: end() },
  { name: 'a JSON body', headers: json, write: end('{"a":1}') },
  { name: 'a text/plain body', headers: { 'content-type': 'text/plain' }, write: end('hello') },
  {
    name: 'an urlencoded body (@fastify/formbody)',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    setup: (app) => app.register(formbody),
    handler: async (req) => { assert.equal(req.body.a, '1'); return { ok: true } },
    write: end('a=1&b=2')
  },
  {
    name: 'a multipart file read with request.file() (@fastify/multipart)',
    headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
    setup: (app) => app.register(multipart),
    handler: async (req) => {
      const file = await req.file()
      assert.equal((await file.toBuffer()).toString(), 'file content')
      return { ok: true }
    },
    write: end(boundaryBody('XyZ', [{ name: 'f', filename: 'a.txt', value: 'file content' }]))
  },
  {
    name: 'a multipart body with attachFieldsToBody (@fastify/multipart)',
    headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
    setup: (app) => app.register(multipart, { attachFieldsToBody: true }),
    handler: async (req) => {
      assert.equal(req.body.field.value, 'v')
      assert.equal((await req.body.f.toBuffer()).toString(), 'file content')
      return { ok: true }
    },
    write: end(boundaryBody('XyZ', [{ name: 'field', value: 'v' }, { name: 'f', filename: 'a.txt', value: 'file content' }]))
  },
  {
    name: 'a custom callback parser calling done from a setTimeout',
    headers: { 'content-type': 'application/x-late' },
    setup: (app) => app.addContentTypeParser('application/x-late', { parseAs: 'string' }, (req, body, done) => {
      setTimeout(() => done(null, { late: body }), 10)
    }),
    handler: async (req) => { assert.deepEqual(req.body, { late: 'abc' }); return { ok: true } },
    write: end('abc')
  },
  {
    name: 'a custom stream parser calling done from the stream\'s end',
    headers: { 'content-type': 'application/x-stream' },
    setup: (app) => app.addContentTypeParser('application/x-stream', (req, payload, done) => {
      let body = ''
      payload.on('data', (c) => { body += c })
      payload.on('end', () => done(null, body))
    }),
    handler: async (req) => { assert.equal(req.body, 'streamed'); return { ok: true } },
    write: end('streamed')
  },
  {
    name: 'an async custom parser',
    headers: { 'content-type': 'application/x-async' },
    setup: (app) => app.addContentTypeParser('application/x-async', async (req, payload) => {
      let body = ''
      for await (const c of payload) body += c
      return { async: body }
    }),
    handler: async (req) => { assert.deepEqual(req.body, { async: 'xyz' }); return { ok: true } },
    write: end('xyz')
  },
  {
    name: 'a chunked body written in pieces with pauses',
    headers: { ...json, 'transfer-encoding': 'chunked' },
    handler: async (req) => { assert.deepEqual(req.body, { a: 1, b: 2 }); return { ok: true } },
    write: async (req) => {
      req.write('{"a":')
      await pause(30)
      req.write('1,"b"')
      await pause(30)
      req.end(':2}')
    }
  },
  {
    name: 'Expect: 100-continue',
    headers: { ...json, expect: '100-continue', 'content-length': '7' },
    write: (req) => {
      req.on('continue', () => req.end('{"a":1}'))
      req.flushHeaders()
    }
  },
  {
    name: 'a body replaced by a stream in preParsing',
    headers: json,
    setup: (app) => app.addHook('preParsing', async (req, reply, payload) => {
      const out = new PassThrough()
      payload.pipe(new Transform({
        transform (chunk, enc, cb) { setTimeout(() => cb(null, chunk), 5) }
      })).pipe(out)
      return out
    }),
    handler: async (req) => { assert.deepEqual(req.body, { a: 1 }); return { ok: true } },
    write: end('{"a":1}')
  }
]

for (const { name: fw, factory } of frameworks) {
  for (const c of cases) {
    test(`${fw}: an ALS store set in onRequest is seen by every later stage, ${c.name}`, async (t) => {
      const { probe } = await probeApp(t, factory, c.setup ?? (() => {}), c.handler)
      assertSeen(await probe('one', c.headers, c.write), 'one')
      // a second request on the same app (a new connection) keeps its own store
      assertSeen(await probe('two', c.headers, c.write), 'two')
    })
    test(`${fw}: @fastify/request-context's store set in onRequest is seen by every later stage, ${c.name}`, async (t) => {
      const { probe } = await probeApp(t, factory, c.setup ?? (() => {}), c.handler, { withRequestContext: true })
      assertSeen(await probe('one', c.headers, c.write), 'one')
      assertSeen(await probe('two', c.headers, c.write), 'two')
    })
  }

  test(`${fw}: 20 concurrent POSTs with JSON bodies each see only their own store`, async (t) => {
    const { probe } = await probeApp(t, factory, () => {}, async (req) => {
      await pause(Math.floor(Math.random() * 20))
      return { ok: true }
    })
    const tags = Array.from({ length: 20 }, (_, i) => `c${i}`)
    const results = await Promise.all(tags.map((tag, i) => probe(tag, json, async (req) => {
      req.write('{"a":')
      await pause(i % 5)
      req.end(`${i}}`)
    })))
    results.forEach((result, i) => assertSeen(result, tags[i]))
  })
}

// ---- where the lifecycle resumes from a timer, the socket, or someone else's callback ----------
// Weft only: Fastify runs these in the timer's or the callback's context (its onSend/onResponse
// see no store there; a probe with an interval-driven "driver" showed null on both GET and POST).

/** An app whose onRequest hook enters { tag } (from x-tag); `stages` records what each hook sees. */
async function watchedApp (t, factory, opts, build) {
  const als = new AsyncLocalStorage()
  const stages = new Map()
  const record = (req, stage) => {
    const tag = req.headers['x-tag']
    if (!stages.has(tag)) stages.set(tag, {})
    stages.get(tag)[stage] = als.getStore()?.tag ?? null
  }
  const app = factory({ logger: false, ...opts })
  t.after(() => app.close())
  app.addHook('onRequest', (req, reply, done) => { als.enterWith({ tag: req.headers['x-tag'] }); done() })
  await build(app, record)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: app.server.address().port, stages }
}

function request (port, { method = 'GET', tag, body, headers = {} }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: '/x', headers: { 'x-tag': tag, connection: 'close', ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A database-driver-like resource made before any request: its callbacks run in its own context. */
function foreignDriver (t) {
  const queue = []
  const timer = setInterval(() => { while (queue.length > 0) queue.shift()() }, 5)
  t.after(() => clearInterval(timer))
  return { query: (cb) => { queue.push(cb) } }
}

const weftFrameworks = frameworks.filter((f) => f.name !== 'fastify')

for (const { name: fw, factory } of weftFrameworks) {
  for (const method of ['GET', 'POST']) {
    test(`${fw}: reply.send from a foreign resource's callback (${method}): onSend and onResponse run in the request's context`, async (t) => {
      const driver = foreignDriver(t)
      const finished = new Map()
      const { port, stages } = await watchedApp(t, factory, {}, (app, record) => {
        app.addHook('onSend', async (req, reply, payload) => { record(req, 'onSend'); return payload })
        app.addHook('onResponse', async (req) => { record(req, 'onResponse'); finished.get(req.headers['x-tag'])() })
        // a callback handler and an async one returning the reply: both send from the driver's callback
        app.route({
          method,
          url: '/x',
          handler: method === 'GET'
            ? (req, reply) => { record(req, 'handler'); driver.query(() => reply.send({ ok: true })) }
            : async (req, reply) => { record(req, 'handler'); driver.query(() => reply.send({ ok: true })); return reply }
        })
      })
      for (const tag of ['a', 'b']) {
        const done = new Promise((resolve) => finished.set(tag, resolve))
        const res = await within(request(port, { method, tag, body: method === 'POST' ? '{"a":1}' : undefined, headers: method === 'POST' ? json : {} }), tag, 5000)
        assert.equal(res.status, 200)
        await within(done, `onResponse of ${tag}`, 5000)
        assert.deepEqual(stages.get(tag), { handler: tag, onSend: tag, onResponse: tag })
      }
    })
  }

  test(`${fw}: a handlerTimeout answers in the request's context (onError, onSend, onResponse)`, async (t) => {
    const finished = new Map()
    const { port, stages } = await watchedApp(t, factory, { handlerTimeout: 60 }, (app, record) => {
      app.addHook('onError', async (req) => { record(req, 'onError') })
      app.addHook('onSend', async (req, reply, payload) => { record(req, 'onSend'); return payload })
      app.addHook('onResponse', async (req) => { record(req, 'onResponse'); finished.get(req.headers['x-tag'])() })
      app.post('/x', async (req) => {
        record(req, 'handler')
        req.signal.addEventListener('abort', () => record(req, 'signal'))
        await pause(1000)
        return 'late'
      })
    })
    for (const tag of ['a', 'b']) {
      const done = new Promise((resolve) => finished.set(tag, resolve))
      const res = await within(request(port, { method: 'POST', tag, body: '{"a":1}', headers: json }), tag, 5000)
      assert.equal(res.status, 503)
      await within(done, `onResponse of ${tag}`, 5000)
      assert.deepEqual(stages.get(tag), { handler: tag, signal: tag, onError: tag, onSend: tag, onResponse: tag })
    }
  })

  test(`${fw}: onTimeout (connectionTimeout) and onRequestAbort run in the request's context`, async (t) => {
    const seen = new Map()
    const { port, stages } = await watchedApp(t, factory, { connectionTimeout: 150 }, (app, record) => {
      app.addHook('onTimeout', async (req) => { record(req, 'onTimeout'); seen.get(req.headers['x-tag'])?.() })
      app.addHook('onRequestAbort', async (req) => { record(req, 'onRequestAbort'); seen.get(req.headers['x-tag'])?.() })
      app.get('/x', async (req) => { record(req, 'handler'); await pause(2000); return 'late' })
    })
    // the server's connection timeout: onTimeout
    const timedOut = new Promise((resolve) => seen.set('slow', resolve))
    const slow = request(port, { tag: 'slow' }).catch(() => null)
    await within(timedOut, 'onTimeout', 5000)
    await slow
    assert.equal(stages.get('slow').onTimeout, 'slow')
    // the client goes away: onRequestAbort
    const aborted = new Promise((resolve) => seen.set('gone', resolve))
    const req = http.request({ host: '127.0.0.1', port, path: '/x', headers: { 'x-tag': 'gone' } })
    req.on('error', () => {})
    req.end()
    await within(new Promise((resolve) => { const check = () => stages.get('gone')?.handler ? resolve() : setTimeout(check, 5); check() }), 'handler of gone', 5000)
    req.destroy()
    await within(aborted, 'onRequestAbort', 5000)
    assert.equal(stages.get('gone').handler, 'gone')
    assert.equal(stages.get('gone').onRequestAbort, 'gone')
  })

  for (const method of ['GET', 'POST']) {
    test(`${fw}: request.signal's abort listeners run in the request's context when the client goes away (${method}, no timeouts)`, async (t) => {
      const aborted = new Map()
      const { port, stages } = await watchedApp(t, factory, {}, (app, record) => {
        app.route({
          method,
          url: '/x',
          handler: async (req) => {
            record(req, 'handler')
            req.signal.addEventListener('abort', () => { record(req, 'signal'); aborted.get(req.headers['x-tag'])() })
            await pause(2000)
            return 'late'
          }
        })
      })
      for (const tag of ['a', 'b']) {
        const done = new Promise((resolve) => aborted.set(tag, resolve))
        const req = http.request({ host: '127.0.0.1', port, method, path: '/x', headers: { 'x-tag': tag, ...(method === 'POST' ? json : {}) } })
        req.on('error', () => {})
        req.end(method === 'POST' ? '{"a":1}' : undefined)
        await within(new Promise((resolve) => { const check = () => stages.get(tag)?.handler ? resolve() : setTimeout(check, 5); check() }), `handler of ${tag}`, 5000)
        req.destroy()
        await within(done, `abort of ${tag}`, 5000)
        assert.deepEqual(stages.get(tag), { handler: tag, signal: tag })
      }
    })
  }
}
