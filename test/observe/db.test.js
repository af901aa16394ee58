// Database queries as operations of the request that made them, against real MariaDB and
// PostgreSQL servers on loopback: mysql2 through its TracingChannels, pg through
// @opentelemetry/instrumentation-pg's spans and weft's span processor. Pools are smaller than the
// load, so queries wait for connections another request releases. Ground truth by construction: a
// request that runs N queries shows exactly N, whatever ran beside it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { TracerProvider } from '@opentelemetry/sdk-trace'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import weft from 'weft'
import { observe, weftSpanProcessor } from 'weft/observe'
import { startDatabases } from '../support/databases.js'

// pg publishes no TracingChannel: its queries reach weft as OpenTelemetry spans, from the
// instrumentation registered (before pg is loaded) on a provider carrying weft's processor
const provider = new TracerProvider({ spanProcessors: [weftSpanProcessor()] })
const pgInstrumentation = new PgInstrumentation()
pgInstrumentation.setTracerProvider(provider)
pgInstrumentation.enable()
const require = createRequire(import.meta.url)
const pg = require('pg')
const mysql = require('mysql2/promise')
const mysqlCallbacks = require('mysql2')

const PROJECTS = 4
const TASKS_PER_PROJECT = 3
const schema = [
  'CREATE TABLE projects (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)',
  'CREATE TABLE tasks (id INT PRIMARY KEY, project_id INT NOT NULL, title VARCHAR(80) NOT NULL)',
  `INSERT INTO projects (id, name) VALUES ${Array.from({ length: PROJECTS }, (_, p) => `(${p + 1}, 'project ${p + 1}')`).join(', ')}`,
  `INSERT INTO tasks (id, project_id, title) VALUES ${Array.from({ length: PROJECTS * TASKS_PER_PROJECT },
    (_, i) => `(${i + 1}, ${Math.floor(i / TASKS_PER_PROJECT) + 1}, 'task ${i + 1}')`).join(', ')}`
]

const servers = {}
const why = {}
before(async () => {
  const started = await startDatabases(schema)
  Object.assign(servers, started.servers)
  Object.assign(why, started.why)
})
after(async () => {
  pgInstrumentation.disable()
  await Promise.all(Object.values(servers).map((s) => s.stop()))
  await provider.shutdown()
})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function get (url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    }).on('error', reject)
  })
}

/** The activities of `n` requests once all arrived, by URL. */
async function activitiesByUrl (app, n) {
  for (let i = 0; i < 500; i++) {
    const recent = app.observe.recentActivity()
    if (recent.length >= n) return new Map(recent.map((a) => [a.url, a]))
    await sleep(10)
  }
  throw new Error(`${n} activities did not arrive within 5 s`)
}

const dbOps = (activity) => activity.operations.filter((o) => o.kind === 'db')
const dbSpans = (activity) => activity.spans.filter((s) => s.kind === 'db')
const count = (ops) => ops.reduce((n, o) => n + o.count, 0)

