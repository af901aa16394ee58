// The public types of weft/async: detail levels, raw lifecycle events, operation reports,
// leaks, live handles and tracker statistics. Reading this file tells you the API's data.

/** How much the tracker records; each level installs only the machinery it needs. */
export type Detail = 'off' | 'timing' | 'resources' | 'promises' | 'stacks'
/**
 * The clock of `cpuMs` figures: `thread`, the event-loop thread's CPU time (`process.threadCpuUsage()`,
 * Node ≥ 22.15 / 23.9); `wall`, wall time around callbacks where Node lacks it (a descheduled or
 * blocked callback then counts as CPU). `maxBlockMs` and `loopWaitMs` are always wall time.
 */
export type CpuClock = 'thread' | 'wall'

/** The kinds of high-level operation a person would name. `other` covers types Weft does not know. */
export type OperationKind =
  | 'fs' | 'dns' | 'net' | 'tls' | 'http.server' | 'http.client' | 'zlib' | 'crypto'
  | 'child_process' | 'worker' | 'timer' | 'promise' | 'user' | 'db' | 'other'

/** The kind of one low-level resource: an operation kind, or `scheduling` (TickObject, Immediate, Microtask). */
export type ResourceKind = OperationKind | 'scheduling'

export interface TrackerOptions {
  /** Default `resources`. */
  detail?: Detail
  /** Most resources stored at once; past it they are counted as dropped, never stored. Default 50 000. */
  maxResources?: number
  /** Most distinct call sites remembered at `stacks`. Default 10 000. */
  maxCallSites?: number
  /** Called with the report of every finished `track()`, including ones whose function threw. */
  onReport?: (report: OperationReport) => void
  /**
   * Most operations open from `begin()` at once. Past it, beginning one more closes the oldest open one
   * (its report has `closedBy: 'limit'`). Default 10 000.
   */
  maxOpenOperations?: number
  /**
   * Record outgoing HTTP requests (`node:http` and `fetch`), socket connects, child processes,
   * workers and database queries (drivers' TracingChannels, OpenTelemetry database spans) from
   * Node's diagnostics_channel events, at every level from `timing` up. Default true.
   */
  outgoing?: boolean
  /**
   * Record only what operations (`track()`, `begin()`) do: a resource made outside all of them is
   * counted by type but not grouped into the process's operations, timed or kept for leaks. For a
   * tracker that follows a few operations among many, as weft/observe's `sample` does: the rest of
   * the process then costs its hook calls and little more. Default false.
   */
  scopedOnly?: boolean
}

/** Raw `init` event. `resource` objects are never exposed: Node reuses them. */
export interface InitEvent {
  readonly asyncId: number
  readonly type: string
  readonly kind: ResourceKind
  readonly triggerAsyncId: number
  readonly executionAsyncId: number
  /** `performance.now()` when the event was seen. */
  readonly time: number
}

/** Raw `before`, `after`, `destroy` or `promiseResolve` event of a stored resource. */
export interface LifecycleEvent {
  readonly asyncId: number
  readonly type: string
  readonly time: number
}

export interface AsyncEventHandlers {
  init?: (event: InitEvent) => void
  before?: (event: LifecycleEvent) => void
  after?: (event: LifecycleEvent) => void
  destroy?: (event: LifecycleEvent) => void
  /** Only delivered at `promises` and `stacks`. */
  promiseResolve?: (event: LifecycleEvent) => void
}

/** One row of the high-level view: operations of the same kind and name, aggregated. */
export interface OperationSummary {
  kind: OperationKind
  /** `fs.readFile` at `stacks` (from the call), a type-derived name such as `fs` or `dns.lookup` below it. */
  name: string
  /** First user frame that started it, at `stacks` only. */
  callSite?: string
  /** Finished plus still running. */
  count: number
  /** Of `count`, how many were still running when the report was made. */
  active: number
  /** Sum of each operation's wall time (start to last completion). */
  wallMs: number
  /**
   * CPU time of its resources' callbacks (before→after), on the report's `cpuClock`; null for
   * operations seen only through diagnostics_channel or OpenTelemetry spans (fetch's requests,
   * database queries): their callbacks run in their connection's context, not measured as theirs.
   */
  cpuMs: number | null
  /** Longest single callback, wall time; null where `cpuMs` is. */
  maxBlockMs: number | null
}

