// Plain-text rendering of reports for people: the operations table (kind, name, count, wall, CPU,
// longest block), leaks, and process figures. Used by `weft trace` and available to users.
import type { OperationReport, OperationSummary, ProcessSample, ProcessSummary, TrackerStats } from './types.js'

export interface FormatOptions {
  /** Most operation rows shown (default 30). */
  maxRows?: number
  /** Most leaks shown (default 20). */
  maxLeaks?: number
}

/** What `weft trace` writes with `--json`: the process report, figures and tracker stats. */
export interface TraceReport {
  version: 1
  node: string
  pid: number
  argv: string[]
  /** null when the report was written on a signal (the program was still running). */
  exitCode: number | null
  /** The signal (SIGINT, SIGTERM) on which the report was written. */
  signal?: string
  report: OperationReport
  process: ProcessSummary & { last?: ProcessSample }
  stats: TrackerStats
}

export function formatMs (ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-'
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 10) return `${ms.toFixed(0)} ms`
  if (ms >= 0.1) return `${ms.toFixed(2)} ms`
  return `${(ms * 1000).toFixed(0)} µs`
}

function formatBytes (n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GB`
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`
  return `${(n / 1024).toFixed(0)} KB`
}

function table (header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (cells: string[]): string =>
    cells.map((c, i) => rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function formatOperations (operations: OperationSummary[], maxRows = 30): string {
  if (operations.length === 0) return '(no operations recorded)'
  const withSites = operations.some(o => o.callSite !== undefined)
  const shown = operations.slice(0, maxRows)
  const header = ['KIND', 'NAME', ...(withSites ? ['CALL SITE'] : []), 'COUNT', 'WALL', 'CPU', 'LONGEST BLOCK']
  const rows = shown.map(o => [
    o.kind,
    o.name,
    ...(withSites ? [o.callSite ?? ''] : []),
    o.active > 0 ? `${o.count} (${o.active} running)` : String(o.count),
    formatMs(o.wallMs),
    formatMs(o.cpuMs),
    formatMs(o.maxBlockMs)
  ])
  const first = withSites ? 3 : 2
  let out = table(header, rows, new Set([first, first + 1, first + 2, first + 3]))
  if (operations.length > shown.length) out += `\n… ${operations.length - shown.length} more`
  return out
}

/** The operations table, leaks and totals of one report. */
export function formatReport (report: OperationReport, options: FormatOptions = {}): string {
  const lines = [
    `${report.name}: wall ${formatMs(report.wallMs)}, CPU in callbacks ${formatMs(report.cpuMs)}${report.cpuClock === 'wall' ? ' (wall clock)' : ''}, longest block ${formatMs(report.maxBlockMs)} (detail ${report.detail})`,
    '',
    formatOperations(report.operations, options.maxRows)
  ]
  const maxLeaks = options.maxLeaks ?? 20
  lines.push('')
  if (report.leaked.length === 0) lines.push('Leaks: none')
  else {
    lines.push(`Leaks: ${report.leaked.length} resource(s) still alive`)
    for (const l of report.leaked.slice(0, maxLeaks)) {
      const where = l.callSite !== undefined ? ` at ${l.callSite}` : ''
      const op = l.operation !== undefined ? ` in ${l.operation}` : ''
      lines.push(`  ${l.type} (${l.kind}), age ${formatMs(l.ageMs)}${op}${where}`)
    }
    if (report.leaked.length > maxLeaks) lines.push(`  … ${report.leaked.length - maxLeaks} more`)
  }
  if (report.dropped > 0) lines.push(`Dropped: ${report.dropped} resource(s) over maxResources were counted, not stored`)
  return lines.join('\n')
}

export function formatProcess (p: ProcessSummary & { last?: ProcessSample }): string {
  if (p.samples === 0) return 'Process: no samples'
  return [
    `Process (${p.samples} sample${p.samples === 1 ? '' : 's'}):`,
    `  CPU ${p.cpuPercentMean.toFixed(1)}% mean, ${p.cpuPercentMax.toFixed(1)}% max`,
    `  RSS ${formatBytes(p.rssMaxBytes)} max, heap used ${formatBytes(p.heapUsedMaxBytes)} max`,
    `  event loop utilization ${(p.eluMean * 100).toFixed(1)}% mean, delay p99 ${formatMs(p.eventLoopDelayP99MaxMs)} max, ${formatMs(p.eventLoopDelayMaxMs)} worst`
  ].join('\n')
}

/** The summary `weft trace` prints when the traced program exits. */
export function formatTrace (trace: TraceReport, options: FormatOptions = {}): string {
  const s = trace.stats
  return [
    `weft trace: ${trace.argv.join(' ')} (Node ${trace.node}, ${trace.signal !== undefined ? `stopped by ${trace.signal}` : `exit code ${trace.exitCode}`})`,
    '',
    formatReport(trace.report, options),
    '',
    formatProcess(trace.process),
    '',
    `Tracker: ${s.created} resources seen, ${s.dropped} dropped, ${s.internalErrors} internal errors`
  ].join('\n')
}
