// What `weft inspect` and `weft mcp` print: one line per request, the routes table, and one request
// as a waterfall (phases, hooks, operations as bars scaled to its wall time) with its figures,
// repeated queries (N+1), leaks and log lines.
import { clockName, ms, painter, table, timeOf } from './style.js'

const routeOf = (r) => r.route ?? '(no route)'
const statusPaint = (paint, code) => code >= 500 ? paint.red : code >= 400 ? paint.yellow : code >= 300 ? paint.cyan : paint.green

/** Requests (summaries) as aligned rows, one a line. */
export function requestTable (list, { color = false } = {}) {
  const paint = painter(color)
  return table(['TIME', 'METHOD', 'ROUTE', 'STATUS', 'WALL', 'CPU', 'OPS', 'LEAKS', 'FLAGS', 'ID'], list.map((r) => {
    const repeated = r.repeated ?? []
    const flags = [...(repeated.length > 0 ? [paint.yellow('N+1 ' + repeated.map((x) => `${x.summary} ×${x.count}`).join(', '))] : []), ...(r.error !== undefined ? [paint.red('error: ' + r.error)] : [])]
    return [paint.gray(timeOf(r.startedAt)), r.method, routeOf(r), statusPaint(paint, r.statusCode)(String(r.statusCode)), ms(r.wallMs), ms(r.cpuMs),
      String(r.operationCount), r.leakCount > 0 ? paint.red(String(r.leakCount)) : '0', flags.join(' ') || '–', paint.gray(r.id)]
  }), [3, 4, 5, 6, 7])
}

/** A request (summary or whole activity) on one line. */
export function requestLine (r, { color = false } = {}) {
  const paint = painter(color)
  const ops = r.operationCount ?? r.operations.reduce((n, op) => n + op.count, 0)
  const leaks = r.leakCount ?? r.leaks.length
  const repeated = r.repeated ?? []
  const flags = []
  if (repeated.length > 0) flags.push(paint.yellow('N+1 ' + repeated.map((x) => `${x.summary} ×${x.count}`).join(', ')))
  if (leaks > 0) flags.push(paint.red(`${leaks} leak${leaks === 1 ? '' : 's'}`))
  if (r.error !== undefined) flags.push(paint.red('error: ' + r.error))
  return [
    paint.gray(timeOf(r.startedAt)),
    r.method.padEnd(6),
    (routeOf(r) === r.url ? r.url : `${routeOf(r)} ${paint.gray(r.url)}`),
    statusPaint(paint, r.statusCode)(String(r.statusCode)),
    paint.bold(ms(r.wallMs)),
    r.cpuMs === null ? 'CPU –' : `CPU ${ms(r.cpuMs)}`,
    `${ops} op${ops === 1 ? '' : 's'}`,
    ...flags,
    paint.gray(r.id)
  ].join('  ')
}

/** The routes table (api/v1/routes). */
export function routesTable (routes, { color = false } = {}) {
  if (routes.length === 0) return 'no routes seen yet'
  const paint = painter(color)
  const n = (v) => v === null || v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v))
  const rows = routes.map((r) => [
    r.method, r.route, String(r.count),
    r.errors > 0 ? paint.red(`${(100 * r.errors / r.count).toFixed(1)}%`) : '0%',
    n(r.wallMs.p50), n(r.wallMs.p95), n(r.wallMs.p99), n(r.wallMs.max),
    n(r.cpuMs?.p50), n(r.cpuMs?.p95),
    r.operations.slice(0, 3).map((o) => `${o.name} ×${o.count}`).join(', ') || '–',
    Object.entries(r.leaks).map(([k, c]) => paint.red(`${k} ×${c}`)).join(', ') || '–'
  ])
  return table(['METHOD', 'ROUTE', 'COUNT', 'ERRORS', 'P50 MS', 'P95 MS', 'P99 MS', 'MAX MS', 'CPU P50', 'CPU P95', 'TOP OPERATIONS', 'LEAKS'], rows, [2, 3, 4, 5, 6, 7, 8, 9]) +
    '\n' + paint.gray('wall-clock milliseconds over the requests aggregated per route; CPU on the clock each request names (thread CPU, or wall clock in callbacks on Node without it)')
}

const KIND_COLOR = { db: 'magenta', 'http.client': 'blue', fs: 'yellow', dns: 'blue', net: 'blue', timer: 'gray' }

/** A bar from `startMs` for `wallMs`, on `cols` columns spanning `endMs`; at least one column. */
function bar (startMs, wallMs, endMs, cols) {
  const from = Math.min(cols - 1, Math.floor((startMs / endMs) * cols))
  const to = Math.max(from + 1, Math.min(cols, Math.round(((startMs + wallMs) / endMs) * cols)))
  return ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(cols - to)
}

