// Operations opened by tracker.begin(): run() enters the operation's async context as often as
// needed, end() (from anywhere) reports it. The registry of open ones is bounded and closed on disable().
import type { AsyncResource } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import type { TrackScope, ScopeSpace } from './scopes.js'
import type { Recorder } from './recorder.js'
import { scopeLeaks } from './report.js'
import { settle, SETTLE_TURNS } from './settle.js'
import { invalidOption } from './errors.js'
import type { Detail, EndOptions, LeakedResource, OpenOperation, OperationReport } from './types.js'

/** What an open operation needs of its tracker. */
export interface OperationHost {
  readonly space: ScopeSpace
  /** The detail the tracker reports with now (`off` while disabled). */
  reportDetail (): Detail
  /** The recorder while enabled at a level with a hook. */
  recorder (): Recorder | undefined
  /** Reports a scope that ended and closes it, as track() does at its end (nothing delivered yet). */
  finishScope (scope: TrackScope, start: number, wallMs: number, leaked: LeakedResource[], failed: boolean): OperationReport
  deliver (report: OperationReport): void
  forget (operation: BegunOperation): void
  internalError (): void
}

const epochOf = (perfNow: number): number => performance.timeOrigin + perfNow

const OPEN = 0
const SETTLING = 1
const ENDED = 2

export class BegunOperation implements OpenOperation {
  #state = OPEN
  #report: OperationReport | undefined
  #settling: Promise<OperationReport> | undefined
  #failed = false
  #closedBy: 'disable' | 'limit' | undefined
  /** Its neighbours in its tracker's list of open operations (OpenOperations), null at the ends. */
  prevOpen: BegunOperation | null = null
  nextOpen: BegunOperation | null = null
  /** Whether it is in that list. */
  listed = false

  constructor (
    readonly host: OperationHost,
    readonly name: string,
    readonly scope: TrackScope | undefined,
    readonly start: number,
    readonly resource: AsyncResource | undefined
  ) {}

  get ended (): boolean { return this.#state !== OPEN }

  run<T> (fn: () => T): T {
    if (typeof fn !== 'function') throw invalidOption('fn', 'a function', fn)
    const scope = this.scope
    if (scope === undefined || this.#state !== OPEN) return fn()
    const resource = this.resource
    return resource === undefined ? this.host.space.carrier.run(scope, fn) : resource.runInAsyncScope(fn)
  }

  end (options?: EndOptions & { settle?: false }): OperationReport
  end (options: EndOptions & { settle: true }): Promise<OperationReport>
  end (options?: EndOptions): OperationReport | Promise<OperationReport>
  end (options?: EndOptions): OperationReport | Promise<OperationReport> {
    if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidOption('options', 'an object', options)
    const settleFirst = options?.settle === true
    const done = this.#report
    if (done !== undefined) return settleFirst ? (this.#settling ?? Promise.resolve(done)) : done
    if (options?.failed === true) this.#failed = true
    if (this.#state === SETTLING) return settleFirst ? this.#settling as Promise<OperationReport> : this.#finish(undefined)
    if (!settleFirst || this.scope === undefined || this.host.recorder() === undefined) {
      const report = this.#finish(undefined)
      return settleFirst ? Promise.resolve(report) : report
    }
    this.#state = SETTLING
    this.#settling = this.#endAfterSettling(performance.now() - this.start)
    return this.#settling
  }

  /** The tracker closes it: disabled, or too many open. */
  close (by: 'disable' | 'limit'): void {
    if (this.#report !== undefined) return
    this.#closedBy = by
    this.#finish(undefined)
  }

  async #endAfterSettling (wallMs: number): Promise<OperationReport> {
    const scope = this.scope as TrackScope
    try {
      // Node batches destroy hooks: give them a few turns before calling anything a leak.
      for (let turn = 0; turn < SETTLE_TURNS; turn++) {
        const rec = this.host.recorder()
        if (this.#report !== undefined || rec === undefined || scopeLeaks(rec, scope).length === 0) break
        await settle()
      }
    } catch {
      this.host.internalError()
    }
    return this.#report ?? this.#finish(wallMs)
  }

  #finish (wallMs: number | undefined): OperationReport {
    this.#state = ENDED
    const host = this.host
    const wall = wallMs ?? performance.now() - this.start
    let report: OperationReport | undefined
    const scope = this.scope
    if (scope !== undefined) {
      try {
        const rec = host.recorder()
        report = host.finishScope(scope, this.start, wall, rec === undefined ? [] : scopeLeaks(rec, scope, this.start + wall), this.#failed)
      } catch {
        host.internalError()
      }
      try { this.resource?.emitDestroy() } catch { host.internalError() }
      host.forget(this)
    }
    report ??= {
      name: this.name, detail: scope === undefined ? host.reportDetail() : 'off', startedAt: epochOf(this.start), wallMs: wall,
      cpuMs: null, cpuClock: null, maxBlockMs: null, loopWaitMs: null, operations: [], resources: {}, leaked: [], children: [], dropped: 0,
      failed: this.#failed, spans: [], droppedSpans: 0
    }
    if (this.#closedBy !== undefined) report.closedBy = this.#closedBy
    this.#report = report
    host.deliver(report)
    return report
  }
}

/**
 * The operations begun and not yet ended, oldest first, at most `max`: a list linked through the
 * operations themselves, so adding and removing one (twice per request under observe) hashes and
 * allocates nothing.
 */
export class OpenOperations {
  #first: BegunOperation | null = null
  #last: BegunOperation | null = null
  #size = 0
  constructor (readonly max: number) {}

  get size (): number { return this.#size }

  /** Adds one; past the limit the oldest open one is closed first. */
  add (operation: BegunOperation): void {
    if (operation.listed) return
    while (this.#size >= this.max && this.#first !== null) {
      const oldest = this.#first
      this.remove(oldest)
      oldest.close('limit')
    }
    operation.listed = true
    operation.prevOpen = this.#last
    operation.nextOpen = null
    if (this.#last === null) this.#first = operation
    else this.#last.nextOpen = operation
    this.#last = operation
    this.#size++
  }

  remove (operation: BegunOperation): void {
    if (!operation.listed) return
    const prev = operation.prevOpen
    const next = operation.nextOpen
    if (prev === null) this.#first = next
    else prev.nextOpen = next
    if (next === null) this.#last = prev
    else next.prevOpen = prev
    operation.prevOpen = operation.nextOpen = null
    operation.listed = false
    this.#size--
  }

  closeAll (by: 'disable' | 'limit'): void {
    const all: BegunOperation[] = []
    for (let op = this.#first; op !== null; op = op.nextOpen) all.push(op)
    for (const operation of all) this.remove(operation)
    for (const operation of all) operation.close(by)
  }
}
