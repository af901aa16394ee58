// Makes every request an operation: the http observer seam calls it before routing, at each
// lifecycle stage and as each hook function starts. It times phases and hooks, runs the
// request inside a weft/async operation (ended when the answer is written), and turns what that
// operation saw into the request's RequestActivity. Nothing here may throw into the request or
// into Node: every entry point catches and counts.
import { performance } from 'node:perf_hooks'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CpuClock, OperationReport } from '../async/types.js'
import type { ServerTimingCpu } from './server-timing.js'
import { Stage, stageNames, type RequestObserver, type StageValue } from '../http/request-observer.js'
import type {
  ActivityLog, ActivityOperation, ActivitySpan, HookTiming, ObserveDetail, PhaseName, PhaseTiming, RequestActivity
} from './types.js'
import type { LogLines } from './log-lines.js'

const kState = Symbol('weft.observe.activity')

/** What observe needs of a weft/async tracker: an operation it ends itself. */
export interface OpenOperation {
  run<T> (fn: () => T): T
  end (): OperationReport
}
export interface OperationSource {
  begin (name: string): OpenOperation
}

/** The optional tracing side (OpenTelemetry), as the recorder uses it. */
export interface RequestTraceLike {
  readonly traceId: string
  readonly spanId: string
  readonly traceparent: string
  end (activity: RequestActivity): void
}
export interface TracingLike {
  start (method: string, headers: IncomingMessage['headers'], startTimeMs: number, raw?: IncomingMessage): RequestTraceLike
}

export interface RecorderOptions {
  detail: ObserveDetail
  sample: number
  maxSpans: number
  /** Server-Timing: null when off. */
  serverTiming: { when: ((request: any, reply: any) => boolean) | null, operations: number } | null
  /** Source at `detail` (sampled requests); null when detail is `timing`. */
  detailed: OperationSource | null
  /** Source at `timing`: every request not sampled. */
  timing: OperationSource
  tracing: TracingLike | null
  /** Runs `fn` with `state` as the current request (for tracing's outgoing headers); null when not needed. */
  withCurrent: (<T>(state: ActivityState, fn: () => T) => T) | null
  header: (phases: PhaseTiming[], operations: ActivityOperation[], totalMs: number, max: number, traceparent: string | undefined, cpu: ServerTimingCpu | undefined) => string
  /** Every finished activity (store, onActivity, leak warnings, page). */
  deliver: (activity: RequestActivity, request: any) => void
  /** Whether a resource reported as a leak is still alive (not destroyed, may still call back); null: no recheck. */
  stillAlive: ((asyncId: number) => boolean) | null
  /** Runs `fn` with the resources it makes hidden from trackers (observe's own waits). */
  hidden: <T>(fn: () => T) => T
  /** Counts an internal error (never thrown). */
  failed: (err: unknown) => void
  /** The app logger's lines by request id; null without a logger. */
  logs: LogLines | null
}

/** A mark of observe's own work (ending the operation, building the report): a gap between phases, never part of one. */
const OWN = -1
const noLogs: ActivityLog[] = []

const hookPhases = new Set<PhaseName>(['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onResponse', 'onError'])

/** One observed request, from routing to its report. Marks are kept as flat numbers and turned into
 *  phase objects once, when the activity is built, so a request allocates little while it runs. */
/** An error's message as text, whatever was thrown (a `message` that is a BigInt or an object, a null-prototype object). */
function messageOf (error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : error
    return typeof message === 'string' ? message : String(message)
  } catch {
    return '(an error that has no text)'
  }
}

export class ActivityState {
  /** The request's one start reading: phases, wall time, spans and the trace all count from it. */
  readonly start: number
  readonly startedAt: number
  readonly detail: ObserveDetail
  /** Begun right after the state is made (inside the request's context when tracing is on). */
  op!: OpenOperation
  readonly trace: RequestTraceLike | undefined
  /** (stage, time) pairs: each stage's start, in order; the routing phase starts at `start`. */
  readonly stages: number[] = []
  /** Each hook function that started, and when (two arrays, so each holds one kind of value). */
  readonly hookFns: Function[] = []
  readonly hookTimes: number[] = []
  report: OperationReport | null = null
  activity: ObservedActivity | null = null
  error: string | undefined = undefined
  done = false
  /** Observe's own work inside the request (ending its operation, Server-Timing, the report), left out of every phase. */
  observeMs = 0
  /** When the onResponse hooks could start: the response finished, and observe built the report. */
  onResponseAt = 0
  /** Its log lines (made on the first one), and where they come from while it runs. */
  logs: ActivityLog[] = noLogs
  logBook: LogLines | null = null
  logId = ''

