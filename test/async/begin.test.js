// tracker.begin(): an operation that ends when the caller says so, entered with run() from any
// callback and ended from outside its context, at every detail level.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTracker } from 'weft/async'
import { countsByKind, sleep, spin } from './helpers.js'

const thisFile = fileURLToPath(import.meta.url)
const readOnce = () => new Promise((resolve, reject) => fs.readFile(thisFile, e => e ? reject(e) : resolve()))
/** A callback outside any operation's context (as a server's next event would be). */
const outside = fn => new Promise((resolve, reject) => setImmediate(() => { try { resolve(fn()) } catch (e) { reject(e) } }))

const HOOK_LEVELS = ['resources', 'promises', 'stacks']

describe('an operation begun, entered from several callbacks and ended from outside', () => {
  for (const detail of HOOK_LEVELS) {
    it(`reports exactly the fs calls made inside run() at '${detail}'`, async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const op = tracker.begin('request')
        await op.run(() => readOnce())
        await outside(() => op.run(() => Promise.all([readOnce(), readOnce()])))
        await outside(() => op.run(() => readOnce()))
        await readOnce() // outside the operation: not counted
        const report = await outside(() => op.end())
        assert.equal(report.name, 'request')
        assert.equal(report.detail, detail)
        assert.equal(countsByKind(report).fs, 4, JSON.stringify(report.operations))
        assert.equal(report.failed, false)
        assert.equal(tracker.stats().internalErrors, 0)
      } finally { tracker.disable() }
    })
  }

  it("measures wall time at 'timing', with no hook", async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    const op = tracker.begin('request')
    await op.run(() => sleep(5))
    await outside(() => op.run(() => readOnce()))
    const report = await outside(() => op.end())
    assert.ok(report.wallMs >= 4)
    assert.equal(report.cpuMs, null)
    assert.equal(report.detail, 'timing')
    assert.equal(tracker.stats().created, 0)
    tracker.disable()
  })

  it('returns what fn returns and rethrows what it throws', () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const op = tracker.begin('request')
    assert.equal(op.run(() => 42), 42)
    assert.throws(() => op.run(() => { throw new Error('boom') }), /boom/)
    op.end()
    assert.equal(op.run(() => 'after the end'), 'after the end')
    tracker.disable()
  })
})

describe('two begun operations running at once', () => {
  for (const detail of HOOK_LEVELS) {
    it(`do not mix their work at '${detail}'`, async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const a = tracker.begin('a')
        const b = tracker.begin('b')
        await Promise.all([
          a.run(() => readOnce()), b.run(() => readOnce()),
          outside(() => b.run(() => readOnce())), outside(() => a.run(() => readOnce())),
          outside(() => b.run(() => readOnce()))
        ])
        const ra = a.end()
        const rb = b.end()
        assert.equal(countsByKind(ra).fs, 2)
        assert.equal(countsByKind(rb).fs, 3)
      } finally { tracker.disable() }
    })
  }

  it("are scopes of their own at 'timing': a track() inside each nests in its own", async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    const a = tracker.begin('a')
    const b = tracker.begin('b')
    await Promise.all([a.run(() => tracker.track('in-a', () => sleep(1))), b.run(() => tracker.track('in-b', () => sleep(1)))])
    assert.deepEqual(a.end().children.map(c => c.name), ['in-a'])
    assert.deepEqual(b.end().children.map(c => c.name), ['in-b'])
    tracker.disable()
  })
})

describe('leaks of a begun operation', () => {
  for (const detail of HOOK_LEVELS) {
    it(`an interval started inside and running at end() is exactly one leak at '${detail}'`, async () => {
      const tracker = createTracker({ detail }).enable()
      let interval
      try {
        const op = tracker.begin('request')
        await op.run(async () => {
          await readOnce()
          const t = setTimeout(() => {}, 1); await sleep(3); clearTimeout(t)
          interval = setInterval(() => {}, 1000)
        })
        const report = await outside(() => op.end({ settle: true }))
        const leaks = report.leaked.filter(l => l.type !== 'PROMISE')
        assert.equal(leaks.length, 1, JSON.stringify(report.leaked))
        assert.equal(leaks[0].type, 'Timeout')
        assert.match(leaks[0].operation, /^timer setInterval/)
      } finally {
        clearInterval(interval)
        tracker.disable()
      }
    })
  }
})

