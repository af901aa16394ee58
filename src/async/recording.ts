// What one tracker's recording holds: the resource, operation and type tables, the clock reading and
// the counters. A leaf: the hook callbacks (recorder.ts) and the modules they call all write here.
import type { LevelPlan } from './levels.js'
import { ResourceTable } from './resource-table.js'
import { GroupTable } from './group-table.js'
import { TypeTable } from './resource-types.js'
import type { TrackScope, ScopeSpace } from './scopes.js'

export interface RecordingOptions {
  readonly plan: LevelPlan
  readonly maxResources: number
  readonly space: ScopeSpace
  /** Resources made outside every operation are counted by type only: not grouped, timed or watched. */
  readonly scopedOnly?: boolean
}

export class Recording {
  readonly plan: LevelPlan
  readonly maxResources: number
  readonly scopedOnly: boolean
  readonly types = new TypeTable()
  readonly space: ScopeSpace
  readonly res: ResourceTable
  readonly groups: GroupTable

  /** The latest clock reading of a hook (performance.now()); reused where a fresh one adds nothing. */
  clock = 0
  created = 0
  destroyed = 0
  dropped = 0
  internalErrors = 0
  /** CPU of every timed callback and its microtasks (see cpu-clock.ts for the clock). */
  cpuMs = 0
  maxBlockMs = 0
  /** Wall time the loop spent in timed callbacks and their microtasks (idle excluded), all scopes. */
  busyMs = 0
  /** Resources created inside the process scope, by type id. */
  readonly rootCounts: Float64Array

  constructor (options: RecordingOptions) {
    this.plan = options.plan
    this.maxResources = options.maxResources
    this.scopedOnly = options.scopedOnly === true
    this.space = options.space
    this.res = new ResourceTable(options.maxResources)
    this.groups = new GroupTable(Math.max(1024, this.res.capacity >>> 2))
    this.rootCounts = new Float64Array(4096)
  }

  get names (): ScopeSpace['names'] { return this.space.names }
  get sites (): ScopeSpace['sites'] { return this.space.sites }

  scopeOf (id: number): TrackScope | undefined { return this.space.get(id) }
}
