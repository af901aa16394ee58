// The per-scope lists: each track() scope links the resources it made and the operations it
// started (slots in the typed arrays), so its report and leaks never scan the whole table.
import type { Recording } from './recording.js'
import { R_LINKED } from './resource-table.js'
import { G_LINKED } from './group-table.js'
import type { TrackScope } from './scopes.js'

/** Puts resource `s` on `scope`'s list (scopes other than the process). */
export function link (rec: Recording, s: number, scope: TrackScope): void {
  const res = rec.res
  const head = scope.head
  res.next[s] = head
  res.prev[s] = -1
  if (head >= 0) res.prev[head] = s
  scope.head = s
  res.flags[s] |= R_LINKED
}

export function unlink (rec: Recording, s: number): void {
  const res = rec.res
  const next = res.next[s]
  const prev = res.prev[s]
  if (prev >= 0) res.next[prev] = next
  else {
    const scope = rec.space.registry.get(res.scope[s])
    if (scope !== undefined && scope.head === s) scope.head = next
  }
  if (next >= 0) res.prev[next] = prev
  res.flags[s] &= ~R_LINKED
}

/** Puts operation `g` on `scope`'s list of operations (scopes other than the process). */
export function linkGroup (rec: Recording, g: number, scope: TrackScope): void {
  const groups = rec.groups
  const head = scope.groupHead
  groups.next[g] = head
  groups.prev[g] = -1
  if (head >= 0) groups.prev[head] = g
  scope.groupHead = g
  groups.flags[g] |= G_LINKED
}

export function unlinkGroup (rec: Recording, g: number): void {
  const groups = rec.groups
  const next = groups.next[g]
  const prev = groups.prev[g]
  if (prev >= 0) groups.next[prev] = next
  else {
    const scope = rec.space.registry.get(groups.scope[g])
    if (scope !== undefined && scope.groupHead === g) scope.groupHead = next
  }
  if (next >= 0) groups.prev[next] = prev
  groups.flags[g] &= ~G_LINKED
}
