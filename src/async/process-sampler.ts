// Cheap process figures on an interval: CPU share, memory, event-loop utilization and delay. One
// unref'ed timer and one delay histogram; no heap snapshots. Works with or without a tracker.
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks'
import { asWeft } from './internal-scope.js'
import { invalidOption } from './errors.js'
import type { ProcessSample, ProcessSampler, ProcessSummary, SampleProcessOptions } from './types.js'

const NS_PER_MS = 1e6

class Sampler implements ProcessSampler {
  readonly #history: number
  readonly #onSample: ((sample: ProcessSample) => void) | undefined
  readonly #samples: ProcessSample[] = []
  readonly #delay: IntervalHistogram
  /** The delay histogram's timer period: each of its samples is that period plus the delay. */
  readonly #resolutionMs: number
  readonly #timer: NodeJS.Timeout
  #cpu = process.cpuUsage()
  #elu: EventLoopUtilization = performance.eventLoopUtilization()
  #at = performance.now()
  #stopped = false

  constructor (intervalMs: number, history: number, onSample: ((sample: ProcessSample) => void) | undefined) {
    this.#history = history
    this.#onSample = onSample
    this.#resolutionMs = Math.max(1, Math.min(20, Math.floor(intervalMs / 10)))
    this.#delay = asWeft(() => monitorEventLoopDelay({ resolution: this.#resolutionMs }))
    this.#delay.enable()
    this.#timer = asWeft(() => setInterval(() => { this.#tick() }, intervalMs))
    this.#timer.unref()
  }

  get stopped (): boolean { return this.#stopped }

  latest (): ProcessSample | undefined { return this.#samples[this.#samples.length - 1] }

  samples (): ProcessSample[] { return [...this.#samples] }

  sampleNow (): ProcessSample { return this.#take() }

  summary (): ProcessSummary {
    const s = this.#samples
    const max = (f: (x: ProcessSample) => number): number => s.reduce((m, x) => Math.max(m, f(x)), 0)
    const mean = (f: (x: ProcessSample) => number): number => s.length === 0 ? 0 : s.reduce((m, x) => m + f(x), 0) / s.length
    return {
      samples: s.length,
      cpuPercentMean: mean(x => x.cpuPercent),
      cpuPercentMax: max(x => x.cpuPercent),
      rssMaxBytes: max(x => x.rssBytes),
      heapUsedMaxBytes: max(x => x.heapUsedBytes),
      eluMean: mean(x => x.elu),
      eventLoopDelayP99MaxMs: max(x => x.eventLoopDelay.p99Ms),
      eventLoopDelayMaxMs: max(x => x.eventLoopDelay.maxMs)
    }
  }

  stop (): void {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#timer)
    this.#delay.disable()
  }

  #tick (): void {
    try {
      const sample = this.#take()
      this.#onSample?.(sample)
    } catch {
      // A throwing onSample must not take the process down from a timer Weft owns.
    }
  }

  #take (): ProcessSample {
    const now = performance.now()
    const elapsedMs = Math.max(now - this.#at, 1e-3)
    const cpu = process.cpuUsage(this.#cpu)
    const elu = performance.eventLoopUtilization(this.#elu)
    const mem = process.memoryUsage()
    const d = this.#delay
    const hasDelay = d.count > 0
    // A sample is the time between two firings of the histogram's timer: its period plus the delay.
    const res = this.#resolutionMs
    const delay = (ns: number): number => hasDelay ? Math.max(0, ns / NS_PER_MS - res) : 0
    const sample: ProcessSample = {
      time: performance.timeOrigin + now,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      elu: elu.utilization,
      eventLoopDelay: {
        minMs: delay(d.min),
        meanMs: delay(d.mean),
        p50Ms: delay(d.percentile(50)),
        p99Ms: delay(d.percentile(99)),
        maxMs: delay(d.max)
      },
      activeResources: activeResources()
    }
    d.reset()
    this.#at = now
    this.#cpu = process.cpuUsage()
    this.#elu = performance.eventLoopUtilization()
    this.#samples.push(sample)
    if (this.#samples.length > this.#history) this.#samples.shift()
    return sample
  }
}

/** Samples the process every `intervalMs` (default 1000) until stop(). */
/** Counts what keeps the event loop alive, by kind (the sampler's own timer included). */
function activeResources (): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

export function sampleProcess (options: SampleProcessOptions = {}): ProcessSampler {
  const intervalMs = options.intervalMs ?? 1000
  if (typeof intervalMs !== 'number' || !(intervalMs >= 10) || !Number.isFinite(intervalMs)) {
    throw invalidOption('intervalMs', 'a number of at least 10', intervalMs)
  }
  const history = options.history ?? 60
  if (!Number.isInteger(history) || history < 1) throw invalidOption('history', 'a positive integer', history)
  if (options.onSample !== undefined && typeof options.onSample !== 'function') throw invalidOption('onSample', 'a function', options.onSample)
  return new Sampler(intervalMs, history, options.onSample)
}
