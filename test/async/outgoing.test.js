// Outgoing calls from Node's diagnostics_channel events: HTTP requests (node:http and fetch), child
// processes, workers and connects, attributed to the operation that made them, at `timing` without
// any async_hooks hook, and agreeing with async_hooks' grouping at the other levels.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import dc from 'node:diagnostics_channel'
import asyncHooks from 'node:async_hooks'
import { syncBuiltinESMExports } from 'node:module'
import { execFile } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { createTracker } from 'weft/async'

const outside = fn => new Promise(resolve => setImmediate(() => resolve(fn())))

/** A local upstream on 127.0.0.1, port 0. */
async function startUpstream () {
  const server = http.createServer((req, res) => {
    res.statusCode = req.url.startsWith('/missing') ? 404 : 200
    res.end('ok')
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, port: server.address().port }
}

const get = url => new Promise((resolve, reject) => {
  http.get(url, res => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
})
const runNode = () => new Promise((resolve, reject) => execFile(process.execPath, ['-e', ''], e => e ? reject(e) : resolve()))

/** Exactly 2 http.get, 1 fetch and 1 child process. */
async function knownCalls (port) {
  assert.equal(await get(`http://127.0.0.1:${port}/a?token=secret`), 200)
  assert.equal(await get(`http://127.0.0.1:${port}/missing`), 404)
  const res = await fetch(`http://127.0.0.1:${port}/b?q=1`)
  await res.text()
  await runNode()
}

const countOf = (report, kind) => report.operations.filter(o => o.kind === kind).reduce((n, o) => n + o.count, 0)

/** Counts calls to async_hooks.createHook made while it is installed. */
function spyOnCreateHook () {
  const original = asyncHooks.createHook
  const spy = { calls: 0 }
  asyncHooks.createHook = (...args) => { spy.calls++; return original(...args) }
  syncBuiltinESMExports()
  spy.restore = () => { asyncHooks.createHook = original; syncBuiltinESMExports() }
  return spy
}

describe("outgoing calls at 'timing', from diagnostics_channel alone", () => {
  let upstream
  before(async () => { upstream = await startUpstream() })
  after(() => upstream.server.close())

  it('lists exactly 2 http.get, 1 fetch and 1 child process, named by method and host:port, with status codes; no createHook', async () => {
    const spy = spyOnCreateHook()
    let tracker
    try {
      tracker = createTracker({ detail: 'timing' }).enable()
      const op = tracker.begin('request')
      await op.run(() => knownCalls(upstream.port))
      const report = await outside(() => op.end())
      const name = `GET 127.0.0.1:${upstream.port}`
      const http = report.operations.filter(o => o.kind === 'http.client')
      assert.deepEqual(http.map(o => [o.name, o.count, o.active]), [[name, 3, 0]])
      assert.deepEqual(report.operations.filter(o => o.kind === 'child_process').map(o => [o.name, o.count]), [['spawn node', 1]])
      // fetch's pool opened its own connection to this new upstream (node:http's connects are part of their request)
      assert.equal(countOf(report, 'net'), 1)

      const spans = report.spans.filter(s => s.kind !== 'net')
      assert.deepEqual(spans.map(s => [s.kind, s.name, s.attributes['http.response.status_code']]), [
        ['http.client', name, 200], ['http.client', name, 404], ['http.client', name, 200], ['child_process', 'spawn node', undefined]
      ])
      for (const s of spans) {
        assert.ok(s.startMs >= 0 && s.startMs <= report.wallMs)
        assert.ok(s.wallMs >= 0 && s.startMs + s.wallMs <= report.wallMs + 1e-6)
        assert.equal(s.active, false)
      }
      assert.ok(spans[0].startMs < spans[1].startMs && spans[1].startMs < spans[2].startMs, 'in start order')
      assert.equal(spans[0].attributes['server.address'], '127.0.0.1')
      assert.equal(spans[0].attributes['server.port'], upstream.port)
      assert.equal(spans[0].attributes['http.request.method'], 'GET')
      assert.equal(spans[3].attributes['process.exit.code'], 0)
      assert.ok(!JSON.stringify(report).includes('secret'), 'never the path or query')

      assert.equal(spy.calls, 0, 'async_hooks.createHook was not called')
      assert.equal(tracker.stats().created, 0)
      assert.equal(tracker.stats().internalErrors, 0)
    } finally {
      tracker?.disable()
      spy.restore()
    }
  })

  it('the createHook spy sees the hook of a resources tracker (the check above can fail)', () => {
    const spy = spyOnCreateHook()
    try {
      createTracker({ detail: 'resources' }).enable().disable()
      assert.equal(spy.calls, 1)
    } finally { spy.restore() }
  })

  it('attributes each call to its own operation when two run at once', async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const a = tracker.begin('a')
      const b = tracker.begin('b')
      await Promise.all([
        a.run(() => get(`http://127.0.0.1:${upstream.port}/a`)),
        b.run(() => get(`http://127.0.0.1:${upstream.port}/b`)),
        b.run(() => fetch(`http://127.0.0.1:${upstream.port}/c`).then(r => r.text()))
      ])
      assert.equal(countOf(a.end(), 'http.client'), 1)
      assert.equal(countOf(b.end(), 'http.client'), 2)
    } finally { tracker.disable() }
  })

  it('counts the calls of a nested track() in the enclosing operation too', async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const op = tracker.begin('request')
      await op.run(() => tracker.track('upstream', () => get(`http://127.0.0.1:${upstream.port}/a`)))
      const report = op.end()
      assert.equal(countOf(report.children[0], 'http.client'), 1)
      assert.equal(countOf(report, 'http.client'), 1)
      assert.deepEqual(report.spans.map(s => s.kind), ['http.client'])
    } finally { tracker.disable() }
  })

  it('records a failed request with its error', async () => {
    const closed = await startUpstream()
    closed.server.close()
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const op = tracker.begin('request')
      await op.run(async () => {
        await assert.rejects(get(`http://127.0.0.1:${closed.port}/`), { code: 'ECONNREFUSED' })
        await assert.rejects(fetch(`http://127.0.0.1:${closed.port}/`))
      })
      const report = op.end()
      const failed = report.spans.filter(s => s.kind === 'http.client')
      assert.deepEqual(failed.map(s => s.attributes['error.type']), ['ECONNREFUSED', 'ECONNREFUSED'])
      assert.ok(failed.every(s => s.attributes['http.response.status_code'] === undefined))
    } finally { tracker.disable() }
  })

  it('records a worker thread', async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const op = tracker.begin('request')
      let threadId
      await op.run(() => new Promise(resolve => {
        const w = new Worker('0', { eval: true })
        threadId = w.threadId
        w.on('exit', resolve)
      }))
      const report = op.end()
      assert.deepEqual(report.operations.filter(o => o.kind === 'worker').map(o => [o.name, o.count]), [['Worker', 1]])
      assert.equal(report.spans[0].attributes['thread.id'], threadId)
      assert.equal(report.spans[0].attributes['worker.exit.code'], 0)
    } finally { tracker.disable() }
  })

  it('records a connect made by net.connect, named by the address it reached', async () => {
    const { connect } = await import('node:net')
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const op = tracker.begin('request')
      await op.run(() => new Promise(resolve => {
        const socket = connect(upstream.port, '127.0.0.1', () => { socket.end(); resolve() })
      }))
      const report = op.end()
      assert.deepEqual(report.operations.filter(o => o.kind === 'net').map(o => [o.name, o.count]), [[`connect 127.0.0.1:${upstream.port}`, 1]])
    } finally { tracker.disable() }
  })
})

