// The bounded store of live resources, keyed by asyncId, in preallocated typed arrays. A resource
// lives in slot `asyncId & mask`; the rare one whose slot is held by an older long-lived resource
// goes to a small spill area found through a Map. No objects are allocated per resource.

/** Resource flags. */
export const R_DONE = 1 // its callback ran and it will not run again (or, for a promise, it resolved)
export const R_AUX = 2 // a helper of its operation: does not keep it open, never a leak
export const R_REPEAT = 4 // a Timeout made by setInterval
export const R_LINKED = 8 // on its scope's list of resources
export const R_RELEASE_AT_AFTER = 16 // released when its callback returns (a promise resolved during its own reaction)
export const R_UNREF = 32 // a Timeout created unref'ed (Node's own helpers are): keeps nothing alive, never a leak
export const R_NODE = 64 // a Timeout made by Node's own JavaScript: once unref'ed, Node's housekeeping, not a leak
export const R_POOL = 128 // made by a connection pool's code (a pooled connection's socket, its idle timer): the pool's, never a leak

export class ResourceTable {
  readonly capacity: number
  readonly mask: number
  /** asyncId of the resource in each slot; 0 marks a free slot. */
  readonly ids: Float64Array
  readonly trigger: Float64Array
  /** performance.now() at init. */
  readonly born: Float64Array
  /** Operation (group slot) or -1. */
  readonly group: Int32Array
  /** TrackScope (track call) id; 0 is the process. */
  readonly scope: Int32Array
  readonly type: Uint16Array
  readonly flags: Uint8Array
  /** Call-site id at `stacks`, else 0. */
  readonly site: Int32Array
  /** Doubly linked list of the resources of one scope (only for scopes other than 0). */
  readonly next: Int32Array
  readonly prev: Int32Array
  /**
   * The handle object of a resource that can be unref'ed, held weakly (it never keeps the handle
   * alive or delays its destroy), so that Node can be asked at report time whether it is ref'ed.
   */
  readonly handle: Array<WeakRef<object> | undefined>
  /** Resources stored now. */
  size = 0
  readonly #spill = new Map<number, number>()
  readonly #spillFree: Int32Array
  #spillTop: number

  constructor (maxResources: number) {
    let capacity = 1024
    while (capacity < maxResources) capacity *= 2
    const spill = Math.max(256, capacity >>> 3)
    const total = capacity + spill
    this.capacity = capacity
    this.mask = capacity - 1
    this.ids = new Float64Array(total)
    this.trigger = new Float64Array(total)
    this.born = new Float64Array(total)
    this.group = new Int32Array(total)
    this.scope = new Int32Array(total)
    this.type = new Uint16Array(total)
    this.flags = new Uint8Array(total)
    this.site = new Int32Array(total)
    this.next = new Int32Array(total)
    this.prev = new Int32Array(total)
    this.handle = new Array<WeakRef<object> | undefined>(total).fill(undefined)
    this.#spillFree = new Int32Array(spill)
    for (let i = 0; i < spill; i++) this.#spillFree[i] = total - 1 - i
    this.#spillTop = spill
  }

  /** Slot of `asyncId`, or -1. */
  find (asyncId: number): number {
    const s = asyncId & this.mask
    if (this.ids[s] === asyncId) return asyncId === 0 ? -1 : s
    if (this.#spill.size === 0) return -1
    const v = this.#spill.get(asyncId)
    return v === undefined ? -1 : v
  }

  /** Claims a slot for `asyncId` (which must not be stored), or returns -1 when the spill area is full. */
  claim (asyncId: number): number {
    let s = asyncId & this.mask
    if (this.ids[s] !== 0) {
      if (this.#spillTop === 0) return -1
      s = this.#spillFree[--this.#spillTop]
      this.#spill.set(asyncId, s)
    }
    this.ids[s] = asyncId
    this.size++
    return s
  }

  release (slot: number): void {
    if (slot >= this.capacity) {
      this.#spill.delete(this.ids[slot])
      this.#spillFree[this.#spillTop++] = slot
    }
    this.ids[slot] = 0
    this.flags[slot] = 0
    this.handle[slot] = undefined
    this.size--
  }

  /** Forgets everything (used when the tracker is disabled). */
  clear (): void {
    this.ids.fill(0)
    this.flags.fill(0)
    this.handle.fill(undefined)
    this.#spill.clear()
    const total = this.ids.length
    const spill = total - this.capacity
    for (let i = 0; i < spill; i++) this.#spillFree[i] = total - 1 - i
    this.#spillTop = spill
    this.size = 0
  }

  /** Calls `fn` with every occupied slot (for reports; not a hot path). */
  forEach (fn: (slot: number) => void): void {
    const ids = this.ids
    for (let s = 0; s < ids.length; s++) if (ids[s] !== 0) fn(s)
  }
}