  constructor (start: number, detail: ObserveDetail, trace: RequestTraceLike | undefined) {
    this.start = start
    this.startedAt = performance.timeOrigin + start
    this.detail = detail
    this.trace = trace
  }

  /** The phase of the onResponse hooks, which start once the response finished (at `from`) and end at `to`; null when none ran. */
  onResponsePhase (from: number, to: number): PhaseTiming | null {
    const times = this.hookTimes
    let h = times.length
    while (h > 0 && times[h - 1]! >= from) h--
    if (h === times.length) return null
    const hooks: HookTiming[] = []
    for (let i = h; i < times.length; i++) {
      const fn = this.hookFns[i]!
      const end = i + 1 < times.length ? times[i + 1]! : to
      hooks.push({ name: fn.name === '' ? 'anonymous' : fn.name, startMs: times[i]! - this.start, wallMs: end - times[i]! })
    }
    return { name: 'onResponse', startMs: from - this.start, wallMs: to - from, hooks }
  }

  /** The phases up to `end` (now, for Server-Timing; the finish for the report). */
  phases (end: number): PhaseTiming[] {
    const out: PhaseTiming[] = []
    const stages = this.stages
    const fns = this.hookFns
    const times = this.hookTimes
    let h = 0
    let name: PhaseName = 'routing'
    let own = false
    let from = this.start
    for (let i = 0; i <= stages.length; i += 2) {
      const to = i < stages.length ? stages[i + 1]! : end
      const timings: HookTiming[] = []
      // the hooks that started in this phase; each ends where the next starts, the last where the phase ends
      while (h < times.length && times[h]! < to) {
        const started = times[h]!
        const next = h + 1 < times.length && times[h + 1]! < to ? times[h + 1]! : to
        const fn = fns[h]!
        timings.push({ name: fn.name === '' ? 'anonymous' : fn.name, startMs: started - this.start, wallMs: next - started })
        h++
      }
      const wallMs = to - from
      // hook phases show when a hook ran; the others when they took measurable time (a GET parses
      // no body, a route without schemas validates nothing), the handler always
      if (!own && (timings.length > 0 || name === 'handler' || (!hookPhases.has(name) && wallMs >= 0.05))) {
        out.push({ name, startMs: from - this.start, wallMs, hooks: timings })
      }
      if (i < stages.length) {
        own = stages[i] === OWN
        if (!own) name = stageNames[stages[i]!] as PhaseName
        from = to
      }
    }
    return out
  }
}

function stateOf (request: any): ActivityState | undefined {
  return request?.raw?.[kState]
}

export class ActivityRecorder implements RequestObserver {
  readonly #o: RecorderOptions

  constructor (options: RecorderOptions) {
    this.#o = options
  }

  request (req: IncomingMessage, res: ServerResponse, run: () => void): void {
    const o = this.#o
    const state = this.#open(req, res)
    // the request path's own errors are handled inside it; run() does not throw
    if (state === null) run()
    else if (o.withCurrent === null) state.op.run(run)
    // with tracing the request is also the current one (for outgoing traceparent headers)
    else o.withCurrent(state, () => state.op.run(run))
  }

