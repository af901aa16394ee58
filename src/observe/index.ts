// weft/observe: every request is an operation. Register the plugin (or pass `observe` options to
// weft()) and each request reports its phases, hooks, async operations, time and leaks: in
// request.activity, onActivity, Server-Timing, OpenTelemetry spans and the live page.
export { observe, observe as default } from './observe-plugin.js'
export type { ObserveApi } from './observe-plugin.js'
export { serverTimingHeader } from './server-timing.js'
export { weftSpanProcessor } from './db-spans.js'
export type { WeftSpanProcessor } from './db-spans.js'
export type { ServerTimingCpu } from './server-timing.js'
export type {
  ActivityLog, ActivityOperation, ActivitySpan, HeldCount, HookTiming, ObserveDetail, ObserveSizes, ObserveOptions, PhaseName, PhaseTiming,
  RequestActivity, RouteSummary, ServerTimingOptions
} from './types.js'
export type { MetricsOptions, OtlpMetricsOptions, PrometheusMetricsOptions } from './metrics/types.js'
export { registerActivityPage, isLoopbackAddress } from './page/index.js'
export type { ApiError, ProcessList, RequestList, RequestSummary, RouteList, StartupAnswer } from './api/types.js'
export type { HistoryOptions, HistoryRun, RunList } from './history/types.js'
export type { RequestComparison } from './api/compare.js'
export type { ActivitySource, ActivityEvent, PageAccess, PageOptions, StartupView, PluginTreeNode } from './page/index.js'

import type { ObserveApi as ObserveApiType } from './observe-plugin.js'
import type { RequestActivity as RequestActivityType } from './types.js'

// with weft/observe registered, requests carry their activity and the app its observe API
declare module '../types/api.js' {
  interface FastifyRequest {
    /** This request's activity (weft/observe): complete in onResponse; null before. */
    activity: RequestActivityType | null
  }
  interface FastifyInstance {
    /** weft/observe's recent activity, route aggregates and subscriptions. */
    observe: ObserveApiType
  }
}
