// Weft serving bench/observe.mjs's routes, observe per argv[2]: off | channels | timing | resources |
// otel | page | metrics | deep (channels: off + empty subscribers on mysql2's TracingChannels; otel: timing + tracing
// to BENCH_OTLP_URL; page: timing + the live page, no browser connected; metrics: timing + per-route
// metrics with their Prometheus endpoint, not scraped during the load; deep: timing for every request,
// resources for one in 100, the 5 slowest of each route kept whole; hook-floor: off plus an empty
// async_hooks hook (what any async_hooks tracking costs before it records anything)).
import weft from 'weft'
import { observe } from 'weft/observe'
import { HOST, addApp, mode, ready, subscribeMysqlChannels } from './observe-app.mjs'

const modes = {
  off: null,
  channels: null,
  timing: { detail: 'timing' },
  resources: { detail: 'resources' },
  otel: { detail: 'timing', tracing: { url: process.env.BENCH_OTLP_URL ?? 'http://127.0.0.1:4318/v1/traces', serviceName: 'bench-weft' } },
  page: { detail: 'timing', page: true },
  metrics: { detail: 'timing', metrics: true },
  deep: { detail: 'resources', sample: 0.01, keepSlowest: 5 },
  'hook-floor': null
}
if (!(mode in modes)) {
  console.error(`unknown mode ${JSON.stringify(mode)} (expected ${Object.keys(modes).join(', ')})`)
  process.exit(2)
}

const app = weft({ logger: false })
if (modes[mode] !== null) await app.register(observe, modes[mode])
if (mode === 'channels') await subscribeMysqlChannels()
if (mode === 'hook-floor') {
  // the callbacks resources uses, doing nothing; without promises where Node allows (as resources)
  const { createHook } = await import('node:async_hooks')
  const noop = () => {}
  createHook({ init: noop, before: noop, after: noop, destroy: noop, trackPromises: false }).enable()
}
addApp(app)

await app.listen({ port: 0, host: HOST })
ready(app.server.address().port)
