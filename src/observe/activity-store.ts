// What observe keeps between requests, bounded by options: the most recent activities (a ring),
// and per-route aggregates with p50/p95/p99 from perf_hooks histograms. Nothing of a request is
// kept past its report except its copy in the ring.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import type { OperationKind } from '../async/types.js'
import type { RequestActivity, RouteSummary } from './types.js'

/** Most operation names counted per route (the rest are folded into `other`). */
const OPERATIONS_PER_ROUTE = 20
/** Operation rows one route may hold: its named ones and the `other` row. */
export const MAX_ROUTE_OPERATIONS = OPERATIONS_PER_ROUTE + 1

class RouteAggregate {
  readonly method: string
  readonly route: string
  count = 0
  errors = 0
  readonly wall: RecordableHistogram = createHistogram()
  readonly cpu: RecordableHistogram = createHistogram()
  cpuSeen = false
  /** By kind, then name: no key strings made per request. */
  readonly operations = new Map<OperationKind, Map<string, { kind: OperationKind, name: string, count: number }>>()
  #operationRows = 0
  readonly leaks: Record<string, number> = {}

  constructor (method: string, route: string) {
    this.method = method
    this.route = route
  }

  add (a: RequestActivity): void {
    this.count++
    if (a.statusCode >= 500) this.errors++
    // histograms take integers ≥ 1: microseconds
    this.wall.record(Math.max(1, Math.round(a.wallMs * 1000)))
    if (a.cpuMs !== null) {
      this.cpuSeen = true
      this.cpu.record(Math.max(1, Math.round(a.cpuMs * 1000)))
    }
    for (const op of a.operations) this.#count(op.kind, op.name, op.count)
    for (const leak of a.leaks) this.leaks[leak.kind] = (this.leaks[leak.kind] ?? 0) + 1
  }

  get operationRows (): number { return this.#operationRows }

  #count (kind: OperationKind, name: string, count: number): void {
    let byName = this.operations.get(kind)
    let row = byName?.get(name)
    if (row === undefined) {
      if (this.#operationRows >= OPERATIONS_PER_ROUTE && !(kind === 'other' && name === 'other')) {
        this.#count('other', 'other', count)
        return
      }
      if (byName === undefined) this.operations.set(kind, byName = new Map())
      byName.set(name, row = { kind, name, count: 0 })
      this.#operationRows++
    }
    row.count += count
  }

  summary (): RouteSummary {
    const ms = (h: RecordableHistogram) => ({
      p50: h.percentile(50) / 1000, p95: h.percentile(95) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000
    })
    return {
      method: this.method,
      route: this.route,
      count: this.count,
      errors: this.errors,
      wallMs: ms(this.wall),
      cpuMs: this.cpuSeen ? ms(this.cpu) : null,
      operations: [...this.operations.values()].flatMap(byName => [...byName.values()]).sort((a, b) => b.count - a.count).slice(0, 5),
      leaks: { ...this.leaks }
    }
  }
}

export class ActivityStore {
  readonly #recent: Array<RequestActivity | undefined>
  #next = 0
  /** By method, then route: no key strings made per request. */
  readonly #routes = new Map<string, Map<string, RouteAggregate>>()
  #routeCount = 0
  #other: RouteAggregate | null = null
  readonly #maxRoutes: number

  constructor (recent: number, maxRoutes: number) {
    this.#recent = new Array(Math.max(0, recent))
    this.#maxRoutes = maxRoutes
  }

  add (activity: RequestActivity): void {
    if (this.#recent.length > 0) {
      this.#recent[this.#next] = activity
      this.#next = (this.#next + 1) % this.#recent.length
    }
    // past maxRoutes, routes share one aggregate, so a flood of distinct URLs cannot grow memory
    const name = activity.route ?? '(not found)'
    let byRoute = this.#routes.get(activity.method)
    let agg = byRoute?.get(name)
    if (agg === undefined) {
      if (this.#routeCount < this.#maxRoutes) {
        if (byRoute === undefined) this.#routes.set(activity.method, byRoute = new Map())
        byRoute.set(name, agg = new RouteAggregate(activity.method, name))
        this.#routeCount++
      } else {
        agg = this.#other ??= new RouteAggregate('*', '(other routes)')
      }
    }
    agg.add(activity)
  }

  /** Newest first. */
  recent (): RequestActivity[] {
    const out: RequestActivity[] = []
    const n = this.#recent.length
    for (let i = 1; i <= n; i++) {
      const a = this.#recent[(this.#next - i + n) % n]
      if (a !== undefined) out.push(a)
    }
    return out
  }

  /** What is held now: activities in the ring, route aggregates, the most operation rows of one route. */
  sizes (): { recent: number, routes: number, routeOperations: number } {
    let recent = 0
    for (const a of this.#recent) if (a !== undefined) recent++
    let routeOperations = this.#other?.operationRows ?? 0
    for (const byRoute of this.#routes.values()) {
      for (const agg of byRoute.values()) if (agg.operationRows > routeOperations) routeOperations = agg.operationRows
    }
    return { recent, routes: this.#routeCount + (this.#other === null ? 0 : 1), routeOperations }
  }

  routes (): RouteSummary[] {
    const all = [...this.#routes.values()].flatMap(byRoute => [...byRoute.values()])
    if (this.#other !== null) all.push(this.#other)
    return all.map(r => r.summary()).sort((a, b) => b.count - a.count)
  }
}
