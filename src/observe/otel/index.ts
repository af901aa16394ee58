// weft/observe's OpenTelemetry export: one SERVER span per request, W3C trace context in and out.
// The OpenTelemetry packages are optional peers, loaded only when createTracing() is called.
export { createTracing } from './tracing.js'
export type { IncomingRequestFacts, RequestTrace, Tracing, TracingOptions } from './types.js'
