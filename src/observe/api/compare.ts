// Two requests side by side, operation by operation: what the second added or no longer did, which
// operations and phases got slower or faster, and the change in wall, CPU, longest block and waits.
// Shared by the API's compare resource (the page), weft inspect compare and weft mcp's compare_requests.
import type { RequestActivity } from '../types.js'

type Figure = number | null | undefined
interface Keyed { count?: number, wallMs: number, cpuMs?: number | null, maxBlockMs?: number | null, [k: string]: unknown }
export interface OperationDelta { operation: string, countA: number, countB: number, aMs: number, bMs: number, deltaMs: number, cpuDeltaMs: number | null, maxBlockDeltaMs: number | null }
export interface OperationOnly { operation: string, count: number, wallMs: number, cpuMs: number | null }
export interface RequestComparison {
  a: { id: string, method: string, url: string, statusCode: number, cpuClock: string | null }
  b: { id: string, method: string, url: string, statusCode: number, cpuClock: string | null }
  figures: Record<'wallMs' | 'cpuMs' | 'waitMs' | 'maxBlockMs' | 'loopWaitMs', { a: number | null, b: number | null, delta: number | null }>
  phases: Array<{ name: string, aMs: number, bMs: number, deltaMs: number }>
  operations: { added: OperationOnly[], removed: OperationOnly[], slower: OperationDelta[], faster: OperationDelta[], same: OperationDelta[] }
  leaks: { a: number, b: number }
  repeated: { a: string[], b: string[] }
}

/** Below both of these a change is noise, not slower or faster. */
const MIN_DELTA_MS = 1
const MIN_DELTA_SHARE = 0.1

const delta = (a: Figure, b: Figure): number | null => a === null || b === null || a === undefined || b === undefined ? null : b - a
const changed = (a: number, b: number): boolean => Math.abs(b - a) >= MIN_DELTA_MS && Math.abs(b - a) >= MIN_DELTA_SHARE * Math.max(a, b)

function byKey<T extends Keyed> (list: readonly T[], key: (x: T) => string): Map<string, Keyed> {
  const out = new Map<string, Keyed>()
  for (const x of list) {
    const k = key(x)
    const had = out.get(k)
    // a phase can run twice (onError after onSend): its times add up
    out.set(k, had === undefined ? { ...x } : { ...had, count: (had.count ?? 1) + (x.count ?? 1), wallMs: had.wallMs + x.wallMs })
  }
  return out
}

/** `a` is the baseline, `b` the one compared with it; deltas are b − a. */
export function compareActivities (a: RequestActivity, b: RequestActivity): RequestComparison {
  const figures = {} as RequestComparison['figures']
  for (const name of ['wallMs', 'cpuMs', 'waitMs', 'maxBlockMs', 'loopWaitMs'] as const) figures[name] = { a: a[name] ?? null, b: b[name] ?? null, delta: delta(a[name], b[name]) }
  const phasesA = byKey(a.phases as unknown as Keyed[], (p) => p.name as string)
  const phasesB = byKey(b.phases as unknown as Keyed[], (p) => p.name as string)
  const phases = []
  for (const name of new Set([...phasesA.keys(), ...phasesB.keys()])) {
    const wa = phasesA.get(name)?.wallMs ?? 0
    const wb = phasesB.get(name)?.wallMs ?? 0
    phases.push({ name, aMs: wa, bMs: wb, deltaMs: wb - wa })
  }
  phases.sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs))
  const key = (op: Keyed): string => `${String(op.kind)} ${String(op.name)}`
  const opsA = byKey(a.operations as unknown as Keyed[], key)
  const opsB = byKey(b.operations as unknown as Keyed[], key)
  const operations: RequestComparison['operations'] = { added: [], removed: [], slower: [], faster: [], same: [] }
  for (const [k, op] of opsB) if (!opsA.has(k)) operations.added.push({ operation: k, count: op.count ?? 1, wallMs: op.wallMs, cpuMs: op.cpuMs ?? null })
  for (const [k, op] of opsA) if (!opsB.has(k)) operations.removed.push({ operation: k, count: op.count ?? 1, wallMs: op.wallMs, cpuMs: op.cpuMs ?? null })
  for (const [k, oa] of opsA) {
    const ob = opsB.get(k)
    if (ob === undefined) continue
    const row: OperationDelta = { operation: k, countA: oa.count ?? 1, countB: ob.count ?? 1, aMs: oa.wallMs, bMs: ob.wallMs, deltaMs: ob.wallMs - oa.wallMs, cpuDeltaMs: delta(oa.cpuMs, ob.cpuMs), maxBlockDeltaMs: delta(oa.maxBlockMs, ob.maxBlockMs) }
    if (!changed(oa.wallMs, ob.wallMs)) operations.same.push(row)
    else (row.deltaMs > 0 ? operations.slower : operations.faster).push(row)
  }
  operations.slower.sort((x, y) => y.deltaMs - x.deltaMs)
  operations.faster.sort((x, y) => x.deltaMs - y.deltaMs)
  operations.added.sort((x, y) => y.wallMs - x.wallMs)
  operations.removed.sort((x, y) => y.wallMs - x.wallMs)
  const repeated = (x: RequestActivity): string[] => (x.repeated ?? []).map((r) => `${r.summary} ×${r.count}`)
  return {
    a: { id: a.id, method: a.method, url: a.url, statusCode: a.statusCode, cpuClock: a.cpuClock },
    b: { id: b.id, method: b.method, url: b.url, statusCode: b.statusCode, cpuClock: b.cpuClock },
    figures,
    phases,
    operations,
    leaks: { a: a.leaks.length, b: b.leaks.length },
    repeated: { a: repeated(a), b: repeated(b) }
  }
}

