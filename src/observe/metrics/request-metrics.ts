// createRequestMetrics: the OpenTelemetry metrics SDK's MeterProvider for observe, with its three
// instruments (request duration, request CPU, leaked resources) and its readers (Prometheus, OTLP).
// One `record` per finished request; nothing here throws into a request (callers count errors).
import type { Histogram, Counter } from '@opentelemetry/api'
import type { RequestActivity } from '../types.js'
import { MAX_ATTRIBUTE_SETS, MetricAttributes } from './attributes.js'
import { loadMetricsPackages, loadOtlpMetricExporter } from './load-packages.js'
import { resolveServiceName, serviceAttributes } from '../otel/resource.js'
import type { MetricsOptions } from './types.js'

/** The semantic conventions' advised boundaries for `http.server.request.duration`, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
/** Boundaries of `weft.request.cpu`, in milliseconds. */
export const CPU_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500]

export interface RequestMetrics {
  /** Records one finished request: one histogram record, plus CPU and leaks when known. */
  record (activity: RequestActivity, scheme: string): void
  /** The Prometheus exposition text of every metric now; null when the endpoint is off. */
  prometheusText (): Promise<string> | null
  /** The scrape path, or null when the endpoint is off. */
  readonly prometheusPath: string | null
  /** Distinct attribute sets cached, and the most kept. */
  readonly attributeSets: { size: number, cap: number }
  shutdown (): Promise<void>
}

export async function createRequestMetrics (options: MetricsOptions, onError: (error: unknown) => void): Promise<RequestMetrics> {
  const { resources, sdk, prometheus } = await loadMetricsPackages()
  const extra = options.resourceAttributes ?? {}
  const serviceName = await resolveServiceName(options.serviceName, extra)
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(serviceAttributes(serviceName, extra)))

  const wantPrometheus = options.prometheus !== undefined ? options.prometheus !== false : options.otlp === undefined
  const prometheusPath = !wantPrometheus ? null : (typeof options.prometheus === 'object' ? options.prometheus.path : undefined) ?? '/metrics'
  const readers: import('@opentelemetry/sdk-metrics').IMetricReader[] = []
  // the official exporter, serving no port of its own: the app's route asks it to collect
  const scrape = wantPrometheus ? new prometheus.PrometheusExporter({ preventServerStart: true }) : null
  const serializer = wantPrometheus ? new prometheus.PrometheusSerializer(undefined, false, undefined, false, false) : null
  if (scrape !== null) readers.push(scrape)
  if (options.otlp !== undefined) {
    const { OTLPMetricExporter } = await loadOtlpMetricExporter()
    const intervalMs = options.otlp.intervalMs ?? 60_000
    readers.push(new sdk.PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: options.otlp.url }),
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: Math.min(options.otlp.timeoutMs ?? 30_000, intervalMs)
    }))
  }
  const provider = new sdk.MeterProvider({ resource, readers })
  const meter = provider.getMeter('weft-observe')
  const duration: Histogram = meter.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS }
  })
  const cpu: Histogram = meter.createHistogram('weft.request.cpu', {
    description: "CPU time of the request's own callbacks and promise continuations, on the clock named by weft.cpu.clock (thread: the event-loop thread's CPU clock; wall: wall time around callbacks). Recorded at detail resources and up.",
    unit: 'ms',
    advice: { explicitBucketBoundaries: CPU_BUCKETS }
  })
  const leaks: Counter = meter.createCounter('weft.request.leaks', {
    description: 'Resources a request started that were still alive when its response finished (detail resources and up).',
    unit: '{resource}'
  })
  const attributes = new MetricAttributes()
  // one extra attribute set per route for the CPU clock, built lazily like the others
  const withClock = new WeakMap<object, Record<string, import('@opentelemetry/api').Attributes>>()

  return {
    prometheusPath,
    get attributeSets () { return { size: attributes.size, cap: MAX_ATTRIBUTE_SETS } },
    record (activity, scheme) {
      const attrs = attributes.of(activity.method, activity.route, activity.statusCode, scheme)
      duration.record(activity.wallMs / 1000, attrs)
      if (activity.cpuMs !== null && activity.cpuClock !== null) {
        let clocks = withClock.get(attrs)
        if (clocks === undefined) { clocks = {}; withClock.set(attrs, clocks) }
        const clocked = clocks[activity.cpuClock] ??= { ...attrs, 'weft.cpu.clock': activity.cpuClock }
        cpu.record(activity.cpuMs, clocked)
        if (activity.leaks.length > 0) leaks.add(activity.leaks.length, attrs)
      }
    },
    prometheusText () {
      if (scrape === null || serializer === null) return null
      return scrape.collect().then(({ resourceMetrics, errors }) => {
        for (const error of errors) onError(error)
        return serializer.serialize(resourceMetrics)
      })
    },
    async shutdown () {
      try { await provider.shutdown() } catch (error) { onError(error) }
    }
  }
}