describe('CPU time of a begun operation', () => {
  it("a 30 ms busy loop inside run() shows cpuMs >= 30 at 'resources'; its concurrent neighbour's does not", async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    try {
      const busy = tracker.begin('busy')
      const idle = tracker.begin('idle')
      const idleWork = idle.run(() => sleep(40))
      await outside(() => busy.run(() => spin(30)))
      await idleWork
      const rb = busy.end()
      const ri = idle.end()
      assert.ok(rb.cpuMs >= 30, `busy ${rb.cpuMs}`)
      assert.ok(rb.maxBlockMs >= 30)
      assert.ok(ri.cpuMs < 30, `idle ${ri.cpuMs}`)
    } finally { tracker.disable() }
  })
})

describe('begin() nests with track()', () => {
  for (const detail of ['timing', ...HOOK_LEVELS]) {
    it(`at '${detail}': a track() inside run() is a child, and a begun operation inside track() is one`, async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const op = tracker.begin('request')
        await op.run(() => tracker.track('query', () => sleep(1)))
        const report = op.end()
        assert.deepEqual(report.children.map(c => c.name), ['query'])
        assert.ok(report.operations.some(o => o.kind === 'user' && o.name === 'query'))

        const { report: outer } = await tracker.track('job', async () => {
          const inner = tracker.begin('step')
          await inner.run(() => sleep(1))
          inner.end()
        })
        assert.deepEqual(outer.children.map(c => c.name), ['step'])
      } finally { tracker.disable() }
    })
  }
})

describe('end()', () => {
  it('is idempotent: a second end() returns the same report, and onReport gets it once', async () => {
    const reports = []
    const tracker = createTracker({ detail: 'resources', onReport: r => reports.push(r) }).enable()
    const op = tracker.begin('request')
    assert.equal(op.ended, false)
    const first = op.end()
    assert.equal(op.ended, true)
    assert.equal(op.end(), first)
    assert.equal(await op.end({ settle: true }), first)
    assert.deepEqual(reports, [first])
    tracker.disable()
  })

  it('with settle: true returns a promise of the report; an end() meanwhile ends it at once with that same report', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    let interval
    const op = tracker.begin('request')
    op.run(() => { interval = setInterval(() => {}, 1000) })
    const settling = op.end({ settle: true })
    assert.ok(settling instanceof Promise)
    const now = op.end()
    assert.equal(await settling, now)
    assert.equal(now.leaked.filter(l => l.type === 'Timeout').length, 1)
    clearInterval(interval)
    tracker.disable()
  })

  it('marks the report failed when asked', () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    assert.equal(tracker.begin('request').end({ failed: true }).failed, true)
    tracker.disable()
  })
})

describe('an operation never ended', () => {
  it('is closed and reported when the tracker is disabled', async () => {
    const reports = []
    const tracker = createTracker({ detail: 'resources', onReport: r => reports.push(r) }).enable()
    const op = tracker.begin('forgotten')
    await op.run(() => readOnce())
    assert.equal(tracker.stats().openOperations, 1)
    tracker.disable()
    assert.equal(op.ended, true)
    assert.equal(reports.length, 1)
    assert.equal(reports[0].closedBy, 'disable')
    assert.equal(countsByKind(reports[0]).fs, 1)
    assert.equal(op.end(), reports[0])
    assert.equal(tracker.stats().openOperations, 0)
  })

  for (const detail of ['timing', 'resources']) {
    it(`is closed past maxOpenOperations, oldest first, so open ones stay bounded at '${detail}'`, () => {
      const reports = []
      const tracker = createTracker({ detail, maxOpenOperations: 100, onReport: r => reports.push(r) }).enable()
      const ops = []
      for (let i = 0; i < 1000; i++) ops.push(tracker.begin(`op ${i}`))
      assert.equal(tracker.stats().openOperations, 100)
      assert.equal(reports.length, 900)
      assert.equal(reports[0].name, 'op 0')
      assert.ok(reports.every(r => r.closedBy === 'limit'))
      assert.equal(ops[899].ended, true)
      assert.equal(ops[900].ended, false)
      tracker.disable()
      assert.equal(reports.length, 1000)
    })
  }
})

describe('begin() on a tracker that records nothing', () => {
  it('still runs fn and reports wall time, with detail off', async () => {
    const tracker = createTracker({ detail: 'resources' }) // not enabled
    const op = tracker.begin('request')
    await op.run(() => sleep(2))
    const report = op.end()
    assert.equal(report.detail, 'off')
    assert.ok(report.wallMs >= 1)
    assert.deepEqual(report.operations, [])
    assert.equal(tracker.stats().openOperations, 0)
  })

  it('rejects a name that is not a string', () => {
    const tracker = createTracker({ detail: 'timing' })
    assert.throws(() => tracker.begin(1), { code: 'WEFT_ASYNC_INVALID_OPTION' })
    assert.throws(() => createTracker({ maxOpenOperations: 0 }), { code: 'WEFT_ASYNC_INVALID_OPTION' })
  })
})
