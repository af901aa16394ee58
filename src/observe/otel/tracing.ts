// createTracing: loads the OpenTelemetry SDK, builds this process's provider (Resource, batch
// export to OTLP/HTTP or a given exporter, bounded) and starts one SERVER span per request.
import type { IncomingHttpHeaders } from 'node:http'
import { BoundedSpanProcessor, DetachedExporter, ExportBudget } from './bounded-export.js'
import { startAttributes } from './http-attributes.js'
import { loadOtelPackages, loadOtlpExporter } from './load-packages.js'
import { injectOutgoing } from './outgoing.js'
import { TracedRequest, type TraceShared } from './request-trace.js'
import { resolveServiceName, serviceAttributes } from './resource.js'
import type { IncomingRequestFacts, RequestTrace, Tracing, TracingOptions } from './types.js'

const DEFAULT_URL = 'http://localhost:4318/v1/traces'
const TRACER_NAME = 'weft'

function warn (error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), { code: 'WEFT_OTEL_INJECT' })
}

export async function createTracing (options: TracingOptions = {}): Promise<Tracing> {
  const otel = await loadOtelPackages()
  const { api, core, resources, sdk } = otel
  const extra = options.resourceAttributes ?? {}
  const serviceName = await resolveServiceName(options.serviceName, extra)
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(serviceAttributes(serviceName, extra)))
  const budget = new ExportBudget(options.maxQueueSize ?? 2048, options.exportTimeoutMs ?? 10_000)
  // a receiver that is down or never answers holds at most maxQueueSize spans and two requests in flight
  const exporter = options.exporter ?? new (await loadOtlpExporter()).OTLPTraceExporter({
    url: options.url ?? DEFAULT_URL, timeoutMillis: budget.exportTimeoutMs, concurrencyLimit: 2
  })
  const batch = new sdk.BatchSpanProcessor({
    exporter: new DetachedExporter(exporter, budget),
    maxQueueSize: budget.maxQueueSize,
    maxExportBatchSize: Math.min(512, budget.maxQueueSize),
    exportTimeoutMillis: budget.exportTimeoutMs + 1000
  })
  const provider = new sdk.TracerProvider({ resource, spanProcessors: [new BoundedSpanProcessor(batch, budget)] })
  // The provider is not registered globally: Weft's spans never change what the application's own
  // OpenTelemetry setup (if any) does.
  const shared: TraceShared = {
    otel,
    tracer: provider.getTracer(TRACER_NAME),
    propagator: new core.W3CTraceContextPropagator(),
    operationSpans: options.operationSpans ?? true
  }
  const onError = options.onError ?? warn
  const { ROOT_CONTEXT, SpanKind, defaultTextMapGetter } = api

  return {
    resourceAttributes: resource.attributes as Readonly<Record<string, string | number | boolean>>,
    get droppedSpans () { return budget.dropped },
    get waitingSpans () { return { size: budget.waiting, cap: budget.maxQueueSize } },
    start (method: string, headers: IncomingHttpHeaders, startTimeMs: number, raw?: IncomingRequestFacts): RequestTrace {
      const parent = headers.traceparent === undefined
        ? ROOT_CONTEXT
        : shared.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)
      const span = shared.tracer.startSpan(method, {
        kind: SpanKind.SERVER,
        startTime: startTimeMs,
        attributes: startAttributes(method, headers, raw)
      }, parent)
      return new TracedRequest(shared, span, startTimeMs)
    },
    injectOutgoing (current: () => RequestTrace | undefined): () => void {
      return injectOutgoing(current, onError)
    },
    async flush (): Promise<void> {
      await provider.forceFlush()
    },
    async shutdown (): Promise<void> {
      // a receiver that is down makes the last flush fail: its spans are counted in droppedSpans,
      // and the app's close() must not fail for it
      try { await provider.shutdown() } catch {}
    }
  }
}
