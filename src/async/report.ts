// Builds OperationReports: the operations table (finished totals plus operations still in flight),
// resource counts by type, leaks and nested reports, for one track() scope or the whole process.
import { performance } from 'node:perf_hooks'
import type { Recording } from './recording.js'
import type { AggregateTable } from './aggregates.js'
import type { TrackScope, ScopeSpace } from './scopes.js'
import { G_FINAL, G_USED } from './group-table.js'
import { isLeakCandidate, kindName, leakOf } from './describe.js'
import { spansOfScope } from './op-spans.js'
import type { Detail, LeakedResource, OperationReport, OperationSummary } from './types.js'
import { cpuClock } from './cpu-clock.js'

/** Rows of the operations table, largest wall time first. `activeGroups` are not yet aggregated. */
export function summarize (space: ScopeSpace, rec: Recording | undefined, totals: AggregateTable | undefined, activeGroups: readonly number[]): OperationSummary[] {
  if ((totals === undefined || totals.size === 0) && activeGroups.length === 0) return []
  const rows: OperationSummary[] = []
  const newRow = (kind: number, name: number, site: number): OperationSummary => {
    const r: OperationSummary = { kind: kindName(kind), name: space.names.get(name), count: 0, active: 0, wallMs: 0, cpuMs: 0, maxBlockMs: 0 }
    if (site !== 0) r.callSite = space.sites.get(site)
    rows.push(r)
    return r
  }
  // Finished totals are one row per key already; operations still in flight join their key's row.
  let byKey: Map<string, OperationSummary> | undefined
  if (activeGroups.length > 0) byKey = new Map()
  if (totals !== undefined) for (const a of totals.rows()) {
    const r = newRow(a.kind, a.name, a.site)
    r.count = a.count
    r.wallMs = a.wallMs
    r.cpuMs = a.cpuMs
    r.maxBlockMs = a.maxBlockMs
    byKey?.set(`${a.kind}:${a.name}:${a.site}`, r)
  }
  if (rec !== undefined && byKey !== undefined) {
    const groups = rec.groups
    const now = performance.now()
    for (const g of activeGroups) {
      const key = `${groups.kind[g]}:${groups.name[g]}:${groups.site[g]}`
      let r = byKey.get(key)
      if (r === undefined) { r = newRow(groups.kind[g], groups.name[g], groups.site[g]); byKey.set(key, r) }
      const quiet = groups.finished(g)
      r.count++
      if (!quiet) r.active++
      r.wallMs += (quiet ? groups.last[g] : now) - groups.start[g]
      // rows made here (newRow) are measured: numbers, never null
      r.cpuMs = (r.cpuMs ?? 0) + groups.cpu[g]
      if (groups.block[g] > (r.maxBlockMs ?? 0)) r.maxBlockMs = groups.block[g]
    }
  }
  return rows.length > 1 ? rows.sort((a, b) => b.wallMs - a.wallMs) : rows
}

/** Leaks of a scope: what it left running, oldest first, aged at `endedAt` (the scope's end; default now). */
export function scopeLeaks (rec: Recording, scope: TrackScope, endedAt?: number): LeakedResource[] {
  let out: LeakedResource[] | undefined
  let now = 0
  const next = rec.res.next
  const limit = next.length // a list longer than the table has a cycle: stop rather than hang
  for (let s = scope.head, n = 0; s >= 0; s = next[s]) {
    if (++n > limit) { rec.internalErrors++; break }
    if (!isLeakCandidate(rec, s)) continue
    if (out === undefined) { out = []; now = endedAt ?? performance.now() }
    out.push(leakOf(rec, s, now))
  }
  return out === undefined ? [] : out.sort((a, b) => b.ageMs - a.ageMs)
}

function groupsOfScope (rec: Recording, scope: TrackScope): number[] {
  const found: number[] = []
  const next = rec.groups.next
  for (let g = scope.groupHead; g >= 0; g = next[g]) {
    if (found.length >= next.length) { rec.internalErrors++; break } // a cycle: stop rather than hang
    found.push(g)
  }
  return found
}

function countsByName (counts: ArrayLike<number | undefined> | undefined, types: Iterable<number> | undefined, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  if (counts === undefined || types === undefined) return out
  for (const t of types) {
    const n = counts[t]
    // Variants of a type (Node 26 fs jobs) share its name: their counts add up.
    if (n !== undefined && n > 0) out[names[t]] = (out[names[t]] ?? 0) + n
  }
  return out
}

/** Type ids 0..n-1. */
function* allTypes (n: number): Generator<number> { for (let t = 0; t < n; t++) yield t }

export interface ScopeReportInput {
  detail: Detail
  startedAt: number
  wallMs: number
  failed: boolean
  leaked: LeakedResource[]
}

export function scopeReport (space: ScopeSpace, rec: Recording | undefined, scope: TrackScope, input: ScopeReportInput): OperationReport {
  const hook = rec !== undefined
  const active = hook ? groupsOfScope(rec, scope) : []
  return {
    name: scope.name,
    detail: input.detail,
    startedAt: input.startedAt,
    wallMs: input.wallMs,
    cpuMs: hook ? scope.cpuMs : null,
    cpuClock: hook ? cpuClock : null,
    maxBlockMs: hook ? scope.maxBlockMs : null,
    // the loop's busy time since it began, less its own: other operations' callbacks it overlapped
    // (a callback that began before it and ended inside counts whole: at most its wall time)
    loopWaitMs: hook ? Math.min(input.wallMs, Math.max(0, rec.busyMs - scope.loopMark - scope.busyMs)) : null,
    operations: summarize(space, rec, scope.aggregates, active),
    resources: hook ? countsByName(scope.counts, scope.countedTypes, rec.types.names) : {},
    leaked: input.leaked,
    children: scope.children ?? [],
    dropped: scope.dropped,
    failed: input.failed,
    spans: hook ? spansOfScope(rec, scope, active, performance.now()) : [],
    droppedSpans: scope.opSpansDropped
  }
}

/** The whole process since the tracker was enabled. */
export function processReport (space: ScopeSpace, rec: Recording | undefined, input: Omit<ScopeReportInput, 'leaked' | 'failed'>): OperationReport {
  if (rec === undefined) {
    return {
      name: 'process', detail: input.detail, startedAt: input.startedAt, wallMs: input.wallMs,
      cpuMs: null, cpuClock: null, maxBlockMs: null, loopWaitMs: null,
      operations: summarize(space, undefined, space.totals, []),
      resources: {}, leaked: [], children: [], dropped: 0, failed: false, spans: [], droppedSpans: 0
    }
  }
  const groups = rec.groups
  const active: number[] = []
  for (let g = 0; g < groups.capacity; g++) if ((groups.flags[g] & (G_USED | G_FINAL)) === G_USED) active.push(g)
  const now = performance.now()
  const leaked: LeakedResource[] = []
  rec.res.forEach(s => { if (isLeakCandidate(rec, s)) leaked.push(leakOf(rec, s, now)) })
  leaked.sort((a, b) => b.ageMs - a.ageMs)
  return {
    name: 'process',
    detail: input.detail,
    startedAt: input.startedAt,
    wallMs: input.wallMs,
    cpuMs: rec.cpuMs,
    cpuClock,
    maxBlockMs: rec.maxBlockMs,
    loopWaitMs: 0,
    operations: summarize(space, rec, space.totals, active),
    resources: countsByName(rec.rootCounts, allTypes(rec.types.names.length), rec.types.names),
    leaked,
    children: [],
    dropped: rec.dropped,
    failed: false,
    spans: [],
    droppedSpans: 0
  }
}
