// Differential fuzzing, short form (issue 16): fast-check requests over raw sockets and inject()
// against Fastify 5.12 and Weft side by side; a fixed seed and one random seed (printed) per run.
// The long form is `node bench/fuzz.mjs --runs 50000`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fuzz } from './fuzz/run.js'

const RUNS = 450

async function session (t, seed) {
  console.log(`# fuzz seed ${seed} (${RUNS} inputs; replay: node bench/fuzz.mjs --seed ${seed} --runs ${RUNS})`)
  const { stats, details, ms } = await fuzz({ seed, runs: RUNS, ms: 2000, stopOnFirst: true })
  const { findings, statuses, ...figures } = stats
  t.diagnostic(`seed ${seed}: ${JSON.stringify(figures)} in ${ms} ms; statuses ${JSON.stringify(statuses)}`)
  if (details.failed) {
    assert.fail(`seed ${seed}, path ${details.counterexamplePath}: Weft differs from Fastify on\n` +
      `${JSON.stringify(details.counterexample?.[0])}\n${findings.at(-1)?.request ?? ''}\n${details.errorInstance?.message ?? ''}`)
  }
  assert.equal(stats.inputs, RUNS)
  assert.equal(stats.crashes, 0, 'no uncaught exception or unhandled rejection')
  assert.equal(stats.hangs, 0, 'Weft answers (or closes) whenever Fastify does')
  assert.equal(stats.malformed, 0, 'every Weft answer is well-formed HTTP/1.1')
  assert.equal(stats.unexplained5xx, 0)
  assert.equal(stats.unexplained, 0)
  // the inputs reached the routes, the parsers and Node's own checks, over both ways in
  assert.ok(stats.inject > 0, 'some inputs went through inject() too')
  const reached = (low, high) => Object.entries(statuses).some(([s, n]) => Number(s) >= low && Number(s) < high && n > 0)
  assert.ok(reached(200, 300) && reached(400, 500), `2xx and 4xx answers: ${JSON.stringify(statuses)}`)
}

test('fuzz: Weft answers as Fastify 5.12 does (fixed seed)', { timeout: 40_000 }, (t) => session(t, 160_512))

test('fuzz: Weft answers as Fastify 5.12 does (random seed)', { timeout: 40_000 }, (t) => session(t, Math.floor(Math.random() * 2 ** 31)))
