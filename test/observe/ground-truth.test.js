// Ground truth of weft/observe over real sockets, at every level: one app per level whose routes do
// known async work (file reads, a fetch, an http.get through a keep-alive agent, a pooled database
// query, CPU spins, a block, a left-behind timer, bodies of four types), all fired at once beside an
// idle neighbour. Each request's report must show exactly what it did, and nothing of its neighbours.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { TracerProvider } from '@opentelemetry/sdk-trace'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import weft from 'weft'
import { observe, weftSpanProcessor } from 'weft/observe'
import { block, clock, spin } from './helpers.js'
import { startDatabases } from '../support/databases.js'

// pg publishes no TracingChannel: its queries reach weft as spans of the instrumentation, enabled
// before pg is loaded, on a provider carrying weft's processor
const provider = new TracerProvider({ spanProcessors: [weftSpanProcessor()] })
const pgInstrumentation = new PgInstrumentation()
pgInstrumentation.setTracerProvider(provider)
pgInstrumentation.enable()
const require = createRequire(import.meta.url)
const pg = require('pg')
const mysql = require('mysql2/promise')

const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/**
 * CPU and longest block, at most, of a request that only waits. On the thread clock a neighbour's
 * 20 or 30 ms spin would not fit under 10 ms of CPU. A block is wall time: a descheduled thread or
 * a GC pause shows there (28 ms was seen with 3.8 ms of CPU, 4 suites on 2 cores), so only a
 * neighbour's spin and block together are told apart. On the wall clock (Node 20) the machine's
 * descheduling inside its callbacks counts as CPU too: 40 ms was seen, so only a whole
 * neighbour's 50 ms of spinning is told apart.
 */
const idleBound = clock === 'thread' ? { cpu: 10, block: 50 } : { cpu: 50, block: 50 }
/** Node 26 reads a small file in one thread-pool job; below it fs.promises runs a chain of requests on a FileHandle. */
const fsJobs = Number(process.versions.node.split('.')[0]) >= 26

const schema = [
  'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)',
  "INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two')"
]
const servers = {}
const why = {}
let upstream
before(async () => {
  const started = await startDatabases(schema)
  Object.assign(servers, started.servers)
  Object.assign(why, started.why)
  // the upstream of /fetch and /get: keeps its connections alive, so the callers' pools keep sockets
  upstream = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('up')) })
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
})
after(async () => {
  pgInstrumentation.disable()
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
  await Promise.all(Object.values(servers).map((s) => s.stop()))
  await provider.shutdown()
})

const sum = (ops) => ops.reduce((n, o) => n + o.count, 0)
const countOf = (activity, kind) => sum(activity.operations.filter((o) => o.kind === kind))
const spansOf = (activity, kind) => activity.spans.filter((s) => s.kind === kind)
const end = (x) => x.startMs + x.wallMs
const show = (activity) => JSON.stringify({
  ops: activity.operations.map((o) => `${o.kind} ${o.name} x${o.count}${o.active ? ` (${o.active} active)` : ''}`),
  spans: activity.spans.map((s) => `${s.kind} ${s.name} ${s.startMs.toFixed(2)}+${s.wallMs.toFixed(2)}`),
  leaks: activity.leaks.map((l) => `${l.type} ${l.kind}`),
  cpuMs: activity.cpuMs,
  maxBlockMs: activity.maxBlockMs,
  wallMs: activity.wallMs
})