describe('outgoing calls at the levels with async_hooks', () => {
  let upstream
  before(async () => { upstream = await startUpstream() })
  after(() => upstream.server.close())

  for (const detail of ['resources', 'promises', 'stacks']) {
    it(`at '${detail}': the same spans as at timing, and each call counted once per kind`, async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const op = tracker.begin('request')
        await op.run(() => knownCalls(upstream.port))
        const report = await outside(() => op.end())
        // async_hooks groups node:http requests and child processes; fetch's requests come from its channel
        assert.equal(countOf(report, 'http.client'), 3)
        assert.equal(countOf(report, 'child_process'), 1)
        const name = `GET 127.0.0.1:${upstream.port}`
        assert.deepEqual(report.operations.filter(o => o.name === name).map(o => o.count), [1], 'the fetch')
        assert.deepEqual(report.spans.filter(s => s.kind !== 'net').map(s => [s.kind, s.name, s.attributes['http.response.status_code']]), [
          ['http.client', name, 200], ['http.client', name, 404], ['http.client', name, 200], ['child_process', 'spawn node', undefined]
        ])
        assert.equal(tracker.stats().internalErrors, 0)
      } finally { tracker.disable() }
    })
  }
})

describe('the list of spans', () => {
  it('is capped at 50 per operation; the rest are counted as dropped and still in operations', () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const op = tracker.begin('request')
      const create = dc.channel('undici:request:create')
      const trailers = dc.channel('undici:request:trailers')
      op.run(() => {
        for (let i = 0; i < 60; i++) {
          const request = { origin: 'http://upstream.test:8080', method: 'POST', path: '/x' }
          create.publish({ request })
          trailers.publish({ request, trailers: [] })
        }
      })
      const report = op.end()
      assert.equal(report.spans.length, 50)
      assert.equal(report.droppedSpans, 10)
      assert.deepEqual(report.operations.map(o => [o.kind, o.name, o.count, o.active]), [['http.client', 'POST upstream.test:8080', 60, 0]])
    } finally { tracker.disable() }
  })
})

describe('subscriptions', () => {
  it('are made only while the tracker is enabled', () => {
    const start = dc.channel('http.client.request.start')
    const before = start.hasSubscribers
    const tracker = createTracker({ detail: 'timing' })
    assert.deepEqual(tracker.stats().channels, [])
    tracker.enable()
    assert.ok(tracker.stats().channels.includes('http.client.response.finish'))
    assert.ok(tracker.stats().channels.includes('undici:request:create'))
    assert.equal(start.hasSubscribers, true)
    tracker.disable()
    assert.deepEqual(tracker.stats().channels, [])
    assert.equal(start.hasSubscribers, before)
  })

  it('are not made with outgoing: false', () => {
    const tracker = createTracker({ detail: 'timing', outgoing: false }).enable()
    assert.deepEqual(tracker.stats().channels, [])
    tracker.disable()
  })

  it('never throw into Node: a message they cannot read is counted in internalErrors', () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    try {
      const op = tracker.begin('request')
      const request = { origin: 'http://upstream.test', get method () { throw new Error('unreadable') } }
      op.run(() => dc.channel('undici:request:create').publish({ request }))
      assert.equal(tracker.stats().internalErrors, 1)
      op.end()
    } finally { tracker.disable() }
  })
})
