// createRequestMetrics: observe's per-route request metrics. Each finished request is added to its
// series (series-table.ts) by observe itself; the official metrics SDK's readers (the Prometheus
// exporter, OTLP) read them through a MetricProducer at each collection. Nothing here throws into a
// request (callers count errors).
import type { RequestActivity } from '../types.js'
import { MAX_SERIES, SeriesTable } from './series-table.js'
import { HistogramState } from './histogram-state.js'
import { createSeriesProducer } from './series-producer.js'
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
  /** Series held (distinct route, method, status and scheme; the overflow series included), and the most kept. */
  readonly series: { size: number, cap: number }
  shutdown (): Promise<void>
}

export async function createRequestMetrics (options: MetricsOptions, onError: (error: unknown) => void): Promise<RequestMetrics> {
  const packages = await loadMetricsPackages()
  const { resources, sdk, prometheus } = packages
  const extra = options.resourceAttributes ?? {}
  const serviceName = await resolveServiceName(options.serviceName, extra)
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(serviceAttributes(serviceName, extra)))

  const wantPrometheus = options.prometheus !== undefined ? options.prometheus !== false : options.otlp === undefined
  const prometheusPath = !wantPrometheus ? null : (typeof options.prometheus === 'object' ? options.prometheus.path : undefined) ?? '/metrics'
  const table = new SeriesTable(DURATION_BUCKETS)
  const producer = createSeriesProducer(table, resource, packages)
  const readers: import('@opentelemetry/sdk-metrics').IMetricReader[] = []
  // the official exporter, serving no port of its own: the app's route asks it to collect
  const scrape = wantPrometheus ? new prometheus.PrometheusExporter({ preventServerStart: true, metricProducers: [producer] }) : null
  const serializer = wantPrometheus ? new prometheus.PrometheusSerializer(undefined, false, undefined, false, false) : null
  if (scrape !== null) readers.push(scrape)
  if (options.otlp !== undefined) {
    const { OTLPMetricExporter } = await loadOtlpMetricExporter()
    const intervalMs = options.otlp.intervalMs ?? 60_000
    readers.push(new sdk.PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: options.otlp.url }),
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: Math.min(options.otlp.timeoutMs ?? 30_000, intervalMs),
      metricProducers: [producer]
    }))
  }
  const provider = new sdk.MeterProvider({ resource, readers })
  return {
    prometheusPath,
    get series () { return { size: table.size, cap: MAX_SERIES } },
    record (activity, scheme) {
      const series = table.of(activity.method, activity.route, activity.statusCode, scheme)
      series.duration.record(activity.wallMs / 1000)
      if (activity.cpuMs !== null && activity.cpuClock !== null) {
        let clocked = series.cpu.get(activity.cpuClock)
        if (clocked === undefined) {
          clocked = { attributes: { ...series.attributes, 'weft.cpu.clock': activity.cpuClock }, histogram: new HistogramState(CPU_BUCKETS) }
          series.cpu.set(activity.cpuClock, clocked)
        }
        clocked.histogram.record(activity.cpuMs)
        // measured: a route whose requests leave nothing shows 0, not an absent series
        series.leaks = (series.leaks ?? 0) + activity.leaks.length
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