/** One app at `detail` with every route, listening; its pools, agent and timers go at the test's end. */
async function startApp (t, detail) {
  const kept = []
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
  const mysqlPool = servers.mysql && mysql.createPool({ host: servers.mysql.host, port: servers.mysql.port, user: servers.mysql.user, database: 'weft', connectionLimit: 2 })
  const pgPool = servers.pg && new pg.Pool({ host: servers.pg.host, port: servers.pg.port, user: servers.pg.user, database: 'weft', max: 2 })
  const app = weft()
  t.after(async () => {
    kept.forEach(clearInterval)
    await app.close()
    agent.destroy()
    await mysqlPool?.end()
    await pgPool?.end()
  })
  // the three ways a report is handed out: recentActivity(), onActivity, request.activity
  const reported = new Map()
  const seenInOnResponse = new Map()
  await app.register(observe, { detail, recent: 500, leakWarnings: false, onActivity: (activity) => { reported.set(activity.url, activity) } })
  app.addHook('onResponse', async (request) => { seenInOnResponse.set(request.url, request.activity) })
  await app.register(formbody)
  await app.register(multipart)

  app.get('/files/3', async () => {
    for (let i = 0; i < 3; i++) await readFile(here)
    return 'read 3'
  })
  app.get('/files/parallel', async () => {
    await Promise.all([readFile(here), readFile(here)])
    return 'read 2 at once'
  })
  app.get('/fetch', async () => {
    const res = await fetch(`http://127.0.0.1:${upstream.address().port}/f`)
    return res.text()
  })
  app.get('/get', () => new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${upstream.address().port}/g`, { agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  }))
  if (mysqlPool) app.get('/db/mysql', async () => (await mysqlPool.query('SELECT id, name FROM items WHERE id = ?', [1]))[0])
  if (pgPool) app.get('/db/pg', async () => (await pgPool.query('SELECT id, name FROM items WHERE id = $1', [1])).rows)
  app.get('/cpu', async () => { spin(20); await readFile(here); spin(30); return 'spun 50' })
  app.get('/block', async () => { await readFile(here); block(30); return 'blocked 30' })
  app.get('/leak', async () => { kept.push(setInterval(() => {}, 60_000).unref()); return 'left a timer' })
  app.get('/sleep', async () => { await sleep(80); return 'slept' })
  // bodies: exactly one file read once the body was read
  app.post('/body/json', async (request) => { await readFile(here); return { got: request.body.n } })
  app.post('/body/text', async (request) => { await readFile(here); return { got: request.body } })
  app.post('/body/form', async (request) => { await readFile(here); return { got: request.body.n } })
  app.post('/body/multipart', async (request) => {
    const file = await request.file()
    const content = (await file.toBuffer()).toString()
    await readFile(here)
    return { got: content }
  })

  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base: `http://127.0.0.1:${app.server.address().port}`, reported, seenInOnResponse }
}

/** What each request of the load sends, and what its answer must be. */
const requests = [
  { path: '/files/3', expect: 'read 3' },
  { path: '/files/parallel', expect: 'read 2 at once' },
  { path: '/fetch', expect: 'up' },
  { path: '/get', expect: 'up' },
  { path: '/db/mysql', db: 'mysql', expect: '[{"id":1,"name":"one"}]' },
  { path: '/db/pg', db: 'pg', expect: '[{"id":1,"name":"one"}]' },
  { path: '/cpu', expect: 'spun 50' },
  { path: '/block', expect: 'blocked 30' },
  { path: '/leak', expect: 'left a timer' },
  { path: '/sleep', expect: 'slept' },
  { path: '/body/json', body: () => ({ headers: { 'content-type': 'application/json' }, body: '{"n":7}' }), expect: '{"got":7}' },
  { path: '/body/text', body: () => ({ headers: { 'content-type': 'text/plain' }, body: 'seven' }), expect: '{"got":"seven"}' },
  { path: '/body/form', body: () => ({ body: new URLSearchParams({ n: '7' }) }), expect: '{"got":"7"}' },
  {
    path: '/body/multipart',
    body: () => { const form = new FormData(); form.append('f', new Blob(['file content']), 'a.txt'); return { body: form } },
    expect: '{"got":"file content"}'
  }
]

async function send (base, request, url) {
  const init = request.body ? { method: 'POST', ...request.body() } : {}
  const res = await fetch(base + url, { ...init, headers: { ...init.headers, connection: 'close' } })
  return { status: res.status, text: await res.text() }
}

async function activitiesByUrl (app, n) {
  for (let i = 0; i < 500; i++) {
    const recent = app.observe.recentActivity()
    if (recent.length >= n) return new Map(recent.map((a) => [a.url, a]))
    await sleep(10)
  }
  throw new Error(`${n} activities did not arrive within 5 s (${app.observe.recentActivity().length} did)`)
}

/** What holds for every request at every level. */
function invariants (activity, detail) {
  const at = `${activity.url} at ${detail}: ${show(activity)}`
  assert.equal(activity.statusCode, 200, at)
  assert.equal(activity.detail, detail, at)
  for (const span of activity.spans) {
    assert.ok(span.startMs >= 0 && end(span) <= activity.wallMs + 0.01, `span ${span.kind} ${span.name} ${span.startMs}+${span.wallMs} outside ${activity.wallMs}: ${at}`)
  }
  const phases = [...activity.phases].sort((a, b) => a.startMs - b.startMs)
  for (let i = 0; i < phases.length; i++) {
    assert.ok(phases[i].startMs >= 0 && phases[i].wallMs >= 0, at)
    if (i > 0) assert.ok(end(phases[i - 1]) <= phases[i].startMs + 0.01, `phases ${phases[i - 1].name} and ${phases[i].name} overlap: ${JSON.stringify(phases)}`)
  }
  // wallMs ends when the response finished: the stages up to the write lie inside it, onResponse
  // and observe's report come after it; all of them, observe's own work included, are disjoint
  const answered = phases.filter((p) => p.name !== 'onResponse')
  assert.ok(answered.length === 0 || end(answered.at(-1)) <= activity.wallMs + 0.01, `a phase past the response: ${JSON.stringify(phases)} ${at}`)
  const phaseMs = phases.reduce((ms, p) => ms + p.wallMs, 0)
  const last = Math.max(activity.wallMs, ...phases.map(end))
  // (observeMs includes making the report once the response finished, after the last phase when
  // there is no onResponse hook: 2.2 ms of it was seen at stacks on a loaded machine)
  assert.ok(phaseMs + activity.observeMs <= last + 5, `phases ${phaseMs} + observe ${activity.observeMs} > ${last}: ${JSON.stringify(phases)} ${at}`)
  assert.ok(answered.reduce((ms, p) => ms + p.wallMs, 0) <= activity.wallMs + 0.01, at)
  if (detail === 'timing') {
    assert.equal(activity.cpuMs, null, at)
    assert.equal(activity.maxBlockMs, null, at)
    assert.equal(activity.loopWaitMs, null, at)
    assert.equal(activity.waitMs, null, at)
    assert.equal(countOf(activity, 'fs'), 0, `timing sees no file read: ${at}`)
    assert.deepEqual(activity.leaks, [], at)
  } else {
    assert.equal(activity.cpuClock, clock, at)
    assert.ok(activity.cpuMs >= 0 && activity.cpuMs <= activity.wallMs + 2, `cpu ${activity.cpuMs} > wall: ${at}`)
    assert.ok(activity.maxBlockMs <= activity.cpuMs + 0.01 || clock === 'thread', `block ${activity.maxBlockMs} > cpu on the wall clock: ${at}`)
    assert.ok(activity.loopWaitMs >= 0 && activity.loopWaitMs <= activity.wallMs, `loop wait ${activity.loopWaitMs}: ${at}`)
    assert.ok(Math.abs(activity.waitMs - (activity.wallMs - activity.cpuMs)) < 0.01, `waitMs is wallMs - cpuMs: ${at}`)
  }
}

/** What the request did, by construction. */
function groundTruth (activity, detail, path) {
  const at = `${activity.url} at ${detail}: ${show(activity)}`
  const seesFs = detail !== 'timing'
  const db = countOf(activity, 'db')
  const httpClient = countOf(activity, 'http.client')
  const fsCount = countOf(activity, 'fs')
  const nativeLeaks = activity.leaks.map((l) => `${l.type} ${l.kind}`)
  if (path !== '/db/mysql' && path !== '/db/pg') assert.equal(db, 0, `no query: ${at}`)
  if (path !== '/fetch' && path !== '/get') assert.equal(httpClient, 0, `no outgoing call: ${at}`)
  if (path !== '/leak') assert.deepEqual(nativeLeaks, [], `no leak: ${at}`)
  assert.ok(!activity.operations.some((o) => o.kind === 'other'), `no unknown operation: ${at}`)
  switch (path) {
    case '/files/3': {
      assert.equal(fsCount, seesFs ? 3 : 0, at)
      const fsSpans = spansOf(activity, 'fs')
      assert.equal(fsSpans.length, seesFs ? 3 : 0, at)
      for (let i = 1; i < fsSpans.length; i++) assert.ok(end(fsSpans[i - 1]) <= fsSpans[i].startMs + 0.01, `in order: ${at}`)
      break
    }
    case '/files/parallel':
      // KNOWN LIMIT (docs/async.md): on Node 20-24 two fs.promises calls at once in one request may
      // be grouped as more operations (their FileHandle requests continue in promise code, with no
      // trigger to follow): 3 as a rule, one still active at the end, 4 seen at stacks on Node 22
      // under load; Node 26's one job per read is exact
      if (!seesFs) assert.equal(fsCount, 0, at)
      else if (fsJobs) assert.deepEqual([fsCount, spansOf(activity, 'fs').length], [2, 2], at)
      else assert.ok(fsCount >= 2 && fsCount <= 4, at)
      break
    case '/fetch':
    case '/get':
      assert.equal(httpClient, 1, at)
      assert.equal(spansOf(activity, 'http.client').length, 1, at)
      assert.equal(fsCount, 0, at)
      break
    case '/db/mysql':
    case '/db/pg':
      assert.deepEqual(activity.operations.filter((o) => o.kind === 'db').map((o) => [o.name, o.count, o.active]), [['SELECT items', 1, 0]], at)
      assert.equal(spansOf(activity, 'db').length, 1, at)
      assert.equal(fsCount, 0, at)
      break
    case '/cpu':
      assert.equal(fsCount, seesFs ? 1 : 0, at)
      if (seesFs) {
        assert.ok(activity.cpuMs >= 45, `cpu of a 20 + 30 ms spin: ${at}`)
        assert.ok(activity.maxBlockMs >= 25, `longest block of a 30 ms spin: ${at}`)
      }
      break
    case '/block':
      assert.equal(fsCount, seesFs ? 1 : 0, at)
      if (seesFs) {
        assert.ok(activity.maxBlockMs >= 25, `a 30 ms block: ${at}`)
        // (its own callbacks cost a few ms, more at stacks under load; counting the wait adds 30)
        if (clock === 'thread') assert.ok(activity.cpuMs < 20, `the thread slept: ${at}`)
        else assert.ok(activity.cpuMs >= 25, `on the wall clock the wait is CPU: ${at}`)
      }
      break
    case '/leak':
      assert.deepEqual(nativeLeaks, seesFs ? ['Timeout timer'] : [], at)
      assert.equal(fsCount, 0, at)
      break
    case '/sleep':
      assert.equal(fsCount, 0, at)
      assert.deepEqual(activity.spans.filter((s) => s.kind !== 'promise'), [], at)
      if (seesFs) {
        assert.ok(activity.cpuMs < idleBound.cpu, `idle: ${at}`)
        assert.ok(activity.maxBlockMs < idleBound.block, `idle: ${at}`)
      }
      break
    default: // the bodies
      assert.equal(fsCount, seesFs ? 1 : 0, at)
      assert.equal(spansOf(activity, 'fs').length, seesFs ? 1 : 0, at)
      if (seesFs) {
        const [read] = spansOf(activity, 'fs')
        const handler = activity.phases.find((p) => p.name === 'handler')
        assert.ok(read.startMs >= handler.startMs - 0.01 && end(read) <= end(handler) + 0.01, `the read is the handler's: ${at}`)
      }
  }
}

for (const detail of ['timing', 'resources', 'promises', 'stacks']) {
  describe(`ground truth at '${detail}'`, () => {
    test('every route twice at once, twice over, beside an idle neighbour: each report shows exactly its own work', async (t) => {
      const { app, base, reported, seenInOnResponse } = await startApp(t, detail)
      const load = requests.filter((r) => r.db === undefined || servers[r.db] !== undefined)
      for (const r of requests) if (r.db !== undefined && servers[r.db] === undefined) t.diagnostic(`${r.path} left out: ${why[r.db]}`)
      const urls = []
      // round 0 opens the pools' connections, round 1 reuses them
      for (const round of [0, 1]) {
        const batch = load.flatMap((r) => [0, 1].map((i) => ({ r, url: `${r.path}?round=${round}&i=${i}` })))
        const answers = await Promise.all(batch.map(({ r, url }) => send(base, r, url)))
        for (const [k, answer] of answers.entries()) {
          assert.deepEqual(answer, { status: 200, text: batch[k].r.expect }, batch[k].url)
          urls.push(batch[k])
        }
      }
      const byUrl = await activitiesByUrl(app, urls.length)
      // every request checked, all that differ listed together
      const wrong = []
      for (const { r, url } of urls) {
        const activity = byUrl.get(url)
        try {
          assert.ok(activity, `activity of ${url}`)
          assert.equal(reported.get(url), activity, `onActivity hands out the recent activity of ${url}`)
          assert.equal(seenInOnResponse.get(url), activity, `request.activity in onResponse is that activity: ${url}`)
          invariants(activity, detail)
          groundTruth(activity, detail, r.path)
        } catch (err) { wrong.push(err.message) }
      }
      if (process.env.WEFT_GROUND_TRUTH_SHOW) for (const { url } of urls) if (url.includes('round=1&i=0')) t.diagnostic(`${detail} ${url.split('?')[0]} ${show(byUrl.get(url))}`)
      assert.deepEqual(wrong, [], `${wrong.length} of ${urls.length} requests differ from what they did:\n${wrong.join('\n')}`)
      assert.equal(app.observe.internalErrors, 0)
    })
  })
}

// One request's continuation wakes another's in the same microtask drain: A, resumed after its file
// read, opens a gate B waits on, then spins 30 ms; B's continuation runs right after, in the tail of
// A's read callback. At 'promises' and up each reaction is timed on its own: the spin is A's. At
// 'resources' continuations are timed with the callback before them and the spin may be charged to
// B (docs/observe.md); whoever gets it, its longest block goes with its CPU.
for (const detail of ['resources', 'promises', 'stacks']) {
  test(`a continuation woken in another request's microtask drain, at '${detail}'`, async (t) => {
    const app = weft()
    t.after(() => app.close())
    await app.register(observe, { detail, recent: 50 })
    let open
    const gate = new Promise((resolve) => { open = resolve })
    let waiting
    const bWaits = new Promise((resolve) => { waiting = resolve })
    app.get('/a', async () => { await bWaits; await readFile(here); open(); spin(30); return 'a' })
    app.get('/b', async () => { waiting(); await gate; await readFile(here); return 'b' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${app.server.address().port}`
    const answers = await Promise.all(['/b', '/a'].map((path) => send(base, {}, path).then((r) => r.text)))
    assert.deepEqual(answers, ['b', 'a'])
    const byUrl = await activitiesByUrl(app, 2)
    const a = byUrl.get('/a')
    const b = byUrl.get('/b')
    for (const activity of [a, b]) invariants(activity, detail)
    assert.ok(a.cpuMs + b.cpuMs >= 25, `the 30 ms spin is someone's: ${show(a)} ${show(b)}`)
    if (detail !== 'resources') {
      assert.ok(a.cpuMs >= 25 && a.maxBlockMs >= 25, `the spin is A's: ${show(a)}`)
      // (on the wall clock B's callbacks count the machine's descheduling: 69 ms was seen at stacks)
      // (its own read and, at stacks, its call-site walks: 10.4 ms seen under load; A's spin adds 30)
      if (clock === 'thread') assert.ok(b.cpuMs < 20, `B only waited: ${show(b)}`)
    }
    // on the wall clock a block is CPU: one longer than all of a request's CPU is someone else's
    if (clock === 'wall') for (const activity of [a, b]) assert.ok(activity.maxBlockMs <= activity.cpuMs + 0.5, `block ${activity.maxBlockMs} > cpu ${activity.cpuMs}: ${activity.url}`)
  })
}
