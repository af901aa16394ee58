// Detail levels: each installs only what it needs, and records what it promises to.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AsyncResource } from 'node:async_hooks'
import { createTracker, canSkipPromises } from 'weft/async'
import { sleep, nodeMajor } from './helpers.js'

describe('detail off', () => {
  it('installs nothing: no resources seen, track() reports wall time only', async () => {
    const tracker = createTracker({ detail: 'off' }).enable()
    const { result, report } = await tracker.track('op', async () => { await sleep(5); return 1 })
    assert.equal(result, 1)
    assert.equal(report.detail, 'off')
    assert.ok(report.wallMs >= 4)
    assert.equal(report.cpuMs, null)
    assert.deepEqual(report.operations, [])
    assert.equal(tracker.stats().created, 0)
    tracker.disable()
  })
})

describe('detail timing', () => {
  it('installs no hook: no resources seen, but scopes nest and time is measured', async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    const { report } = await tracker.track('outer', () => tracker.track('inner', () => sleep(3)))
    assert.equal(tracker.stats().created, 0)
    assert.equal(report.children[0].name, 'inner')
    assert.deepEqual(report.resources, {})
    assert.ok(report.wallMs >= report.children[0].wallMs)
    tracker.disable()
  })
})

describe('detail resources', () => {
  it('records native resources and no promises', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const { report } = await tracker.track('op', async () => {
      await Promise.resolve()
      await sleep(1)
    })
    assert.equal(report.resources.PROMISE, undefined)
    assert.equal(report.resources.Timeout, 1)
    assert.ok(tracker.stats().created > 0)
    tracker.disable()
  })

  it('uses createHook({ trackPromises: false }) where Node has it (24.14+, 25.6+)', () => {
    const [major, minor] = process.versions.node.split('.').map(Number)
    assert.equal(canSkipPromises, major > 25 || (major === 25 && minor >= 6) || (major === 24 && minor >= 14))
    if (nodeMajor === 20) assert.equal(canSkipPromises, false)
  })
})

describe('detail promises', () => {
  it('records promises too, as promise operations when they start none of their own', async () => {
    const tracker = createTracker({ detail: 'promises' }).enable()
    const { report } = await tracker.track('op', async () => {
      await new Promise(resolve => setTimeout(resolve, 1))
      await Promise.all([1, 2, 3].map(async x => x))
    })
    assert.ok(report.resources.PROMISE > 3)
    assert.ok(report.operations.some(o => o.kind === 'promise'))
    assert.ok(report.cpuMs > 0)
    tracker.disable()
  })
})

describe('unknown resource types', () => {
  it('are handled: a user AsyncResource type becomes an operation of kind other, named by its type', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const { report } = await tracker.track('custom', async () => {
      const r = new AsyncResource('MY_DATABASE_QUERY')
      await sleep(1)
      r.runInAsyncScope(() => {})
      r.emitDestroy()
    })
    const op = report.operations.find(o => o.kind === 'other')
    assert.deepEqual([op.name, op.count, op.active], ['MY_DATABASE_QUERY', 1, 0])
    assert.equal(report.resources.MY_DATABASE_QUERY, 1)
    assert.deepEqual(report.leaked, [])
    tracker.disable()
  })

  it('are classified by their name when they look like a known family', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const { report } = await tracker.track('future types', async () => {
      for (const type of ['FSREQSOMETHINGNEW', 'TCPNEWWRAP', 'SHA3REQUEST']) {
        const r = new AsyncResource(type)
        r.runInAsyncScope(() => {})
        r.emitDestroy()
      }
    })
    const kinds = report.operations.map(o => o.kind).sort()
    assert.deepEqual(kinds, ['crypto', 'fs', 'net'])
    tracker.disable()
  })
})
