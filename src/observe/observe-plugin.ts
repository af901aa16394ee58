// The observe plugin: `app.register(observe, options)` (or `weft({ observe: options })`) turns on
// per-request activity for the whole app. It builds the weft/async trackers, plugs the recorder
// into the http observer seam, keeps recent activity and per-route aggregates, warns once per
// route about leaks, and shuts everything down in onClose.
import { codes } from '../errors.js'
import { createTracker } from '../async/tracker.js'
import { Context } from '../async/context.js'
import { asWeft } from '../async/internal-scope.js'
import { kApp } from '../app/symbols.js'
import type { HttpApp } from '../http/http-app.js'
import { ActivityRecorder, type ActivityState, type TracingLike } from './activity-recorder.js'
import type { RequestTrace, Tracing } from './otel/index.js'
import { ActivityStore, MAX_ROUTE_OPERATIONS } from './activity-store.js'
import { LogLines, MAX_PENDING_LOGS } from './log-lines.js'
import { sampleProcess } from '../async/process-sampler.js'
import type { ProcessSample } from '../async/types.js'
import { PAGE_OPTION_KEYS, pageStreamSizes, registerActivityPage } from './page/index.js'
import type { ActivityEvent, ActivitySource, PageAccess } from './page/types.js'
import { unknownKey } from './option-keys.js'
import { serverTimingHeader } from './server-timing.js'
import { startupView } from './startup-view.js'
import { HISTORY_OPTION_KEYS, startHistory } from './history/start-history.js'
import { SlowestPerRoute } from './sampling-slowest.js'
import { weftSpanProcessor, type WeftSpanProcessor } from './db-spans.js'
import type { RequestMetrics } from './metrics/index.js'
import { checkMetricsOptions, METRICS_OPTION_KEYS } from './metrics/check-options.js'
import type { ObserveDetail, ObserveOptions, ObserveSizes, RequestActivity, RouteSummary } from './types.js'

const details = new Set<ObserveDetail>(['timing', 'resources', 'promises', 'stacks'])
/** Every key each option object knows: anything else is a mistake to report, not to ignore. */
const OPTION_KEYS = ['detail', 'sample', 'onActivity', 'serverTiming', 'recent', 'maxRoutes', 'maxSpans', 'leakWarnings', 'tracing', 'page', 'metrics', 'history', 'keepSlowest']
/** What `register(plugin, options)` itself reads from a plugin's options (as Fastify does): not observe's to refuse. */
const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers']
const NESTED_KEYS: Record<string, readonly string[]> = {
  serverTiming: ['when', 'operations'],
  tracing: ['serviceName', 'url', 'exporter', 'operationSpans', 'resourceAttributes', 'onError', 'maxQueueSize', 'exportTimeoutMs'],
  page: PAGE_OPTION_KEYS,
  metrics: METRICS_OPTION_KEYS,
  history: HISTORY_OPTION_KEYS
}
/** Most (route, kind) pairs remembered for leak warnings. */
const MAX_LEAK_WARNINGS = 1000

/** What `app.observe` offers once the plugin is registered. */
export interface ObserveApi {
  readonly detail: ObserveDetail
  /** The most recent activities, newest first. */
  recentActivity (): RequestActivity[]
  /** With `keepSlowest: K`: the K slowest requests of each route, kept whole apart from the recent ring. */
  slowestActivity (): RequestActivity[]
  /** Per-route aggregates, busiest first. */
  routes (): RouteSummary[]
  /** Called with each finished activity; returns the unsubscribe. */
  subscribe (listener: (activity: RequestActivity) => void): () => void
  /** What observe holds now (recent ring, route aggregates, export queue, page streams...), each against its bound. */
  sizes (): ObserveSizes
  /** Internal errors caught (and never thrown) so far. */
  readonly internalErrors: number
  /** Spans that never reached the OpenTelemetry receiver (export queue full, export failed or timed out); 0 without tracing. */
  readonly droppedSpans: number
  /** The live page's path, token and full URL (`page.url()`, once listening); null when the page is off. */
  readonly page: PageAccess | null
  /**
   * An OpenTelemetry SpanProcessor to add to the provider your instrumentations use: their database
   * CLIENT spans (e.g. @opentelemetry/instrumentation-pg's) become `db` operations of the request
   * that ran them. The same object as `weftSpanProcessor()`.
   */
  readonly spanProcessor: WeftSpanProcessor
}

