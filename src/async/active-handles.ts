// What keeps the process alive: Node's own list (process.getActiveResourcesInfo), grouped by
// name, joined with the resources the tracker stored (age, operation, call site).
import { performance } from 'node:perf_hooks'
import type { Recording } from './recording.js'
import { R_DONE } from './resource-table.js'
import { ACTIVE_INFO_ALIASES, F_REFABLE } from './resource-types.js'
import { callSiteOf, handleState, H_REF, H_STDIO, operationLabel } from './describe.js'
import type { ActiveHandleGroup } from './types.js'

const MAX_LISTED = 100

function asyncTypeOf (nodeName: string): string {
  return (ACTIVE_INFO_ALIASES[nodeName] ?? nodeName).toUpperCase()
}

export function activeHandles (rec: Recording | undefined): ActiveHandleGroup[] {
  const counts = new Map<string, number>()
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1)

  const stored = new Map<string, number[]>()
  if (rec !== undefined) {
    rec.res.forEach(s => {
      if ((rec.res.flags[s] & R_DONE) !== 0) return
      // Node lists only handles that are ref'ed: so do we.
      if ((rec.types.flags[rec.res.type[s]] & F_REFABLE) !== 0) {
        const state = handleState(rec, s)
        if (state !== H_REF && state !== H_STDIO) return
      }
      const key = rec.types.names[rec.res.type[s]].toUpperCase()
      let list = stored.get(key)
      if (list === undefined) stored.set(key, list = [])
      list.push(s)
    })
  }

  const now = performance.now()
  const out: ActiveHandleGroup[] = []
  for (const [type, count] of counts) {
    const slots = stored.get(asyncTypeOf(type)) ?? []
    slots.sort((a, b) => rec!.res.born[a] - rec!.res.born[b])
    const resources = slots.slice(0, MAX_LISTED).map(s => {
      const r: ActiveHandleGroup['resources'][number] = { asyncId: rec!.res.ids[s], ageMs: now - rec!.res.born[s] }
      const op = operationLabel(rec!, rec!.res.group[s])
      if (op !== undefined) r.operation = op
      const site = callSiteOf(rec!, s)
      if (site !== undefined) r.callSite = site
      return r
    })
    out.push({ type, count, resources })
  }
  return out.sort((a, b) => b.count - a.count)
}
