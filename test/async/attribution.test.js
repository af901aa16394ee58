// Time attribution: CPU time of a callback goes to the operation that ran it, nested track()
// calls nest, and concurrent ones do not mix.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTracker } from 'weft/async'
import { nodeMakes, spin } from './helpers.js'

const file = fileURLToPath(import.meta.url)
const readFile = () => new Promise((resolve, reject) => fs.readFile(file, err => err ? reject(err) : resolve()))
const op = (report, kind, name) => report.operations.find(o => o.kind === kind && (name === undefined || o.name === name))

for (const detail of ['resources', 'stacks']) {
  describe(`CPU time at '${detail}'`, () => {
    it('of a busy timer callback is attributed to that timer', async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const { report } = await tracker.track('busy', async () => {
          await readFile()
          await new Promise(resolve => setTimeout(() => { spin(60); resolve() }, 1))
        })
        const timer = op(report, 'timer', 'setTimeout')
        const fsOp = op(report, 'fs')
        assert.ok(timer.cpuMs >= 60, `timer cpu ${timer.cpuMs}`)
        assert.ok(timer.maxBlockMs >= 60, `timer longest block ${timer.maxBlockMs}`)
        assert.ok(fsOp.cpuMs < timer.cpuMs, 'the fs operation did not run the busy callback')
        assert.ok(report.cpuMs >= 60)
        assert.ok(report.maxBlockMs >= 60)
      } finally { tracker.disable() }
    })

    it('of a busy fs callback is attributed to the fs operation', async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const { report } = await tracker.track('busy', () =>
          new Promise((resolve, reject) => fs.readFile(file, err => { spin(50); err ? reject(err) : resolve() })))
        const fsOp = op(report, 'fs')
        assert.equal(fsOp.count, 1)
        assert.ok(fsOp.cpuMs >= 50, `fs cpu ${fsOp.cpuMs}`)
        assert.ok(fsOp.maxBlockMs >= 50)
      } finally { tracker.disable() }
    })

    it('of a busy nextTick callback is charged to its operation', async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        let spun = 0
        const { report } = await tracker.track('ticks', () => new Promise(resolve => {
          // the tick runs right after the timer callback that queued it
          setTimeout(() => { process.nextTick(() => { const t0 = performance.now(); spin(30); spun = performance.now() - t0; resolve() }) }, 1)
        }))
        assert.ok(report.cpuMs >= 30, `cpu ${report.cpuMs}`)
        // the tick's own time, as long as the spin really took (a loaded machine stretches it), not more
        assert.ok(report.maxBlockMs >= 30 && report.maxBlockMs < spun + 25, `longest block ${report.maxBlockMs}, the spin took ${spun}`)
      } finally { tracker.disable() }
    })

    it('of an idle wait between two callbacks is not charged', async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        let spun = 0
        const { report } = await tracker.track('interval', () => new Promise(resolve => {
          let n = 0
          const interval = setInterval(() => {
            if (++n === 1) { const t0 = performance.now(); spin(20); spun = performance.now() - t0 } else { clearInterval(interval); resolve() }
          }, 80)
        }))
        assert.ok(report.cpuMs >= 20, `cpu ${report.cpuMs}`)
        // charging the 80 ms between the callbacks would add at least that much to what the spin took
        assert.ok(report.cpuMs < spun + 40, `cpu ${report.cpuMs} (the spin took ${spun}): the 80 ms between the callbacks was charged`)
      } finally { tracker.disable() }
    })

    it('of a promise continuation that queues a tick is not charged to the tick', async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const { report } = await tracker.track('continuation', () => new Promise(resolve => {
          setTimeout(() => {
            Promise.resolve().then(() => { spin(40); process.nextTick(resolve) })
          }, 1)
        }))
        // At `stacks` promise reactions are callbacks, charged to the promise. At `resources` they
        // are not callbacks the hook sees: the microtasks after the timer's callback (its tail) are
        // charged to the operation's scope, and the timer callback with them is one block.
        assert.ok(report.cpuMs >= 40, `cpu ${report.cpuMs}`)
        assert.ok(report.maxBlockMs >= 40, `longest block ${report.maxBlockMs}`)
        if (detail === 'resources') assert.ok(op(report, 'timer', 'setTimeout').cpuMs < 35, 'the tail is the scope\'s, not the timer operation\'s')
      } finally { tracker.disable() }
    })

    it('of the synchronous part of the tracked function counts for the operation', async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const { report } = await tracker.track('sync', () => spin(40))
        assert.ok(report.cpuMs >= 40, `cpu ${report.cpuMs}`)
        assert.ok(report.maxBlockMs >= 40)
      } finally { tracker.disable() }
    })
  })
}