/** One app per level with the same routes on both databases; pools smaller than the load. */
async function startApp (t, detail, extra = {}) {
  const mysqlPool = servers.mysql && mysql.createPool({ host: servers.mysql.host, port: servers.mysql.port, user: servers.mysql.user, database: 'weft', connectionLimit: 2 })
  const mysqlCbPool = servers.mysql && mysqlCallbacks.createPool({ host: servers.mysql.host, port: servers.mysql.port, user: servers.mysql.user, database: 'weft', connectionLimit: 2 })
  const pgPool = servers.pg && new pg.Pool({ host: servers.pg.host, port: servers.pg.port, user: servers.pg.user, database: 'weft', max: 2 })
  const app = weft()
  t.after(async () => {
    await app.close()
    await mysqlPool?.end()
    await new Promise((resolve) => mysqlCbPool ? mysqlCbPool.end(resolve) : resolve())
    await pgPool?.end()
  })
  await app.register(observe, { detail, serverTiming: { operations: 10 }, recent: 500, ...extra })

  const db = {
    // mysql2/promise: pool.query, and a connection checked out for the whole request
    mysql: {
      one: async (id) => (await mysqlPool.query('SELECT id, title FROM tasks WHERE id = ?', [id]))[0],
      list: async () => (await mysqlPool.query('SELECT id FROM projects ORDER BY id'))[0],
      tasksOf: async (project) => (await mysqlPool.query('SELECT id, title FROM tasks WHERE project_id = ?', [project]))[0],
      checkout: async (fn) => {
        const conn = await mysqlPool.getConnection()
        try { return await fn((id) => conn.query('SELECT id, title FROM tasks WHERE id = ?', [id]).then((r) => r[0])) } finally { conn.release() }
      }
    },
    // mysql2's callback API (pool.execute: prepared statements)
    mysqlcb: {
      one: (id) => new Promise((resolve, reject) => mysqlCbPool.execute('SELECT id, title FROM tasks WHERE id = ?', [id], (err, rows) => err ? reject(err) : resolve(rows))),
      // a checkout whose queries chain through callbacks: each starts inside the one before's callback
      chain: (n) => new Promise((resolve, reject) => mysqlCbPool.getConnection((err, conn) => {
        if (err) { reject(err); return }
        const next = (i) => {
          if (i > n) { conn.release(); resolve({ ok: true }); return }
          conn.query('SELECT id, title FROM tasks WHERE id = ?', [i], (err) => { if (err) { conn.release(); reject(err) } else next(i + 1) })
        }
        next(1)
      }))
    },
    pg: {
      one: async (id) => (await pgPool.query('SELECT id, title FROM tasks WHERE id = $1', [id])).rows,
      list: async () => (await pgPool.query('SELECT id FROM projects ORDER BY id')).rows,
      tasksOf: async (project) => (await pgPool.query('SELECT id, title FROM tasks WHERE project_id = $1', [project])).rows,
      checkout: async (fn) => {
        const client = await pgPool.connect()
        try { return await fn((id) => client.query('SELECT id, title FROM tasks WHERE id = $1', [id]).then((r) => r.rows)) } finally { client.release() }
      }
    }
  }
  for (const name of Object.keys(db)) {
    // exactly n queries, one after the other
    app.get(`/${name}/n/:n`, async (request) => {
      let rows = 0
      for (let i = 0; i < Number(request.params.n); i++) rows += (await db[name].one(i + 1)).length
      return { rows }
    })
    // as @opentelemetry/instrumentation-mysql2 would: a CLIENT span around each mysql2 query, which
    // mysql2's own channel reports too
    if (name === 'mysql') {
      const tracer = provider.getTracer('@opentelemetry/instrumentation-mysql2')
      app.get('/mysql/instrumented/:n', async (request) => {
        for (let i = 0; i < Number(request.params.n); i++) {
          const text = 'SELECT id, title FROM tasks WHERE id = ?'
          const span = tracer.startSpan('SELECT', { kind: 2, attributes: { 'db.system.name': 'mysql', 'db.query.text': text } })
          try { await mysqlPool.query(text, [i + 1]) } finally { span.end() }
        }
        return { ok: true }
      })
    }
    // as a redis instrumentation would: the statement carries a key and a value, which stay out
    if (name === 'mysql') {
      const tracer = provider.getTracer('some-redis-instrumentation')
      app.get('/redis/set', async () => {
        const span = tracer.startSpan('SET', { kind: 2, attributes: { 'db.system': 'redis', 'db.statement': 'SET user:42:token s3cr3t' } })
        await sleep(2)
        span.end()
        return { ok: true }
      })
    }
    if (db[name].chain !== undefined) app.get(`/${name}/chain/:n`, async (request) => db[name].chain(Number(request.params.n)))
    // a statement that fails: an operation still, with its error
    app.get(`/${name}/missing`, async () => {
      try { await (name === 'pg' ? pgPool.query('SELECT id FROM missing_table') : mysqlPool.query('SELECT id FROM missing_table')) } catch { return { failed: true } }
      return { failed: false }
    })
    if (db[name].list !== undefined) {
      // the N+1 pattern: one list query, then one query per project
      app.get(`/${name}/projects`, async () => {
        const projects = await db[name].list()
        for (const p of projects) p.tasks = await db[name].tasksOf(p.id)
        return projects
      })
      app.get(`/${name}/checkout/:n`, async (request) => db[name].checkout(async (one) => {
        for (let i = 0; i < Number(request.params.n); i++) await one(i + 1)
        return { ok: true }
      }))
    }
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base: `http://127.0.0.1:${app.server.address().port}` }
}

