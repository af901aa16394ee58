// The Prometheus scrape route on the app (`GET /metrics` by default): the official exporter's text,
// not itself observed (`config.observe: false`), never throwing (a failed collection answers 500).
import type { RequestMetrics } from './request-metrics.js'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function registerMetricsRoute (instance: any, metrics: RequestMetrics, failed: (error: unknown) => void): void {
  const path = metrics.prometheusPath
  if (path === null) return
  instance.get(path, { config: { observe: false }, logLevel: 'warn' }, async (_request: unknown, reply: any) => {
    reply.header('cache-control', 'no-store').type(PROMETHEUS_CONTENT_TYPE)
    try {
      return await metrics.prometheusText()
    } catch (error) {
      failed(error)
      return reply.code(500).send('# metrics collection failed\n')
    }
  })
}
