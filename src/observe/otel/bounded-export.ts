// What waits for export is bounded: at most `maxQueueSize` spans ended and not yet exported (queued
// or in flight); a span beyond it is dropped and counted, as is every span of an export that failed
// or did not answer in time. Exports run outside the request that happened to end a batch.
import { AsyncResource } from 'node:async_hooks'
import type { Context } from '@opentelemetry/api'
import type { ExportResult } from '@opentelemetry/core'
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace'

/** ExportResultCode.SUCCESS / FAILED of @opentelemetry/core (a type import here keeps the package optional). */
const SUCCESS = 0
const FAILED = 1

export class ExportBudget {
  /** Spans handed to the batch processor whose export has not settled. */
  waiting = 0
  /** Spans that never reached the receiver: queue full, export failed or timed out. */
  dropped = 0
  constructor (readonly maxQueueSize: number, readonly exportTimeoutMs: number) {}
}

/** In front of the batch processor: lets a span in only while the budget has room. */
export class BoundedSpanProcessor implements SpanProcessor {
  readonly #inner: SpanProcessor
  readonly #budget: ExportBudget
  constructor (inner: SpanProcessor, budget: ExportBudget) {
    this.#inner = inner
    this.#budget = budget
  }

  onStart (span: Span, parentContext: Context): void { this.#inner.onStart(span, parentContext) }
  onEnd (span: ReadableSpan): void {
    // an unsampled span is never queued by the batch processor, so it takes no room
    if ((span.spanContext().traceFlags & 1) === 0) return
    const budget = this.#budget
    if (budget.waiting >= budget.maxQueueSize) {
      budget.dropped++
      return
    }
    budget.waiting++
    this.#inner.onEnd(span)
  }

  async forceFlush (): Promise<void> { await this.#inner.forceFlush() }
  async shutdown (): Promise<void> { await this.#inner.shutdown() }
}

/**
 * Runs every export outside the request that happened to end a batch (the batch timer starts in some
 * request's async context; the exporter's own HTTP calls must not be attributed to it), and settles
 * each batch once: on the exporter's answer, or as failed when it has not answered in time.
 */
export class DetachedExporter implements SpanExporter {
  readonly #inner: SpanExporter
  readonly #budget: ExportBudget
  readonly #scope = new AsyncResource('weft.otel.export')
  constructor (inner: SpanExporter, budget: ExportBudget) {
    this.#inner = inner
    this.#budget = budget
  }

  export (spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const budget = this.#budget
    let settled = false
    const settle = (result: ExportResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      budget.waiting -= spans.length
      if (result.code !== SUCCESS) budget.dropped += spans.length
      resultCallback(result)
    }
    // the exporter's own timeout (with retries) comes first; this one catches an exporter that never calls back
    const timer = setTimeout(() => { settle({ code: FAILED, error: new Error(`span export did not settle in ${budget.exportTimeoutMs} ms`) }) }, budget.exportTimeoutMs + 2000)
    timer.unref()
    this.#scope.runInAsyncScope(() => {
      try {
        this.#inner.export(spans, settle)
      } catch (error) {
        settle({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) })
      }
    })
  }

  async shutdown (): Promise<void> { await this.#inner.shutdown() }
  async forceFlush (): Promise<void> { await this.#inner.forceFlush?.() }
}
