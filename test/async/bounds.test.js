// Bounds: memory stays within maxResources under any load (past it resources are counted as
// dropped, never stored), and enabling/disabling many times leaks nothing.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTracker } from 'weft/async'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { heapAfterGc, sleep } from './helpers.js'

const file = fileURLToPath(import.meta.url)
const readFile = () => new Promise((resolve, reject) => fs.readFile(file, err => err ? reject(err) : resolve()))

const MAX = 1000
const BATCH = 10_000

describe('a million resources', () => {
  it('(immediates, many at once) leave no more than maxResources stored', async () => {
    const tracker = createTracker({ detail: 'resources', maxResources: MAX }).enable()
    const heapBefore = heapAfterGc()
    let maxLive = 0
    for (let done = 0; done < 1_000_000; done += BATCH) {
      await new Promise(resolve => {
        let left = BATCH
        for (let i = 0; i < BATCH; i++) {
          setImmediate(() => {
            if (i % 1000 === 0) maxLive = Math.max(maxLive, tracker.stats().live)
            if (--left === 0) resolve()
          })
        }
        maxLive = Math.max(maxLive, tracker.stats().live)
      })
    }
    const stats = tracker.stats()
    assert.ok(stats.created >= 1_000_000, `created ${stats.created}`)
    assert.ok(stats.dropped > 0, 'past maxResources, resources are dropped')
    assert.ok(maxLive <= MAX, `live reached ${maxLive}`)
    assert.ok(stats.live <= MAX)
    assert.equal(stats.internalErrors, 0)
    await sleep(5)
    assert.ok(heapAfterGc() - heapBefore < 8 * 1024 * 1024, 'the heap did not grow with the load')
    tracker.disable()
  })

  it('(resolved promises, at detail promises) leave no more than maxResources stored', async () => {
    const tracker = createTracker({ detail: 'promises', maxResources: MAX }).enable()
    const heapBefore = heapAfterGc()
    let maxLive = 0
    for (let done = 0; done < 1_000_000; done += BATCH) {
      const batch = []
      for (let i = 0; i < BATCH / 2; i++) batch.push(Promise.resolve(i).then(x => x + 1))
      maxLive = Math.max(maxLive, tracker.stats().live)
      await Promise.all(batch)
    }
    const stats = tracker.stats()
    assert.ok(stats.created >= 1_000_000, `created ${stats.created}`)
    assert.ok(maxLive <= MAX, `live reached ${maxLive}`)
    assert.ok(stats.live <= MAX)
    assert.equal(stats.internalErrors, 0)
    assert.ok(heapAfterGc() - heapBefore < 8 * 1024 * 1024, 'the heap did not grow with the load')
    tracker.disable()
  })

  it('a track() scope over more resources than fit still reports, with the overflow counted', async () => {
    const tracker = createTracker({ detail: 'resources', maxResources: MAX }).enable()
    const { report } = await tracker.track('flood', () => Promise.all(
      Array.from({ length: 5000 }, () => new Promise(resolve => setTimeout(resolve, 1)))))
    assert.ok(report.dropped > 0)
    assert.equal(report.resources.Timeout, 5000, 'counted even when not stored')
    const timers = report.operations.find(o => o.kind === 'timer')
    assert.ok(timers.count > 0 && timers.count <= MAX)
    tracker.disable()
  })
})

describe('enable() and disable()', () => {
  it('many times over leak nothing and keep working', async () => {
    const tracker = createTracker({ detail: 'resources' })
    const heapBefore = heapAfterGc()
    for (let i = 0; i < 500; i++) {
      tracker.enable()
      await new Promise(resolve => setImmediate(resolve))
      tracker.disable()
      assert.equal(tracker.stats().live, 0)
    }
    assert.ok(heapAfterGc() - heapBefore < 4 * 1024 * 1024)
    tracker.enable()
    const { report } = await tracker.track('after all that', () => sleep(1))
    assert.equal(report.operations.find(o => o.kind === 'timer').count, 1)
    assert.equal(tracker.stats().internalErrors, 0)
    tracker.disable()
  })

  it('many trackers created, enabled and dropped leak nothing', async () => {
    const heapBefore = heapAfterGc()
    for (let i = 0; i < 200; i++) {
      const tracker = createTracker({ detail: i % 2 === 0 ? 'resources' : 'stacks', maxResources: 2000 }).enable()
      await tracker.track('op', () => sleep(0))
      tracker.disable()
    }
    await sleep(5)
    assert.ok(heapAfterGc() - heapBefore < 8 * 1024 * 1024)
  })

  it('are idempotent, and a disabled tracker stores nothing', async () => {
    const tracker = createTracker({ detail: 'resources' })
    assert.equal(tracker.enabled, false)
    tracker.enable().enable()
    assert.equal(tracker.enabled, true)
    tracker.disable().disable()
    const before = tracker.stats().created
    await sleep(1)
    assert.equal(tracker.stats().created, before)
    const { report } = await tracker.track('while disabled', () => sleep(1))
    assert.equal(report.detail, 'off')
    assert.deepEqual(report.operations, [])
  })

  for (const detail of ['resources', 'promises', 'stacks']) {
    it(`in the middle of a track() leave its report right at '${detail}': two reads are two fs operations`, async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const { report } = await tracker.track('two reads', async () => {
          await readFile()
          tracker.disable()
          tracker.enable()
          await readFile()
        })
        const fsOps = report.operations.filter(o => o.kind === 'fs')
        assert.equal(fsOps.reduce((n, o) => n + o.count, 0), 2, JSON.stringify(report.operations))
        assert.equal(tracker.stats().internalErrors, 0)
        // the next scope starts clean too
        const next = await tracker.track('one read', readFile)
        assert.equal(next.report.operations.filter(o => o.kind === 'fs').reduce((n, o) => n + o.count, 0), 1)
      } finally { tracker.disable() }
    })
  }
})
