// One explicit-bucket histogram kept by observe itself (count, sum, min, max, a count per bucket),
// so recording a request is a loop over the boundaries and no call into the metrics SDK.

export class HistogramState {
  readonly boundaries: readonly number[]
  /** One count per bucket: bucket i holds values ≤ boundaries[i] (and > boundaries[i-1]); the last is the overflow. */
  readonly counts: number[]
  count = 0
  sum = 0
  min = Infinity
  max = -Infinity

  constructor (boundaries: readonly number[]) {
    this.boundaries = boundaries
    this.counts = new Array<number>(boundaries.length + 1).fill(0)
  }

  /** Adds one value; a negative or non-finite one is dropped, as the SDK's histograms drop it. */
  record (value: number): void {
    if (!(value >= 0) || value === Infinity) return
    const boundaries = this.boundaries
    let i = 0
    while (i < boundaries.length && value > boundaries[i]!) i++
    this.counts[i]!++
    this.count++
    this.sum += value
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
  }
}
