// Fault injection into every hook (issue 16): each request hook, the handler, each application
// hook and a plugin, in both styles, with every fault of the matrix (faults/matrix.js), on Weft
// and side by side on Fastify, each in child processes over real sockets. On Weft every case must
// be answered or cleanly closed in bounded time, as faults/expectations.js says by construction,
// the next 100 requests succeed, close() completes, and nothing escapes as unhandled.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { answerOf, runMatrix, verdict } from './faults/run.js'
import { expectedAnswer, expectedApp, knownDifferences } from './faults/expectations.js'
import { appTargets, faults, requestTargets } from './faults/matrix.js'
import { bounds } from './faults/scenario.js'

const { cases, skipped, results } = await runMatrix()

function caseTest (c, i) {
  test(`${c.style} ${c.fault.id}`, (t) => {
    const weft = results.weft[i]
    const fastify = results.fastify[i]
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

describe('fault matrix', () => {
  test('the matrix is the product of targets × styles × faults, less the skipped combinations', () => {
    const skippedCount = Object.values(skipped).reduce((a, b) => a + b, 0)
    assert.equal(cases.length + skippedCount, (requestTargets.length + appTargets.length) * 2 * faults.length)
    assert.ok(cases.length > 400, `${cases.length} cases run`)
  })
  for (const target of [...requestTargets, ...appTargets]) {
    describe(target, () => {
      cases.forEach((c, i) => { if (c.target === target) caseTest(c, i) })
    })
  }
})
