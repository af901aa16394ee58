// The public types of weft/observe: what a user configures and what each observed request
// reports. Reading this file tells you the data the hooks, Server-Timing, OpenTelemetry spans and
// the live page are made from.
import type { CpuClock, LeakedResource, OperationKind, RepeatedStatement } from '../async/types.js'

/** How much each observed request records. `timing` installs no async_hooks. */
export type ObserveDetail = 'timing' | 'resources' | 'promises' | 'stacks'

/** The request/reply lifecycle phases, in the order they run. */
export type PhaseName =
  | 'routing' | 'onRequest' | 'preParsing' | 'parsing' | 'preValidation' | 'validation'
  | 'preHandler' | 'handler' | 'preSerialization' | 'serialization' | 'onSend' | 'write' | 'onResponse'
  | 'onError' | 'errorHandler'

/** One hook function's run inside a phase. */
export interface HookTiming {
  /** The function's name, or `anonymous`. */
  name: string
  /** Milliseconds from the request's start. */
  startMs: number
  wallMs: number
}

export interface PhaseTiming {
  name: PhaseName
  /** Milliseconds from the request's start. */
  startMs: number
  wallMs: number
  /** The hook functions that ran in this phase (hook phases only). */
  hooks: HookTiming[]
}

/** One async operation the request started, as weft/async groups them (or as diagnostics_channel sees it at `timing`). */
export interface ActivityOperation {
  kind: OperationKind
  /** `fs.readFile`, `http.client`, `GET 127.0.0.1:5001`, `dns.lookup`, ... */
  name: string
  count: number
  /** Of `count`, still running when the response finished. */
  active: number
  wallMs: number
  /** Callback time; null at `timing`. */
  cpuMs: number | null
  maxBlockMs: number | null
  callSite?: string
}

/** One bar of the request's waterfall: a single operation with its own start (at most `maxSpans` per request). */
export interface ActivitySpan {
  kind: OperationKind
  name: string
  /** Milliseconds from the request's start. */
  startMs: number
  wallMs: number
  /** Extra facts, e.g. `{ 'http.response.status_code': 200, 'server.address': '127.0.0.1' }`. */
  attributes?: Record<string, string | number | boolean>
}

/** One line the app's logger wrote for a request (a record carrying its id). */
export interface ActivityLog {
  /** `info`, `warn`, ... (the logger's label for the record's level). */
  level: string
  msg: string
  /** Milliseconds from the request's start. */
  timeMs: number
}

/** What one request did: complete when its response has finished (onResponse, `onActivity`). */
export interface RequestActivity {
  /** request.id */
  id: string
  method: string
  /** The route's URL pattern (`/users/:id`); null when no route matched (404). */
  route: string | null
  url: string
  statusCode: number
  /** The level this request was observed at (with `sample` below 1, some run at `timing`). */
  detail: ObserveDetail
  /** Epoch milliseconds. */
  startedAt: number
  /** Request start to response finished. */
  wallMs: number
  /**
   * CPU time of the request's own callbacks and promise continuations, on `cpuClock`; null at `timing`.
   */
  cpuMs: number | null
  /** `thread`: the event-loop thread's CPU clock; `wall`: wall time around callbacks (Node without `process.threadCpuUsage`); null at `timing`. */
  cpuClock: CpuClock | null
  /** The request's longest synchronous block (a callback and its microtasks), wall time; null at `timing`. */
  maxBlockMs: number | null
  /** wallMs minus cpuMs: time spent waiting on I/O, timers and the event loop; null at `timing`. */
  waitMs: number | null
  /** Observe's own work for the request (ending its operation and Server-Timing as the answer is
   *  written, then this report once the response finished), in milliseconds of wall time; left out
   *  of every phase. */
  observeMs: number
  /**
   * Wall time, during the request, that the event loop spent running other requests' (or the
   * process's) callbacks and microtasks: at most this long it waited for the loop; null at `timing`.
   */
  loopWaitMs: number | null
  phases: PhaseTiming[]
  /** Grouped operations, largest wall time first. */
  operations: ActivityOperation[]
  /** Single operations with their own start, for a waterfall (outgoing calls, file reads, queries). */
  spans: ActivitySpan[]
  /** What the request started that was still alive when its response finished. */
  leaks: LeakedResource[]
  /**
   * The app logger's lines for this request (records carrying its id, e.g. `request.log.info()`),
   * from its first hook stage to the end of its onResponse hooks, at most 50; empty without a logger.
   */
  logs: ActivityLog[]
  /** Database statements of one shape run 3+ times (N+1), most time first; absent when none. */
  repeated?: RepeatedStatement[]
  /** The message of the first error the request answered with (what its error handler got), if any. */
  error?: string
  /** W3C trace id when tracing is on. */
  traceId?: string
  spanId?: string
}

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
