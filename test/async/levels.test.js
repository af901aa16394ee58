// Detail levels: the same program, doing known work, tracked at each level; each level reports what
// it promises to and leaves out what it does not track.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AsyncResource, createHook } from 'node:async_hooks'
import { readFile } from 'node:fs'
import { createTracker, canSkipPromises } from 'weft/async'
import { countsByKind, nodeMakes, sleep, spin } from './helpers.js'

const SPIN_MS = 5
const EXTRA_PROMISES = 3

/** The line of the caller of `lineHere()` in this file. */
function lineHere () {
  return Number(new Error().stack.split('\n')[2].match(/:(\d+):\d+\)?$/)[1])
}

/**
 * Known work: one fs.readFile; in its callback a setTimeout whose callback busy-waits SPIN_MS and
 * makes EXTRA_PROMISES promises, then a second setTimeout that ends the work. Promises made: the
 * one returned here plus EXTRA_PROMISES. `at` receives the line of each call that starts an operation.
 */
function knownWork (at = {}) {
  return new Promise((resolve, reject) => {
    at.readFile = lineHere(); readFile(new URL(import.meta.url), (err) => {
      if (err) { reject(err); return }
      at.spinTimer = lineHere(); setTimeout(() => {
        spin(SPIN_MS)
        const made = []
        for (let i = 0; i < EXTRA_PROMISES; i++) made.push(new Promise(settle => settle(i)))
        at.lastTimer = lineHere(); setTimeout(resolve, 1)
      }, 1)
    })
  })
}

/** The work tracked at `detail`, alone and inside a nested track(). */
async function trackAt (detail) {
  const tracker = createTracker({ detail }).enable()
  try {
    const at = {}
    const { report } = await tracker.track('work', () => knownWork(at))
    const { report: nested } = await tracker.track('outer', () => tracker.track('inner', () => knownWork()))
    return { report, nested, at, created: tracker.stats().created }
  } finally {
    tracker.disable()
  }
}

/** Resources one knownWork() makes at a level that records native resources (WEFT_TRACK: the track() itself). */
const nativeResources = { WEFT_TRACK: 1, FSREQCALLBACK: nodeMakes.readFileRequests, Timeout: 2 }

describe('detail off', () => {
  it('installs nothing: track() returns wall time only, no time in callbacks, no resources, no nesting', async () => {
    const { report, nested, created } = await trackAt('off')
    assert.equal(report.detail, 'off')
    assert.ok(report.wallMs >= SPIN_MS)
    assert.equal(report.cpuMs, null)
    assert.equal(report.maxBlockMs, null)
    assert.deepEqual(report.operations, [])
    assert.deepEqual(report.resources, {})
    assert.deepEqual(report.leaked, [])
    assert.deepEqual(nested.children, [])
    assert.equal(created, 0)
  })
})

describe('detail timing', () => {
  it('measures wall time and nests track() scopes, with no hook: no resources, no callback time', async () => {
    const { report, nested, created } = await trackAt('timing')
    assert.equal(report.detail, 'timing')
    assert.ok(report.wallMs >= SPIN_MS)
    assert.equal(report.cpuMs, null)
    assert.equal(report.maxBlockMs, null)
    assert.deepEqual(report.operations, [])
    assert.deepEqual(report.resources, {})
    assert.deepEqual(nested.children.map(c => c.name), ['inner'])
    assert.deepEqual(nested.operations.map(o => [o.kind, o.name, o.count]), [['user', 'inner', 1]])
    assert.ok(nested.wallMs >= nested.children[0].wallMs)
    assert.equal(created, 0)
  })
})

describe('detail resources', () => {
  it('records every native resource and groups them into operations, with callback time', async () => {
    const { report, nested } = await trackAt('resources')
    assert.equal(report.detail, 'resources')
    assert.deepEqual(report.resources, nativeResources)
    assert.deepEqual(countsByKind(report), { fs: 1, timer: 2 })
    assert.equal(report.operations.find(o => o.kind === 'fs').name, nodeMakes.readFileName)
    const timers = report.operations.find(o => o.kind === 'timer')
    assert.equal(timers.name, 'setTimeout')
    // the busy-wait ran inside the first timer's callback: one callback at least that long
    assert.ok(timers.maxBlockMs >= SPIN_MS)
    assert.ok(report.maxBlockMs >= SPIN_MS)
    assert.ok(report.cpuMs >= SPIN_MS)
    assert.deepEqual(report.leaked, [])
    assert.deepEqual(countsByKind(nested.children[0]), { fs: 1, timer: 2 })
  })

  it('leaves out promises and call sites', async () => {
    const { report } = await trackAt('resources')
    assert.equal(report.resources.PROMISE, undefined)
    assert.ok(!report.operations.some(o => o.kind === 'promise'))
    assert.ok(report.operations.every(o => o.callSite === undefined))
  })
})

describe('detail promises', () => {
  it('records every promise as well as the native resources', async () => {
    const { report } = await trackAt('promises')
    assert.equal(report.detail, 'promises')
    assert.deepEqual(report.resources, { ...nativeResources, PROMISE: 1 + EXTRA_PROMISES })
    assert.ok(report.operations.some(o => o.kind === 'promise'))
    assert.deepEqual(countsByKind(report, ['promise']), { fs: 1, timer: 2 })
    assert.ok(report.maxBlockMs >= SPIN_MS)
  })

  it('leaves out call sites', async () => {
    const { report } = await trackAt('promises')
    assert.ok(report.operations.every(o => o.callSite === undefined))
  })
})

describe('detail stacks', () => {
  it('gives each operation the line that started it and names it after the API called', async () => {
    const { report, at } = await trackAt('stacks')
    assert.equal(report.detail, 'stacks')
    assert.deepEqual(report.resources, { ...nativeResources, PROMISE: 1 + EXTRA_PROMISES })
    const here = 'test/async/levels.test.js:'
    const lineOf = op => Number(op.callSite.slice(here.length).split(':')[0])
    assert.ok(report.operations.every(o => o.callSite.startsWith(here)), 'every operation has a call site in this file')
    const fs = report.operations.filter(o => o.kind === 'fs')
    assert.deepEqual(fs.map(o => [o.name, o.count, lineOf(o)]), [['fs.readFile', 1, at.readFile]])
    // two setTimeout calls on two lines: two operations, each at its own line
    const timers = report.operations.filter(o => o.kind === 'timer').map(o => [o.name, o.count, lineOf(o)])
    assert.deepEqual(timers.sort((a, b) => a[2] - b[2]), [['setTimeout', 1, at.spinTimer], ['setTimeout', 1, at.lastTimer]])
  })
})

describe('promises skipped by Node', () => {
  it('canSkipPromises says whether this Node keeps promises from a createHook({ trackPromises: false })', async () => {
    let promisesSeen = 0
    const hook = createHook({ init (id, type) { if (type === 'PROMISE') promisesSeen++ }, trackPromises: false }).enable()
    await new Promise(resolve => setImmediate(resolve))
    hook.disable()
    assert.equal(canSkipPromises, promisesSeen === 0)
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
