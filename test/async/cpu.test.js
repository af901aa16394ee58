// CPU time on the thread's CPU clock, promise continuations at `resources`, and the time an
// operation waited for the event loop, over real sockets: each request to a node:http server runs
// in tracker.track(), and does a known amount of CPU, blocking or waiting.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createTracker } from 'weft/async'
import { block, cpuClock, sleep, spin } from './helpers.js'

const file = fileURLToPath(import.meta.url)
/**
 * CPU of a request that only waits, at most: on the wall clock (Node 20) a loaded machine's
 * descheduling counts too; the 30 ms spin of its neighbour would add 30 ms.
 */
const idleBound = cpuClock === 'thread' ? 10 : 25

/** A server whose every request runs `handlers[path]` inside tracker.track(); its reports by path. */
async function trackedServer (t, tracker, handlers) {
  const reports = {}
  const server = http.createServer((req, res) => {
    tracker.track(req.url, handlers[req.url]).then(({ report }) => {
      reports[req.url] = report
      res.end('ok')
    }, () => { res.statusCode = 500; res.end() })
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise(resolve => server.close(resolve)))
  const base = `http://127.0.0.1:${server.address().port}`
  const get = path => fetch(base + path, { headers: { connection: 'close' } }).then(res => res.text())
  return { reports, get }
}

describe('the clock of cpuMs', () => {
  it(`is '${cpuClock}' on this Node (process.threadCpuUsage ${cpuClock === 'thread' ? 'exists' : 'does not exist'})`, async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    try {
      const { report } = await tracker.track('x', () => spin(1))
      assert.equal(report.cpuClock, cpuClock)
      assert.equal(tracker.report().cpuClock, cpuClock)
    } finally { tracker.disable() }
    const timing = createTracker({ detail: 'timing' }).enable()
    try {
      const { report } = await timing.track('x', () => spin(1))
      assert.equal(report.cpuClock, null, 'nothing measured at timing')
      assert.equal(report.loopWaitMs, null)
    } finally { timing.disable() }
  })
})

for (const detail of ['resources', 'promises', 'stacks']) {
  describe(`CPU of a request at '${detail}'`, () => {
    it('a request that spins 30 ms shows >= 25 ms of CPU; one that blocks 30 ms in Atomics.wait shows a 30 ms block and, on the thread clock, little CPU', async (t) => {
      const tracker = createTracker({ detail }).enable()
      t.after(() => tracker.disable())
      const { reports, get } = await trackedServer(t, tracker, {
        '/spin': async () => { await readFile(file); spin(30) },
        '/block': async () => { await readFile(file); block(30) },
        '/sync-spin': () => spin(30),
        '/sync-block': () => block(30),
        '/warm-up': async () => { await readFile(file) }
      })
      // blocks first, after a warm-up: what a first request compiles, or a spin's last CPU the thread
      // clock has not shown yet, is not theirs
      for (const path of ['/warm-up', '/block', '/sync-block', '/spin', '/sync-spin']) await get(path)
      for (const path of ['/spin', '/sync-spin']) {
        assert.ok(reports[path].cpuMs >= 25, `${path} cpu ${reports[path].cpuMs}`)
        assert.ok(reports[path].maxBlockMs >= 25, `${path} longest block ${reports[path].maxBlockMs}`)
      }
      for (const path of ['/block', '/sync-block']) {
        const r = reports[path]
        assert.ok(r.maxBlockMs >= 25, `${path} longest block ${r.maxBlockMs}: a block is wall time`)
        // (a margin for a loaded machine: counting the wait would add 30 ms)
        if (cpuClock === 'thread') assert.ok(r.cpuMs < 15, `${path} cpu ${r.cpuMs}: the thread slept`)
        else assert.ok(r.cpuMs >= 25, `${path} cpu ${r.cpuMs}: the wall clock counts the wait`)
      }
    })

    it('two concurrent requests each get their own CPU: one spins 30 ms after an await, one waits 60 ms idle', async (t) => {
      const tracker = createTracker({ detail }).enable()
      t.after(() => tracker.disable())
      // by construction the busy one spins while the idle one waits: it starts once the idle one did
      let idleStarted
      const started = new Promise(resolve => { idleStarted = resolve })
      const { reports, get } = await trackedServer(t, tracker, {
        '/busy': async () => { await started; await readFile(file); spin(30) },
        '/idle': async () => { setImmediate(idleStarted); await sleep(60) }
      })
      await Promise.all([get('/busy'), get('/idle')])
      const { '/busy': busy, '/idle': idle } = reports
      assert.ok(busy.cpuMs >= 25, `busy cpu ${busy.cpuMs}`)
      assert.ok(idle.cpuMs < idleBound, `idle cpu ${idle.cpuMs}`)
      // the busy request's 30 ms ran on the loop while the idle one waited
      assert.ok(idle.loopWaitMs >= 20 && idle.loopWaitMs <= idle.wallMs, `idle loop wait ${idle.loopWaitMs}`)
    })
  })
}

describe('loop wait', () => {
  it('a request that waits on a timer while another blocks the loop 40 ms waited about 40 ms for the loop; alone, about 0', async (t) => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    t.after(() => tracker.disable())
    let waitsStarted
    const started = new Promise(resolve => { waitsStarted = resolve })
    const { reports, get } = await trackedServer(t, tracker, {
      '/waits': async () => { waitsStarted(); await sleep(20); await new Promise(resolve => setImmediate(resolve)) },
      '/alone': async () => { await sleep(20); await new Promise(resolve => setImmediate(resolve)) },
      // by construction its timer callback spins while the other request's timer is due
      '/blocker': async () => { await started; await new Promise(resolve => setTimeout(() => { spin(40); resolve() }, 10)) }
    })
    await Promise.all([get('/waits'), get('/blocker')])
    await get('/alone')
    const { '/waits': waits, '/alone': alone } = reports
    assert.ok(waits.loopWaitMs >= 30, `loop wait ${waits.loopWaitMs}`)
    assert.ok(waits.loopWaitMs <= waits.wallMs)
    assert.ok(waits.cpuMs < idleBound, `its own cpu ${waits.cpuMs}`)
    // (wall time: on a loaded machine the loop's other small callbacks stretch when descheduled; 25 ms seen)
    assert.ok(alone.loopWaitMs < 30, `alone, loop wait ${alone.loopWaitMs}`)
  })
})
