// Scopes are `track()` calls: each has an id that resources record, an AsyncLocalStorage value that
// follows its async work, and the totals its report is built from. Scope 0 is the whole process.
import { AsyncLocalStorage } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import { AggregateTable } from './aggregates.js'
import { Interner } from './interner.js'
import type { OperationReport } from './types.js'

export class Scope {
  ended = false
  cpuMs = 0
  maxBlockMs = 0
  dropped = 0
  /** First resource slot of this scope's list, -1 when empty. */
  head = -1
  /** First operation (group slot) of this scope's list, -1 when empty. */
  groupHead = -1
  /** Resources created inside, by type id. */
  readonly counts: number[] = []
  readonly aggregates = new AggregateTable()
  readonly children: OperationReport[] = []
  /** Group holding an fs.promises FileHandle that requests from promise code may continue. */
  openFile = -1

  constructor (
    readonly id: number,
    readonly name: string,
    readonly parent: Scope | undefined,
    readonly start: number
  ) {}

  /** The innermost scope that is still running: itself, or an ancestor (the process at worst). */
  current (): Scope | undefined {
    let s: Scope | undefined = this
    while (s !== undefined && s.ended) s = s.parent
    return s
  }
}

/** Live scopes by id. Ids are handed out round-robin so an ended scope's id is not reused soon. */
export class ScopeRegistry {
  readonly #byId: Array<Scope | undefined>
  readonly #mask: number
  #next = 0
  /** Scopes running now (the process scope excluded). */
  running = 0

  constructor (size = 65536) {
    this.#byId = new Array<Scope | undefined>(size).fill(undefined)
    this.#mask = size - 1
  }

  get (id: number): Scope | undefined { return this.#byId[id] }

  /** Registers a new running scope, or returns undefined when every id is taken. */
  open (name: string, parent: Scope | undefined, start: number): Scope | undefined {
    for (let tries = 0; tries <= this.#mask; tries++) {
      this.#next = (this.#next + 1) & this.#mask
      if (this.#next !== 0 && this.#byId[this.#next] === undefined) {
        const scope = new Scope(this.#next, name, parent, start)
        this.#byId[this.#next] = scope
        this.running++
        return scope
      }
    }
    return undefined
  }

  forEachRunning (fn: (scope: Scope) => void): void {
    for (const scope of this.#byId) if (scope !== undefined) fn(scope)
  }

  close (scope: Scope): void {
    scope.ended = true
    if (this.#byId[scope.id] === scope) {
      this.#byId[scope.id] = undefined
      this.running--
    }
  }
}

/**
 * What every detail level from `timing` up shares: the AsyncLocalStorage that carries the running
 * scope, the registry of scopes, the process scope with its totals, and the operation-name interner.
 */
export class ScopeSpace {
  readonly als = new AsyncLocalStorage<Scope>()
  readonly registry = new ScopeRegistry()
  readonly names = new Interner(100_000)
  readonly sites: Interner
  root: Scope
  /** Finished operations of the whole process. */
  readonly totals = new AggregateTable()

  constructor (maxCallSites: number) {
    this.sites = new Interner(maxCallSites)
    this.root = new Scope(0, 'process', undefined, performance.now())
  }

  /** Scope id 0 is the process. */
  get (id: number): Scope | undefined { return id === 0 ? this.root : this.registry.get(id) }

  /** The running scope of the current async context, if any. */
  current (): Scope | undefined {
    const store = this.als.getStore()
    return store === undefined ? undefined : store.current()
  }

  /** Starts a fresh recording of the process (enable). Running scopes keep going. */
  resetProcess (): void {
    this.root = new Scope(0, 'process', undefined, performance.now())
    this.totals.clear()
  }
}
