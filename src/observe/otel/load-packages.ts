// Loads the optional OpenTelemetry peer packages on first use, so weft loads without them; a missing
// one is reported by name (WEFT_ERR_OTEL_PACKAGE_MISSING) with the command that installs it.
import { codes } from '../../errors.js'

export interface OtelPackages {
  api: typeof import('@opentelemetry/api')
  core: typeof import('@opentelemetry/core')
  resources: typeof import('@opentelemetry/resources')
  sdk: typeof import('@opentelemetry/sdk-trace')
}

const required = ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/resources', '@opentelemetry/sdk-trace'] as const
const EXPORTER = '@opentelemetry/exporter-trace-otlp-http'

/** True when `error` says that `name` itself (not something it imports) could not be found. */
function isMissing (error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown, message?: unknown }
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' && message.includes(`'${name}'`)
}

/** Imports optional package `name` through `load`; missing, it is WEFT_ERR_OTEL_PACKAGE_MISSING naming `install`. */
export async function importOptional<T> (name: string, install: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (isMissing(error, name)) throw new codes.WEFT_ERR_OTEL_PACKAGE_MISSING(name, install)
    throw error
  }
}

function importPackage<T> (name: string, load: () => Promise<T>): Promise<T> {
  return importOptional(name, required.join(' ') + ' ' + EXPORTER, load)
}

export async function loadOtelPackages (): Promise<OtelPackages> {
  // One literal import per package, so bundlers and `tsc` see each specifier.
  const [api, core, resources, sdk] = await Promise.all([
    importPackage(required[0], () => import('@opentelemetry/api')),
    importPackage(required[1], () => import('@opentelemetry/core')),
    importPackage(required[2], () => import('@opentelemetry/resources')),
    importPackage(required[3], () => import('@opentelemetry/sdk-trace'))
  ])
  return { api, core, resources, sdk }
}

export async function loadOtlpExporter (): Promise<typeof import('@opentelemetry/exporter-trace-otlp-http')> {
  return await importPackage(EXPORTER, () => import('@opentelemetry/exporter-trace-otlp-http'))
}