  #open (req: IncomingMessage, res: ServerResponse): ActivityState | null {
    const o = this.#o
    try {
      const sampled = o.detailed !== null && (o.sample >= 1 || Math.random() < o.sample)
      const source = sampled ? o.detailed! : o.timing
      const start = performance.now()
      const trace = o.tracing !== null ? o.tracing.start(req.method ?? 'GET', req.headers, performance.timeOrigin + start, req) : undefined
      const state = new ActivityState(start, sampled ? o.detail : 'timing', trace)
      ;(req as any)[kState] = state
      // begun inside the request's context when tracing is on, so what runs in the operation carries it
      if (o.withCurrent !== null) o.withCurrent(state, () => { state.op = source.begin('http.request') })
      else state.op = source.begin('http.request')
      res.on('close', onResponseClose)
      return state
    } catch (err) {
      o.failed(err)
      return null
    }
  }

  stage (reply: any, stage: StageValue, error?: unknown): void {
    const state = stateOf(reply.request)
    if (state === undefined || state.done) return
    try {
      if (error !== undefined && state.error === undefined) state.error = messageOf(error)
      this.#stage(state, reply, stage)
    } catch (err) {
      this.#o.failed(err)
    }
  }

  #stage (state: ActivityState, reply: any, stage: StageValue): void {
    const now = performance.now()
    switch (stage) {
      case Stage.onRequest:
        if (reply.routeOptions?.config?.observe === false) {
          // the page's own routes and others opted out: no report
          state.done = true
          state.op.end()
          return
        }
        if (this.#o.logs !== null) {
          state.logBook = this.#o.logs
          state.logId = String(reply.request.id)
          state.logBook.open(state.logId, state)
        }
        break
      case Stage.write: {
        // the answer is about to be written: observe's own work here is no phase of the request's
        state.stages.push(OWN, now)
        this.#endOperation(state)
        const st = this.#o.serverTiming
        try {
          if (st !== null && (st.when === null || st.when(reply.request, reply))) {
            const report = state.report!
            const cpu = report.cpuMs === null || report.cpuClock === null ? undefined : { cpuMs: report.cpuMs, cpuClock: report.cpuClock, loopWaitMs: report.loopWaitMs }
            reply.header('server-timing', this.#o.header(state.phases(now), operationsOf(report), now - state.start, st.operations, state.trace?.traceparent, cpu))
          }
        } catch (err) {
          // a throwing when() or a value no header may carry: counted, and the answer goes out without it
          this.#o.failed(err)
        }
        const after = performance.now()
        state.observeMs += after - now
        state.stages.push(stage, after)
        return
      }
      case Stage.onResponse: {
        state.stages.push(OWN, now)
        this.#endOperation(state)
        const activity = this.#activity(state, reply, now)
        const after = performance.now()
        state.observeMs += after - now
        state.onResponseAt = after
        activity.observeMs = state.observeMs
        reply.request.activity = state.activity = activity
        return
      }
      case Stage.done:
        if (state.activity !== null) state.activity.ended(now)
        this.#finish(state, reply)
        return
    }
    state.stages.push(stage, now)
  }

  /** A hook function starts (the request-hook runner tells). */
  readonly hook = (reply: any, fn: Function): void => {
    const state = stateOf(reply.request)
    if (state !== undefined && !state.done) {
      state.hookFns.push(fn)
      state.hookTimes.push(performance.now())
    }
  }

  #endOperation (state: ActivityState): void {
    if (state.report === null) state.report = state.op.end()
  }

  #activity (state: ActivityState, reply: any, now: number): ObservedActivity {
    const request = reply.request
    return new ObservedActivity(state, request.id, request.method, request.is404 ? null : (reply.routeOptions?.url ?? null),
      request.url, reply.statusCode, now, this.#o.maxSpans)
  }

  #finish (state: ActivityState, reply: any): void {
    state.done = true
    state.logBook?.close(state.logId, state)
    const activity = state.activity
    if (activity === null) return
    const o = this.#o
    if (activity.leaks.length === 0 || o.stillAlive === null) {
      this.#deliver(state, activity, reply.request)
      return
    }
    // what was alive when the answer was written may be closing: a finished client request, a
    // promise resolved right after. Give Node two turns to deliver those ends, then keep the rest.
    const request = reply.request
    const stillAlive = o.stillAlive
    o.hidden(() => setImmediate(() => setImmediate(() => {
      try {
        activity.leaks = activity.leaks.filter(leak => stillAlive(leak.asyncId))
      } catch (err) {
        o.failed(err)
      }
      this.#deliver(state, activity, request)
    })))
  }

  #deliver (state: ActivityState, activity: RequestActivity, request: any): void {
    try {
      state.trace?.end(activity)
    } catch (err) {
      this.#o.failed(err)
    }
    this.#o.deliver(activity, request)
  }
}

/** The response closed without finishing (client gone, hijack): end the operation so nothing is kept. */
function onResponseClose (this: ServerResponse): void {
  if (this.writableFinished) return // a finished response is reported by the lifecycle's own stages
  const req = (this as any).req as IncomingMessage | undefined
  const state: ActivityState | undefined = (req as any)?.[kState]
  if (state === undefined) return
  if (state.report === null && !state.done) {
    state.done = true
    try { state.logBook?.close(state.logId, state); state.op.end() } catch {}
  }
}

/**
 * A request's activity. Phases are turned from the state's marks into objects only when read (or
 * serialized): a request whose activity nobody reads pays for the figures, not for the objects.
 */
export class ObservedActivity implements RequestActivity {
  readonly id: string
  readonly method: string
  readonly route: string | null
  readonly url: string
  readonly statusCode: number
  readonly detail: ObserveDetail
  readonly startedAt: number
  readonly wallMs: number
  readonly cpuMs: number | null
  readonly cpuClock: CpuClock | null
  readonly maxBlockMs: number | null
  readonly waitMs: number | null
  readonly loopWaitMs: number | null
  readonly operations: ActivityOperation[]
  readonly spans: ActivitySpan[]
  leaks: OperationReport['leaked']
  /** Observe's own time inside the request (left out of every phase). */
  observeMs = 0
  readonly repeated?: OperationReport['repeated']
  readonly error?: string
  readonly traceId?: string
  readonly spanId?: string
  #state: ActivityState
  #finished: number
  #done: number | null = null
  #phases: PhaseTiming[] | null = null