/** Unknown keys, at the top and in each option object, throw naming the closest known key. */
function checkKeys (options: ObserveOptions): void {
  const top = unknownKey(options, OPTION_KEYS, REGISTER_KEYS)
  if (top !== null) throw new codes.WEFT_ERR_OBSERVE_OPTION(top.key, top.expected, 'an unknown option')
  for (const [name, known] of Object.entries(NESTED_KEYS)) {
    const value = (options as Record<string, unknown>)[name]
    if (value === null || typeof value !== 'object') continue
    const nested = unknownKey(value, known)
    if (nested !== null) throw new codes.WEFT_ERR_OBSERVE_OPTION(`${name}.${nested.key}`, nested.expected, 'an unknown option')
  }
  if (typeof options.tracing === 'object' && options.tracing !== null) {
    for (const name of ['maxQueueSize', 'exportTimeoutMs'] as const) {
      const value = options.tracing[name]
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new codes.WEFT_ERR_OBSERVE_OPTION(`tracing.${name}`, 'a positive whole number', String(value))
    }
  }
  checkMetricsOptions(options.metrics)
}

function checkOptions (options: ObserveOptions): Required<Pick<ObserveOptions, 'detail' | 'sample' | 'recent' | 'maxRoutes' | 'maxSpans' | 'keepSlowest'>> {
  checkKeys(options)
  const detail = options.detail ?? 'timing'
  if (!details.has(detail)) throw new codes.WEFT_ERR_OBSERVE_OPTION('detail', "one of 'timing', 'resources', 'promises', 'stacks'", JSON.stringify(detail))
  const sample = options.sample ?? 1
  if (typeof sample !== 'number' || !(sample >= 0 && sample <= 1)) throw new codes.WEFT_ERR_OBSERVE_OPTION('sample', 'a number from 0 to 1', String(sample))
  const count = (name: 'recent' | 'maxRoutes' | 'maxSpans' | 'keepSlowest', fallback: number): number => {
    const value = options[name] ?? fallback
    if (!Number.isInteger(value) || value < 0) throw new codes.WEFT_ERR_OBSERVE_OPTION(name, 'a whole number ≥ 0', String(value))
    return value
  }
  if (options.onActivity !== undefined && typeof options.onActivity !== 'function') throw new codes.WEFT_ERR_OBSERVE_OPTION('onActivity', 'a function', typeof options.onActivity)
  return { detail, sample, recent: count('recent', 200), maxRoutes: count('maxRoutes', 500), maxSpans: count('maxSpans', 50), keepSlowest: count('keepSlowest', 0) }
}

