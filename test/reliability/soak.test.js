// The soak's short form (bench/soak.mjs runs the long one): a server observed at `timing`, then at
// `resources`, with the live page open (4 readers and 1 stalled) and tracing to a receiver that
// accepts, is slow, then is down, loaded with high-cardinality URLs (random ids, query strings, random
// 404 paths). Exports time out before the slow receiver answers. Once a second the server reports what observe holds: every count stays within its
// bound, the route table holds the declared patterns only, heap stays bounded, and afterwards the
// server answers promptly and closes.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runSoak } from '../../bench/lib/soak-run.mjs'
import { figures } from '../../bench/lib/soak-figures.mjs'

const MB = 1024 * 1024

/** Every held count of every sample within its cap. */
function assertWithinCaps (samples) {
  for (const s of samples) {
    for (const [name, held] of Object.entries(s.sizes)) {
      if (held === null || typeof held === 'number') continue
      assert.ok(held.size <= held.cap, `${name} held ${held.size} > cap ${held.cap} at ${s.t.toFixed(1)} s (${s.mode})`)
    }
  }
}

/** The lowest heap reading (after a collection) of samples from..to of the run, as a fraction of its length. */
function heapFloor (samples, from, to) {
  const end = samples.at(-1).t
  return Math.min(...samples.filter(s => s.t >= end * from && s.t <= end * to).map(s => s.heapUsed))
}

for (const [level, seconds] of [['timing', 6], ['resources', 15]]) {
  describe(`soak at ${level}, ${seconds} s, receiver accept → slow → down`, () => {
    test('every count observe holds stays within its bound, the heap stays bounded, the server still answers', async () => {
      const result = await runSoak({ level, seconds, modeSeconds: seconds / 3, concurrency: 8, readers: 4, stalled: 1, progressSeconds: 600,
        // exports time out (1 s) before the slow receiver answers (2 s): every export started while it is slow or down is dropped
        maxQueueSize: 512, exportTimeoutMs: 1000 })
      const f = figures(result)
      const { samples } = result
      assert.ok(samples.length >= seconds - 2, `${samples.length} samples in ${seconds} s`)
      assert.equal(f.errors, 0, f.firstProblem ?? '')
      assert.ok(f.requests > 200, `${f.requests} requests`)
      assert.ok(f.notFound > 20, `${f.notFound} random 404s`)
      assertWithinCaps(samples)

      // high-cardinality URLs: the route table holds the 4 declared patterns and one not-found row, never a URL
      const last = samples.at(-1).sizes
      assert.equal(last.routes.size, result.ready.routes + 1)
      assert.equal(last.recent.size, last.recent.cap)
      assert.equal(last.streams.size, 5)
      assert.equal(last.resources === null, level === 'timing')

      // tracing: spans reached the receiver while it accepted, and were dropped (counted) while it was down
      assert.ok(f.spansReceived > 0, 'spans received')
      assert.ok(f.droppedSpans > 0, 'spans dropped while the receiver was slow or down')
      assert.equal(f.internalErrors, 0)

      // the page: readers kept reading, the stalled one is still held
      for (const r of f.streams.readers) {
        assert.equal(r.status, 200)
        assert.equal(r.ended, false)
        assert.ok(r.events > 0, 'a reader got events')
      }
      assert.deepEqual(f.streams.stalled, [{ status: 200, ended: false }])

      // heap: bounded (the machine is loaded and nothing forces a collection: generous), and its floor
      // in the last third no higher than in the middle third plus a margin
      assert.ok(f.heapMaxMB < 384, `heap used at most ${f.heapMaxMB.toFixed(1)} MB`)
      const middle = heapFloor(samples, 1 / 3, 2 / 3)
      const end = heapFloor(samples, 2 / 3, 1)
      assert.ok(end <= middle + 48 * MB, `heap floor ${(middle / MB).toFixed(1)} → ${(end / MB).toFixed(1)} MB`)

      // afterwards: 20 requests one at a time, each answered right (a liveness bound, not a speed one)
      assert.deepEqual(f.probeFailures, [])
      assert.ok(f.probeSlowestMs < 2000, `slowest ${f.probeSlowestMs.toFixed(1)} ms`)
      assert.ok(f.closeMs < 5000, `close() took ${f.closeMs.toFixed(1)} ms`)
    })
  })
}
