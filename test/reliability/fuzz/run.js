// One fuzzing session shared by the short test and bench/fuzz.mjs: fast-check drives requestArb
// through both frameworks for `runs` inputs from `seed` and counts what it finds.
import fc from 'fast-check'
import { requestArb, describe } from './arbitraries.js'
import { startPairs, watchProcess, runInput, differences } from './harness.js'
import { classify, deliberate } from './differences.js'

/** A fresh tally; `excluded` counts inputs per deliberate difference, by name. */
export function newStats () {
  return {
    inputs: 0,
    socket: 0,
    inject: 0,
    crashes: 0,
    hangs: 0, // Weft gave no answer and kept the connection open where Fastify answered or closed
    bothSilent: 0, // neither answered within the bound (e.g. a body shorter than its Content-Length)
    unexplained5xx: 0,
    malformed: 0, // Weft answers that are not well-formed HTTP/1.1
    fastifyMalformed: 0,
    excluded: Object.fromEntries(Object.keys(deliberate).map((name) => [name, 0])),
    unexplained: 0,
    resetRetries: 0, // runs again of an input because a reset had dropped an answer on one side only
    slowRetries: 0, // runs again of an input with a longer bound, one side having been silent
    resetInconclusive: 0, // inputs whose answer a reset dropped on one side at every attempt (listed in findings)
    statuses: {},
    findings: []
  }
}

/** Checks one input, updates `stats`; returns the unexplained differences (empty when none). */
/**
 * A difference that TCP may have made: one side's connection was reset before any answer was
 * read (the server answered and closed with bytes of the request unread, and the reset dropped
 * the answer). Which side loses the race varies from run to run.
 */
function resetRace (result) {
  const { fastify, weft } = result.socket
  return (fastify.reset && fastify.status === 0 && weft.status !== 0) || (weft.reset && weft.status === 0 && fastify.status !== 0) ||
    (fastify.reset && weft.reset && fastify.next !== weft.next)
}

export async function checkInput (pair, watch, req, stats, { ms, where }) {
  const before = watch.events.length
  let result = await runInput(pair, req, { ms })
  // a reset that dropped one side's answer says nothing of the frameworks: the input runs again (4 times at most)
  for (let retry = 0; retry < 4 && resetRace(result) && differences(result).length > 0; retry++) {
    stats.resetRetries++
    result = await runInput(pair, req, { ms })
  }
  // one side silent within the bound (no answer, or none to the request after it), the other not:
  // on a loaded machine that may be the bound's doing, so the input runs again with three times the bound
  const { fastify: f0, weft: w0 } = result.socket
  if ((f0.hang || w0.hang || f0.probeHang || w0.probeHang) && differences(result).length > 0) {
    stats.slowRetries++
    result = await runInput(pair, req, { ms: ms * 3 })
  }
  await new Promise((resolve) => setImmediate(resolve)) // let a stray rejection surface
  stats.inputs++
  stats.socket++
  if (result.inject !== undefined) stats.inject++
  const f = result.socket.fastify
  const w = result.socket.weft
  stats.statuses[f.status] = (stats.statuses[f.status] ?? 0) + 1
  if (f.hang && w.hang) stats.bothSilent++
  else if (w.hang) stats.hangs++
  if (w.malformed !== undefined) stats.malformed++
  if (f.malformed !== undefined) stats.fastifyMalformed++
  const problems = []
  const crashes = watch.events.slice(before)
  if (crashes.length > 0) {
    stats.crashes += crashes.length
    problems.push(...crashes.map((c) => ({ via: 'process', field: c.kind, weft: c.message })))
  }
  for (const via of ['socket', 'inject']) {
    const pair = result[via]
    if (pair !== undefined && pair.weft.status >= 500 && !(pair.fastify.status >= 500)) {
      stats.unexplained5xx++
      break
    }
  }
  const verdict = classify(req, result, differences(result))
  if (verdict.explainedBy !== undefined) stats.excluded[verdict.explainedBy]++
  if (verdict.unexplained !== undefined && problems.length === 0 && resetRace(result)) {
    // inconclusive, not excused: counted and listed with the input
    stats.resetInconclusive++
    stats.findings.push({ ...where, inconclusive: 'a TCP reset dropped one side\'s answer at every attempt', request: describe(req).slice(0, 2000), problems: verdict.unexplained })
    return []
  }
  if (verdict.unexplained !== undefined) problems.push(...verdict.unexplained)
  if (problems.length > 0) {
    stats.unexplained++
    stats.findings.push({ ...where, request: describe(req).slice(0, 2000), problems })
  }
  return problems
}

/**
 * Runs `runs` inputs from `seed`. With `stopOnFirst` the first unexplained difference fails the
 * property and fast-check shrinks it (the result's `counterexample`); otherwise every input runs
 * and each finding is kept with its seed and fast-check path (`{ seed, path }` replays it: only
 * that input runs).
 * `progress(stats, elapsedMs)` is called every `progressMs`, `onFinding(finding)` as each is made.
 */
export async function fuzz ({ seed, runs, path, ms = 1500, stopOnFirst = false, progress, progressMs = 5000, onFinding }) {
  const pair = await startPairs()
  const watch = watchProcess()
  const stats = newStats()
  const started = Date.now()
  let lastProgress = started
  let index = 0
  try {
    const property = fc.asyncProperty(requestArb, async (req) => {
      const where = { seed, path: path ?? String(index++) }
      if (stopOnFirst) where.path = undefined
      const found = stats.findings.length
      const problems = await checkInput(pair, watch, req, stats, { ms, where })
      if (onFinding !== undefined) for (const finding of stats.findings.slice(found)) onFinding(finding)
      if (progress !== undefined && Date.now() - lastProgress >= progressMs) {
        lastProgress = Date.now()
        progress(stats, lastProgress - started)
      }
      if (stopOnFirst && problems.length > 0) throw new Error(JSON.stringify(problems).slice(0, 1500))
    })
    const details = await fc.check(property, { seed, numRuns: runs, path, endOnFailure: !stopOnFirst, verbose: 0 })
    return { stats, details, ms: Date.now() - started }
  } finally {
    watch.stop()
    await pair.close()
  }
}
