// Totals of finished operations, keyed by (kind, name, call site): what the report tables show.

export class Aggregate {
  count = 0
  wallMs = 0
  cpuMs = 0
  maxBlockMs = 0
  constructor (readonly key: number, readonly kind: number, readonly name: number, readonly site: number) {}
}

const keyOf = (kind: number, name: number, site: number): number => (name * 16 + kind) * 2097152 + site

/** Rows kept in a plain array up to this many; a Map indexes them beyond. */
const SMALL = 8

export class AggregateTable {
  /** Created on first use: most track() scopes finish a few operations, many finish none. */
  #rows: Aggregate[] | undefined
  #index: Map<number, Aggregate> | undefined

  get size (): number { return this.#rows?.length ?? 0 }

  add (kind: number, name: number, site: number, wallMs: number, cpuMs: number, blockMs: number, count = 1): void {
    const row = this.#row(keyOf(kind, name, site), kind, name, site)
    row.count += count
    row.wallMs += wallMs
    row.cpuMs += cpuMs
    if (blockMs > row.maxBlockMs) row.maxBlockMs = blockMs
  }

  merge (other: AggregateTable): void {
    for (const r of other.rows()) this.add(r.kind, r.name, r.site, r.wallMs, r.cpuMs, r.maxBlockMs, r.count)
  }

  rows (): readonly Aggregate[] { return this.#rows ?? [] }

  clear (): void {
    this.#rows = undefined
    this.#index = undefined
  }

  #row (key: number, kind: number, name: number, site: number): Aggregate {
    const rows = this.#rows ??= []
    if (this.#index !== undefined) {
      const found = this.#index.get(key)
      if (found !== undefined) return found
    } else {
      for (let i = 0; i < rows.length; i++) if (rows[i].key === key) return rows[i]
    }
    const row = new Aggregate(key, kind, name, site)
    rows.push(row)
    if (this.#index !== undefined) this.#index.set(key, row)
    else if (rows.length > SMALL) this.#index = new Map(rows.map(r => [r.key, r]))
    return row
  }
}
