// Safety: nothing escapes a hook, subscribers are isolated, misuse fails loudly before anything
// is installed, and the tracker does not change what the program does.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { AsyncResource } from 'node:async_hooks'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { createTracker } from 'weft/async'
import { gc, sleep } from './helpers.js'

const file = fileURLToPath(import.meta.url)
const root = fileURLToPath(new URL('../..', import.meta.url))

describe('a throwing subscriber', () => {
  it('is caught and counted in internalErrors, and the program carries on', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    let calls = 0
    const off = tracker.subscribe({
      init () { calls++; throw new Error('subscriber bug') },
      before () { throw new Error('subscriber bug') },
      destroy () { throw new TypeError('subscriber bug') }
    })
    const data = await new Promise((resolve, reject) => fs.readFile(file, (err, d) => err ? reject(err) : resolve(d)))
    await sleep(2)
    assert.ok(data.length > 0)
    assert.ok(calls > 0)
    const { internalErrors } = tracker.stats()
    assert.ok(internalErrors >= calls, `${internalErrors} errors for ${calls} init calls`)
    off()
    tracker.disable()
  })

  it('does not stop other subscribers', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const seen = []
    tracker.subscribe({ init () { throw new Error('first') } })
    tracker.subscribe({ init (e) { seen.push(e.type) } })
    await sleep(1)
    assert.ok(seen.includes('Timeout'))
    tracker.disable()
  })
})

describe('subscribe()', () => {
  it('delivers typed events, and stops after unsubscribe', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const events = []
    const off = tracker.subscribe({
      init: e => events.push(['init', e.asyncId, e.type, e.kind, typeof e.triggerAsyncId]),
      before: e => events.push(['before', e.asyncId, e.type]),
      after: e => events.push(['after', e.asyncId, e.type]),
      destroy: e => events.push(['destroy', e.asyncId, e.type])
    })
    await sleep(1)
    await sleep(1)
    const init = events.find(e => e[0] === 'init' && e[2] === 'Timeout')
    assert.deepEqual(init.slice(2), ['Timeout', 'timer', 'number'])
    const id = init[1]
    assert.deepEqual(events.filter(e => e[1] === id && e[0] !== 'init').map(e => e[0]).slice(0, 2), ['before', 'after'])
    off()
    const count = events.length
    await sleep(1)
    assert.equal(events.length, count)
    tracker.disable()
  })

  it('a subscriber that creates resources does not receive its own (no loops)', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    let inits = 0
    tracker.subscribe({ init () { inits++; setImmediate(() => {}) } })
    await sleep(1)
    await sleep(1)
    assert.ok(inits > 0 && inits < 50, `${inits} inits`)
    tracker.disable()
  })

  it('needs detail resources or higher', () => {
    assert.throws(() => createTracker({ detail: 'timing' }).subscribe({}), { code: 'WEFT_ASYNC_DETAIL_TOO_LOW' })
    assert.throws(() => createTracker({ detail: 'off' }).subscribe({}), { code: 'WEFT_ASYNC_DETAIL_TOO_LOW' })
  })

  it('delivers promiseResolve at promises', async () => {
    const tracker = createTracker({ detail: 'promises' }).enable()
    let resolved = 0
    tracker.subscribe({ promiseResolve () { resolved++ } })
    await Promise.resolve(1).then(x => x + 1)
    assert.ok(resolved > 0)
    tracker.disable()
  })
})

describe('options', () => {
  it('are validated when the tracker is created', () => {
    assert.throws(() => createTracker({ detail: 'everything' }), { code: 'WEFT_ASYNC_INVALID_OPTION' })
    assert.throws(() => createTracker({ maxResources: 0 }), { code: 'WEFT_ASYNC_INVALID_OPTION' })
    assert.throws(() => createTracker({ maxResources: 1.5 }), { code: 'WEFT_ASYNC_INVALID_OPTION' })
    assert.throws(() => createTracker({ onReport: 'no' }), { code: 'WEFT_ASYNC_INVALID_OPTION' })
    assert.equal(createTracker().detail, 'resources')
  })

  it('track() rejects a missing function', async () => {
    const tracker = createTracker().enable()
    await assert.rejects(tracker.track('x', undefined), { code: 'WEFT_ASYNC_INVALID_OPTION' })
    tracker.disable()
  })
})

describe('the tracker never changes what the program does', () => {
  async function order () {
    const log = []
    await new Promise(resolve => {
      setImmediate(() => {
        log.push('immediate')
        process.nextTick(() => log.push('tick in immediate'))
        Promise.resolve().then(() => log.push('promise in immediate'))
        setImmediate(() => { log.push('next immediate'); resolve() })
      })
      process.nextTick(() => log.push('tick'))
      Promise.resolve().then(() => log.push('promise'))
      queueMicrotask(() => log.push('microtask'))
      log.push('sync')
    })
    await new Promise(resolve => fs.stat(file, () => {
      log.push('stat')
      setImmediate(() => { log.push('immediate after stat'); resolve() })
      process.nextTick(() => log.push('tick after stat'))
      Promise.resolve().then(() => log.push('promise after stat'))
    }))
    return log
  }

  it('callbacks run in the same order at every level', async () => {
    const baseline = await order()
    for (const detail of ['off', 'timing', 'resources', 'promises', 'stacks']) {
      const tracker = createTracker({ detail }).enable()
      const plain = await order()
      const { result: tracked } = await tracker.track('order', order)
      tracker.disable()
      assert.deepEqual(plain, baseline, detail)
      assert.deepEqual(tracked, baseline, detail)
    }
  })

  it('keeps no resource object: they are collected while tracked', async () => {
    for (const detail of ['resources', 'stacks']) {
      const tracker = createTracker({ detail }).enable()
      let collected = false
      const registry = new FinalizationRegistry(() => { collected = true })
      await tracker.track('resource', () => {
        const resource = new AsyncResource('SHORT_LIVED')
        resource.runInAsyncScope(() => {})
        registry.register(resource, 'r')
      })
      for (let i = 0; i < 20 && !collected; i++) { gc(); await sleep(5) }
      assert.equal(collected, true, detail)
      tracker.disable()
    }
  })

  it('an exception thrown by the program inside a tracked callback reaches the program as usual', () => {
    const script = `
      import { createTracker } from 'weft/async'
      const tracker = createTracker({ detail: 'resources' }).enable()
      process.on('uncaughtException', err => {
        console.log('caught ' + err.message)
        setTimeout(() => console.log('still running, internal errors ' + tracker.stats().internalErrors), 1)
      })
      setTimeout(() => { throw new Error('from the program') }, 1)
    `
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, 'caught from the program\nstill running, internal errors 0\n')
  })

  it('an uncaught exception still ends the program with its usual exit code', () => {
    const script = `
      import { createTracker } from 'weft/async'
      createTracker({ detail: 'stacks' }).enable()
      setTimeout(() => { throw new Error('fatal') }, 1)
    `
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /Error: fatal/)
  })
})
