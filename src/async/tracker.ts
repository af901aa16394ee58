// The Tracker: the public face of weft/async. It installs the machinery its detail level needs on
// enable(), scopes operations with track(), and answers stats, reports, live handles and the
// trigger tree from what the recorder stored; begin() opens operations that end when the caller says.
import { AsyncResource, createHook, type AsyncHook } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import { planFor, isDetail, type LevelPlan } from './levels.js'
import { Recorder } from './recorder.js'
import { ScopeSpace, type TrackScope } from './scopes.js'
import { processReport, scopeLeaks, scopeReport } from './report.js'
import { closeScope } from './scope-close.js'
import { isLeakCandidate, resourceInfo } from './describe.js'
import { activeHandles } from './active-handles.js'
import { releasePools, retainPools } from './socket-pools.js'
import { settle, SETTLE_TURNS } from './settle.js'
import { BegunOperation, OpenOperations, type OperationHost } from './open-operation.js'
import { OutgoingCalls } from './outgoing-calls.js'
import { alsUsesContextFrame } from './node-support.js'
import { invalidOption, needsHook } from './errors.js'
import type {
  ActiveHandleGroup, AsyncEventHandlers, Detail, LeakedResource, OpenOperation, OperationReport, ResourceInfo,
  TrackerOptions, TrackerStats, TrackResult
} from './types.js'

const DEFAULT_MAX_RESOURCES = 50_000
const DEFAULT_MAX_CALL_SITES = 10_000
const DEFAULT_MAX_OPEN_OPERATIONS = 10_000

const epochOf = (perfNow: number): number => performance.timeOrigin + perfNow

export class Tracker {
  readonly detail: Detail
  readonly maxResources: number
  readonly #plan: LevelPlan
  readonly #space: ScopeSpace
  /** Created on first enable() or subscribe() at a level with a hook: its tables are the big allocation. */
  #rec: Recorder | undefined
  readonly #onReport: ((report: OperationReport) => void) | undefined
  #hook: AsyncHook | undefined
  #enabled = false
  #reportErrors = 0
  readonly #open: OpenOperations
  readonly #host: OperationHost
  /** Outgoing calls from diagnostics_channel (undefined with `outgoing: false` or at `off`). */
  readonly #calls: OutgoingCalls | undefined
  readonly #scopedOnly: boolean

