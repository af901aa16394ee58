// Fastify 5 serving bench/observe.mjs's routes, per argv[2]: plain | otel. `otel` first sets up the
// OpenTelemetry SDK (observe-fastify-otel.mjs), then registers @fastify/otel's plugin before the app.
import { HOST, addApp, mode, ready } from './observe-app.mjs'

if (mode !== 'plain' && mode !== 'otel') {
  console.error(`unknown mode ${JSON.stringify(mode)} (expected plain or otel)`)
  process.exit(2)
}
// the SDK and instrumentation-http go in before Fastify is loaded
const otel = mode === 'otel' ? await import('./observe-fastify-otel.mjs') : null
const { default: Fastify } = await import('fastify')

const app = Fastify({ logger: false })
if (otel !== null) await app.register(otel.fastifyOtel.plugin())
addApp(app)

await app.listen({ port: 0, host: HOST })
ready(app.server.address().port)