describe('time at timing', () => {
  it('reports wall time only: CPU and blocks are not measured', async () => {
    const tracker = createTracker({ detail: 'timing' }).enable()
    const { report } = await tracker.track('wait', () => new Promise(resolve => setTimeout(resolve, 20)))
    assert.ok(report.wallMs >= 15)
    assert.equal(report.cpuMs, null)
    assert.equal(report.maxBlockMs, null)
    assert.deepEqual(report.operations, [])
    tracker.disable()
  })
})

describe('nested track() calls', () => {
  for (const detail of ['timing', 'resources', 'promises']) {
    it(`nest at '${detail}': the inner report is a child, and an operation of kind user in the outer`, async () => {
      const tracker = createTracker({ detail }).enable()
      try {
        const { report } = await tracker.track('outer', async () => {
          await readFile()
          const inner = await tracker.track('inner', async () => {
            await readFile()
            await new Promise(resolve => setTimeout(resolve, 2))
            return 7
          })
          assert.equal(inner.result, 7)
          assert.equal(inner.report.name, 'inner')
          if (detail !== 'timing') {
            assert.equal(op(inner.report, 'fs').count, 1, 'the inner operation sees only its own read')
            assert.equal(inner.report.resources.FSREQCALLBACK, nodeMakes.readFileRequests)
          }
        })
        assert.equal(report.children.length, 1)
        assert.equal(report.children[0].name, 'inner')
        const user = op(report, 'user', 'inner')
        assert.equal(user.count, 1)
        assert.ok(user.wallMs <= report.wallMs)
        if (detail !== 'timing') {
          assert.equal(op(report, 'fs').count, 2, 'resources created inside, transitively, count for the outer')
          assert.equal(report.resources.FSREQCALLBACK, 2 * nodeMakes.readFileRequests)
          assert.equal(op(report, 'timer').count, 1)
        }
      } finally { tracker.disable() }
    })
  }

  it('concurrent operations do not mix', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    try {
      const [a, b] = await Promise.all([
        tracker.track('a', async () => { await readFile(); await readFile() }),
        tracker.track('b', async () => { await new Promise(resolve => setTimeout(resolve, 3)); await readFile() })
      ])
      assert.equal(op(a.report, 'fs').count, 2)
      assert.equal(op(a.report, 'timer'), undefined)
      assert.equal(op(b.report, 'fs').count, 1)
      assert.equal(op(b.report, 'timer').count, 1)
      assert.equal(a.report.resources.FSREQCALLBACK, 2 * nodeMakes.readFileRequests)
      assert.equal(b.report.resources.FSREQCALLBACK, nodeMakes.readFileRequests)
    } finally { tracker.disable() }
  })

  it('two trackers enabled at once each keep their own scopes', async () => {
    const first = createTracker({ detail: 'resources' }).enable()
    const second = createTracker({ detail: 'resources' }).enable()
    try {
      const outer = await first.track('first', async () => {
        await readFile()
        const inner = await second.track('second', async () => {
          await new Promise(resolve => setTimeout(resolve, 2))
          await readFile()
        })
        assert.equal(op(inner.report, 'fs').count, 1, 'the second tracker sees only the read made inside its own track()')
        assert.equal(op(inner.report, 'timer').count, 1)
        await readFile()
      })
      assert.equal(op(outer.report, 'fs').count, 3, 'the first tracker sees every read made inside its track(), nested or not')
      assert.equal(op(outer.report, 'timer').count, 1)
      assert.deepEqual(outer.report.children, [], 'a track() of another tracker is not a child')
    } finally {
      second.disable()
      first.disable()
    }
  })

  it('a failing operation rejects with its own error and still reports', async () => {
    const reports = []
    const tracker = createTracker({ detail: 'resources', onReport: r => reports.push(r) }).enable()
    const boom = new Error('boom')
    await assert.rejects(tracker.track('fails', async () => { await readFile(); throw boom }), e => e === boom)
    assert.equal(reports.length, 1)
    assert.equal(reports[0].failed, true)
    assert.equal(op(reports[0], 'fs').count, 1)
    tracker.disable()
  })
})
