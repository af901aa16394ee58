// How stored resources and their operations end: a resource is done when its callback ran (or its
// promise resolved), released when destroyed; an operation is finalized into the totals when none
// of its members is pending, or waits quietly while a member that may call back again is stored.
import type { Recording } from './recording.js'
import { R_AUX, R_DONE, R_LINKED } from './resource-table.js'
import { G_FINAL, G_FILE_OPEN, G_LINKED, G_QUIET } from './group-table.js'
import { F_CONTINUES, F_REARM } from './resource-types.js'
import type { TrackScope } from './scopes.js'
import { unlink, unlinkGroup } from './scope-lists.js'
import { isSpanKind, keepSpan } from './op-spans.js'

/** Marks a stored resource done; its operation closes when nothing in it is pending. */
export function markDone (rec: Recording, s: number): void {
  const res = rec.res
  const f = res.flags[s]
  if ((f & R_DONE) !== 0) return
  res.flags[s] = f | R_DONE
  const g = res.group[s]
  if (g < 0) return
  rec.groups.last[g] = rec.clock
  if ((f & R_AUX) === 0 && --rec.groups.live[g] === 0) settleGroup(rec, g)
}

/** A member that may call back again (zlib) is called back: its operation is pending again. */
export function rearm (rec: Recording, s: number): void {
  const res = rec.res
  const f = res.flags[s]
  if ((f & R_DONE) === 0) return
  const g = res.group[s]
  if (g < 0 || (rec.groups.flags[g] & G_FINAL) !== 0) return
  res.flags[s] = f & ~R_DONE
  if ((f & R_AUX) === 0) rec.groups.live[g]++
  rec.groups.flags[g] &= ~G_QUIET
}

/** Removes a stored resource (destroyed, or a resolved promise). */
export function release (rec: Recording, s: number): void {
  const res = rec.res
  const groups = rec.groups
  const g = res.group[s]
  const f = res.flags[s]
  if (g >= 0) {
    if ((rec.types.flags[res.type[s]] & (F_REARM | F_CONTINUES)) !== 0) groups.rearm[g]--
    if ((f & (R_DONE | R_AUX)) === 0) {
      // Destroy hooks run right after the callbacks that end things: the last reading is close.
      groups.last[g] = rec.clock
      --groups.live[g]
    }
    if (groups.live[g] === 0) settleGroup(rec, g)
    if (--groups.refs[g] === 0) {
      finalize(rec, g)
      groups.release(g)
    }
  }
  if ((f & R_LINKED) !== 0) unlink(rec, s)
  res.release(s)
  rec.destroyed++
}

/** Nothing pending any more: finalize, or wait quietly while a member may still call back. */
function settleGroup (rec: Recording, g: number): void {
  const groups = rec.groups
  if ((groups.flags[g] & G_FINAL) !== 0) return
  if (groups.rearm[g] > 0) groups.flags[g] |= G_QUIET
  else finalize(rec, g)
}

/** Closes an operation: its totals go to its scope's table and the process table. */
export function finalize (rec: Recording, g: number): void {
  const groups = rec.groups
  const flags = groups.flags[g]
  if ((flags & G_FINAL) !== 0) return
  groups.flags[g] = (flags | G_FINAL) & ~G_QUIET
  groups.active--
  if ((flags & G_LINKED) !== 0) unlinkGroup(rec, g)
  const end = groups.last[g]
  const wall = Math.max(0, end - groups.start[g])
  const kind = groups.kind[g]
  const name = groups.name[g]
  const site = groups.site[g]
  const cpu = groups.cpu[g]
  const block = groups.block[g]
  rec.space.totals.add(kind, name, site, wall, cpu, block)
  const sc = groups.scope[g]
  if (sc !== 0) {
    const scope = rec.space.registry.get(sc)
    if (scope !== undefined && !scope.ended) {
      scope.finished().add(kind, name, site, wall, cpu, block)
      if (isSpanKind(kind)) keepSpan(scope, kind, name, groups.start[g], end)
    }
  }
}

/** A request closing an fs.promises FileHandle: the handle is done (its destroy waits for GC). */
export function closeHandle (rec: Recording, g: number, scope: TrackScope | undefined): void {
  const groups = rec.groups
  let holder = g >= 0 && groups.handle[g] !== 0 ? g : -1
  if (holder < 0 && scope !== undefined) {
    const og = scope.openFile
    if (og >= 0 && (groups.flags[og] & G_FILE_OPEN) !== 0 && groups.handle[og] !== 0) holder = og
  }
  if (holder < 0) return
  const h = rec.res.find(groups.handle[holder])
  groups.handle[holder] = 0
  groups.flags[holder] &= ~G_FILE_OPEN
  if (scope !== undefined && scope.openFile === holder) scope.openFile = -1
  if (h >= 0) markDone(rec, h)
}
