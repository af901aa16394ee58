// report.spans of track()/begin() at `resources` and up: each file read, DNS lookup, zlib or crypto
// job is one span with its own start, besides the outgoing calls. Ground truth by construction.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { createTracker } from 'weft/async'

const here = fileURLToPath(import.meta.url)
const show = (spans) => JSON.stringify(spans.map((s) => `${s.kind} ${s.name} ${s.startMs.toFixed(2)}+${s.wallMs.toFixed(2)}`))

async function withTracker (detail, fn) {
  const tracker = createTracker({ detail }).enable()
  try { return await fn(tracker) } finally { tracker.disable() }
}

for (const detail of ['resources', 'promises', 'stacks']) {
  describe(`operation spans at '${detail}'`, () => {
    it('3 sequential reads are 3 finished fs spans, in order, within the operation', async () => {
      await withTracker(detail, async (tracker) => {
        const { report } = await tracker.track('reads', async () => { for (let i = 0; i < 3; i++) await readFile(here) })
        const spans = report.spans.filter((s) => s.kind === 'fs')
        assert.equal(spans.length, 3, show(report.spans))
        for (let i = 0; i < 3; i++) {
          assert.equal(spans[i].active, false)
          assert.ok(spans[i].startMs >= 0 && spans[i].startMs + spans[i].wallMs <= report.wallMs + 0.001, show(spans))
          if (i > 0) assert.ok(spans[i - 1].startMs + spans[i - 1].wallMs <= spans[i].startMs, show(spans))
        }
      })
    })

    it('a nested track()\'s spans are the enclosing operation\'s too; a begin() operation has its own', async () => {
      await withTracker(detail, async (tracker) => {
        const { report } = await tracker.track('outer', async () => {
          await readFile(here)
          await tracker.track('inner', () => new Promise((resolve, reject) => zlib.gzip('weft', (err) => err ? reject(err) : resolve())))
        })
        assert.deepEqual(report.spans.filter((s) => s.kind !== 'promise').map((s) => s.kind), ['fs', 'zlib'], show(report.spans))
        assert.deepEqual(report.children[0].spans.map((s) => s.kind), ['zlib'])
        const op = tracker.begin('begun')
        await op.run(() => readFile(here))
        assert.deepEqual(op.end().spans.map((s) => s.kind), ['fs'])
      })
    })
  })
}

describe('operation spans at timing', () => {
  it('no async_hooks: no fs span', async () => {
    await withTracker('timing', async (tracker) => {
      const { report } = await tracker.track('read', () => readFile(here))
      assert.deepEqual(report.spans, [])
    })
  })
})
