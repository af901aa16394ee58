// A bounded string interner: names and call sites become small integer ids that typed arrays can hold.

export class Interner {
  /** values[0] is the empty string: "none" or "over the limit". */
  readonly values: string[] = ['']
  readonly #ids = new Map<string, number>()
  readonly #max: number

  constructor (max: number) { this.#max = max }

  /** The id of `value`, or 0 once `max` distinct values are held. */
  id (value: string): number {
    const id = this.#ids.get(value)
    if (id !== undefined) return id
    if (this.values.length > this.#max) return 0
    const next = this.values.length
    this.values.push(value)
    this.#ids.set(value, next)
    return next
  }

  get (id: number): string { return this.values[id] ?? '' }
}
