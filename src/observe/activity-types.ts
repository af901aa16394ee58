// What each observed request reports (its phases, operations, spans and logs), apart from the
// options so that otel/types.ts can name it without an import cycle through types.ts.
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
