// Loads the optional OpenTelemetry metrics packages on first use; a missing one is reported by name
// (WEFT_ERR_OTEL_PACKAGE_MISSING) with the command that installs them.
import { importOptional } from '../otel/load-packages.js'

const INSTALL = '@opentelemetry/api @opentelemetry/resources @opentelemetry/sdk-metrics @opentelemetry/exporter-prometheus @opentelemetry/exporter-metrics-otlp-http'

export interface MetricsPackages {
  api: typeof import('@opentelemetry/api')
  resources: typeof import('@opentelemetry/resources')
  sdk: typeof import('@opentelemetry/sdk-metrics')
  prometheus: typeof import('@opentelemetry/exporter-prometheus')
}

function load<T> (name: string, importIt: () => Promise<T>): Promise<T> {
  return importOptional(name, INSTALL, importIt)
}

export async function loadMetricsPackages (): Promise<MetricsPackages> {
  // one literal import per package, so bundlers and `tsc` see each specifier
  const [api, resources, sdk, prometheus] = await Promise.all([
    load('@opentelemetry/api', () => import('@opentelemetry/api')),
    load('@opentelemetry/resources', () => import('@opentelemetry/resources')),
    load('@opentelemetry/sdk-metrics', () => import('@opentelemetry/sdk-metrics')),
    load('@opentelemetry/exporter-prometheus', () => import('@opentelemetry/exporter-prometheus'))
  ])
  return { api, resources, sdk, prometheus }
}

export async function loadOtlpMetricExporter (): Promise<typeof import('@opentelemetry/exporter-metrics-otlp-http')> {
  return await load('@opentelemetry/exporter-metrics-otlp-http', () => import('@opentelemetry/exporter-metrics-otlp-http'))
}