/** One request (a whole activity from api/v1/requests/:id) as a terminal waterfall with its figures. */
export function waterfall (a, { color = false, columns = 100 } = {}) {
  const paint = painter(color)
  const out = []
  const cpuClock = clockName(a.cpuClock)
  out.push(paint.bold(`${a.method} ${a.url}`) + `  →  ${statusPaint(paint, a.statusCode)(String(a.statusCode))}   route ${routeOf(a)}   ${paint.gray(a.id + ' at ' + timeOf(a.startedAt) + ', detail ' + a.detail)}`)
  const facts = [`wall ${paint.bold(ms(a.wallMs))} (wall clock)`]
  if (a.cpuMs !== null) {
    facts.push(`CPU ${ms(a.cpuMs)} (${cpuClock})`, `waiting ${ms(a.waitMs)} (wall − CPU)`, `longest block ${ms(a.maxBlockMs)} (wall clock)`)
    facts.push(`loop wait ${ms(a.loopWaitMs)} (wall clock: other callbacks held the loop)`)
  } else {
    facts.push('CPU, waiting and blocks not measured at detail "timing"')
  }
  out.push(facts.join(' · '))
  if (a.error !== undefined) out.push(paint.red('error: ' + a.error))
  out.push('')

  const rows = []
  for (const p of a.phases) {
    rows.push({ label: p.name, startMs: p.startMs, wallMs: p.wallMs, paint: paint.cyan })
    for (const h of p.hooks) rows.push({ label: '  ↳ ' + h.name, startMs: h.startMs, wallMs: h.wallMs, paint: paint.dim })
  }
  const leakedOps = new Set(a.leaks.map((l) => l.operation).filter(Boolean))
  for (const s of [...a.spans].sort((x, y) => x.startMs - y.startMs)) {
    const leaked = leakedOps.has(`${s.kind} ${s.name}`)
    rows.push({ label: `  ${s.kind} ${s.name}`, startMs: s.startMs, wallMs: s.wallMs, paint: leaked ? paint.red : paint[KIND_COLOR[s.kind] ?? 'blue'], note: leaked ? ' still open' : '' })
  }
  const endMs = Math.max(a.wallMs, ...rows.map((r) => r.startMs + r.wallMs)) || 1
  // labels as wide as the longest (up to 44 columns), bars in what is left
  const label = Math.min(44, Math.max(20, ...rows.map((r) => r.label.length + 1)))
  const cols = Math.max(20, columns - label - 16)
  const clip = (text) => text.length > label ? text.slice(0, label - 1) + '…' : text.padEnd(label)
  const line = (name, barText, value) => `${clip(name)} │${barText}│ ${value}`
  out.push(`${' '.repeat(label)}  ${'0 ms'.padEnd(cols - 14)}${(ms(endMs) + ' wall').padStart(14)}`)
  out.push(line('request', paint.bold(bar(0, a.wallMs, endMs, cols)), ms(a.wallMs)))
  if (a.cpuMs !== null) {
    // CPU as a share of the request, not placed in time; the rest is waiting
    const cpuCols = Math.min(cols, Math.max(a.cpuMs > 0 ? 1 : 0, Math.round((Math.min(a.cpuMs, a.wallMs) / endMs) * cols)))
    const waitCols = Math.max(0, Math.round((a.wallMs / endMs) * cols) - cpuCols)
    out.push(line('CPU ▮ / waiting ░', paint.green('▮'.repeat(cpuCols)) + paint.gray('░'.repeat(waitCols)) + ' '.repeat(cols - cpuCols - waitCols), `${ms(a.cpuMs)} CPU (share, not in time)`))
  }
  for (const r of rows) out.push(line(r.label, r.paint(bar(r.startMs, r.wallMs, endMs, cols)), ms(r.wallMs) + (r.note ?? '')))
  if (a.logs.length > 0) {
    const marks = Array(cols).fill(' ')
    for (const l of a.logs) marks[Math.min(cols - 1, Math.floor((l.timeMs / endMs) * cols))] = '|'
    out.push(line(`log (${a.logs.length})`, paint.gray(marks.join('')), ''))
  }
  out.push(paint.gray(`bars: wall clock from the request's start, ${cols} columns = ${ms(endMs)}; phases in cyan, their hooks (↳) dim, then single operations`))

  out.push('', paint.bold(`Operations (${a.operations.length})`) + paint.gray(` — wall clock; CPU on ${cpuClock}; longest block wall clock`))
  if (a.operations.length === 0) out.push(a.detail === 'timing' ? '  not recorded at detail "timing"' : '  none')
  else {
    out.push(table(['  KIND', 'NAME', 'COUNT', 'ACTIVE', 'WALL', 'CPU', 'LONGEST BLOCK'], a.operations.map((op) => [
      '  ' + op.kind, op.name + (op.callSite !== undefined ? paint.gray(' at ' + op.callSite) : ''), String(op.count),
      op.active > 0 ? paint.red(String(op.active)) : '0', ms(op.wallMs), ms(op.cpuMs), ms(op.maxBlockMs)
    ]), [2, 3, 4, 5, 6]))
  }
  const repeated = a.repeated ?? []
  if (repeated.length > 0) {
    out.push('', paint.yellow(paint.bold(`Repeated queries (N+1): ${repeated.length}`)))
    for (const r of repeated) out.push(paint.yellow(`  ⚠ ${r.summary} ×${r.count}`) + ` (${ms(r.wallMs)} in all${r.callSite ? ', first at ' + r.callSite : ''})  ${paint.gray(r.statement)}`)
  }
  out.push('', paint.bold(`Leaks (${a.leaks.length})`) + (a.leaks.length === 0 ? paint.gray(' — nothing left running after the response') : ''))
  for (const l of a.leaks) {
    out.push(paint.red(`  ⚠ ${l.type} (${l.kind})`) + `${l.operation ? ' from ' + l.operation : ''}, ${ms(l.ageMs)} old${l.callSite ? ' at ' + l.callSite : ''}`)
  }
  if (a.logs.length > 0) {
    out.push('', paint.bold(`Log lines (${a.logs.length})`))
    for (const l of a.logs) out.push(`  +${ms(l.timeMs).padStart(9)}  ${(l.level === 'error' || l.level === 'fatal' ? paint.red : l.level === 'warn' ? paint.yellow : (x) => x)(l.level.padEnd(5))}  ${l.msg}`)
  }
  return out.join('\n')
}
