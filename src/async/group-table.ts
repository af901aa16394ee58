// The bounded store of high-level operations in flight ("groups" of resources), in preallocated
// typed arrays with a free list. A group is finalized when none of its members is pending any more,
// and its slot is reused once no stored resource points at it.

/** Group flags. */
export const G_USED = 1
export const G_FINAL = 2 // aggregated: no longer accepts members
export const G_FILE_OPEN = 4 // holds an open fs.promises FileHandle
export const G_QUIET = 8 // nothing pending, but a member that may call back again is still stored
export const G_LINKED = 16 // on its scope's list of operations
export const G_NAMED = 32 // named after the API user code called (stacks), not after a resource type

export class GroupTable {
  readonly capacity: number
  readonly flags: Uint8Array
  readonly kind: Uint8Array
  /** Bits of the "at most one per operation" types it holds. */
  readonly uniq: Uint8Array
  readonly name: Int32Array
  readonly site: Int32Array
  readonly scope: Int32Array
  /** Members not yet done (helpers excluded). */
  readonly live: Int32Array
  /** Members still stored. */
  readonly refs: Int32Array
  readonly start: Float64Array
  /** Time of the last completed callback of any member. */
  readonly last: Float64Array
  /**
   * Members that keep it from being finalized while they are stored: types that may call back again
   * after a pause (zlib streams), and whole-file jobs JavaScript may go on with (Node 26 readFile).
   */
  readonly rearm: Int32Array
  /** asyncId of the fs.promises FileHandle it holds, else 0. */
  readonly handle: Float64Array
  /** Doubly linked list of the operations of one scope (scopes other than 0 only). */
  readonly next: Int32Array
  readonly prev: Int32Array
  readonly cpu: Float64Array
  readonly block: Float64Array
  /** Groups in flight (used and not final). */
  active = 0
  readonly #free: Int32Array
  #top: number

  constructor (capacity: number) {
    this.capacity = capacity
    this.flags = new Uint8Array(capacity)
    this.kind = new Uint8Array(capacity)
    this.uniq = new Uint8Array(capacity)
    this.name = new Int32Array(capacity)
    this.site = new Int32Array(capacity)
    this.scope = new Int32Array(capacity)
    this.live = new Int32Array(capacity)
    this.refs = new Int32Array(capacity)
    this.start = new Float64Array(capacity)
    this.last = new Float64Array(capacity)
    this.rearm = new Int32Array(capacity)
    this.handle = new Float64Array(capacity)
    this.next = new Int32Array(capacity)
    this.prev = new Int32Array(capacity)
    this.cpu = new Float64Array(capacity)
    this.block = new Float64Array(capacity)
    this.#free = new Int32Array(capacity)
    this.#top = 0
    this.clear()
  }

  /** A fresh group slot, or -1 when all are in use. */
  alloc (): number {
    if (this.#top === 0) return -1
    const g = this.#free[--this.#top]
    this.flags[g] = G_USED
    this.uniq[g] = 0
    this.live[g] = 0
    this.refs[g] = 0
    this.cpu[g] = 0
    this.block[g] = 0
    this.site[g] = 0
    this.rearm[g] = 0
    this.handle[g] = 0
    this.active++
    return g
  }

  release (g: number): void {
    this.flags[g] = 0
    this.#free[this.#top++] = g
  }

  clear (): void {
    this.flags.fill(0)
    for (let i = 0; i < this.capacity; i++) this.#free[i] = this.capacity - 1 - i
    this.#top = this.capacity
    this.active = 0
  }

  /** Finished: aggregated, or quiet (nothing pending). */
  finished (g: number): boolean { return (this.flags[g] & (G_FINAL | G_QUIET)) !== 0 }

  /** In flight: accepting members. */
  open (g: number): boolean { return (this.flags[g] & (G_USED | G_FINAL)) === G_USED }
}
