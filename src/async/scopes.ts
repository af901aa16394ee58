// Scopes are `track()` calls: each has an id that resources record, an AsyncLocalStorage value that
// follows its async work, and the totals its report is built from. Scope 0 is the whole process.
import { AggregateTable } from './aggregates.js'
import type { OperationReport } from './types.js'

export class Scope {
  ended = false
  cpuMs = 0
  maxBlockMs = 0
  dropped = 0
  /** First resource slot of this scope's list, -1 when empty. */
  head = -1
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

  close (scope: Scope): void {
    scope.ended = true
    if (this.#byId[scope.id] === scope) {
      this.#byId[scope.id] = undefined
      this.running--
    }
  }
}
