// Totals of finished operations, keyed by (kind, name, call site): what the report tables show.

export class Aggregate {
  count = 0
  wallMs = 0
  cpuMs = 0
  maxBlockMs = 0
  constructor (readonly kind: number, readonly name: number, readonly site: number) {}
}

const keyOf = (kind: number, name: number, site: number): number => (name * 16 + kind) * 2097152 + site

const NONE: ReadonlyMap<number, Aggregate> = new Map()

export class AggregateTable {
  /** Created on first use: most track() scopes finish few operations, many finish none. */
  #rows: Map<number, Aggregate> | undefined

  get size (): number { return this.#rows?.size ?? 0 }

  add (kind: number, name: number, site: number, wallMs: number, cpuMs: number, blockMs: number, count = 1): void {
    const key = keyOf(kind, name, site)
    const rows = this.#rows ??= new Map()
    let row = rows.get(key)
    if (row === undefined) { row = new Aggregate(kind, name, site); rows.set(key, row) }
    row.count += count
    row.wallMs += wallMs
    row.cpuMs += cpuMs
    if (blockMs > row.maxBlockMs) row.maxBlockMs = blockMs
  }

  merge (other: AggregateTable): void {
    if (other.size === 0) return
    for (const r of other.rows()) this.add(r.kind, r.name, r.site, r.wallMs, r.cpuMs, r.maxBlockMs, r.count)
  }

  rows (): IterableIterator<Aggregate> { return (this.#rows ?? NONE).values() }

  clear (): void { this.#rows = undefined }
}
