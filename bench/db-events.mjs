// What weft/async adds per database query, without a database or the network: a `timing`
// tracker's operation (one per "request") runs N queries published on mysql2's TracingChannel
// exactly as mysql2 publishes them (traceCallback: start, end, asyncStart, asyncEnd), the callback
// called at once. CPU-bound on one thread, so it moves much less with the machine's load than
// req/s. Prints ns per request, min and median of --rounds:
//   no tracker:   what mysql2's tracing costs with one empty subscriber (the floor)
//   0 queries:    a tracked request that runs none (begin, end, report)
//   N queries:    a tracked request running N of them
//
//   npm run build && node bench/db-events.mjs [--requests 100000] [--rounds 7] [--queries 2] [--placeholders]
import dc from 'node:diagnostics_channel'
import { parseArgs } from 'node:util'
import { createTracker } from '../dist/async/index.js'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '7' }, queries: { type: 'string', default: '2' }, placeholders: { type: 'boolean', default: false } } })
const N = Number(values.requests)
const ROUNDS = Number(values.rounds)
const Q = Number(values.queries)
const channel = dc.tracingChannel('mysql2:query')
// as mysql2's query() sends them: values written into the text (a prepared text with placeholders is read once, then remembered)
const texts = values.placeholders
  ? ['SELECT id, title FROM tasks WHERE id = ?', 'SELECT id FROM tasks WHERE project_id = ?']
  : ['SELECT id, title FROM tasks WHERE id = 17', 'SELECT id FROM tasks WHERE project_id = 3']
const rows = [{ id: 1 }]

/** One query as mysql2's connection.query publishes it (statementTraceContext, then the callback). */
function query (i) {
  const context = { query: texts[i & 1], values: undefined, database: 'weft', serverAddress: '127.0.0.1', serverPort: 3306 }
  channel.traceCallback((cb) => { cb(null, rows) }, 0, context, null, () => {})
}

function time (fn) {
  const results = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) fn(i)
    results.push(Number(process.hrtime.bigint() - t0) / N)
  }
  results.sort((a, b) => a - b)
  return { min: results[0], median: results[results.length >> 1] }
}

const fmt = ({ min, median }) => `${min.toFixed(0).padStart(7)} ns  (median ${median.toFixed(0)})`

// the floor: mysql2's own tracing, one empty subscriber
const noop = () => {}
const empty = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop }
channel.subscribe(empty)
const floor = time(() => { for (let q = 0; q < Q; q++) query(q) })
channel.unsubscribe(empty)

const tracker = createTracker({ detail: 'timing' }).enable()
const none = time(() => { const op = tracker.begin('request'); op.run(() => {}); op.end() })
const some = time(() => { const op = tracker.begin('request'); op.run(() => { for (let q = 0; q < Q; q++) query(q) }); op.end() })
const check = (() => { const op = tracker.begin('request'); op.run(() => { for (let q = 0; q < Q; q++) query(q) }); return op.end() })()
tracker.disable()
if (check.operations.reduce((n, o) => n + (o.kind === 'db' ? o.count : 0), 0) !== Q) throw new Error(`expected ${Q} db operations, got ${JSON.stringify(check.operations)}`)

console.log(`Node ${process.versions.node}, ${N} requests × ${ROUNDS} rounds, ${Q} queries per request, ${values.placeholders ? 'texts with placeholders' : 'values in the texts'}`)
console.log(`no tracker, ${Q} queries (mysql2's tracing)  ${fmt(floor)}`)
console.log(`timing, 0 queries                        ${fmt(none)}`)
console.log(`timing, ${Q} queries                        ${fmt(some)}`)
console.log(`weft per query: ${((some.min - none.min - floor.min) / Q).toFixed(0)} ns (min figures: (${Q} queries - 0 queries - no tracker) / ${Q})`)
