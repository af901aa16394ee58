// weft/observe's per-route metrics: the OpenTelemetry metrics SDK fed one record per request, read
// by a Prometheus route on the app and/or a periodic OTLP export.
export { createRequestMetrics, DURATION_BUCKETS, CPU_BUCKETS, type RequestMetrics } from './request-metrics.js'
export { registerMetricsRoute } from './metrics-route.js'
export type { MetricsOptions, OtlpMetricsOptions, PrometheusMetricsOptions } from './types.js'
