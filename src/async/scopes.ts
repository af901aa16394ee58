// Scopes are `track()` calls: each has an id that resources record, a value carried along its async
// work (by AsyncLocalStorage, or by the tracker's own hook), and the totals its report is built
// from. Scope 0 is the whole process.
import { AsyncLocalStorage, executionAsyncResource } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import { AggregateTable } from './aggregates.js'
import { Interner } from './interner.js'
import type { OperationReport } from './types.js'

export class TrackScope {
  ended = false
  cpuMs = 0
  maxBlockMs = 0
  /** Wall time of the callbacks (and following microtasks) charged to it: the loop was busy with it. */
  busyMs = 0
  /** The recording's `busyMs` when it began: the loop's busy time since then, minus its own, is its loop wait. */
  loopMark = 0
  dropped = 0
  /** First resource slot of this scope's list, -1 when empty. */
  head = -1
  /** First operation (group slot) of this scope's list, -1 when empty. */
  groupHead = -1
  // Made on first use: a scope at `timing`, or one that made nothing, never needs them.
  /** Resources created inside, by type id, and the type ids counted (in first-seen order). */
  counts: number[] | undefined = undefined
  countedTypes: number[] | undefined = undefined
  /** Totals of the operations it finished. */
  aggregates: AggregateTable | undefined = undefined
  /** Reports of the track() calls nested in it. */
  children: OperationReport[] | undefined = undefined
  /** Group holding an fs.promises FileHandle that requests from promise code may continue. */
  openFile = -1
  /** Its outgoing calls (OutgoingCalls' book), made on the first one. */
  calls: unknown = undefined
  /** Group (and asyncId) of its latest whole-file job that may hand back an fd (Node 26 readFile). */
  fileJob = -1
  fileJobId = 0
  /** Its finished single operations as spans (op-spans.ts), flat, made on the first one; and those past the limit. */
  opSpans: number[] | undefined = undefined
  opSpansDropped = 0

  constructor (
    readonly id: number,
    readonly name: string,
    readonly parent: TrackScope | undefined,
    readonly start: number
  ) {}

  /** Counts one more resource of type `t` created inside. */
  count (t: number, n = 1): void {
    const counts = this.counts
    const c = counts === undefined ? undefined : counts[t]
    if (c === undefined) {
      const all = this.counts ??= []
      all[t] = n
      const types = this.countedTypes ??= []
      types.push(t)
    } else (counts as number[])[t] = c + n
  }

  /**
   * Forgets its links into the recorder's tables (they were cleared: the tracker was disabled).
   * What it finished and counted stays; what it starts after a later enable() is recorded afresh.
   */
  forgetStored (): void {
    this.head = -1
    this.groupHead = -1
    this.openFile = -1
    this.fileJob = -1
  }

  /** Its table of finished operations, made on first use. */
  finished (): AggregateTable { return this.aggregates ??= new AggregateTable() }

  /** The innermost scope that is still running: itself, or an ancestor (the process at worst). */
  current (): TrackScope | undefined {
    let s: TrackScope | undefined = this
    while (s !== undefined && s.ended) s = s.parent
    return s
  }
}

/**
 * Running scopes by id. Ids are handed out round-robin (an ended scope's id is not reused soon);
 * the table doubles while more than half of it is in use, up to 65 536 concurrent scopes.
 */
export class ScopeRegistry {
  static readonly MAX = 65536
  #byId: Array<TrackScope | undefined> = new Array<TrackScope | undefined>(64).fill(undefined)
  #next = 0
  /** Scopes running now (the process scope excluded). */
  running = 0

