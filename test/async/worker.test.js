// weft/async inside a worker thread: its own tracker, its own resources.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { once } from 'node:events'

const code = `
  import { parentPort } from 'node:worker_threads'
  import fs from 'node:fs'
  import { createTracker, Context, sampleProcess } from 'weft/async'
  const tracker = createTracker({ detail: 'stacks' }).enable()
  const ctx = new Context()
  const { report } = await tracker.track('in worker', () => ctx.run('w', async () => {
    await fs.promises.readFile(${JSON.stringify(new URL(import.meta.url).pathname)})
    await new Promise(resolve => setTimeout(resolve, 2))
    return ctx.get()
  }))
  const sampler = sampleProcess({ intervalMs: 1000 })
  const sample = sampler.sampleNow()
  sampler.stop()
  tracker.disable()
  parentPort.postMessage({ report, stats: tracker.stats(), rss: sample.rssBytes })
`

describe('in a worker thread', { timeout: 30_000 }, () => {
  it('tracks the worker\'s operations', async () => {
    const worker = new Worker(code, { eval: true, type: 'module' })
    const exited = once(worker, 'exit') // listen now: 'exit' may follow the last message in the same turn
    const [{ report, stats, rss }] = await once(worker, 'message')
    await exited
    const kinds = report.operations.filter(o => o.kind !== 'promise').map(o => `${o.kind} ${o.name}`).sort()
    assert.deepEqual(kinds, ['fs fs.promises.readFile', 'timer setTimeout'])
    assert.equal(report.leaked.filter(l => l.type !== 'PROMISE').length, 0)
    assert.equal(stats.internalErrors, 0)
    assert.ok(rss > 0)
  })

  it('a tracker in the main thread does not take the worker\'s resources for its own', async () => {
    const { createTracker } = await import('weft/async')
    const tracker = createTracker({ detail: 'resources' }).enable()
    const { report } = await tracker.track('spawn a worker', async () => {
      const worker = new Worker(code, { eval: true, type: 'module' })
      const exited = once(worker, 'exit')
      await once(worker, 'message')
      await exited
    })
    tracker.disable()
    for (const type of ['FSREQPROMISE', 'FSREQCALLBACK', 'FILEHANDLE']) {
      assert.equal(report.resources[type], undefined, `${type}: the worker's fs requests happen in its own thread`)
    }
    assert.ok(report.resources.WORKER >= 1 || report.resources.MESSAGEPORT >= 1)
  })
})
