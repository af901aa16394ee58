// Context<T>: a typed value that follows the async work started inside run().
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { Context, createTracker } from 'weft/async'
import { sleep } from './helpers.js'

describe('Context', () => {
  it('survives awaits', async () => {
    const ctx = new Context('request')
    await ctx.run({ id: 'a' }, async () => {
      await null
      await sleep(1)
      await Promise.all([sleep(1), sleep(2)])
      assert.deepEqual(ctx.get(), { id: 'a' })
    })
  })

  it('survives timers, immediates and nextTick', async () => {
    const ctx = new Context()
    const seen = await ctx.run('v', () => Promise.all([
      new Promise(resolve => setTimeout(() => resolve(ctx.get()), 1)),
      new Promise(resolve => setImmediate(() => resolve(ctx.get()))),
      new Promise(resolve => process.nextTick(() => resolve(ctx.get()))),
      new Promise(resolve => queueMicrotask(() => resolve(ctx.get())))
    ]))
    assert.deepEqual(seen, ['v', 'v', 'v', 'v'])
  })

  it('survives event emitters: a listener sees the value of the code that emits', async () => {
    const ctx = new Context()
    const emitter = new EventEmitter()
    const heard = []
    emitter.on('tick', () => heard.push(ctx.get()))
    await ctx.run(1, async () => {
      await sleep(1)
      emitter.emit('tick')
      setTimeout(() => emitter.emit('tick'), 1)
      await once(emitter, 'tick')
    })
    ctx.run(2, () => emitter.emit('tick'))
    assert.deepEqual(heard, [1, 1, 2])
  })

  it('keeps concurrent runs apart, and nested runs restore the outer value', async () => {
    const ctx = new Context()
    const results = await Promise.all([1, 2, 3].map(n => ctx.run(n, async () => {
      await sleep(4 - n)
      const inner = await ctx.run(n * 10, async () => { await sleep(1); return ctx.get() })
      return [ctx.get(), inner]
    })))
    assert.deepEqual(results, [[1, 10], [2, 20], [3, 30]])
    assert.equal(ctx.get(), undefined)
  })

  it('require() throws outside run(), with a code', () => {
    const ctx = new Context('user')
    assert.throws(() => ctx.require(), { code: 'WEFT_ASYNC_NO_CONTEXT' })
    assert.equal(ctx.run('x', () => ctx.require()), 'x')
  })

  it('bind() carries the value to a callback run elsewhere, exit() leaves it', async () => {
    const ctx = new Context()
    const bound = ctx.run('inside', () => ctx.bind(() => ctx.get()))
    assert.equal(bound(), 'inside')
    assert.equal(ctx.run('a', () => ctx.exit(() => ctx.get())), undefined)
  })

  it('works alongside a tracker at every level', async () => {
    for (const detail of ['off', 'timing', 'resources', 'promises', 'stacks']) {
      const tracker = createTracker({ detail }).enable()
      const ctx = new Context()
      const { result } = await ctx.run('kept', () => tracker.track('op', async () => {
        await sleep(1)
        return ctx.get()
      }))
      assert.equal(result, 'kept', detail)
      tracker.disable()
    }
  })
})
