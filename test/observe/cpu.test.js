// weft/observe's CPU figures over real sockets: the clock that measured them (thread CPU where
// Node has process.threadCpuUsage, wall time otherwise) in the activity and Server-Timing, CPU after
// an await at every level, and the time a request waited for the event loop. Ground truth by
// construction: handlers spin, block (Atomics.wait) or wait a known time.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import weft from 'weft'
import { observe } from 'weft/observe'
import { block, clock, spin } from './helpers.js'

const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/**
 * CPU of a request that only waits, at most: on the wall clock (Node 20) a loaded machine's
 * descheduling counts too; the 30 ms spin of its neighbour would add 30 ms.
 */
const idleBound = clock === 'thread' ? 10 : 25

async function listening (t, options, routes) {
  const app = weft()
  t.after(() => app.close())
  await app.register(observe, options)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${app.server.address().port}`
  const get = async (path) => {
    const res = await fetch(base + path, { headers: { connection: 'close' } })
    await res.text()
    return res
  }
  return { app, get }
}

async function activitiesOf (app, n) {
  for (let i = 0; i < 300; i++) {
    const recent = app.observe.recentActivity()
    if (recent.length >= n) return Object.fromEntries(recent.map((a) => [a.url, a]))
    await sleep(10)
  }
  throw new Error(`${n} activities did not arrive within 3 s`)
}

for (const detail of ['resources', 'promises', 'stacks']) {
  describe(`CPU of a request at '${detail}'`, () => {
    test('spinning 30 ms shows >= 25 ms of CPU, before or after an await; blocking 30 ms shows a 30 ms block and, on the thread clock, little CPU', async (t) => {
      const { app, get } = await listening(t, { detail }, (app) => {
        app.get('/spin', async () => { spin(30); return 'ok' })
        app.get('/spin-after-await', async () => { await readFile(here); spin(30); return 'ok' })
        app.get('/block', async () => { await readFile(here); block(30); return 'ok' })
        app.get('/warm-up', async () => { await readFile(here); return 'ok' })
      })
      // the block first, after a warm-up: what a first request compiles, or a spin's last CPU the
      // thread clock has not shown yet, is not its
      for (const path of ['/warm-up', '/block', '/spin', '/spin-after-await']) await get(path)
      const byUrl = await activitiesOf(app, 4)
      for (const path of ['/spin', '/spin-after-await']) {
        const a = byUrl[path]
        assert.equal(a.cpuClock, clock)
        assert.ok(a.cpuMs >= 25, `${path} cpu ${a.cpuMs}`)
        assert.ok(a.maxBlockMs >= 25, `${path} longest block ${a.maxBlockMs}`)
      }
      const blocked = byUrl['/block']
      assert.ok(blocked.maxBlockMs >= 25, `longest block ${blocked.maxBlockMs}: a block is wall time`)
      // (a margin for a loaded machine: counting the wait would add 30 ms)
      if (clock === 'thread') assert.ok(blocked.cpuMs < 15, `cpu ${blocked.cpuMs}: the thread slept`)
      else assert.ok(blocked.cpuMs >= 25, `cpu ${blocked.cpuMs}: on the wall clock the wait is CPU`)
    })

    test('two concurrent requests: one spins 30 ms after an await, one waits 60 ms; each gets its own CPU, the idle one waited for the loop', async (t) => {
      // by construction the busy one spins while the idle one waits: it starts once the idle one did
      let idleStarted
      const started = new Promise((resolve) => { idleStarted = resolve })
      const { app, get } = await listening(t, { detail }, (app) => {
        app.get('/busy', async () => { await started; await readFile(here); spin(30); return 'busy' })
        app.get('/idle', async () => { setImmediate(idleStarted); await sleep(60); return 'idle' })
      })
      await Promise.all([get('/busy'), get('/idle')])
      const { '/busy': busy, '/idle': idle } = await activitiesOf(app, 2)
      assert.ok(busy.cpuMs >= 25, `busy cpu ${busy.cpuMs}`)
      assert.ok(idle.cpuMs < idleBound, `idle cpu ${idle.cpuMs}`)
      assert.ok(idle.loopWaitMs >= 20 && idle.loopWaitMs <= idle.wallMs, `idle loop wait ${idle.loopWaitMs}`)
    })
  })
}

describe('the clock and the loop wait in what observe hands out', () => {
  test('Server-Timing has cpu with its clock and the loop wait; at timing neither', async (t) => {
    const { get } = await listening(t, { detail: 'resources', serverTiming: true }, (app) => {
      app.get('/', async () => { spin(5); return 'ok' })
    })
    const header = (await get('/')).headers.get('server-timing')
    const cpu = /(?:^|, )cpu;dur=([\d.]+);desc="([^"]+)"/.exec(header)
    assert.ok(cpu, header)
    assert.ok(Number(cpu[1]) >= 4, header)
    assert.match(cpu[2], clock === 'thread' ? /^thread CPU time$/ : /^wall time/)
    assert.match(header, /(?:^|, )loop;dur=[\d.]+;desc=/)

    const timing = await listening(t, { detail: 'timing', serverTiming: true }, (app) => { app.get('/', async () => 'ok') })
    const plain = (await timing.get('/')).headers.get('server-timing')
    assert.doesNotMatch(plain, /(?:^|, )(cpu|loop);/)
  })

  test('a hook that yields (setImmediate) while another request spins: its wall time is the loop\'s wait, not its CPU', async (t) => {
    let yieldsStarted, spinsArrived
    const started = new Promise((resolve) => { yieldsStarted = resolve })
    const arrived = new Promise((resolve) => { spinsArrived = resolve })
    const { app, get } = await listening(t, { detail: 'resources' }, (app) => {
      // by construction, once both requests are in, the hook's 10 ms timer is due while the other
      // request's spin (after its own 5 ms timer) holds the loop: however late either arrives
      app.addHook('onRequest', function yields (request, reply, done) {
        if (request.url === '/yields') { yieldsStarted(); arrived.then(() => setTimeout(() => setImmediate(done), 10)) } else done()
      })
      app.get('/yields', async () => 'ok')
      app.get('/spins', async () => { await started; spinsArrived(); await sleep(5); spin(40); return 'ok' })
      app.get('/warm', async () => 'ok')
    })
    // a first request of the new app does its one-time work (compiling, first calls) apart
    await get('/warm')
    await Promise.all([get('/yields'), get('/spins')])
    const { '/yields': yields } = await activitiesOf(app, 3)
    assert.ok(yields.loopWaitMs >= 30, `loop wait ${yields.loopWaitMs}`)
    // the other's 40 ms spin would show here if it were charged to this request; what is left is its
    // own work (a first request of a new app, done apart above, took 12-20 ms on a loaded machine)
    assert.ok(yields.cpuMs < Math.max(idleBound, 20), `cpu ${yields.cpuMs}`)
    assert.equal(yields.cpuClock, clock)
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(yields))).filter((k) => k === 'cpuClock' || k === 'loopWaitMs'), ['cpuClock', 'loopWaitMs'])
  })
})
