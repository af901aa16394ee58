// The public types of weft/observe's OpenTelemetry export: how tracing is configured and what the
// observe core calls per request (start a SERVER span, end it with the finished activity).
import type { IncomingHttpHeaders } from 'node:http'
import type { SpanExporter } from '@opentelemetry/sdk-trace'
import type { RequestActivity } from '../activity-types.js'

export interface TracingOptions {
  /** `service.name`. Default: `OTEL_SERVICE_NAME`, else the `name` in the working directory's package.json, else `weft`. */
  serviceName?: string
  /** OTLP/HTTP traces endpoint. Default `http://localhost:4318/v1/traces`. */
  url?: string
  /** Used instead of the OTLP/HTTP exporter to `url` (tests, custom exporters). */
  exporter?: SpanExporter
  /** One child span per `activity.spans` entry. Default true. */
  operationSpans?: boolean
  /** Extra Resource attributes (`deployment.environment.name`, a pod's `service.instance.id`, ...). */
  resourceAttributes?: Record<string, string>
  /**
   * Most spans ended and not yet exported (queued or in flight). Beyond it spans are dropped and
   * counted (`app.observe.droppedSpans`), so a receiver that is down costs bounded memory. Default 2048.
   */
  maxQueueSize?: number
  /** How long one export (with the exporter's retries) may take before its spans count as dropped. Default 10 000. */
  exportTimeoutMs?: number
  /** Receives errors from outgoing-request header injection (which must never throw into Node). Default: a process warning. */
  onError?: (error: unknown) => void
}

/** What `start()` reads from the raw request when given: structurally a `node:http` IncomingMessage. */
export interface IncomingRequestFacts {
  httpVersion?: string
  socket?: { remoteAddress?: string, encrypted?: boolean } | null
}

export interface RequestTrace {
  readonly traceId: string
  readonly spanId: string
  /** The W3C header value to send downstream (this request's span as parent). */
  readonly traceparent: string
  /** The W3C `tracestate` taken from the request, to send downstream with `traceparent`; undefined when none. */
  readonly tracestate: string | undefined
  /** Ends the SERVER span with the finished activity (attributes, phase events, child spans). Later calls do nothing. */
  end(activity: RequestActivity): void
}

export interface Tracing {
  /**
   * At request start: a SERVER span named by method (renamed `METHOD route` at `end()`), parented by
   * the request's `traceparent`/`tracestate` headers when valid. `raw` (the IncomingMessage) adds
   * `client.address`, `url.scheme` and `network.protocol.version`.
   */
  start(method: string, headers: IncomingHttpHeaders, startTimeMs: number, raw?: IncomingRequestFacts): RequestTrace
  /**
   * Makes outgoing node:http/https requests and fetch()/undici requests carry the `traceparent`
   * (and `tracestate`) of `current()`, through diagnostics_channel. Returns the unsubscribe.
   */
  injectOutgoing(current: () => RequestTrace | undefined): () => void
  /** The Resource attributes every span of this process carries (`service.name`, `service.instance.id`, ...). */
  readonly resourceAttributes: Readonly<Record<string, string | number | boolean>>
  /** Spans that never reached the receiver: the queue was full, or their export failed or timed out. */
  readonly droppedSpans: number
  /** Spans ended and not yet exported (queued or in flight), and the most there may be (`maxQueueSize`). */
  readonly waitingSpans: { size: number, cap: number }
  /** Exports the spans ended so far. */
  flush(): Promise<void>
  /** Flushes and shuts the provider down (called at app close); never rejects: what could not be sent counts in `droppedSpans`. */
  shutdown(): Promise<void>
}