const drivers = [
  { name: 'mysql', server: 'mysql', system: 'mysql', label: 'mysql2/promise pool (TracingChannel)' },
  { name: 'mysqlcb', server: 'mysql', system: 'mysql', label: 'mysql2 callback pool.execute (TracingChannel)' },
  { name: 'pg', server: 'pg', system: 'postgresql', label: 'pg Pool (instrumentation-pg spans)' }
]

// first in the file: the first span starts before mysql2's channel has ever published in this process
describe('mysql2 queries also reported as OpenTelemetry spans count once', () => {
  test('a request running N queries, each inside an instrumentation\'s span, shows exactly N', async (t) => {
    if (servers.mysql === undefined) { t.skip(why.mysql); return }
    const { app, base } = await startApp(t, 'timing')
    assert.equal(app.observe.spanProcessor, weftSpanProcessor(), 'app.observe.spanProcessor is the same processor')
    for (const n of [3, 2]) assert.equal((await get(`${base}/mysql/instrumented/${n}`)).status, 200)
    const byUrl = await activitiesByUrl(app, 2)
    for (const n of [3, 2]) {
      const activity = byUrl.get(`/mysql/instrumented/${n}`)
      assert.deepEqual(dbOps(activity).map((o) => [o.name, o.count]), [['SELECT tasks', n]])
      assert.equal(dbSpans(activity).length, n)
      assert.equal(activity.repeated?.[0]?.count, n >= 3 ? n : undefined)
    }
  })
})