  get (id: number): TrackScope | undefined { return this.#byId[id] }

  /** Registers a new running scope, or returns undefined when every id is taken. */
  open (name: string, parent: TrackScope | undefined, start: number): TrackScope | undefined {
    if (this.running * 2 >= this.#byId.length && this.#byId.length < ScopeRegistry.MAX) {
      const grown = new Array<TrackScope | undefined>(this.#byId.length * 2).fill(undefined)
      for (let i = 0; i < this.#byId.length; i++) grown[i] = this.#byId[i]
      this.#byId = grown
    }
    const size = this.#byId.length
    for (let tries = 0; tries < size; tries++) {
      this.#next = this.#next + 1 < size ? this.#next + 1 : 1
      if (this.#byId[this.#next] === undefined) {
        const scope = new TrackScope(this.#next, name, parent, start)
        this.#byId[this.#next] = scope
        this.running++
        return scope
      }
    }
    return undefined
  }

  forEachRunning (fn: (scope: TrackScope) => void): void {
    for (const scope of this.#byId) if (scope !== undefined) fn(scope)
  }

  close (scope: TrackScope): void {
    scope.ended = true
    if (this.#byId[scope.id] === scope) {
      this.#byId[scope.id] = undefined
      this.running--
    }
  }
}

/** What carries the running scope along async work: `run` a function in a scope, `get` it back later. */
export interface ScopeCarrier {
  /** true when the tracker's own init hook must call `propagate` for every new resource. */
  readonly viaHook: boolean
  run<T> (scope: TrackScope, fn: () => T): T
  get (): TrackScope | undefined
  /** Gives a new resource the running scope, and returns it (only where `viaHook`). */
  propagate (resource: object): TrackScope | undefined
  /** Stops whatever machinery carrying needs until the next run() (no scope may be running). */
  release (): void
}

/** AsyncLocalStorage: about free where it rides on AsyncContextFrame (Node 24+), and needs no hook of ours. */
class StorageCarrier implements ScopeCarrier {
  readonly viaHook = false
  readonly #als = new AsyncLocalStorage<TrackScope>()
  run<T> (scope: TrackScope, fn: () => T): T { return this.#als.run(scope, fn) }
  get (): TrackScope | undefined { return this.#als.getStore() }
  propagate (): TrackScope | undefined { return this.#als.getStore() }
  /** Below Node 24 an AsyncLocalStorage that ran keeps V8's promise hooks on until disabled; run() turns it on again. */
  release (): void { this.#als.disable() }
}

type Carrying = Record<symbol, TrackScope | undefined>

/**
 * Where AsyncLocalStorage rides on async_hooks (Node < 24) it installs a second hook that Node calls
 * for every resource, promises included. When the tracker has a hook anyway, its init copies the
 * scope from the running resource to the new one instead: the same propagation, one hook call.
 * Each tracker has its own key, so trackers never see each other's scopes.
 */
class HookCarrier implements ScopeCarrier {
  readonly viaHook = true
  readonly #key = Symbol('weft.scope')

  run<T> (scope: TrackScope, fn: () => T): T {
    const current = executionAsyncResource() as Carrying
    const key = this.#key
    const previous = current[key]
    current[key] = scope
    try { return fn() } finally { current[key] = previous }
  }

  get (): TrackScope | undefined { return (executionAsyncResource() as Carrying)[this.#key] }

  propagate (resource: object): TrackScope | undefined {
    const key = this.#key
    const scope = (executionAsyncResource() as Carrying)[key]
    if (scope !== undefined) (resource as Carrying)[key] = scope
    return scope
  }

  /** Nothing to stop: the tracker's own hook does the carrying. */
  release (): void {}
}

/**
 * What every detail level from `timing` up shares: the carrier of the running scope, the registry
 * of scopes, the process scope with its totals, and the operation-name interner.
 */
export class ScopeSpace {
  readonly carrier: ScopeCarrier
  readonly registry = new ScopeRegistry()
  readonly names = new Interner(10_000)
  readonly sites: Interner
  root: TrackScope
  /** Finished operations of the whole process. */
  readonly totals = new AggregateTable()

  constructor (maxCallSites: number, carryViaHook: boolean) {
    this.carrier = carryViaHook ? new HookCarrier() : new StorageCarrier()
    this.sites = new Interner(maxCallSites)
    this.root = new TrackScope(0, 'process', undefined, performance.now())
  }

  /** TrackScope id 0 is the process. */
  get (id: number): TrackScope | undefined { return id === 0 ? this.root : this.registry.get(id) }

  /** The running scope of the current async context, if any. */
  current (): TrackScope | undefined {
    const store = this.carrier.get()
    return store === undefined ? undefined : store.current()
  }

  /** Starts a fresh recording of the process (enable). Running scopes keep going. */
  resetProcess (): void {
    this.root = new TrackScope(0, 'process', undefined, performance.now())
    this.totals.clear()
  }
}
