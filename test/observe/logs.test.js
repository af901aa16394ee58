// The app logger and observe, over real sockets: the logger's own writes are never an operation
// of the request that logged (no fs, pipe or tty work), and each request's lines (records carrying
// its id) are in its activity, only its own, in time from its start.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import weft from 'weft'
import { observe } from 'weft/observe'

const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function get (url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
}

/** An app logging through pino to a file (an asynchronous destination, as stdout is), observed at `detail`. */
async function logged (t, detail, routes) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-logs-'))
  const file = join(dir, 'log.ndjson')
  const dest = pino.destination({ dest: file, sync: false })
  const app = weft({ logger: { level: 'info', stream: dest } })
  await app.register(observe, { detail })
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => {
    await app.close()
    try { dest.end() } catch {} // a write may still be in flight: ending waits for it
    rmSync(dir, { recursive: true, force: true })
  })
  const base = `http://127.0.0.1:${app.server.address().port}`
  const activities = async (n) => {
    for (let i = 0; i < 300; i++) {
      const recent = app.observe.recentActivity()
      if (recent.length >= n) return recent
      await sleep(10)
    }
    throw new Error(`${n} activities did not arrive`)
  }
  /** The records in the file once `ok(records)` holds (a write may still be in flight). */
  const written = async (ok) => {
    let records = []
    for (let i = 0; i < 200; i++) {
      records = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      if (ok(records)) break
      await sleep(10)
    }
    return records
  }
  return { base, activities, written }
}

for (const detail of ['timing', 'resources', 'stacks']) {
  describe(`log lines at '${detail}'`, () => {
    test('request.log.info(\'hello\') is in that request\'s activity, and its write is no operation of it', async (t) => {
      const { base, activities, written } = await logged(t, detail, (app) => {
        app.get('/', async (request) => { request.log.info('hello'); await sleep(5); request.log.warn('careful'); return 'ok' })
      })
      assert.equal(await get(base + '/'), 200)
      const [activity] = await activities(1)
      const mine = activity.logs.filter((l) => l.msg === 'hello' || l.msg === 'careful')
      assert.deepEqual(mine.map((l) => `${l.level} ${l.msg}`), ['info hello', 'warn careful'])
      assert.ok(mine[0].timeMs >= 0 && mine[0].timeMs <= mine[1].timeMs && mine[1].timeMs <= activity.wallMs, JSON.stringify(activity.logs))
      assert.ok(mine[1].timeMs - mine[0].timeMs >= 4, JSON.stringify(mine))
      assert.deepEqual(activity.operations.filter((o) => o.kind === 'fs' || o.kind === 'net'), [], JSON.stringify(activity.operations))
      assert.deepEqual(activity.spans, [])
      // ground truth: the lines were written, with the request's id
      const lines = (await written((all) => all.filter((l) => l.reqId === activity.id && l.msg === 'careful').length > 0)).filter((l) => l.reqId === activity.id)
      assert.ok(lines.some((l) => l.msg === 'hello') && lines.some((l) => l.msg === 'careful'), JSON.stringify(lines))
    })

    test('concurrent requests each get only their own lines', async (t) => {
      const { base, activities } = await logged(t, detail, (app) => {
        app.get('/:n', async (request) => {
          for (let i = 0; i < 3; i++) { request.log.info(`line ${request.params.n}.${i}`); await sleep(1 + (i * 3) % 5) }
          return 'ok'
        })
      })
      const n = 6
      await Promise.all(Array.from({ length: n }, (_, i) => get(`${base}/${i}`)))
      const recent = await activities(n)
      for (const a of recent) {
        const own = a.url.slice(1)
        const lines = a.logs.filter((l) => l.msg.startsWith('line '))
        assert.deepEqual(lines.map((l) => l.msg), [0, 1, 2].map((i) => `line ${own}.${i}`), `${a.url}: ${JSON.stringify(a.logs)}`)
      }
    })
  })
}

