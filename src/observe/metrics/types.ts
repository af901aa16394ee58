// The public options of observe's per-route metrics (`metrics: {...}`): where they are exported
// (a Prometheus text endpoint on the app, OTLP over HTTP) and the Resource they carry.

export interface PrometheusMetricsOptions {
  /** The app route answering Prometheus scrapes. Default `/metrics`. */
  path?: string
}

export interface OtlpMetricsOptions {
  /** The OTLP/HTTP metrics endpoint, e.g. `http://collector:4318/v1/metrics`. */
  url: string
  /** Milliseconds between two exports. Default 60000. */
  intervalMs?: number
  /** Milliseconds one export may take. Default 30000 (at most `intervalMs`). */
  timeoutMs?: number
}

export interface MetricsOptions {
  /** A Prometheus (text format 0.0.4) endpoint on the app: `true` for `/metrics`. Default on unless `otlp` is given. */
  prometheus?: boolean | PrometheusMetricsOptions
  /** Periodic export over OTLP/HTTP (JSON). Default off. */
  otlp?: OtlpMetricsOptions
  /** `service.name` of the Resource; default as for tracing (OTEL_SERVICE_NAME, package.json name, `weft`). */
  serviceName?: string
  /** More Resource attributes. */
  resourceAttributes?: Record<string, string>
}