export async function observe (instance: any, options: ObserveOptions): Promise<void> {
  options ??= {}
  const opts = checkOptions(options ?? {})
  const app = instance[kApp] as HttpApp
  if (app.observer !== null) throw new codes.WEFT_ERR_OBSERVE_TWICE()
  const log = instance.log
  let internalErrors = 0
  const failed = (err: unknown): void => {
    internalErrors++
    if (internalErrors <= 10) {
      try { log.error({ err }, 'weft/observe: internal error (the request is not affected)') } catch {}
    }
  }

  // one tracker per level in use: at `resources` and up with every request sampled, no `timing`
  // one (a second tracker would see every outgoing call again)
  // sampled: the detail tracker follows only the sampled requests' resources (scopedOnly)
  const detailTracker = opts.detail === 'timing' ? null : createTracker({ detail: opts.detail, scopedOnly: opts.sample < 1 }).enable()
  const timingTracker = detailTracker === null || opts.sample < 1 ? createTracker({ detail: 'timing' }).enable() : null

  let tracing: Tracing | null = null
  let current: Context<ActivityState> | null = null
  let stopInjecting: (() => void) | null = null
  if (options.tracing !== undefined && options.tracing !== false) {
    // the OpenTelemetry packages load only now
    const { createTracing } = await import('./otel/index.js')
    tracing = await createTracing(options.tracing === true ? {} : options.tracing)
    current = new Context<ActivityState>()
    const ctx = current
    stopInjecting = tracing.injectOutgoing(() => ctx.get()?.trace as RequestTrace | undefined)
  }

  let metrics: RequestMetrics | null = null
  if (options.metrics !== undefined && options.metrics !== false) {
    // the OpenTelemetry metrics packages load only now
    const { createRequestMetrics, registerMetricsRoute } = await import('./metrics/index.js')
    metrics = await createRequestMetrics(options.metrics === true ? {} : options.metrics, failed)
    registerMetricsRoute(instance, metrics, failed)
  }

  const store = new ActivityStore(opts.recent, opts.maxRoutes)
  const slowest = new SlowestPerRoute(opts.keepSlowest, opts.maxRoutes)
  /** The recent ring, with the kept slowest requests it no longer holds (the API and page read these). */
  const stored = (): RequestActivity[] => slowest.withRecent(store.recent())
  // opened at register: a wrong path or an old Node fails here, not on the first request
  const history = options.history === undefined ? null : startHistory(options.history, () => store.routes(), failed)
  const listeners = new Set<(activity: RequestActivity) => void>()
  const onActivity = options.onActivity
  const warned = new Set<string>()
  const leakWarnings = options.leakWarnings !== false

  const deliver = (activity: RequestActivity, request: any): void => {
    try { store.add(activity); slowest.add(activity) } catch (err) { failed(err) }
    if (history !== null) history.writer.add(activity)
    if (metrics !== null) {
      try { metrics.record(activity, request?.protocol ?? 'http') } catch (err) { failed(err) }
    }
    if (leakWarnings && activity.leaks.length > 0) warnLeaks(activity)
    if (onActivity !== undefined) {
      try { onActivity(activity, request) } catch (err) { failed(err) }
    }
    for (const listener of listeners) {
      try { listener(activity) } catch (err) { failed(err) }
    }
  }

  const warnLeaks = (activity: RequestActivity): void => {
    for (const leak of activity.leaks) {
      const key = `${activity.method} ${activity.route ?? '(not found)'} ${leak.kind}`
      if (warned.has(key) || warned.size >= MAX_LEAK_WARNINGS) continue
      warned.add(key)
      try {
        log.warn({ route: `${activity.method} ${activity.route ?? '(not found)'}`, kind: leak.kind, type: leak.type, callSite: leak.callSite },
          `requests to ${activity.method} ${activity.route ?? '(not found)'} leave a ${leak.kind} resource (${leak.type}) alive after the response` +
          (leak.callSite !== undefined ? `, created at ${leak.callSite}` : ''))
      } catch (err) { failed(err) }
    }
  }

  // the app logger's writes are no request's operations; its records carrying a request's id are that request's lines
  const logLines = app.loggerEnabled ? LogLines.attach(log, app.requestIdLogLabel, failed) ?? null : null

  const st = options.serverTiming
  const recorder = new ActivityRecorder({
    detail: opts.detail,
    sample: opts.sample,
    maxSpans: opts.maxSpans,
    serverTiming: st === undefined || st === false ? null : { when: st === true ? null : st.when ?? null, operations: st === true ? 5 : st.operations ?? 5 },
    detailed: detailTracker,
    timing: (timingTracker ?? detailTracker)!,
    tracing: tracing as TracingLike | null,
    withCurrent: current === null ? null : (state, fn) => current!.run(state, fn),
    header: serverTimingHeader,
    deliver,
    failed,
    stillAlive: detailTracker === null ? null : (asyncId) => detailTracker.stillLeaking(asyncId),
    hidden: asWeft,
    logs: logLines
  })
  app.observer = recorder

  instance.decorateRequest('activity', null)
  const api: { -readonly [K in keyof ObserveApi]: ObserveApi[K] } = {
    detail: opts.detail,
    recentActivity: () => store.recent(),
    slowestActivity: () => slowest.all(),
    routes: () => store.routes(),
    subscribe: (listener) => { listeners.add(listener); return () => { listeners.delete(listener) } },
    sizes: () => {
      const held = store.sizes()
      const detailStats = detailTracker?.stats()
      const streams = api.page === null ? null : pageStreamSizes(api.page)
      return {
        recent: { size: held.recent, cap: opts.recent },
        slowest: { size: slowest.size, cap: slowest.cap },
        routes: { size: held.routes, cap: opts.maxRoutes + 1 },
        routeOperations: { size: held.routeOperations, cap: MAX_ROUTE_OPERATIONS },
        leakWarnings: { size: warned.size, cap: MAX_LEAK_WARNINGS },
        earlyLogs: { size: logLines?.early ?? 0, cap: MAX_PENDING_LOGS },
        inFlight: (detailStats?.openOperations ?? 0) + (timingTracker?.stats().openOperations ?? 0),
        resources: detailStats === undefined ? null : { size: detailStats.live, cap: detailStats.maxResources },
        exportQueue: tracing?.waitingSpans ?? null,
        metricSeries: metrics?.series ?? null,
        streams: streams === null ? null : { size: streams.streams, cap: streams.maxStreams },
        streamEvents: streams === null ? null : { size: streams.events, cap: streams.maxEvents },
        streamBufferedBytes: streams === null ? null : { size: streams.bufferedBytes, cap: streams.maxBufferedBytes },
        history: history === null ? null : { ...history.writer.sizes(), cap: history.maxRequests }
      }
    },
    get internalErrors () { return internalErrors },
    get droppedSpans () { return tracing?.droppedSpans ?? 0 },
    page: null,
    spanProcessor: weftSpanProcessor()
  }
  instance.decorate('observe', api)

  // the live page: its own routes (not observed), a process sampler only while it is on
  let stopSampler: (() => void) | null = null
  if (options.page !== undefined && options.page !== false) {
    const pageListeners = new Set<(event: ActivityEvent) => void>()
    const emit = (event: ActivityEvent): void => {
      for (const listener of pageListeners) {
        try { listener(event) } catch (err) { failed(err) }
      }
    }
    const sampler = sampleProcess({ intervalMs: 1000, history: 120, onSample: (sample: ProcessSample) => { if (pageListeners.size > 0) emit({ type: 'process', sample }) } })
    stopSampler = () => { sampler.stop() }
    const source: ActivitySource = {
      recent: stored,
      routes: () => store.routes(),
      processSamples: () => sampler.samples(),
      startup: () => startupView(app),
      history: history === null ? undefined : history.answer,
      subscribe (listener) {
        pageListeners.add(listener)
        const off = api.subscribe((activity) => { listener({ type: 'activity', activity }) })
        return () => { pageListeners.delete(listener); off() }
      }
    }
    api.page = registerActivityPage(instance, source, options.page === true ? {} : options.page)
  }

  instance.addHook('onClose', async () => {
    stopSampler?.()
    app.observer = null
    logLines?.detach()
    stopInjecting?.()
    timingTracker?.disable()
    detailTracker?.disable()
    listeners.clear()
    history?.writer.close()
    await tracing?.shutdown()
    await metrics?.shutdown()
  })
}

// registers into the app itself (as fastify-plugin would), under a name hasPlugin() knows
Object.defineProperty(observe, Symbol.for('skip-override'), { value: true })
Object.defineProperty(observe, Symbol.for('fastify.display-name'), { value: 'weft-observe' })
Object.defineProperty(observe, Symbol.for('plugin-meta'), { value: { name: 'weft-observe' } })

export default observe
