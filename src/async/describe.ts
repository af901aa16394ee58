// Turns stored slots into the public shapes: resource info, leak entries, operation labels.
import { performance } from 'node:perf_hooks'
import type { Recorder } from './recorder.js'
import { R_AUX, R_DONE, R_UNREF } from './resource-table.js'
import { F_NOGROUP, F_SCHED, KIND_NAMES } from './resource-types.js'
import type { LeakedResource, OperationKind, ResourceInfo } from './types.js'

/** `kind name` of a group, e.g. `fs fs.readFile`. */
export function operationLabel (rec: Recorder, g: number): string | undefined {
  if (g < 0) return undefined
  return `${KIND_NAMES[rec.groups.kind[g]]} ${rec.names.get(rec.groups.name[g])}`
}

export function callSiteOf (rec: Recorder, s: number): string | undefined {
  const site = rec.res.site[s]
  return site === 0 ? undefined : rec.sites.get(site)
}

/**
 * Still pending and able to keep work going: not done, not a helper, not a timer Node made for
 * itself (created unref'ed), not scheduling or infrastructure.
 */
export function isLeakCandidate (rec: Recorder, s: number): boolean {
  if ((rec.res.flags[s] & (R_DONE | R_AUX | R_UNREF)) !== 0) return false
  return (rec.types.flags[rec.res.type[s]] & (F_SCHED | F_NOGROUP)) === 0
}

export function leakOf (rec: Recorder, s: number, now = performance.now()): LeakedResource {
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

export function resourceInfo (rec: Recorder, s: number, now = performance.now()): ResourceInfo {
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
