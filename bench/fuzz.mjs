#!/usr/bin/env node
// Differential fuzzing, long form (issue 16): fast-check requests through Fastify 5.12 and Weft
// side by side, over raw sockets and inject(); prints what it tried and found. See test/reliability/fuzz.
// Usage: node bench/fuzz.mjs [--runs 50000] [--seed S] [--path P] [--ms 1500] [--out findings.json]
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fuzz } from '../test/reliability/fuzz/run.js'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '50000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    ms: { type: 'string', default: '1500' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})
if (args.help) {
  console.log(`node bench/fuzz.mjs [--runs N] [--seed S] [--ms BOUND] [--out FILE]
  --runs  inputs to try (default 50000)
  --seed  fast-check seed (default: random, printed)
  --path  replay only the input at this fast-check path of the seed (a finding's "path")
  --ms    how long each framework may take to answer one input (default 1500)
  --out   write every unexplained finding (with its seed and fast-check path) as JSON to FILE
A finding replays alone with --seed S --path P --runs 1, and is kept as a case in test/reliability/fuzz/regressions.js.`)
  process.exit(0)
}

const runs = Number(args.runs)
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31)
const ms = Number(args.ms)
const excludedText = (stats) => Object.entries(stats.excluded).map(([name, n]) => `${name} ${n}`).join(', ')

console.log(`# fuzz: ${runs} inputs, seed ${seed}, answer bound ${ms} ms, Node ${process.version}`)
const { stats, ms: took } = await fuzz({
  seed,
  runs,
  path: args.path,
  ms,
  progress: (s, elapsed) => console.log(`# ${s.inputs}/${runs} inputs in ${(elapsed / 1000).toFixed(0)} s: ` +
    `${s.unexplained} unexplained, ${s.crashes} crashes, ${s.hangs} hangs, ${s.unexplained5xx} unexplained 5xx, excluded: ${excludedText(s)}`),
  onFinding: (finding) => console.log(`# finding at --seed ${finding.seed} --path ${finding.path}${finding.inconclusive ? ' (inconclusive)' : ''}: ` +
    finding.problems.map((p) => `${p.via}.${p.field} fastify=${JSON.stringify(p.fastify)} weft=${JSON.stringify(p.weft)}`).join('; ').slice(0, 400))
})

const rows = [
  ['inputs tried', stats.inputs],
  ['  over raw sockets', stats.socket],
  ['  also through inject()', stats.inject],
  ['crashes (uncaught exceptions, unhandled rejections)', stats.crashes],
  ['hangs (Weft silent where Fastify answered or closed)', stats.hangs],
  ['both silent within the bound (e.g. body shorter than Content-Length)', stats.bothSilent],
  ['unexplained 5xx', stats.unexplained5xx],
  ['malformed Weft answers', stats.malformed],
  ['malformed Fastify answers', stats.fastifyMalformed],
  ...Object.entries(stats.excluded).map(([name, n]) => [`differences excluded: ${name}`, n]),
  ['unexplained differences', stats.unexplained],
  ['runs again with 3x the bound (one side silent)', stats.slowRetries],
  ['runs again after a TCP reset dropped one side\'s answer', stats.resetRetries],
  ['inconclusive: a reset dropped one side\'s answer at each of 5 attempts', stats.resetInconclusive],
  ['time', `${(took / 1000).toFixed(1)} s`]
]
console.log('\n| figure | value |\n| --- | --- |')
for (const [figure, value] of rows) console.log(`| ${figure} | ${value} |`)
console.log(`\nFastify's statuses: ${JSON.stringify(stats.statuses)}`)
for (const finding of stats.findings.slice(0, 20)) console.log('\n## finding', JSON.stringify(finding).slice(0, 3000))
if (args.out !== undefined) writeFileSync(args.out, JSON.stringify(stats.findings, null, 1))
process.exit(stats.unexplained === 0 && stats.crashes === 0 && stats.hangs === 0 ? 0 : 1)
