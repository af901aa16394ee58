// Turns stored slots into the public shapes: resource info, leak entries, operation labels.
import { performance } from 'node:perf_hooks'
import type { Recording } from './recording.js'
import { R_AUX, R_DONE, R_UNREF } from './resource-table.js'
import { F_NOGROUP, F_REFABLE, F_SCHED, KIND_NAMES } from './resource-types.js'
import type { LeakedResource, OperationKind, ResourceInfo } from './types.js'

/** `kind name` of a group, e.g. `fs fs.readFile`. */
export function operationLabel (rec: Recording, g: number): string | undefined {
  if (g < 0) return undefined
  return `${KIND_NAMES[rec.groups.kind[g]]} ${rec.names.get(rec.groups.name[g])}`
}

export function callSiteOf (rec: Recording, s: number): string | undefined {
  const site = rec.res.site[s]
  return site === 0 ? undefined : rec.sites.get(site)
}

/**
 * Still pending and able to keep work going: not done, not a helper, not a timer Node made for
 * itself (created unref'ed), not scheduling or infrastructure, and, for a handle that can be
 * unref'ed, one Node counts as keeping the loop alive now.
 */
export function isLeakCandidate (rec: Recording, s: number): boolean {
  if ((rec.res.flags[s] & (R_DONE | R_AUX | R_UNREF)) !== 0) return false
  const tf = rec.types.flags[rec.res.type[s]]
  if ((tf & (F_SCHED | F_NOGROUP)) !== 0) return false
  return (tf & F_REFABLE) === 0 || handleState(rec, s) === H_REF
}

interface HandleView { hasRef?: () => boolean, fd?: unknown }

/** What Node says of a stored handle: collected, unref'ed, ref'ed, or ref'ed and the process's own stdio. */
export const H_GONE = 0
export const H_UNREF = 1
export const H_REF = 2
export const H_STDIO = 3

/**
 * Asks Node about a stored handle now (`hasRef()`: what `process.getActiveResourcesInfo()` counts),
 * and whether it is on fd 0–2. One already collected keeps nothing alive.
 */
export function handleState (rec: Recording, s: number): number {
  const handle = rec.res.handle[s]?.deref() as HandleView | undefined
  if (handle === undefined) return H_GONE
  try {
    if (typeof handle.hasRef === 'function' && !handle.hasRef()) return H_UNREF
    const fd = handle.fd
    return typeof fd === 'number' && fd >= 0 && fd <= 2 ? H_STDIO : H_REF
  } catch {
    rec.internalErrors++
    return H_REF
  }
}

export function leakOf (rec: Recording, s: number, now: number): LeakedResource {
  const res = rec.res
  const t = res.type[s]
  const leak: LeakedResource = {
    asyncId: res.ids[s],
    type: rec.types.names[t],
    kind: KIND_NAMES[rec.types.kind[t]],
    ageMs: now - res.born[s]
  }
  const op = operationLabel(rec, res.group[s])
  if (op !== undefined) leak.operation = op
  const site = callSiteOf(rec, s)
  if (site !== undefined) leak.callSite = site
  return leak
}

export function resourceInfo (rec: Recording, s: number, now = performance.now()): ResourceInfo {
  const res = rec.res
  const t = res.type[s]
  const info: ResourceInfo = {
    asyncId: res.ids[s],
    type: rec.types.names[t],
    kind: KIND_NAMES[rec.types.kind[t]],
    triggerAsyncId: res.trigger[s],
    ageMs: res.born[s] === 0 ? 0 : now - res.born[s],
    done: (res.flags[s] & R_DONE) !== 0
  }
  const op = operationLabel(rec, res.group[s])
  if (op !== undefined) info.operation = op
  const scope = rec.scopeOf(res.scope[s])
  if (scope !== undefined && scope.id !== 0) info.trackedBy = scope.name
  const site = callSiteOf(rec, s)
  if (site !== undefined) info.callSite = site
  return info
}

export function kindName (kind: number): OperationKind {
  const k = KIND_NAMES[kind]
  return k === 'scheduling' ? 'other' : k
}
