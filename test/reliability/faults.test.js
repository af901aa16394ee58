// Fault injection into every hook (issue 16), part 1 of 6: the matrix itself, and the first
// request hooks (onRequest, preParsing, preValidation). Each request hook, the handler, each application hook and a plugin, in
// both styles, with every fault of faults/matrix.js, on Weft and side by side on Fastify, each in
// child processes over real sockets. On Weft every case must be answered or cleanly closed in
// bounded time as faults/expectations.js says by construction, the next 100 requests succeed,
// close() completes, and nothing escapes as unhandled. Parts 2-6: faults-handler, faults-reply,
// faults-after, faults-late, faults-app.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { appTargets, faults, matrix, requestTargets } from './faults/matrix.js'
import { faultSuite } from './faults/suite.js'

test('the matrix is targets × styles × faults, less the combinations skipped by a named rule', () => {
  const { all, run, skipped } = matrix()
  assert.equal(all.length, (requestTargets.length + appTargets.length) * 2 * faults.length)
  const skippedCount = Object.values(skipped).reduce((a, b) => a + b, 0)
  assert.equal(run.length + skippedCount, all.length)
  assert.ok(all.every((c) => c.skip === null || Object.hasOwn(skipped, c.skip)))
  // every target runs in both styles, but onRoute and onRegister (synchronous: no done)
  for (const target of [...requestTargets, ...appTargets]) {
    for (const style of ['callback', 'async']) {
      const expected = !(style === 'callback' && (target === 'onRoute' || target === 'onRegister'))
      assert.equal(run.some((c) => c.target === target && c.style === style), expected, `${target} ${style}`)
    }
  }
})

await faultSuite('faults in the first request hooks', ['onRequest', 'preParsing', 'preValidation'])