export interface LeakedResource {
  asyncId: number
  type: string
  kind: ResourceKind
  /** Milliseconds from its creation to the end of the operation that left it running. */
  ageMs: number
  /** Kind and name of the operation it belongs to, if grouped. */
  operation?: string
  callSite?: string
}

/** What `track()` (or `tracker.report()`) saw. Fields that the detail level does not measure are null. */
export interface OperationReport {
  name: string
  detail: Detail
  /** Epoch milliseconds. */
  startedAt: number
  wallMs: number
  /**
   * CPU time of its callbacks and of the promise continuations (microtasks) that ran right after
   * them, on `cpuClock`. At `resources`, where promise reactions are no callbacks of the hook, a
   * continuation counts for the operation whose callback (or whose latest new resource) ran just before it.
   */
  cpuMs: number | null
  /** Which clock measured `cpuMs` (null when nothing was measured). */
  cpuClock: CpuClock | null
  /** Longest synchronous block (a callback and the microtasks that followed it), wall time. */
  maxBlockMs: number | null
  /**
   * Wall time, during this operation, that the event loop spent running callbacks (and their
   * microtasks) of other operations or of the process: how long it may have waited for the loop.
   * Null when nothing was measured.
   */
  loopWaitMs: number | null
  /** Grouped operations, largest wall time first. Nested `track()` calls appear with kind `user`. */
  operations: OperationSummary[]
  /** Resources created inside, by async_hooks type (for example `{ FSREQCALLBACK: 8 }`). */
  resources: Record<string, number>
  /**
   * What it started and left running at the end, whatever the ref state: timers, sockets no pool
   * owns (an http.Agent's free list, fetch's pool), servers, watchers, children, workers.
   */
  leaked: LeakedResource[]
  /** Reports of nested `track()` calls that finished inside this one. */
  children: OperationReport[]
  /** Resources created inside that were not stored because `maxResources` was reached. */
  dropped: number
  /** True when the tracked function threw or rejected (or `end({ failed: true })`). */
  failed: boolean
  /**
   * Outgoing calls seen from diagnostics_channel (HTTP requests, connects, child processes,
   * workers) and, at `resources` and up, each fs, dns, zlib and crypto operation, in start order,
   * at most 50 of each per operation; nested operations' included.
   */
  spans: OperationSpan[]
  /** Spans not listed because the list was full (they still count in `operations`). */
  droppedSpans: number
  /**
   * Database statements of the same shape (values aside) run 3 times or more in this operation: the
   * N+1 pattern. Absent when none.
   */
  repeated?: RepeatedStatement[]
  /** Set when the tracker closed a `begin()` operation that was never ended: at `disable()`, or past `maxOpenOperations`. */
  closedBy?: 'disable' | 'limit'
}

/** A statement shape an operation ran again and again (one query per row of a list, say). */
export interface RepeatedStatement {
  /** `SELECT tasks`: operation and table. */
  summary: string
  /** The statement with every value made `?` (at most 240 characters): `SELECT * FROM tasks WHERE project_id = ?`. */
  statement: string
  count: number
  /** Sum of their wall times. */
  wallMs: number
  /** Where the application issued the first of them, at `stacks` only. */
  callSite?: string
}

/** One outgoing call or single operation (a file read, a lookup) of an operation, with its own start: a bar of its waterfall. */
export interface OperationSpan {
  kind: OperationKind
  /** `GET 127.0.0.1:5001` (method and host:port, never the path), `connect 127.0.0.1:5432`, `spawn node`, `worker 3`, `fs.readFile`, `SELECT tasks` (a query's summary, never its text). */
  name: string
  /** Milliseconds from the operation's start. */
  startMs: number
  /** Start to end, or to the report while it is still running. */
  wallMs: number
  /** Still running when the report was made. */
  active: boolean
  /**
   * Facts, named as OpenTelemetry's semantic conventions name them: `http.request.method`,
   * `server.address`, `server.port`, `http.response.status_code`, `error.type`,
   * `process.exit.code`, `thread.id`; for a query `db.system.name`, `db.query.summary`,
   * `db.operation.name`, `db.collection.name`, `db.namespace`, `db.response.returned_rows`.
   */
  attributes?: Record<string, string | number | boolean>
}

