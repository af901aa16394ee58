// The fault-injection figures (issue 16): the whole matrix of test/reliability/faults on Weft and
// on Fastify, each case in a child process over real sockets; prints the figures as a markdown
// table (figure, Weft, Fastify), then the cases where Fastify crashed or hung, and where the two differ.
//
//   npm run build && node bench/faults.mjs [--children 6] [--node /path/to/node] [--json out.json]
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { answerOf, runMatrix, verdict } from '../test/reliability/faults/run.js'

const { values } = parseArgs({
  options: {
    children: { type: 'string', default: '6' },
    node: { type: 'string', default: process.execPath },
    json: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})
if (values.help) {
  console.log('node bench/faults.mjs [--children N (per framework, default 6)] [--node PATH] [--json FILE]')
  process.exit(0)
}

const started = Date.now()
const { cases, skipped, results } = await runMatrix({ children: Number(values.children), node: values.node })
const wallS = ((Date.now() - started) / 1000).toFixed(1)
const version = (await import('node:child_process')).spawnSync(values.node, ['--version']).stdout.toString().trim()

function figures (framework) {
  const rs = results[framework]
  const count = { answered: 0, closed: 0, hung: 0, crashed: 0, other: 0 }
  let escapeCases = 0
  let escapes = 0
  let nextCases = 0
  let nextRequests = 0
  let retried = 0
  for (const r of rs) {
    retried += r?.outcome?.next?.retried ?? 0
    const v = verdict(r)
    if (v in count) count[v]++
    else count.other++
    if (r !== null && r.escapes.length > 0) { escapeCases++; escapes += r.escapes.length }
    const failures = r?.outcome?.next?.failures ?? 0
    if (failures > 0) { nextCases++; nextRequests += failures }
  }
  return { ...count, escapeCases, escapes, nextCases, nextRequests, retried }
}

const w = figures('weft')
const f = figures('fastify')
let differ = 0
const differing = []
for (let i = 0; i < cases.length; i++) {
  if (verdict(results.weft[i]) !== 'answered' || verdict(results.fastify[i]) !== 'answered') continue
  if (answerOf(results.weft[i]) !== answerOf(results.fastify[i])) {
    differ++
    differing.push(`${cases[i].id}: Weft ${answerOf(results.weft[i])}, Fastify ${answerOf(results.fastify[i])}`)
  }
}
const requestCases = cases.filter((c) => c.scope === 'request').length
const skippedCount = Object.values(skipped).reduce((a, b) => a + b, 0)
const command = '`node bench/faults.mjs`'
const rows = [
  ['scenarios run (request hooks + handler / application hooks + plugin)', `${cases.length} (${requestCases} / ${cases.length - requestCases})`, 'same'],
  ['combinations skipped by rule', `${skippedCount} (${Object.keys(skipped).length} rules)`, 'same'],
  ['answered in bounded time (request: a status; application: every call settled)', w.answered, f.answered],
  ['closed cleanly (socket timed out, client aborted)', w.closed, f.closed],
  ['hung (no answer within the bound, close() or a call never settled, child wedged)', w.hung, f.hung],
  ['crashed (an unhandled rejection or uncaught exception: Node\'s default would exit; or the process died)', w.crashed, f.crashed],
  ['unhandled escapes (events, in how many cases)', `${w.escapes} in ${w.escapeCases}`, `${f.escapes} in ${f.escapeCases}`],
  ['next-100 failures (failed requests, in how many cases)', `${w.nextRequests} in ${w.nextCases}`, `${f.nextRequests} in ${f.nextCases}`],
  ['next-100 connections reset past connectionTimeout and sent once more (onTimeout cases)', w.retried, f.retried],
  ['statuses that differ where both answered', differ, 'same'],
  ['wall time of this run', `${wallS} s (Node ${version}, ${values.children} children per framework)`, 'same run']
]
console.log(`| figure | Weft | Fastify 5.12 | command |\n| --- | --- | --- | --- |`)
for (const [name, a, b] of rows) console.log(`| ${name} | ${a} | ${b} | ${command} |`)

const broken = (fw) => cases.map((c, i) => [c, results[fw][i]]).filter(([, r]) => ['hung', 'crashed'].includes(verdict(r)))
for (const fw of ['fastify', 'weft']) {
  const list = broken(fw)
  console.log(`\n${fw}: ${list.length} cases crashed or hung`)
  for (const [c, r] of list) {
    const why = r.outcome.child ?? (r.escapes.length > 0 ? r.escapes.map((e) => `${e.kind} ${e.what}`).join('; ') : JSON.stringify(r.outcome).slice(0, 120))
    console.log(`- ${c.id}: ${verdict(r)} (${why})`)
  }
}
if (differing.length > 0) console.log(`\nstatuses that differ:\n- ${differing.join('\n- ')}`)
console.log('\nskipped by rule:', JSON.stringify(skipped))
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ cases, skipped, results }, null, 1))
