// Ends a track() scope: hands what is still running to the enclosing scope (or the process) and
// folds its totals, resource counts and report into the enclosing scope's.
import type { Recording } from './recording.js'
import type { TrackScope, ScopeSpace } from './scopes.js'
import { R_LINKED } from './resource-table.js'
import { G_LINKED } from './group-table.js'
import { K_USER } from './resource-types.js'
import type { OperationReport } from './types.js'
import { link, linkGroup } from './scope-lists.js'
import { passSpans } from './op-spans.js'

export function closeScope (space: ScopeSpace, rec: Recording | undefined, scope: TrackScope, report: OperationReport): void {
  const parent = scope.parent?.current()
  const target = parent ?? space.root
  space.registry.close(scope)
  if (rec !== undefined) moveResources(rec, scope, target)

  const nameId = space.names.id(scope.name)
  const cpu = report.cpuMs ?? 0
  const block = report.maxBlockMs ?? 0
  space.totals.add(K_USER, nameId, 0, report.wallMs, cpu, block)
  if (parent === undefined) return
  const finished = parent.finished()
  if (scope.aggregates !== undefined) finished.merge(scope.aggregates)
  finished.add(K_USER, nameId, 0, report.wallMs, cpu, block)
  const counts = scope.counts
  if (counts !== undefined && scope.countedTypes !== undefined) for (const t of scope.countedTypes) parent.count(t, counts[t] as number)
  parent.cpuMs += scope.cpuMs
  if (scope.maxBlockMs > parent.maxBlockMs) parent.maxBlockMs = scope.maxBlockMs
  parent.dropped += scope.dropped
  passSpans(scope, parent)
  const children = parent.children ??= []
  children.push(report)
}

/** What the scope made that is still stored or running now belongs to `target`. */
function moveResources (rec: Recording, scope: TrackScope, target: TrackScope): void {
  const res = rec.res
  let s = scope.head
  scope.head = -1
  // A list longer than its table has a cycle: stop rather than hang.
  for (let n = 0; s >= 0; n++) {
    if (n >= res.next.length) { rec.internalErrors++; break }
    const next = res.next[s]
    res.scope[s] = target.id
    res.flags[s] &= ~R_LINKED
    if (target.id !== 0) link(rec, s, target)
    s = next
  }
  const groups = rec.groups
  let g = scope.groupHead
  scope.groupHead = -1
  for (let n = 0; g >= 0; n++) {
    if (n >= groups.next.length) { rec.internalErrors++; break }
    const next = groups.next[g]
    groups.scope[g] = target.id
    groups.flags[g] &= ~G_LINKED
    if (target.id !== 0) linkGroup(rec, g, target)
    g = next
  }
  if (scope.openFile >= 0 && target.openFile < 0) target.openFile = scope.openFile
  if (scope.fileJob >= 0 && target.fileJob < 0) { target.fileJob = scope.fileJob; target.fileJobId = scope.fileJobId }
}
