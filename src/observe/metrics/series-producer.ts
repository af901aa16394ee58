// A MetricProducer (the metrics SDK's extension point for data aggregated elsewhere) reading
// observe's series table: each collection hands the SDK's readers — the Prometheus exporter, the
// OTLP reader — cumulative data points for request duration, request CPU and leaked resources.
import type { CollectionResult, DataPoint, Histogram, MetricData, MetricProducer, ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { MetricsPackages } from './load-packages.js'
import type { HistogramState } from './histogram-state.js'
import { hrNow, type SeriesTable } from './series-table.js'

export const DURATION_DESCRIPTOR = {
  name: 'http.server.request.duration',
  description: 'Duration of HTTP server requests.',
  unit: 's'
}
export const CPU_DESCRIPTOR = {
  name: 'weft.request.cpu',
  description: "CPU time of the request's own callbacks and promise continuations, on the clock named by weft.cpu.clock (thread: the event-loop thread's CPU clock; wall: wall time around callbacks). Recorded at detail resources and up.",
  unit: 'ms'
}
export const LEAKS_DESCRIPTOR = {
  name: 'weft.request.leaks',
  description: 'Resources a request started that were still alive when its response finished (detail resources and up).',
  unit: '{resource}'
}

function snapshot (h: HistogramState): Histogram {
  return {
    buckets: { boundaries: h.boundaries.slice(), counts: h.counts.slice() },
    count: h.count,
    sum: h.sum,
    min: h.count > 0 ? h.min : undefined,
    max: h.count > 0 ? h.max : undefined
  }
}

export function createSeriesProducer (table: SeriesTable, resource: ResourceMetrics['resource'], packages: Pick<MetricsPackages, 'api' | 'sdk'>): MetricProducer {
  const { DataPointType, AggregationTemporality } = packages.sdk
  const DOUBLE = packages.api.ValueType.DOUBLE
  const INT = packages.api.ValueType.INT
  return {
    async collect (): Promise<CollectionResult> {
      const endTime = hrNow()
      const duration: Array<DataPoint<Histogram>> = []
      const cpu: Array<DataPoint<Histogram>> = []
      const leaks: Array<DataPoint<number>> = []
      for (const series of table.all) {
        if (series.duration.count > 0) duration.push({ attributes: series.attributes, startTime: series.startTime, endTime, value: snapshot(series.duration) })
        for (const clocked of series.cpu.values()) {
          cpu.push({ attributes: clocked.attributes, startTime: series.startTime, endTime, value: snapshot(clocked.histogram) })
        }
        if (series.leaks !== null) leaks.push({ attributes: series.attributes, startTime: series.startTime, endTime, value: series.leaks })
      }
      const metrics: MetricData[] = []
      const cumulative = AggregationTemporality.CUMULATIVE
      if (duration.length > 0) metrics.push({ descriptor: { ...DURATION_DESCRIPTOR, valueType: DOUBLE }, aggregationTemporality: cumulative, dataPointType: DataPointType.HISTOGRAM, dataPoints: duration })
      if (cpu.length > 0) metrics.push({ descriptor: { ...CPU_DESCRIPTOR, valueType: DOUBLE }, aggregationTemporality: cumulative, dataPointType: DataPointType.HISTOGRAM, dataPoints: cpu })
      if (leaks.length > 0) metrics.push({ descriptor: { ...LEAKS_DESCRIPTOR, valueType: INT }, aggregationTemporality: cumulative, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: leaks })
      return {
        // (a reader keeps its MeterProvider's Resource, the same one, and takes the scopes from here)
        resourceMetrics: { resource, scopeMetrics: metrics.length === 0 ? [] : [{ scope: { name: 'weft-observe' }, metrics }] },
        errors: []
      }
    }
  }
}
