// The differential fuzzer's findings, replayed side by side over raw sockets on Fastify 5.12 and
// Weft (test/reliability/fuzz/regressions.js): the same outcome, or the named deliberate difference.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { regressions } from './fuzz/regressions.js'
import { startPairs, summary, differences } from './fuzz/harness.js'
import { deliberate, classify } from './fuzz/differences.js'
import { exchange } from './fuzz/wire.js'

let pairs
before(async () => { pairs = await startPairs() })
after(() => pairs.close())

/** The request as the classifier sees an input (only what the deliberate predicates read). */
function asInput (text) {
  const [head] = text.split('\r\n\r\n')
  const [requestLine, ...lines] = head.split('\r\n')
  const headers = lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])
  const host = headers.some(([name]) => name.toLowerCase() === 'host') ? 'Host' : 'none'
  return { version: requestLine.split(' ')[2], host, headers: headers.filter(([name]) => name.toLowerCase() !== 'host') }
}

for (const c of regressions) {
  test(`fuzz regression: ${c.name}`, async () => {
    const bytes = Buffer.from(c.request, 'utf8')
    const pair = pairs[c.config ?? 'default']
    const [f, w] = await Promise.all([exchange(pair.fastify.port, bytes), exchange(pair.weft.port, bytes)])
    const fastify = summary(f)
    const weft = summary(w)
    // Fastify is the ground truth: the case's expectation holds there
    for (const [field, value] of Object.entries(c.expect)) assert.equal(fastify[field], value, `fastify ${field}`)
    for (const [field, value] of Object.entries(c.expect)) assert.equal(weft[field], value, `weft ${field}`)
    const result = { socket: { fastify: f, weft: w } }
    const found = differences(result)
    if (c.deliberate === undefined) {
      assert.deepEqual(weft, fastify)
      assert.deepEqual(found, [])
    } else {
      assert.ok(c.deliberate in deliberate)
      assert.notDeepEqual(found, [], 'the deliberate difference is there')
      assert.deepEqual(classify(asInput(c.request), result, found), { explainedBy: c.deliberate })
    }
  })
}