for (const detail of ['timing', 'resources']) {
  describe(`database queries at ${detail}`, () => {
    for (const driver of drivers) {
      describe(driver.label, () => {
        test('a request running N queries shows exactly N db operations and spans, named by summary, with rows', async (t) => {
          if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
          const { app, base } = await startApp(t, detail)
          for (const n of [1, 2, 5]) {
            const res = await get(`${base}/${driver.name}/n/${n}`)
            assert.equal(res.status, 200)
            assert.deepEqual(JSON.parse(res.body), { rows: n })
            assert.match(res.headers['server-timing'], new RegExp(`db;dur=\\d+(\\.\\d)?;desc="${n} quer${n === 1 ? 'y' : 'ies'}"`))
          }
          const byUrl = await activitiesByUrl(app, 3)
          for (const n of [1, 2, 5]) {
            const activity = byUrl.get(`/${driver.name}/n/${n}`)
            const ops = dbOps(activity)
            assert.deepEqual(ops.map((o) => [o.name, o.count, o.active]), [['SELECT tasks', n, 0]], `${n} queries at ${detail}`)
            const spans = dbSpans(activity)
            assert.equal(spans.length, n)
            for (const span of spans) {
              assert.equal(span.name, 'SELECT tasks')
              assert.equal(span.attributes['db.system.name'], driver.system)
              assert.equal(span.attributes['db.operation.name'], 'SELECT')
              assert.equal(span.attributes['db.collection.name'], 'tasks')
              // never the text (nor its values) in what is reported
              assert.equal(JSON.stringify(span).includes('WHERE'), false)
              assert.ok(span.startMs >= 0 && span.startMs + span.wallMs <= activity.wallMs + 1, `span inside the request: ${span.startMs}+${span.wallMs} of ${activity.wallMs}`)
              if (driver.server === 'mysql') assert.equal(span.attributes['db.response.returned_rows'], 1)
            }
            // one after the other: each starts once the one before ended
            for (let i = 1; i < spans.length; i++) assert.ok(spans[i].startMs >= spans[i - 1].startMs + spans[i - 1].wallMs - 0.01)
            assert.equal(activity.repeated?.length ?? 0, n >= 3 ? 1 : 0, 'flagged as repeated from 3 on')
          }
        })

        test('past the 50 listed spans, all 60 queries count and are flagged as one repeated shape', async (t) => {
          if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
          const { app, base } = await startApp(t, detail)
          const res = await get(`${base}/${driver.name}/n/60`)
          assert.equal(res.status, 200)
          assert.match(res.headers['server-timing'], /db;dur=[\d.]+;desc="60 queries"/)
          const activity = (await activitiesByUrl(app, 1)).get(`/${driver.name}/n/60`)
          assert.deepEqual(dbOps(activity).map((o) => [o.name, o.count, o.active]), [['SELECT tasks', 60, 0]])
          // 50 spans listed (the pool's first connect may be one of them), the rest counted
          assert.equal(activity.spans.length, 50)
          assert.ok(dbSpans(activity).length >= 49)
          assert.deepEqual(activity.repeated.map((r) => [r.summary, r.count]), [['SELECT tasks', 60]])
          const listed = dbSpans(activity).reduce((ms, s) => ms + s.wallMs, 0)
          assert.ok(activity.repeated[0].wallMs > listed, 'the unlisted ten add their time')
        })

        test('20 concurrent requests over a 2-connection pool each see exactly their own queries', async (t) => {
          if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
          const { app, base } = await startApp(t, detail)
          const urls = Array.from({ length: 20 }, (_, i) => `/${driver.name}/n/${(i % 4) + 1}?i=${i}`)
          const results = await Promise.all(urls.map((url) => get(base + url)))
          for (const res of results) assert.equal(res.status, 200)
          const byUrl = await activitiesByUrl(app, 20)
          for (const [i, url] of urls.entries()) {
            const n = (i % 4) + 1
            const activity = byUrl.get(url)
            assert.equal(count(dbOps(activity)), n, `${url}: ${JSON.stringify(dbOps(activity))}`)
            assert.equal(dbSpans(activity).length, n, url)
          }
        })

        if (driver.name === 'mysqlcb') {
          test('callback checkouts over a 2-connection pool: queries chained through callbacks stay the asker\'s', async (t) => {
            if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
            const { app, base } = await startApp(t, detail)
            const urls = Array.from({ length: 12 }, (_, i) => `/${driver.name}/chain/${(i % 4) + 1}?i=${i}`)
            const results = await Promise.all(urls.map((url) => get(base + url)))
            for (const res of results) assert.equal(res.status, 200)
            const byUrl = await activitiesByUrl(app, 12)
            for (const [i, url] of urls.entries()) {
              assert.deepEqual(dbOps(byUrl.get(url)).map((o) => [o.name, o.count]), [['SELECT tasks', (i % 4) + 1]], url)
            }
          })
        } else {
          test('a failing statement is an operation with its error', async (t) => {
            if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
            const { app, base } = await startApp(t, detail)
            const res = await get(`${base}/${driver.name}/missing`)
            assert.deepEqual(JSON.parse(res.body), { failed: true })
            const activity = (await activitiesByUrl(app, 1)).get(`/${driver.name}/missing`)
            const [span, ...more] = dbSpans(activity)
            assert.equal(more.length, 0)
            assert.equal(span.name, 'SELECT missing_table')
            assert.equal(typeof span.attributes['error.type'], 'string')
            if (driver.server === 'mysql') assert.equal(span.attributes['error.type'], 'ER_NO_SUCH_TABLE')
          })

          test('an N+1 route (one list query, then one query per row) is flagged as repeated', async (t) => {
            if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
            const { app, base } = await startApp(t, detail)
            const res = await get(`${base}/${driver.name}/projects`)
            assert.equal(res.status, 200)
            assert.equal(JSON.parse(res.body).length, PROJECTS)
            assert.match(res.headers['server-timing'], new RegExp(`db;dur=[\\d.]+;desc="${PROJECTS + 1} queries"`))
            const activity = (await activitiesByUrl(app, 1)).get(`/${driver.name}/projects`)
            assert.deepEqual(dbOps(activity).map((o) => [o.name, o.count]).sort(), [['SELECT projects', 1], ['SELECT tasks', PROJECTS]])
            assert.equal(activity.repeated.length, 1)
            const [repeated] = activity.repeated
            assert.equal(repeated.summary, 'SELECT tasks')
            assert.equal(repeated.count, PROJECTS)
            assert.match(repeated.statement, /^SELECT id, title FROM tasks WHERE project_id = \?$/)
            const perRow = dbSpans(activity).filter((s) => s.name === 'SELECT tasks')
            assert.ok(Math.abs(repeated.wallMs - perRow.reduce((ms, s) => ms + s.wallMs, 0)) < 0.01)
            assert.equal(repeated.callSite, undefined, 'call sites only at stacks')
          })

          test('a connection checked out for the request: its N queries are the request\'s', async (t) => {
            if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
            const { app, base } = await startApp(t, detail)
            const urls = Array.from({ length: 8 }, (_, i) => `/${driver.name}/checkout/${(i % 4) + 1}?i=${i}`)
            const results = await Promise.all(urls.map((url) => get(base + url)))
            for (const res of results) assert.equal(res.status, 200)
            const byUrl = await activitiesByUrl(app, 8)
            for (const [i, url] of urls.entries()) {
              assert.deepEqual(dbOps(byUrl.get(url)).map((o) => [o.name, o.count]), [['SELECT tasks', (i % 4) + 1]], url)
            }
          })
        }
      })
    }
  })
}

