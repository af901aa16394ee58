// weft/observe on requests that carry a body, over a real socket: what the handler does after the
// body was read still belongs to the request (the body's stream events come from the socket's
// context, not the request's). Ground truth by construction: the handler does exactly N things.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import weft from 'weft'
import { observe } from 'weft/observe'
import { spin } from './helpers.js'

const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A local server on 127.0.0.1 recording each request's headers, closed when the test ends (after hooks run in order: make it first). */
async function localServer (t) {
  const seen = []
  const server = http.createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end('{"up":true}') })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return { origin: `http://127.0.0.1:${server.address().port}`, seen }
}

function get (url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
}

async function listening (t, options, routes) {
  const activities = []
  const app = weft()
  t.after(() => app.close())
  await app.register(observe, { ...options, onActivity: (activity) => { activities.push(activity) } })
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, origin: `http://127.0.0.1:${app.server.address().port}`, activities }
}

async function postJson (url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

async function firstActivity (activities) {
  for (let i = 0; i < 300 && activities.length === 0; i++) await sleep(10)
  assert.equal(activities.length, 1, 'one activity reported')
  return activities[0]
}

const countOf = (activity, kind) => activity.operations.filter((o) => o.kind === kind).reduce((n, o) => n + o.count, 0)

test('resources: a POST with a JSON body whose handler reads two files reports fs with count 2', async (t) => {
  const { origin, activities } = await listening(t, { detail: 'resources' }, (app) => {
    app.post('/read', async (request) => {
      await readFile(here)
      await readFile(here)
      return { got: request.body.n }
    })
  })
  const res = await postJson(origin + '/read', { n: 7 })
  assert.deepEqual(res, { status: 200, body: { got: 7 } })
  const activity = await firstActivity(activities)
  assert.equal(countOf(activity, 'fs'), 2, JSON.stringify(activity.operations))
  assert.equal(activity.leaks.length, 0, JSON.stringify(activity.leaks))
})

test('timing: a POST with a JSON body whose handler makes one http.get reports that http.client operation', async (t) => {
  const upstream = await localServer(t)
  const { origin, activities } = await listening(t, { detail: 'timing' }, (app) => {
    app.post('/call', async (request) => ({ status: await get(upstream.origin + '/x'), got: request.body.n }))
  })
  const res = await postJson(origin + '/call', { n: 3 })
  assert.deepEqual(res, { status: 200, body: { status: 200, got: 3 } })
  const activity = await firstActivity(activities)
  assert.equal(countOf(activity, 'http.client'), 1, JSON.stringify(activity.operations))
})

test('tracing: a fetch from the handler of a POST with a JSON body carries the request\'s traceparent', async (t) => {
  const upstream = await localServer(t)
  const collector = await localServer(t) // the OTLP/HTTP endpoint: accepts and forgets
  const traceIds = []
  const { app, origin, activities } = await listening(t, { detail: 'timing', tracing: { serviceName: 'bodies', url: collector.origin + '/v1/traces' } }, (app) => {
    app.addHook('onResponse', async (request) => { traceIds.push(request.activity?.traceId) })
    app.post('/call', async (request) => {
      const r = await fetch(upstream.origin + '/y', { method: 'POST', body: 'x' })
      await r.text()
      return { got: request.body.n }
    })
  })
  const res = await postJson(origin + '/call', { n: 5 })
  assert.deepEqual(res, { status: 200, body: { got: 5 } })
  await firstActivity(activities)
  assert.equal(upstream.seen.length, 1)
  const traceparent = upstream.seen[0].traceparent
  assert.match(traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  assert.equal(traceIds.length, 1)
  assert.equal(traceparent.split('-')[1], traceIds[0])
  await app.close() // exports its spans while the collector still listens
})

// The AsyncResource a body parse settles in (type content-type-parser:run, as Fastify's, made in
// src/http/request-context.ts) is not work of the request: it should fold like a scheduling
// step (src/async/resource-types.ts), never an operation of its own.
test('resources and promises: a POST with a body reports the same operations as the same work without one', async (t) => {
  for (const detail of ['resources', 'promises']) {
    const { origin, activities } = await listening(t, { detail }, (app) => {
      app.route({ method: ['GET', 'POST'], url: '/read', handler: async () => { await readFile(here); return 'read' } })
    })
    await (await fetch(origin + '/read')).text()
    await (await fetch(origin + '/read', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })).text()
    for (let i = 0; i < 300 && activities.length < 2; i++) await sleep(10)
    const ops = (a) => a.operations.map((o) => `${o.kind}:${o.name}:${o.count}`).sort()
    assert.deepEqual(ops(activities[1]), ops(activities[0]), detail)
  }
})

test('the CPU of a handler resumed after its body was read is the request\'s, at every level with CPU', async (t) => {
  for (const detail of ['resources', 'promises', 'stacks']) {
    const { origin, activities } = await listening(t, { detail }, (app) => {
      app.post('/spin', async (request) => { spin(30); return { got: request.body.n } })
    })
    const res = await fetch(`${origin}/spin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' })
    assert.deepEqual(await res.json(), { got: 1 })
    const activity = await firstActivity(activities)
    assert.ok(activity.cpuMs >= 25, `${detail}: cpu ${activity.cpuMs} of a 30 ms spin after the body`)
    assert.ok(activity.maxBlockMs >= 25, `${detail}: longest block ${activity.maxBlockMs}`)
    assert.ok(!activity.operations.some((op) => op.kind === 'other'), `${detail}: ${JSON.stringify(activity.operations)}`)
  }
})