/** An operation opened by `tracker.begin(name)`, ended when the caller says so. */
export interface OpenOperation {
  readonly name: string
  /** True once ended (by `end()`, or closed by the tracker). */
  readonly ended: boolean
  /**
   * Runs `fn` inside the operation's async context: what it creates, transitively, belongs to the
   * operation. Call it as often as needed; after the end it just calls `fn`. Returns what `fn` returns.
   */
  run<T> (fn: () => T): T
  /**
   * Ends it and reports, like `track()` does: leaks are what is still alive now. The report goes to
   * `onReport` too. Idempotent: a later `end()` returns the same report.
   */
  end (options?: EndOptions & { settle?: false }): OperationReport
  /** Like `end()`, but first gives Node a few event-loop turns to deliver pending destroys, as `track()` does. */
  end (options: EndOptions & { settle: true }): Promise<OperationReport>
  end (options?: EndOptions): OperationReport | Promise<OperationReport>
}

export interface EndOptions {
  /** Wait a few event-loop turns for pending destroys before calling what is alive a leak. Default false. */
  settle?: boolean
  /** Mark the report failed (for example: the request it stands for errored). Default false. */
  failed?: boolean
}

export interface TrackResult<T> {
  result: T
  report: OperationReport
}

export interface TrackerStats {
  detail: Detail
  enabled: boolean
  /** Resources stored now. */
  live: number
  /** Resources seen since creation (promises count only at `promises` and `stacks`). */
  created: number
  destroyed: number
  /** Seen but not stored because `maxResources` was reached. */
  dropped: number
  /** Exceptions caught inside hook callbacks and subscribers. */
  internalErrors: number
  /** High-level operations in flight. */
  activeOperations: number
  maxResources: number
  /** Operations from `begin()` not yet ended. */
  openOperations: number
  /** The diagnostics_channel channels subscribed now (empty when disabled or `outgoing: false`). */
  channels: string[]
}

/** One resource in the trigger tree. */
export interface ResourceInfo {
  asyncId: number
  type: string
  kind: ResourceKind
  triggerAsyncId: number
  ageMs: number
  /** Its callback ran and it will not run again (a completed request, a fired timeout). */
  done: boolean
  operation?: string
  /** Name of the innermost `track()` it was created in. */
  trackedBy?: string
  callSite?: string
}

/** A group of what keeps the process alive, as Node reports it, with what the tracker knows of it. */
export interface ActiveHandleGroup {
  /** Node's name, as in `process.getActiveResourcesInfo()` (for example `Timeout`, `TCPSocketWrap`). */
  type: string
  count: number
  /** Matching resources the tracker saw created and Node still counts (ref'ed), oldest first. */
  resources: Array<{ asyncId: number, ageMs: number, operation?: string, callSite?: string }>
}

export interface ProcessSample {
  /** Epoch milliseconds. */
  time: number
  /** Share of one core used since the previous sample, in percent (can exceed 100). */
  cpuPercent: number
  cpuUserMs: number
  cpuSystemMs: number
  rssBytes: number
  heapUsedBytes: number
  heapTotalBytes: number
  externalBytes: number
  /** Event-loop utilization since the previous sample, 0..1. */
  elu: number
  /**
   * How late the event loop ran a timer since the previous sample (`monitorEventLoopDelay`, its timer
   * period subtracted): about 0 on an idle loop, the length of a synchronous block when one ran.
   */
  eventLoopDelay: { minMs: number, meanMs: number, p50Ms: number, p99Ms: number, maxMs: number }
  /** What keeps the event loop alive, by Node's name for it (`process.getActiveResourcesInfo()`): `{ TCPSocketWrap: 3, Timeout: 2 }`. */
  activeResources: Record<string, number>
}

export interface ProcessSummary {
  samples: number
  cpuPercentMean: number
  cpuPercentMax: number
  rssMaxBytes: number
  heapUsedMaxBytes: number
  eluMean: number
  eventLoopDelayP99MaxMs: number
  eventLoopDelayMaxMs: number
}

export interface SampleProcessOptions {
  /** Default 1000. */
  intervalMs?: number
  /** Samples kept for `samples()`. Default 60. */
  history?: number
  onSample?: (sample: ProcessSample) => void
}

export interface ProcessSampler {
  /** Most recent sample, or undefined before the first interval. */
  latest(): ProcessSample | undefined
  /** Kept samples, oldest first. */
  samples(): ProcessSample[]
  /** Takes a sample now (also counted in the history). */
  sampleNow(): ProcessSample
  summary(): ProcessSummary
  stop(): void
  readonly stopped: boolean
}