// A pool opens its connections inside the request that first needed one, and keeps them: the
// pool owns those sockets (and its idle timers), so they are never that request's leak.
for (const detail of ['resources', 'stacks']) {
  describe(`a pool's connections are the pool's, not the request's (${detail})`, () => {
    for (const driver of drivers) {
      test(driver.label, async (t) => {
        if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
        const { app, base } = await startApp(t, detail)
        // the first requests open the pool's two connections; the later ones reuse them
        await Promise.all([get(`${base}/${driver.name}/n/2`), get(`${base}/${driver.name}/n/2`)])
        await get(`${base}/${driver.name}/n/1`)
        const byUrl = await activitiesByUrl(app, 3)
        for (const activity of app.observe.recentActivity()) {
          assert.deepEqual(activity.leaks.map((l) => `${l.type} ${l.kind}`), [], `${activity.url} at ${detail}: ${JSON.stringify(activity.leaks)}`)
        }
        assert.ok(byUrl.size >= 2)
      })
    }
  })
}

describe('at stacks, a repeated statement names where the application issued it', () => {
  for (const driver of drivers.filter((d) => d.name !== 'mysqlcb')) {
    test(driver.label, async (t) => {
      if (servers[driver.server] === undefined) { t.skip(why[driver.server]); return }
      const { app, base } = await startApp(t, 'stacks')
      assert.equal((await get(`${base}/${driver.name}/projects`)).status, 200)
      const [activity] = await activitiesByUrl(app, 1).then((m) => [...m.values()])
      assert.equal(activity.repeated?.[0]?.count, PROJECTS)
      assert.match(activity.repeated[0].callSite ?? '', /db\.test\.js:\d+:\d+$/)
    })
  }
})

describe('OpenTelemetry export', () => {
  test('each query is a CLIENT child span of the request\'s SERVER span, named by its summary', async (t) => {
    if (servers.mysql === undefined && servers.pg === undefined) { t.skip(`${why.mysql}; ${why.pg}`); return }
    // kept past shutdown (the in-memory exporter forgets its spans when the app's close shuts it down)
    const exported = []
    const exporter = { export (spans, done) { exported.push(...spans); done({ code: 0 }) }, shutdown: async () => {}, forceFlush: async () => {} }
    const { base, app } = await startApp(t, 'timing', { tracing: { exporter, serviceName: 'db-test' } })
    const routes = [servers.mysql && '/mysql/n/3', servers.pg && '/pg/n/2'].filter(Boolean)
    for (const url of routes) assert.equal((await get(base + url)).status, 200)
    await activitiesByUrl(app, routes.length)
    await app.close()
    const spans = exported
    for (const url of routes) {
      const server = spans.find((s) => s.kind === 1 && s.attributes['url.path'] === url.split('?')[0])
      assert.ok(server, `SERVER span of ${url}`)
      const queries = spans.filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId && s.attributes['db.system.name'] !== undefined)
      assert.equal(queries.length, Number(url.at(-1)), url)
      for (const q of queries) {
        assert.equal(q.kind, 2) // CLIENT
        assert.equal(q.name, 'SELECT tasks')
        assert.equal(q.attributes['db.collection.name'], 'tasks')
      }
    }
    // weft's own db spans were not read back as queries (no loop): the activity counts stayed exact
    for (const activity of app.observe.recentActivity()) assert.equal(count(dbOps(activity)), Number(activity.url.at(-1)))
  })
})

describe('a command store\'s spans (redis)', () => {
  test('are named by their command alone: no key, no value (no server needed)', async (t) => {
    const { app, base } = await startApp(t, 'timing')
    assert.equal((await get(`${base}/redis/set`)).status, 200)
    const activity = (await activitiesByUrl(app, 1)).get('/redis/set')
    assert.deepEqual(dbOps(activity).map((o) => [o.name, o.count]), [['SET', 1]])
    assert.equal(JSON.stringify(activity).includes('user:42'), false)
    assert.equal(JSON.stringify(activity).includes('s3cr3t'), false)
    assert.equal(dbSpans(activity)[0].attributes['db.system.name'], 'redis')
  })
})
