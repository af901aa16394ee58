// The public types of weft/observe: what a user configures, and (from activity-types.ts) what each
// observed request reports, the data the hooks, Server-Timing, spans and the live page are made from.
import type { OperationKind } from '../async/types.js'
import type { ObserveDetail, RequestActivity } from './activity-types.js'

// The activity types live in a leaf file (otel/types.ts names them; ObserveOptions names otel's)
export type {
  ObserveDetail, PhaseName, HookTiming, PhaseTiming, ActivityOperation, ActivitySpan, ActivityLog, RequestActivity
} from './activity-types.js'

/** Per-route figures over the requests kept in the aggregates. */
export interface RouteSummary {
  method: string
  route: string
  count: number
  errors: number
  wallMs: { p50: number, p95: number, p99: number, max: number }
  cpuMs: { p50: number, p95: number, p99: number, max: number } | null
  /** Most frequent operations, by count. */
  operations: Array<{ kind: OperationKind, name: string, count: number }>
  /** Leaked resources seen, by kind. */
  leaks: Record<string, number>
}

/** How many of something observe holds now, and the most it may hold. */
export interface HeldCount {
  size: number
  cap: number
}

/**
 * What observe holds between requests right now (`app.observe.sizes()`), each against its bound:
 * to check that a long-running process stays within them. Null where the feature is off.
 */
export interface ObserveSizes {
  /** Activities in the `recent` ring. */
  recent: HeldCount
  /** Activities kept as their route's slowest (`keepSlowest` × routes; 0 when off). */
  slowest: HeldCount
  /** Per-route aggregates (the `* (other routes)` row included; cap `maxRoutes` + 1). */
  routes: HeldCount
  /** The most operation rows one route's aggregate holds. */
  routeOperations: HeldCount
  /** (route, resource kind) pairs remembered for leak warnings. */
  leakWarnings: HeldCount
  /** Requests whose log lines arrived before the request was known, held a moment. */
  earlyLogs: HeldCount
  /** Requests running now (each holds its own state until its report; bounded by the server's connections). */
  inFlight: number
  /** Resources `weft/async` stores (at `resources` and up; cap its `maxResources`). */
  resources: HeldCount | null
  /** Spans ended and not yet exported (queued or in flight; cap `tracing.maxQueueSize`). */
  exportQueue: HeldCount | null
  /** With `metrics`: the series of the request metrics (route × method × status × scheme, the overflow one included). */
  metricSeries: HeldCount | null
  /** Open event streams of the live page (cap `page.maxStreams`). */
  streams: HeldCount | null
  /** Events waiting for the page's next batch. */
  streamEvents: HeldCount | null
  /** The largest unsent bytes one event stream holds (cap `page.maxBufferedBytes`). */
  streamBufferedBytes: HeldCount | null
  /** With `history`: requests waiting to be written (`size`, at most `cap` = maxRequests per run), and those written and dropped so far in this run. */
  history: { size: number, cap: number, written: number, dropped: number } | null
}

export interface ServerTimingOptions {
  /** Send the header only when this says so (e.g. a debug header). Default: always. */
  when?: (request: any, reply: any) => boolean
  /** At most this many operation entries after the phases. Default 5. */
  operations?: number
}

export interface ObserveOptions {
  /** Default `timing`. */
  detail?: ObserveDetail
  /** Fraction of requests (0..1) observed at `detail`; the rest at `timing`. Default 1. */
  sample?: number
  /** Called once per request with its activity, after the response finished. Errors in it are counted, never thrown. */
  onActivity?: (activity: RequestActivity, request: any) => void
  /** Adds a `Server-Timing` header. Default off. */
  serverTiming?: boolean | ServerTimingOptions
  /** Recent requests kept for `recentActivity()` and the page. Default 200. */
  recent?: number
  /**
   * Keep the K slowest requests of each route whole, apart from the `recent` ring (at most K ×
   * maxRoutes; shown by `sizes().slowest`), for the API, the page and `app.observe.slowestActivity()`. Default 0 (off).
   */
  keepSlowest?: number
  /** Most routes with aggregates. Default 500. */
  maxRoutes?: number
  /** Most single spans kept per request. Default 50. */
  maxSpans?: number
  /** Log a warning once per route and resource kind when its requests leave resources behind. Default true. */
  leakWarnings?: boolean
  /** OpenTelemetry export (needs the optional @opentelemetry/* peers). Default off. */
  tracing?: boolean | import('./otel/types.js').TracingOptions
  /**
   * Per-route metrics through the OpenTelemetry metrics SDK (needs the optional @opentelemetry/sdk-metrics
   * and exporter peers): `true` for a Prometheus endpoint at `/metrics`, or where to export. Default off. See docs/observe.md.
   */
  metrics?: boolean | import('./metrics/types.js').MetricsOptions
  /**
   * Requests and route summaries kept across restarts in an SQLite file (node:sqlite: Node 22.5 and
   * later; on an older Node, register fails naming the version). Read by the page's API
   * (`api/v1/runs`, `requests?run=`), `weft inspect --history <file>` and `weft mcp --history <file>`.
   */
  history?: import('./history/types.js').HistoryOptions
  /**
   * The live page (off by default): `true`, or its options. Loopback clients with the page's token
   * (random per process unless `token` is set; the URL is logged once listening, and is `app.observe.page.url()`),
   * and whoever `allow(request)` lets in. See docs/page.md.
   */
  page?: boolean | {
    path?: string, token?: string | false, allow?: (request: any) => boolean, heartbeatMs?: number,
    maxBufferedBytes?: number, maxStreams?: number, flushMs?: number
  }
}