describe('logger: true, stdout a pipe', () => {
  for (const detail of ['resources', 'stacks']) {
    test(`at '${detail}': the request's line is in its activity, and no fs, pipe or tty operation is`, () => {
      const r = spawnSync(process.execPath, [fixture('logger-stdout.js'), detail], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 })
      assert.equal(r.status, 0, r.stderr)
      const activity = JSON.parse(r.stderr.trim().split('\n').pop())
      assert.ok(r.stdout.includes('"msg":"hello"'), 'ground truth: pino wrote the line to stdout')
      assert.ok(activity.logs.some((l) => l.level === 'info' && l.msg === 'hello'), JSON.stringify(activity.logs))
      assert.deepEqual(activity.operations.filter((o) => o.kind !== 'promise'), [], JSON.stringify(activity.operations))
      assert.deepEqual(activity.spans, [])
    })
  }
})

describe('log lines and request ids', () => {
  /** An app logging to a sink it keeps (pino writes synchronously into it), observed at timing. */
  async function app (t, options, routes) {
    const records = []
    const stream = { write (line) { records.push(JSON.parse(line)) } }
    const a = weft({ logger: { level: 'info', stream }, ...options })
    await a.register(observe, { detail: 'timing' })
    routes(a)
    await a.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => a.close())
    return { app: a, records, base: `http://127.0.0.1:${a.server.address().port}` }
  }
  function getWithId (url, id) {
    return new Promise((resolve, reject) => {
      http.get(url, { headers: { 'x-request-id': id } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
    })
  }

  test('a finished request\'s `request completed` line is not kept waiting as an early line of a request to come', async (t) => {
    const { app: a, records, base } = await app(t, {}, (a) => a.get('/', async () => 'ok'))
    for (let i = 0; i < 20; i++) assert.equal(await get(base + '/'), 200)
    assert.equal(records.filter((r) => r.msg === 'request completed').length, 20, 'ground truth: 20 completed lines written')
    assert.equal(a.observe.sizes().earlyLogs.size, 0)
  })

  test('a client reusing an X-Request-Id does not get the previous request\'s lines', async (t) => {
    const { app: a, base } = await app(t, { requestIdHeader: 'x-request-id' }, (a) => {
      a.get('/:n', async (request) => { request.log.info(`mine ${request.params.n}`); return 'ok' })
    })
    for (let n = 0; n < 3; n++) assert.equal(await getWithId(`${base}/${n}`, 'same'), 200)
    const recent = a.observe.recentActivity()
    assert.equal(recent.length, 3)
    for (const activity of recent) {
      const own = activity.url.slice(1)
      assert.deepEqual(activity.logs.map((l) => l.msg), ['incoming request', `mine ${own}`], JSON.stringify(activity.logs))
      assert.ok(activity.logs.every((l) => l.timeMs >= 0), JSON.stringify(activity.logs))
    }
  })

  test('two requests at once under one id: the first ending does not cut the second off its lines', async (t) => {
    const { app: a, base } = await app(t, { requestIdHeader: 'x-request-id' }, (a) => {
      a.get('/quick', async (request) => { request.log.info('quick'); return 'ok' })
      a.get('/slow', async (request) => { await sleep(60); request.log.info('slow, after the quick one ended'); return 'ok' })
    })
    const slow = getWithId(`${base}/slow`, 'shared')
    await sleep(15)
    assert.equal(await getWithId(`${base}/quick`, 'shared'), 200)
    assert.equal(await slow, 200)
    const byUrl = Object.fromEntries(a.observe.recentActivity().map((x) => [x.url, x.logs.map((l) => l.msg)]))
    assert.ok(byUrl['/slow'].includes('slow, after the quick one ended'), JSON.stringify(byUrl))
    assert.ok(!byUrl['/quick'].includes('slow, after the quick one ended'), JSON.stringify(byUrl))
  })
})
