// The soak's server (a child process forked by soak-run.mjs): a Weft app observed at SOAK_LEVEL with
// the live page and OTLP tracing on, routes with params, query strings, fs + an outgoing fetch; it
// sends what it holds (memory, app.observe.sizes()) to the parent over IPC once a second.
import { readFile } from 'node:fs/promises'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import weft from 'weft'
import { observe } from 'weft/observe'

const level = process.env.SOAK_LEVEL ?? 'timing'
const upstream = process.env.SOAK_UPSTREAM ?? 'http://127.0.0.1:9/'
const otlpUrl = process.env.SOAK_OTLP ?? 'http://127.0.0.1:9/v1/traces'
const token = process.env.SOAK_TOKEN ?? 'soak-token-0123456789abcdef'
const file = fileURLToPath(new URL('../servers/observe-payload.json', import.meta.url))

// the logger writes every request's lines (so observe's log-line capture is exercised) into nothing
const sink = new Writable({ write (_chunk, _encoding, callback) { callback() } })
const app = weft({ logger: { level: 'info', stream: sink } })
await app.register(observe, {
  detail: level,
  page: { token },
  tracing: {
    url: otlpUrl,
    serviceName: 'weft-soak',
    maxQueueSize: Number(process.env.SOAK_MAX_QUEUE ?? 2048),
    exportTimeoutMs: Number(process.env.SOAK_EXPORT_TIMEOUT_MS ?? 10_000)
  }
})

app.get('/users/:id', async (request) => ({ id: request.params.id }))
app.get('/search', async (request) => ({ q: request.query.q ?? '', page: Number(request.query.page ?? 1) }))
app.get('/items/:category/:id', async (request) => ({ ...request.params, sort: request.query.sort ?? 'none' }))
app.get('/work/:n', async (request) => {
  const text = await readFile(file, 'utf8')
  const answer = await fetch(upstream + 'item/' + request.params.n)
  const body = await answer.json()
  request.log.info({ n: request.params.n }, 'work done')
  return { n: request.params.n, bytes: text.length, upstream: body.ok === true }
})
/** Route patterns the app declares (the page's own routes are not observed). */
const ROUTES = 4

await app.listen({ port: 0, host: '127.0.0.1' })

// no collection is forced: what is live shows in the heap read right after each full (major) collection
let majorGCs = 0
let heapAfterMajor = null
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue
    majorGCs++
    heapAfterMajor = process.memoryUsage().heapUsed
  }
}).observe({ entryTypes: ['gc'] })

const started = performance.now()
function sample () {
  const m = process.memoryUsage()
  const o = app.observe
  process.send?.({
    type: 'sample',
    t: (performance.now() - started) / 1000,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    majorGCs,
    heapAfterMajor,
    sizes: o.sizes(),
    droppedSpans: o.droppedSpans,
    internalErrors: o.internalErrors
  })
}
const timer = setInterval(sample, 1000)

process.on('message', async (message) => {
  if (message?.type !== 'stop') return
  clearInterval(timer)
  sample()
  const closing = performance.now()
  await app.close()
  process.send?.({ type: 'closed', closeMs: performance.now() - closing }, () => { process.exit(0) })
})
process.on('disconnect', () => { process.exit(0) })

process.send?.({ type: 'ready', port: app.server.address().port, token, routes: ROUTES, pagePath: app.observe.page?.path })
