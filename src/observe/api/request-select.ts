// Picks the requests a query asks for from the stored ones in one pass, without sorting them all:
// newest first stops at `limit`; slowest first keeps only the `limit` slowest seen so far.
import type { RequestActivity } from '../types.js'
import type { RequestQuery } from './types.js'

function matches (a: RequestActivity, q: RequestQuery): boolean {
  if (a.wallMs < q.minMs) return false
  if (q.statusClass !== null && Math.floor(a.statusCode / 100) !== q.statusClass) return false
  if (q.statusCode !== null && a.statusCode !== q.statusCode) return false
  if (q.method !== null && a.method !== q.method) return false
  return q.route === undefined || a.route === q.route
}

/** Inserts into `top` (slowest first, at most `limit`) by binary search; O(log limit) per request. */
function keepSlowest (top: RequestActivity[], a: RequestActivity, limit: number): void {
  if (top.length === limit && a.wallMs <= top[limit - 1]!.wallMs) return
  let lo = 0
  let hi = top.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (top[mid]!.wallMs >= a.wallMs) lo = mid + 1
    else hi = mid
  }
  top.splice(lo, 0, a)
  if (top.length > limit) top.pop()
}

/** `stored` is newest first. Returns the chosen requests and how many matched in all. */
export function selectRequests (stored: readonly RequestActivity[], q: RequestQuery): { matched: number, chosen: RequestActivity[] } {
  const chosen: RequestActivity[] = []
  let matched = 0
  for (const a of stored) {
    if (!matches(a, q)) continue
    matched++
    if (q.sort === 'slowest') keepSlowest(chosen, a, q.limit)
    else if (chosen.length < q.limit) chosen.push(a)
  }
  return { matched, chosen }
}
