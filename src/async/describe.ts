// Turns stored slots into the public shapes: resource info, leak entries, operation labels.
import { performance } from 'node:perf_hooks'
import type { Recording } from './recording.js'
import { R_AUX, R_DONE, R_NODE, R_POOL, R_UNREF } from './resource-table.js'
import { F_NOGROUP, F_REFABLE, F_SCHED, F_SOCKET, F_TIMER, KIND_NAMES, K_CHILD, K_NET } from './resource-types.js'
import { pooled } from './socket-pools.js'
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
 * What the code started and left running: not done, not a helper, not a timer Node made for
 * itself (created unref'ed), not scheduling or infrastructure; a handle still open whatever its
 * ref state (an interval unref'ed by its caller is still running), unless a pool owns it (a socket
 * idle in an http.Agent, an undici connection), it is the process's stdio, it is closed, or it is
 * an unref'ed timer Node's own JavaScript made (undici's clock, an `AbortSignal.timeout()` deadline).
 */
export function isLeakCandidate (rec: Recording, s: number): boolean {
  if ((rec.res.flags[s] & (R_DONE | R_AUX | R_UNREF | R_POOL)) !== 0) return false
  const t = rec.res.type[s]
  const tf = rec.types.flags[t]
  if ((tf & (F_SCHED | F_NOGROUP)) !== 0) return false
  if ((tf & F_REFABLE) === 0) return true
  const state = handleState(rec, s)
  if (state !== H_REF && state !== H_UNREF) return false
  // The stdio pipes of a child process are part of it: the child is the one leak.
  if (rec.types.kind[t] === K_NET && rec.res.group[s] >= 0 && rec.groups.kind[rec.res.group[s]] === K_CHILD) return false
  if ((tf & (F_SOCKET | F_TIMER)) === 0) return true
  const handle = rec.res.handle[s]?.deref()
  if (handle === undefined) return true
  try {
    // Node's own unref'ed housekeeping (undici's clock, an AbortSignal.timeout() deadline) is not the code's.
    if ((tf & F_TIMER) !== 0) return state === H_REF || (rec.res.flags[s] & R_NODE) === 0
    return !pooled(handle)
  } catch {
    rec.internalErrors++
    return true
  }
}

interface HandleView { hasRef?: () => boolean, fd?: unknown }

/** What Node says of a stored handle: collected or closed, unref'ed, ref'ed, or ref'ed and the process's own stdio. */
export const H_GONE = 0
export const H_UNREF = 1
export const H_REF = 2
export const H_STDIO = 3

/**
 * Asks Node about a stored handle now (`hasRef()`: what `process.getActiveResourcesInfo()` counts),
 * and whether it is on fd 0–2. One already collected, or closed (a negative fd: a closed
 * FileHandle), keeps nothing alive.
 */
export function handleState (rec: Recording, s: number): number {
  const handle = rec.res.handle[s]?.deref() as HandleView | undefined
  if (handle === undefined) return H_GONE
  try {
    const fd = handle.fd
    if (typeof fd === 'number' && fd < 0 && (rec.types.flags[rec.res.type[s]] & F_SOCKET) === 0) return H_GONE
    if (typeof handle.hasRef === 'function' && !handle.hasRef()) return H_UNREF
    return typeof fd === 'number' && fd >= 0 && fd <= 2 ? H_STDIO : H_REF
  } catch {
    rec.internalErrors++
    return H_REF
  }
}

/** A leak entry; `now` is when the operation ended (its age is measured there). */
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