  constructor (state: ActivityState, id: string, method: string, route: string | null, url: string, statusCode: number, finished: number, maxSpans: number) {
    const report = state.report!
    this.id = id
    this.method = method
    this.route = route
    this.url = url
    this.statusCode = statusCode
    this.detail = state.detail
    this.startedAt = state.startedAt
    this.wallMs = finished - state.start
    this.cpuMs = report.cpuMs
    this.cpuClock = report.cpuMs === null ? null : report.cpuClock
    this.maxBlockMs = report.maxBlockMs
    this.waitMs = report.cpuMs === null ? null : Math.max(0, this.wallMs - report.cpuMs)
    this.loopWaitMs = report.loopWaitMs === null ? null : Math.min(report.loopWaitMs, this.wallMs)
    this.operations = operationsOf(report)
    this.spans = spansOf(report, maxSpans, report.startedAt - performance.timeOrigin - state.start)
    this.leaks = agedAt(report, finished)
    if (report.repeated !== undefined) this.repeated = report.repeated
    if (state.error !== undefined) this.error = state.error
    if (state.trace !== undefined) {
      this.traceId = state.trace.traceId
      this.spanId = state.trace.spanId
    }
    this.#state = state
    this.#finished = finished
  }

  /** The onResponse hooks have run: their phase ends at `now`. */
  ended (now: number): void {
    if (this.#done !== null) return
    this.#done = now
    if (this.#phases !== null) {
      // read already (in an onResponse hook, say): add the phase that just ended
      const onResponse = this.#state.onResponsePhase(this.#state.onResponseAt, now)
      if (onResponse !== null) this.#phases.push(onResponse)
    }
  }

  /** Lines logged up to the end of its onResponse hooks (read when asked: they may still come while onResponse runs). */
  get logs (): ActivityLog[] { return this.#state.logs }

  get phases (): PhaseTiming[] {
    if (this.#phases === null) {
      const phases = this.#state.phases(this.#finished)
      if (this.#done !== null) {
        const onResponse = this.#state.onResponsePhase(this.#state.onResponseAt, this.#done)
        if (onResponse !== null) phases.push(onResponse)
      }
      this.#phases = phases
    }
    return this.#phases
  }

  toJSON (): RequestActivity {
    const out: RequestActivity = {
      id: this.id, method: this.method, route: this.route, url: this.url, statusCode: this.statusCode, detail: this.detail,
      startedAt: this.startedAt, wallMs: this.wallMs, cpuMs: this.cpuMs, cpuClock: this.cpuClock, maxBlockMs: this.maxBlockMs,
      waitMs: this.waitMs, loopWaitMs: this.loopWaitMs,
      phases: this.phases, operations: this.operations, spans: this.spans, leaks: this.leaks, logs: this.logs, observeMs: this.observeMs
    }
    if (this.repeated !== undefined) out.repeated = this.repeated
    if (this.error !== undefined) out.error = this.error
    if (this.traceId !== undefined) { out.traceId = this.traceId; out.spanId = this.spanId }
    return out
  }
}

function operationsOf (report: OperationReport): ActivityOperation[] {
  return report.operations.map(op => ({
    kind: op.kind,
    name: op.name,
    count: op.count,
    active: op.active,
    wallMs: op.wallMs,
    cpuMs: report.cpuMs === null ? null : op.cpuMs,
    maxBlockMs: report.maxBlockMs === null ? null : op.maxBlockMs,
    ...(op.callSite !== undefined ? { callSite: op.callSite } : {})
  }))
}

/** The report's leaks, aged at the response's end (`finished`) rather than at the operation's (the write). */
function agedAt (report: OperationReport, finished: number): OperationReport['leaked'] {
  const leaks = report.leaked
  if (leaks.length === 0) return leaks
  const shift = finished - (report.startedAt - performance.timeOrigin + report.wallMs)
  if (shift > 0) for (const leak of leaks) leak.ageMs += shift
  return leaks
}

/** The report's spans, at most `max`, moved to count from the request's start (`shift`: the operation's start minus it). */
function spansOf (report: OperationReport, max: number, shift: number): ActivitySpan[] {
  const spans = (report as { spans?: ActivitySpan[] }).spans
  if (spans === undefined || spans.length === 0) return []
  const kept = spans.length > max ? spans.slice(0, max) : spans
  if (shift !== 0) for (const span of kept) span.startMs += shift
  return kept
}

