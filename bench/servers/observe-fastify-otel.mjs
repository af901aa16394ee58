// The OpenTelemetry setup a Fastify user would pick (the anchor of bench/observe.mjs): a global
// TracerProvider with a BatchSpanProcessor exporting OTLP/HTTP to BENCH_OTLP_URL, the
// AsyncLocalStorage context manager, the W3C propagator, @opentelemetry/instrumentation-http for
// incoming and outgoing node:http, and @fastify/otel (its plugin is registered by the server).
import { createRequire } from 'node:module'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import FastifyOtelInstrumentation from '@fastify/otel'

const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench-fastify' }),
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: process.env.BENCH_OTLP_URL ?? 'http://127.0.0.1:4318/v1/traces' }) })]
})
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
trace.setGlobalTracerProvider(provider)

export const fastifyOtel = new FastifyOtelInstrumentation()
registerInstrumentations({ instrumentations: [new HttpInstrumentation(), fastifyOtel] })

// instrumentation-http patches node:http when it is require()d (require-in-the-middle). Under ESM
// without the import-in-the-middle loader, nothing require()s it after the hook is set: do it here.
// The patch mutates the module object itself, which `import http from 'node:http'` shares.
createRequire(import.meta.url)('node:http')