const ms = (v: number | null | undefined): string => v === null || v === undefined ? '–' : `${v.toFixed(v < 10 && v > -10 ? 2 : 1)} ms`
const signed = (v: number | null): string => v === null ? '–' : (v >= 0 ? '+' : '') + ms(v)

/** The comparison in words, biggest changes first. */
export function comparisonText (c: RequestComparison): string {
  const out = [`${c.b.method} ${c.b.url} (${c.b.id}, ${c.b.statusCode}) against ${c.a.method} ${c.a.url} (${c.a.id}, ${c.a.statusCode}); deltas are the second minus the first`]
  const f = c.figures
  out.push(`wall ${ms(f.wallMs.a)} → ${ms(f.wallMs.b)} (${signed(f.wallMs.delta)}, wall clock)`)
  out.push(`CPU ${ms(f.cpuMs.a)} → ${ms(f.cpuMs.b)} (${signed(f.cpuMs.delta)}, ${c.b.cpuClock === 'thread' ? 'thread CPU clock' : 'wall clock in callbacks'}); longest block ${signed(f.maxBlockMs.delta)}; waiting ${signed(f.waitMs.delta)}; loop wait ${signed(f.loopWaitMs.delta)}`)
  const topPhases = c.phases.filter((p) => Math.abs(p.deltaMs) >= MIN_DELTA_MS).slice(0, 5)
  if (topPhases.length > 0) out.push('phases: ' + topPhases.map((p) => `${p.name} ${ms(p.aMs)} → ${ms(p.bMs)} (${signed(p.deltaMs)})`).join('; '))
  const o = c.operations
  if (o.added.length > 0) out.push('added operations: ' + o.added.map((x) => `${x.operation} ×${x.count} (${ms(x.wallMs)})`).join('; '))
  if (o.removed.length > 0) out.push('operations no longer run: ' + o.removed.map((x) => `${x.operation} ×${x.count} (${ms(x.wallMs)})`).join('; '))
  if (o.slower.length > 0) out.push('slower operations: ' + o.slower.map((x) => `${x.operation} ${ms(x.aMs)} → ${ms(x.bMs)} (${signed(x.deltaMs)}${x.countA !== x.countB ? `, count ${x.countA} → ${x.countB}` : ''})`).join('; '))
  if (o.faster.length > 0) out.push('faster operations: ' + o.faster.map((x) => `${x.operation} ${ms(x.aMs)} → ${ms(x.bMs)} (${signed(x.deltaMs)})`).join('; '))
  if (o.added.length + o.removed.length + o.slower.length + o.faster.length === 0) out.push(`operations: the same ${o.same.length}, none changed by ${MIN_DELTA_MS} ms and ${MIN_DELTA_SHARE * 100}% or more`)
  if (c.leaks.a !== c.leaks.b) out.push(`leaks ${c.leaks.a} → ${c.leaks.b}`)
  if (c.repeated.a.join() !== c.repeated.b.join()) out.push(`repeated queries (N+1): [${c.repeated.a.join(', ') || 'none'}] → [${c.repeated.b.join(', ') || 'none'}]`)
  return out.join('\n')
}
