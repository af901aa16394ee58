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
