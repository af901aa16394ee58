// Deep where it matters: the K slowest requests of each route are kept whole (at the level each was
// recorded at), apart from the `recent` ring, so the worst ones stay readable after the ring moved on.
import type { RequestActivity } from './types.js'

export class SlowestPerRoute {
  readonly #k: number
  readonly #maxRoutes: number
  /** By method, then route: slowest first, at most k each. No key strings made per request. */
  readonly #byRoute = new Map<string, Map<string | null, RequestActivity[]>>()
  #routes = 0
  #held = 0

  constructor (k: number, maxRoutes: number) {
    this.#k = k
    this.#maxRoutes = maxRoutes
  }

  /** The most activities held: k per route, for at most maxRoutes routes. */
  get cap (): number { return this.#k * this.#maxRoutes }
  get size (): number { return this.#held }

  /** Per request: one lookup and one comparison; an array only for a new route, a splice only when kept. */
  add (a: RequestActivity): void {
    if (this.#k === 0) return
    let byRoute = this.#byRoute.get(a.method)
    let list = byRoute?.get(a.route)
    if (list === undefined) {
      if (this.#routes >= this.#maxRoutes) return
      if (byRoute === undefined) this.#byRoute.set(a.method, byRoute = new Map())
      byRoute.set(a.route, list = [])
      this.#routes++
    }
    if (list.length === this.#k) {
      if (a.wallMs <= list[this.#k - 1]!.wallMs) return
      list.pop()
      this.#held--
    }
    let i = list.length
    while (i > 0 && list[i - 1]!.wallMs < a.wallMs) i--
    list.splice(i, 0, a)
    this.#held++
  }

  /** Every kept activity, slowest of each route first. */
  all (): RequestActivity[] {
    const out: RequestActivity[] = []
    for (const byRoute of this.#byRoute.values()) for (const list of byRoute.values()) out.push(...list)
    return out
  }

  /** `recent` (newest first) with the kept activities it lacks, all newest-finished first. */
  withRecent (recent: RequestActivity[]): RequestActivity[] {
    if (this.#held === 0) return recent
    const seen = new Set(recent)
    const extra = this.all().filter((a) => !seen.has(a))
    if (extra.length === 0) return recent
    return [...recent, ...extra].sort((x, y) => (y.startedAt + y.wallMs) - (x.startedAt + x.wallMs))
  }
}
