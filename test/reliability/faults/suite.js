// The node:test suite of the fault matrix for some targets: runs their cases on Weft and Fastify
// (faults/run.js), then one test per case with the assertions of issue 16. The matrix is split
// over six test files so that each stays inside the runner's 60 s per file on a loaded machine.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { answerOf, runMatrix, verdict } from './run.js'
import { expectedAnswer, expectedApp, knownDifferences } from './expectations.js'
import { bounds } from './scenario.js'

/** `children` per framework: few where the cases are CPU (each child costs a start), more where they wait (timeouts). */
export async function faultSuite (name, targets, children = 3) {
  const { cases, results } = await runMatrix({ targets, children })
  describe(name, () => {
    for (const target of targets) {
      describe(target, () => {
        cases.forEach((c, i) => { if (c.target === target) caseTest(c, results.weft[i], results.fastify[i]) })
      })
    }
  })
}

function caseTest (c, weft, fastify) {
  test(`${c.style} ${c.fault.id}`, (t) => {
    assert.notEqual(weft, null, 'the case ran')
    assert.deepEqual(weft.escapes, [], 'nothing escaped as an unhandled rejection or uncaught exception')
    assert.equal(weft.outcome.child, undefined, 'the child process ran the case to its end')
    assert.equal(weft.outcome.harness, undefined, 'the scenario itself did not fail')
    const v = verdict(weft)
    assert.ok(v === 'answered' || v === 'closed', `answered or cleanly closed in bounded time, not ${v}`)
    if (c.scope === 'request') {
      assert.equal(answerOf(weft), expectedAnswer(c), 'the answer to the faulty request')
      assert.ok(weft.outcome.first.ms < bounds.request, 'within the request bound')
      assert.equal(weft.outcome.next.failures, 0, `the next 100 requests succeed (first failure: ${weft.outcome.next.firstFailure})`)
      assert.equal(weft.outcome.close.state, 'resolved', 'close() completes')
      if (weft.outcome.next.retried > 0) t.diagnostic(`${weft.outcome.next.retried} connection(s) reset past connectionTimeout, sent once more`)
    } else {
      assert.equal(answerOf(weft), expectedApp(c), 'which call fails, each settling in bounded time')
      if (weft.outcome.listen.state === 'resolved' && weft.outcome.install === undefined) assert.equal(weft.outcome.served.status, 200, 'the app that listens serves')
      assert.equal(weft.outcome.fresh, true, 'the process is unharmed: a new app boots, serves and closes')
    }
    // side by side: where both answer, the same answer (unless a known difference says why not)
    const fv = fastify === null ? 'missing' : verdict(fastify)
    if (fv === 'answered' && answerOf(fastify) !== answerOf(weft)) {
      assert.ok(knownDifferences[c.id] !== undefined, `Fastify answers ${answerOf(fastify)}, Weft ${answerOf(weft)}, and no known difference says why`)
      t.diagnostic(`differs from Fastify (${answerOf(fastify)}): ${knownDifferences[c.id]}`)
    } else if (fv !== 'answered' && fv !== 'closed') {
      t.diagnostic(`Fastify ${fv}`)
    }
  })
}
