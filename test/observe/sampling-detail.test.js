// observe's `sample` below 1: some requests at `resources`, the rest at `timing`, with the detail
// tracker following only the sampled ones (scopedOnly). By construction over real sockets:
// requests run concurrently, alternately sampled (Math.random is made to alternate); each does
// exactly 3 timers and spins 20 ms after an await, one route leaves an interval behind. A sampled
// request shows its own 3 timers, its own CPU (not its neighbours' spins) and its leak; an
// unsampled one is a plain `timing` activity.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { observe } from 'weft/observe'
import { clock, spin } from './helpers.js'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('sample 0.5: sampled requests get their own timers, CPU and leaks while unsampled ones spin beside them', async (t) => {
  const random = Math.random
  let flip = 0
  Math.random = () => (flip++ % 2 === 0 ? 0.1 : 0.9)
  t.after(() => { Math.random = random })
  const intervals = []
  t.after(() => { for (const i of intervals) clearInterval(i) })
  const app = weft()
  await app.register(observe, { detail: 'resources', sample: 0.5, leakWarnings: false })
  app.get('/work/:n', async () => {
    for (let i = 0; i < 3; i++) await sleep(1)
    spin(20)
    return 'done'
  })
  app.get('/leaky/:n', async () => {
    await sleep(1)
    intervals.push(setInterval(() => {}, 60_000))
    return 'left an interval'
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`

  // one first (its CPU includes first-call compilation), then eight at once, then four leaky ones
  await (await fetch(`${base}/work/first`)).text()
  await Promise.all(Array.from({ length: 8 }, (_, n) => fetch(`${base}/work/${n}`).then((r) => r.text())))
  for (let n = 0; n < 4; n++) await (await fetch(`${base}/leaky/${n}`)).text()
  for (let i = 0; i < 300 && app.observe.recentActivity().length < 13; i++) await sleep(10)
  const all = app.observe.recentActivity()
  assert.equal(all.length, 13)

  const work = all.filter((a) => a.route === '/work/:n' && a.url !== '/work/first')
  const sampled = work.filter((a) => a.detail === 'resources')
  const plain = work.filter((a) => a.detail === 'timing')
  assert.equal(sampled.length, 4, 'every other request sampled')
  assert.equal(plain.length, 4)
  for (const a of sampled) {
    const timers = a.operations.filter((o) => o.kind === 'timer').reduce((n, o) => n + o.count, 0)
    assert.equal(timers, 3, `${a.url}: its own 3 timers (${JSON.stringify(a.operations)})`)
    assert.equal(a.cpuClock, clock)
    // its own 20 ms; a neighbour's spin charged to it would add 20 ms more. On the wall clock
    // (Node 20) a callback's wall time counts, preemption on a loaded machine included: bounded by
    // what all eight spins together would be.
    assert.ok(a.cpuMs >= 15 && a.cpuMs < (clock === 'thread' ? 35 : 8 * 20), `${a.url}: cpu ${a.cpuMs} ms (${clock} clock) for its own 20 ms`)
    assert.deepEqual(a.leaks, [])
  }
  for (const a of plain) {
    assert.equal(a.cpuMs, null, 'timing measures no CPU')
    assert.equal(a.operations.filter((o) => o.kind === 'timer').length, 0, 'timing sees no timers')
  }
  const leaky = all.filter((a) => a.route === '/leaky/:n')
  for (const a of leaky) {
    if (a.detail === 'resources') assert.deepEqual(a.leaks.map((l) => l.kind), ['timer'], `${a.url} left its interval`)
    else assert.deepEqual(a.leaks, [])
  }
  assert.equal(leaky.filter((a) => a.detail === 'resources').length, 2)
  assert.equal(all.find((a) => a.url === '/work/first').detail, 'resources')
  assert.equal(app.observe.internalErrors, 0)
})
