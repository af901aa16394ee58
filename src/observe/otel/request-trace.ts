// One request's SERVER span: created at request start, ended with the finished RequestActivity
// (route name, status, phase events with their hooks, one child span per single operation).
import type { Attributes, Span, Tracer } from '@opentelemetry/api'
import type { RequestActivity } from '../types.js'
import type { OtelPackages } from './load-packages.js'
import type { RequestTrace } from './types.js'
import { setEndAttributes } from './http-attributes.js'

/** What every request's trace of one Tracing shares (built once in createTracing). */
export interface TraceShared {
  readonly otel: OtelPackages
  readonly tracer: Tracer
  readonly propagator: InstanceType<OtelPackages['core']['W3CTraceContextPropagator']>
  readonly operationSpans: boolean
}

interface Propagation { traceparent?: string, tracestate?: string }

function addActivityAttributes (attributes: Attributes, activity: RequestActivity): void {
  attributes['weft.request.id'] = activity.id
  attributes['weft.observe.detail'] = activity.detail
  if (activity.cpuMs !== null) attributes['weft.cpu_ms'] = activity.cpuMs
  // (an activity made by hand, as the SDK's users may, can lack the newer fields)
  if (typeof activity.cpuClock === 'string') attributes['weft.cpu_clock'] = activity.cpuClock
  if (typeof activity.loopWaitMs === 'number') attributes['weft.loop_wait_ms'] = activity.loopWaitMs
  if (activity.waitMs !== null) attributes['weft.wait_ms'] = activity.waitMs
  if (activity.maxBlockMs !== null) attributes['weft.max_block_ms'] = activity.maxBlockMs
  const operations = activity.operations
  if (operations.length > 0) {
    const names = new Array<string>(operations.length)
    const counts = new Array<number>(operations.length)
    const wall = new Array<number>(operations.length)
    for (let i = 0; i < operations.length; i++) {
      names[i] = operations[i].name
      counts[i] = operations[i].count
      wall[i] = operations[i].wallMs
    }
    attributes['weft.operation.names'] = names
    attributes['weft.operation.counts'] = counts
    attributes['weft.operation.wall_ms'] = wall
  }
  if (activity.leaks.length > 0) attributes['weft.leak.count'] = activity.leaks.length
}

/** One event per phase at its start: its duration, and its hook functions' names and durations. */
function addPhaseEvents (span: Span, activity: RequestActivity, startTimeMs: number): void {
  for (const phase of activity.phases) {
    const attributes: Attributes = { 'weft.duration_ms': phase.wallMs }
    const hooks = phase.hooks
    if (hooks.length > 0) {
      const names = new Array<string>(hooks.length)
      const durations = new Array<number>(hooks.length)
      for (let i = 0; i < hooks.length; i++) {
        names[i] = hooks[i].name
        durations[i] = hooks[i].wallMs
      }
      attributes['weft.hook.names'] = names
      attributes['weft.hook.durations_ms'] = durations
    }
    span.addEvent(phase.name, attributes, startTimeMs + phase.startMs)
  }
}

/**
 * An outgoing HTTP call is named by its method alone (semconv: `{method}` when no URL template is
 * known) and is an error from status 400 on, or when it failed without a response. A database
 * query is a CLIENT span too, named by its summary, an error when it failed.
 */
function addOperationSpans (shared: TraceShared, span: Span, activity: RequestActivity, startTimeMs: number): void {
  const { api } = shared.otel
  const parent = api.trace.setSpan(api.ROOT_CONTEXT, span)
  for (const operation of activity.spans) {
    const start = startTimeMs + operation.startMs
    const client = operation.kind === 'http.client' || operation.kind === 'db'
    const attributes: Attributes = operation.attributes === undefined
      ? { 'weft.operation.kind': operation.kind }
      : { ...operation.attributes, 'weft.operation.kind': operation.kind }
    const method = attributes['http.request.method']
    // a query is named by its summary (`SELECT tasks`), as the database conventions say
    const child = shared.tracer.startSpan(operation.kind === 'http.client' && typeof method === 'string' ? method : operation.name, {
      kind: client ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL,
      startTime: start,
      attributes
    }, parent)
    if (operation.kind === 'db') {
      if (attributes['error.type'] !== undefined) child.setStatus({ code: api.SpanStatusCode.ERROR })
    } else if (client) {
      const status = attributes['http.response.status_code']
      if (typeof status === 'number' && status >= 400 && attributes['error.type'] === undefined) child.setAttribute('error.type', String(status))
      if ((typeof status === 'number' && status >= 400) || attributes['error.type'] !== undefined) child.setStatus({ code: api.SpanStatusCode.ERROR })
    }
    child.end(start + operation.wallMs)
  }
}

export class TracedRequest implements RequestTrace {
  readonly #shared: TraceShared
  readonly #span: Span
  readonly #startTimeMs: number
  #propagation: Propagation | undefined
  #ended = false

  constructor (shared: TraceShared, span: Span, startTimeMs: number) {
    this.#shared = shared
    this.#span = span
    this.#startTimeMs = startTimeMs
  }

  get traceId (): string { return this.#span.spanContext().traceId }
  get spanId (): string { return this.#span.spanContext().spanId }
  get traceparent (): string { return this.#headers().traceparent ?? '' }
  get tracestate (): string | undefined { return this.#headers().tracestate }

  /** The W3C headers, written once by the official propagator. */
  #headers (): Propagation {
    if (this.#propagation === undefined) {
      const { api } = this.#shared.otel
      const carrier: Propagation = {}
      this.#shared.propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, this.#span), carrier, api.defaultTextMapSetter)
      this.#propagation = carrier
    }
    return this.#propagation
  }

  end (activity: RequestActivity): void {
    if (this.#ended) return
    this.#ended = true
    const span = this.#span
    if (!span.isRecording()) return // not sampled (the caller's traceparent said so)
    const startTimeMs = this.#startTimeMs
    span.updateName(activity.route === null ? activity.method : `${activity.method} ${activity.route}`)
    const attributes: Attributes = {}
    setEndAttributes(attributes, activity)
    addActivityAttributes(attributes, activity)
    span.setAttributes(attributes)
    if (activity.statusCode >= 500) {
      const { SpanStatusCode } = this.#shared.otel.api
      span.setStatus(activity.error === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message: activity.error })
    }
    addPhaseEvents(span, activity, startTimeMs)
    if (this.#shared.operationSpans && activity.spans.length > 0) addOperationSpans(this.#shared, span, activity, startTimeMs)
    span.end(startTimeMs + activity.wallMs)
  }
}