  constructor (options: TrackerOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object', options)
    const detail = options.detail ?? 'resources'
    if (!isDetail(detail)) throw invalidOption('detail', "one of 'off', 'timing', 'resources', 'promises', 'stacks'", detail)
    const maxResources = options.maxResources ?? DEFAULT_MAX_RESOURCES
    if (!Number.isInteger(maxResources) || maxResources < 1 || maxResources > 1 << 26) {
      throw invalidOption('maxResources', 'an integer from 1 to 67108864', maxResources)
    }
    const maxCallSites = options.maxCallSites ?? DEFAULT_MAX_CALL_SITES
    if (!Number.isInteger(maxCallSites) || maxCallSites < 0 || maxCallSites > 1_000_000) {
      throw invalidOption('maxCallSites', 'an integer from 0 to 1000000', maxCallSites)
    }
    if (options.onReport !== undefined && typeof options.onReport !== 'function') {
      throw invalidOption('onReport', 'a function', options.onReport)
    }
    this.detail = detail
    this.maxResources = maxResources
    this.#plan = planFor(detail)
    this.#space = new ScopeSpace(maxCallSites, this.#plan.hook && !alsUsesContextFrame)
    this.#onReport = options.onReport
    const maxOpen = options.maxOpenOperations ?? DEFAULT_MAX_OPEN_OPERATIONS
    if (!Number.isInteger(maxOpen) || maxOpen < 1 || maxOpen > 1_000_000) {
      throw invalidOption('maxOpenOperations', 'an integer from 1 to 1000000', maxOpen)
    }
    if (options.outgoing !== undefined && typeof options.outgoing !== 'boolean') throw invalidOption('outgoing', 'a boolean', options.outgoing)
    if (options.scopedOnly !== undefined && typeof options.scopedOnly !== 'boolean') throw invalidOption('scopedOnly', 'a boolean', options.scopedOnly)
    this.#scopedOnly = options.scopedOnly === true
    this.#open = new OpenOperations(maxOpen)
    this.#calls = options.outgoing !== false && this.#plan.scopes ? new OutgoingCalls(this.#space, detail === 'stacks') : undefined
    this.#host = {
      space: this.#space,
      reportDetail: () => this.#enabled ? this.detail : 'off',
      recorder: () => this.#enabled ? this.#rec : undefined,
      finishScope: (scope, start, wallMs, leaked, failed) => this.#finishScope(scope, start, wallMs, leaked, failed),
      deliver: report => { this.#deliver(report) },
      forget: operation => { this.#open.remove(operation) },
      internalError: () => { this.#reportErrors++ }
    }
  }

  get enabled (): boolean { return this.#enabled }

  /** Starts recording (a fresh process report). Calling it while enabled does nothing. */
  enable (): this {
    if (this.#enabled) return this
    this.#space.resetProcess()
    const rec = this.#recorder()
    if (rec !== undefined) {
      rec.reset(true)
      this.#hook ??= this.#createHook(rec)
      this.#hook.enable()
    }
    this.#calls?.enable()
    if (rec !== undefined) retainPools()
    this.#enabled = true
    return this
  }

  /**
   * Stops recording and forgets stored resources. stats() counters and the process report's
   * finished operations, resource counts and callback time stay readable until the next enable().
   */
  disable (): this {
    if (!this.#enabled) return this
    // Operations begun and never ended are reported now, with what was recorded.
    this.#open.closeAll('disable')
    this.#calls?.disable()
    this.#enabled = false
    const rec = this.#rec
    if (rec !== undefined) {
      releasePools()
      this.#hook?.disable()
      rec.reset(false)
      this.#space.registry.forEachRunning(scope => { scope.forgetStored() })
    }
    // Scopes still running keep their carrier until the last one ends (see #report).
    if (this.#space.registry.running === 0) this.#space.carrier.release()
    return this
  }

  /**
   * Runs `fn` as a named operation and reports what it did: every resource created inside it,
   * transitively, grouped into operations, with time, CPU, the longest callback and leaks.
   * Errors from `fn` are rethrown unchanged (the report still goes to `onReport`).
   */
  track<T> (name: string, fn: () => T | PromiseLike<T>): Promise<TrackResult<Awaited<T>>> {
    if (typeof name !== 'string') return Promise.reject(invalidOption('name', 'a string', name))
    if (typeof fn !== 'function') return Promise.reject(invalidOption('fn', 'a function', fn))
    const start = performance.now()
    const space = this.#space
    const scope = this.#enabled && this.#plan.scopes ? space.registry.open(name, space.current(), start) : undefined
    if (scope === undefined) return this.#untracked(name, fn, start)
    if (this.#rec !== undefined) scope.loopMark = this.#rec.busyMs

    let resource: AsyncResource | undefined
    let value: T | PromiseLike<T>
    try {
      value = this.#rec === undefined
        ? space.carrier.run(scope, fn)
        : space.carrier.run(scope, () => {
          // Made inside run() so that it carries the scope (a resource captures its context).
          resource = new AsyncResource('WEFT_TRACK', { requireManualDestroy: true })
          return resource.runInAsyncScope(fn)
        })
    } catch (error) {
      return Promise.resolve().then(() => this.#end<Awaited<T>>(scope, start, resource, undefined, true, error))
    }
    if (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<T>).then === 'function') {
      return Promise.resolve(value).then(
        result => this.#end<Awaited<T>>(scope, start, resource, result, false, undefined),
        error => this.#end<Awaited<T>>(scope, start, resource, undefined, true, error)
      )
    }
    return Promise.resolve().then(() => this.#end<Awaited<T>>(scope, start, resource, value as Awaited<T>, false, undefined))
  }

  /**
   * Opens an operation that ends when the caller says so (`end()`), not when a function settles:
   * what `run(fn)` creates, transitively, belongs to it. Nests like track(). An operation never
   * ended is closed (and reported) at disable(), or when `maxOpenOperations` newer ones are open.
   */
  begin (name: string): OpenOperation {
    if (typeof name !== 'string') throw invalidOption('name', 'a string', name)
    const start = performance.now()
    const space = this.#space
    const scope = this.#enabled && this.#plan.scopes ? space.registry.open(name, space.current(), start) : undefined
    if (scope === undefined) return new BegunOperation(this.#host, name, undefined, start, undefined)
    let resource: AsyncResource | undefined
    if (this.#rec !== undefined) {
      scope.loopMark = this.#rec.busyMs
      try {
        // Made inside run() so that it carries the scope; its callbacks (each run()) are timed.
        resource = space.carrier.run(scope, () => new AsyncResource('WEFT_TRACK', { requireManualDestroy: true }))
      } catch {
        this.#reportErrors++
      }
    }
    const operation = new BegunOperation(this.#host, name, scope, start, resource)
    this.#open.add(operation)
    return operation
  }

  /**
   * Subscribes to raw lifecycle events (needs detail `resources` or higher). Returns the
   * unsubscribe function. A subscriber that throws is counted in `stats().internalErrors`.
   */
  subscribe (handlers: AsyncEventHandlers): () => void {
    if (handlers === null || typeof handlers !== 'object') throw invalidOption('handlers', 'an object', handlers)
    const rec = this.#recorder()
    if (rec === undefined) throw needsHook('subscribe()', this.detail)
    return rec.subscribers.add(handlers)
  }

  stats (): TrackerStats {
    const rec = this.#rec
    return {
      detail: this.detail,
      enabled: this.#enabled,
      live: rec?.res.size ?? 0,
      created: rec?.created ?? 0,
      destroyed: rec?.destroyed ?? 0,
      dropped: rec?.dropped ?? 0,
      internalErrors: (rec?.internalErrors ?? 0) + this.#reportErrors + (this.#calls?.internalErrors ?? 0),
      activeOperations: rec?.groups.active ?? 0,
      maxResources: this.maxResources,
      openOperations: this.#open.size,
      channels: this.#enabled && this.#calls !== undefined ? this.#calls.channels : []
    }
  }

  /** What keeps the process alive, grouped by Node's resource name, with what the tracker knows. */
  activeHandles (): ActiveHandleGroup[] {
    return activeHandles(this.#enabled ? this.#rec : undefined)
  }

  /** The whole process since enable(): operations, resources, what is still alive. */
  report (): OperationReport {
    if (this.#enabled) this.#rec?.flushTail()
    const report = processReport(this.#space, this.#rec, {
      detail: this.detail,
      startedAt: epochOf(this.#space.root.start),
      wallMs: performance.now() - this.#space.root.start
    })
    // calls made outside any operation (a script's own fetch): the process's
    this.#calls?.addTo(report, this.#space.root, this.#rec !== undefined)
    return report
  }

  /** A stored resource of the trigger tree, or undefined (not stored, or already destroyed). */
  resource (asyncId: number): ResourceInfo | undefined {
    const rec = this.#rec
    if (rec === undefined) return undefined
    const s = rec.res.find(asyncId)
    return s < 0 ? undefined : resourceInfo(rec, s)
  }

  /**
   * Whether a resource reported as leaked still is one now: stored (not destroyed), its work not
   * done, and (for a handle) still open and owned by no pool. For callers that check again a little
   * later, when a closing socket or one going back to its pool has settled.
   */
  stillLeaking (asyncId: number): boolean {
    const rec = this.#rec
    if (rec === undefined) return false
    const s = rec.res.find(asyncId)
    return s >= 0 && isLeakCandidate(rec, s)
  }

  /** The resource and its stored ancestors by triggerAsyncId, nearest first. */
  ancestry (asyncId: number): ResourceInfo[] {
    const out: ResourceInfo[] = []
    const seen = new Set<number>()
    let info = this.resource(asyncId)
    while (info !== undefined && !seen.has(info.asyncId) && out.length < 1000) {
      out.push(info)
      seen.add(info.asyncId)
      info = this.resource(info.triggerAsyncId)
    }
    return out
  }

  #recorder (): Recorder | undefined {
    if (this.#rec === undefined && this.#plan.hook) {
      this.#rec = new Recorder({ plan: this.#plan, maxResources: this.maxResources, space: this.#space, scopedOnly: this.#scopedOnly })
    }
    return this.#rec
  }

  #createHook (rec: Recorder): AsyncHook {
    const h = rec.hooks
    if (this.#plan.promises) {
      return createHook({ init: h.init, before: h.before, after: h.after, destroy: h.destroy, promiseResolve: h.promiseResolve })
    }
    const callbacks: Parameters<typeof createHook>[0] & { trackPromises?: boolean } =
      { init: h.init, before: h.before, after: h.after, destroy: h.destroy }
    if (this.#plan.skipPromisesInNode) callbacks.trackPromises = false
    return createHook(callbacks)
  }

  async #untracked<T> (name: string, fn: () => T | PromiseLike<T>, start: number): Promise<TrackResult<Awaited<T>>> {
    let result: Awaited<T> | undefined
    let failed = false
    let error: unknown
    try { result = await fn() } catch (e) { failed = true; error = e }
    const report: OperationReport = {
      name, detail: this.#enabled ? this.detail : 'off', startedAt: epochOf(start), wallMs: performance.now() - start,
      cpuMs: null, cpuClock: null, maxBlockMs: null, loopWaitMs: null, operations: [], resources: {}, leaked: [], children: [], dropped: 0, failed, spans: [], droppedSpans: 0
    }
    this.#deliver(report)
    if (failed) throw error
    return { result: result as Awaited<T>, report }
  }

  /** The tracked function settled: report (after letting pending destroys arrive, if needed). */
  #end<T> (scope: TrackScope, start: number, resource: AsyncResource | undefined, result: T | undefined, failed: boolean, error: unknown): TrackResult<T> | Promise<TrackResult<T>> {
    const wallMs = performance.now() - start
    const rec = this.#enabled ? this.#rec : undefined
    const leaked = rec === undefined ? [] : scopeLeaks(rec, scope)
    if (leaked.length > 0) return this.#endAfterSettling(scope, start, wallMs, resource, result, failed, error)
    return this.#report(scope, start, wallMs, leaked, resource, result, failed, error)
  }

  async #endAfterSettling<T> (scope: TrackScope, start: number, wallMs: number, resource: AsyncResource | undefined, result: T | undefined, failed: boolean, error: unknown): Promise<TrackResult<T>> {
    // Node batches destroy hooks, and a handle closed in the last callback finishes closing in a
    // later loop phase: give pending destroys a few turns before calling anything a leak.
    let leaked: LeakedResource[] = []
    for (let turn = 0; turn < SETTLE_TURNS; turn++) {
      await settle()
      const rec = this.#enabled ? this.#rec : undefined
      leaked = rec === undefined ? [] : scopeLeaks(rec, scope, start + wallMs)
      if (leaked.length === 0) break
    }
    return this.#report(scope, start, wallMs, leaked, resource, result, failed, error)
  }

  #report<T> (scope: TrackScope, start: number, wallMs: number, leaked: LeakedResource[], resource: AsyncResource | undefined, result: T | undefined, failed: boolean, error: unknown): TrackResult<T> {
    const report = this.#finishScope(scope, start, wallMs, leaked, failed)
    resource?.emitDestroy()
    this.#deliver(report)
    if (failed) throw error
    return { result: result as T, report }
  }

  /** Reports a scope that ended and closes it (what track() and end() share); delivers nothing. */
  #finishScope (scope: TrackScope, start: number, wallMs: number, leaked: LeakedResource[], failed: boolean): OperationReport {
    const rec = this.#enabled ? this.#rec : undefined
    // what ran since the latest callback (the continuation that ends it, say) counts
    rec?.flushTail(scope)
    const report = scopeReport(this.#space, rec, scope, { detail: this.detail, startedAt: epochOf(start), wallMs, failed, leaked })
    this.#calls?.addTo(report, scope, rec !== undefined)
    closeScope(this.#space, rec, scope, report)
    this.#calls?.close(scope)
    if (!this.#enabled && this.#space.registry.running === 0) this.#space.carrier.release()
    return report
  }

  #deliver (report: OperationReport): void {
    if (this.#onReport === undefined) return
    try { this.#onReport(report) } catch { this.#reportErrors++ }
  }
}

/** Creates a tracker (not yet enabled). */
export function createTracker (options?: TrackerOptions): Tracker {
  return new Tracker(options)
}
