// createTracing: loads the OpenTelemetry SDK, builds this process's provider (Resource, batch
// export to OTLP/HTTP or a given exporter) and starts one SERVER span per request.
import { AsyncResource } from 'node:async_hooks'
import type { IncomingHttpHeaders } from 'node:http'
import type { ExportResult } from '@opentelemetry/core'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace'
import { startAttributes } from './http-attributes.js'
import { loadOtelPackages, loadOtlpExporter } from './load-packages.js'
import { injectOutgoing } from './outgoing.js'
import { TracedRequest, type TraceShared } from './request-trace.js'
import { resolveServiceName, serviceAttributes } from './resource.js'
import type { IncomingRequestFacts, RequestTrace, Tracing, TracingOptions } from './types.js'

const DEFAULT_URL = 'http://localhost:4318/v1/traces'
const TRACER_NAME = 'weft'

/**
 * Runs every export outside the request that happened to end a batch: the batch timer starts in
 * some request's async context, and the exporter's own HTTP calls must not be attributed to that
 * request (its operations, its leaks, a traceparent on the Collector call).
 */
class DetachedExporter implements SpanExporter {
  readonly #inner: SpanExporter
  readonly #scope = new AsyncResource('weft.otel.export')
  constructor (inner: SpanExporter) { this.#inner = inner }
  export (spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#scope.runInAsyncScope(() => this.#inner.export(spans, resultCallback))
  }
  async shutdown (): Promise<void> { await this.#inner.shutdown() }
  async forceFlush (): Promise<void> { await this.#inner.forceFlush?.() }
}

function warn (error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), { code: 'WEFT_OTEL_INJECT' })
}

export async function createTracing (options: TracingOptions = {}): Promise<Tracing> {
  const otel = await loadOtelPackages()
  const { api, core, resources, sdk } = otel
  const extra = options.resourceAttributes ?? {}
  const serviceName = await resolveServiceName(options.serviceName, extra)
  const resource = resources.defaultResource().merge(resources.resourceFromAttributes(serviceAttributes(serviceName, extra)))
  const exporter = options.exporter ?? new (await loadOtlpExporter()).OTLPTraceExporter({ url: options.url ?? DEFAULT_URL })
  const provider = new sdk.TracerProvider({
    resource,
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new DetachedExporter(exporter) })]
  })
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
      await provider.shutdown()
    }
  }
}
