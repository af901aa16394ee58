// Per-route metrics (observe option `metrics`): the Prometheus endpoint's text and the OTLP export,
// each over real sockets, with counts, CPU and leaks known by construction.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { gunzipSync } from 'node:zlib'
import weft from 'weft'
import { observe } from 'weft/observe'
import { DURATION_BUCKETS, CPU_BUCKETS } from '../../dist/observe/metrics/index.js'
import { clock, spin } from './helpers.js'

/** Prometheus text → samples { name, labels, value }. */
function parseText (text) {
  const samples = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(match, `a sample line: ${line}`)
    const labels = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value
    samples.push({ name: match[1], labels, value: Number(match[3]) })
  }
  return samples
}

const one = (samples, name, where) => {
  const found = samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
  assert.equal(found.length, 1, `one ${name} ${JSON.stringify(where)}: ${JSON.stringify(found)}`)
  return found[0].value
}

async function listen (t, options, routes) {
  const app = weft()
  await app.register(observe, options)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`
  const get = (path) => new Promise((resolve, reject) => {
    http.get(base + path, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }))
    }).on('error', reject)
  })
  return { app, get }
}

describe('the Prometheus endpoint', () => {
  test('N requests to route A and M to route B show counts N and M; a 404 has no route; the scrape itself is not counted', async (t) => {
    const { get } = await listen(t, { metrics: true }, (app) => {
      app.get('/a/:id', async () => 'a')
      app.post('/b', async () => 'b')
      app.get('/b', async (request, reply) => reply.code(201).send('b'))
    })
    const N = 6
    const M = 4
    for (let i = 0; i < N; i++) assert.equal((await get(`/a/${i}`)).status, 200)
    for (let i = 0; i < M; i++) assert.equal((await get('/b')).status, 201)
    assert.equal((await get('/nowhere/1')).status, 404)
    assert.equal((await get('/nowhere/2')).status, 404)
    await get('/metrics') // a first scrape: not counted by the second
    const answer = await get('/metrics')
    assert.equal(answer.status, 200)
    assert.match(answer.type, /^text\/plain; version=0\.0\.4/)
    const samples = parseText(answer.body)
    const count = 'http_server_request_duration_count'
    assert.equal(one(samples, count, { http_route: '/a/:id', http_request_method: 'GET', http_response_status_code: '200', url_scheme: 'http' }), N)
    assert.equal(one(samples, count, { http_route: '/b', http_request_method: 'GET', http_response_status_code: '201' }), M)
    const notFound = samples.filter((s) => s.name === count && s.labels.http_response_status_code === '404')
    assert.equal(notFound.length, 1)
    assert.equal(notFound[0].labels.http_route, undefined, 'a 404 carries no route (nor its URL)')
    assert.equal(notFound[0].value, 2)
    assert.equal(samples.filter((s) => s.name === count && s.labels.http_route === '/metrics').length, 0)
    assert.equal(samples.filter((s) => s.name === count).reduce((sum, s) => sum + s.value, 0), N + M + 2)
    // the semantic conventions' bucket boundaries, in seconds, cumulative up to +Inf = count
    const buckets = samples.filter((s) => s.name === 'http_server_request_duration_bucket' && s.labels.http_route === '/a/:id')
    assert.deepEqual(buckets.map((b) => b.labels.le), [...DURATION_BUCKETS.map(String), '+Inf'])
    assert.equal(buckets.at(-1).value, N)
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value)
    assert.match(answer.body, /# UNIT http_server_request_duration s\n/)
    // at `timing` no CPU is measured and no leak is looked for: no such series
    assert.equal(samples.filter((s) => s.name.startsWith('weft_request_cpu')).length, 0)
    assert.equal(samples.filter((s) => s.name.startsWith('weft_request_leaks')).length, 0)
  })

  test('url.scheme is http or https whatever a trusted proxy forwards: a client cannot make series', async (t) => {
    const app = weft({ trustProxy: true })
    await app.register(observe, { metrics: true })
    app.get('/p', async (request) => request.protocol)
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    const base = `http://127.0.0.1:${app.server.address().port}`
    const sent = ['https', 'evil<script>', 'ftp', 'https', 'x'.repeat(200)]
    for (const proto of sent) {
      const res = await fetch(base + '/p', { headers: { 'x-forwarded-proto': proto } })
      assert.equal(await res.text(), proto, 'ground truth: the request saw what the proxy forwarded')
    }
    const samples = parseText(await (await fetch(base + '/metrics')).text())
    const counts = samples.filter((s) => s.name === 'http_server_request_duration_count' && s.labels.http_route === '/p')
    assert.deepEqual(Object.fromEntries(counts.map((s) => [s.labels.url_scheme, s.value])), { https: 2, http: 3 })
  })

  test('the duration a request took lands in its bucket: a 300 ms handler is above 0.25 s', async (t) => {
    const { get } = await listen(t, { metrics: true }, (app) => {
      app.get('/wait', async () => { await new Promise((resolve) => setTimeout(resolve, 300)); return 'ok' })
    })
    for (let i = 0; i < 3; i++) await get('/wait')
    const samples = parseText((await get('/metrics')).body)
    const where = { http_route: '/wait' }
    assert.equal(one(samples, 'http_server_request_duration_bucket', { ...where, le: '0.25' }), 0)
    assert.equal(one(samples, 'http_server_request_duration_bucket', { ...where, le: '10' }), 3, 'each took under 10 s')
    const sum = one(samples, 'http_server_request_duration_sum', where)
    assert.ok(sum >= 0.9 && sum < 30, `sum ${sum} s of three 300 ms requests`)
  })

  test('at `resources`: weft.request.cpu per route on the named clock, and weft.request.leaks counts what each request left', async (t) => {
    const timers = []
    t.after(() => { for (const timer of timers) clearTimeout(timer) })
    const { get } = await listen(t, { metrics: true, detail: 'resources', leakWarnings: false }, (app) => {
      app.get('/cpu', async () => { spin(30); return 'spun' })
      app.get('/leaky', async () => { timers.push(setTimeout(() => {}, 60_000)); return 'left a timer' })
    })
    const N = 3
    const M = 5
    for (let i = 0; i < N; i++) await get('/cpu')
    for (let i = 0; i < M; i++) await get('/leaky')
    const answer = await get('/metrics')
    const samples = parseText(answer.body)
    assert.equal(one(samples, 'weft_request_cpu_count', { http_route: '/cpu', weft_cpu_clock: clock }), N)
    const cpuSum = one(samples, 'weft_request_cpu_sum', { http_route: '/cpu', weft_cpu_clock: clock })
    assert.ok(cpuSum >= N * 30 * 0.9, `cpu sum ${cpuSum} ms for ${N} requests spinning 30 ms`)
    const cpuBuckets = samples.filter((s) => s.name === 'weft_request_cpu_bucket' && s.labels.http_route === '/cpu')
    assert.deepEqual(cpuBuckets.map((b) => b.labels.le), [...CPU_BUCKETS.map(String), '+Inf'])
    assert.equal(one(samples, 'weft_request_cpu_bucket', { http_route: '/cpu', le: '25' }), 0, 'none spent under 25 ms')
    assert.match(answer.body, /# UNIT weft_request_cpu ms\n/)
    assert.match(answer.body, /# HELP weft_request_cpu .*clock/)
    assert.equal(one(samples, 'weft_request_leaks_total', { http_route: '/leaky' }), M)
    // measured and none left: a zero, so rate() over it works, not an absent series
    assert.equal(one(samples, 'weft_request_leaks_total', { http_route: '/cpu' }), 0)
  })

  test('bounded: past 2000 series, requests count in one otel.metric.overflow series and none is lost', async (t) => {
    // 400 status codes × 6 methods = 2,400 distinct series asked for; the table keeps 1,999 and the overflow one
    const { app, get } = await listen(t, { metrics: true }, (app) => {
      app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/s/:code', handler: async (request, reply) => reply.code(Number(request.params.code)).send() })
    })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
    t.after(() => agent.destroy())
    const port = app.server.address().port
    const send = (method, path) => new Promise((resolve, reject) => {
      http.request({ host: '127.0.0.1', port, method, path, agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject).end()
    })
    let sent = 0
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const batch = []
      for (let code = 200; code < 600; code++) batch.push(send(method, `/s/${code}`))
      await Promise.all(batch)
      sent += batch.length
    }
    const samples = parseText((await get('/metrics')).body)
    const counts = samples.filter((s) => s.name === 'http_server_request_duration_count')
    assert.equal(counts.length, 2000, 'series: 1,999 kept and the overflow one')
    assert.equal(counts.reduce((sum, s) => sum + s.value, 0), sent, 'every request counted once')
    const overflow = one(samples, 'http_server_request_duration_count', { otel_metric_overflow: 'true' })
    assert.equal(overflow, sent - 1999)
    assert.deepEqual(app.observe.sizes().metricSeries, { size: 2000, cap: 2000 })
  })

  test('prometheus.path moves the route; with only otlp there is no endpoint', async (t) => {
    const moved = await listen(t, { metrics: { prometheus: { path: '/internal/metrics' } } }, (app) => { app.get('/x', async () => 'x') })
    await moved.get('/x')
    assert.equal(one(parseText((await moved.get('/internal/metrics')).body), 'http_server_request_duration_count', { http_route: '/x' }), 1)
    assert.equal((await moved.get('/metrics')).status, 404)
    const none = await listen(t, { metrics: { otlp: { url: 'http://127.0.0.1:9/v1/metrics', intervalMs: 600_000, timeoutMs: 500 } } }, () => {})
    assert.equal((await none.get('/metrics')).status, 404)
  })
  test('through weft({ observe: { metrics: true } }) too, and a route with config.observe false is not recorded', async (t) => {
    const app = weft({ observe: { metrics: true } })
    app.get('/seen', async () => 'seen')
    app.get('/unseen', { config: { observe: false } }, async () => 'unseen')
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    const base = `http://127.0.0.1:${app.server.address().port}`
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/seen`)).text()
    for (let i = 0; i < 2; i++) await (await fetch(`${base}/unseen`)).text()
    const samples = parseText(await (await fetch(`${base}/metrics`)).text())
    assert.equal(one(samples, 'http_server_request_duration_count', { http_route: '/seen' }), 3)
    assert.equal(samples.filter((s) => s.labels.http_route === '/unseen').length, 0)
    assert.equal(app.observe.internalErrors, 0)
  })
})

describe('metrics options', () => {
  test('a misspelt or wrong metrics option throws naming it', async () => {
    const cases = [
      [{ metrics: { promethus: true } }, /"metrics\.promethus".*did you mean `prometheus`/],
      [{ metrics: { prometheus: { pth: '/m' } } }, /"metrics\.prometheus\.pth".*did you mean `path`/],
      [{ metrics: { prometheus: { path: 'metrics' } } }, /"metrics\.prometheus\.path" must be a path starting with \//],
      [{ metrics: { otlp: {} } }, /"metrics\.otlp\.url" must be an absolute URL/],
      [{ metrics: { otlp: { url: 'http://x/v1/metrics', intervalMs: 0 } } }, /"metrics\.otlp\.intervalMs" must be a positive whole number/],
      [{ metrics: 'yes' }, /"metrics" must be true, false or an object/],
      [{ metrix: true }, /"metrix".*did you mean `metrics`/]
    ]
    for (const [options, message] of cases) {
      const app = weft()
      await assert.rejects(app.register(observe, options).ready(), message)
      await app.close()
    }
  })
})

describe('OTLP export', () => {
  test('N and M requests reach a local OTLP/HTTP receiver as histogram counts, with the semconv boundaries and the Resource', async (t) => {
    const exports = []
    const receiver = http.createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        let raw = Buffer.concat(chunks)
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw)
        if (req.method === 'POST' && req.url === '/v1/metrics') exports.push(JSON.parse(raw.toString('utf8')))
        res.writeHead(req.url === '/v1/metrics' ? 200 : 404, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => receiver.close(resolve)))
    const url = `http://127.0.0.1:${receiver.address().port}/v1/metrics`
    const app = weft()
    await app.register(observe, { metrics: { otlp: { url, intervalMs: 600_000 }, serviceName: 'orders' } })
    app.get('/orders/:id', async () => 'order')
    app.get('/health', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${app.server.address().port}`
    const N = 5
    const M = 2
    for (let i = 0; i < N; i++) await (await fetch(`${base}/orders/${i}`)).text()
    for (let i = 0; i < M; i++) await (await fetch(`${base}/health`)).text()
    await app.close() // shutting down exports what was recorded (the interval never came)

    const counts = {}
    let bounds = null
    let resource = null
    for (const body of exports) {
      for (const rm of body.resourceMetrics ?? []) {
        for (const sm of rm.scopeMetrics ?? []) {
          for (const metric of sm.metrics ?? []) {
            if (metric.name !== 'http.server.request.duration') continue
            assert.equal(metric.unit, 's')
            resource = Object.fromEntries((rm.resource?.attributes ?? []).map(({ key, value }) => [key, value.stringValue]))
            for (const point of metric.histogram.dataPoints) {
              const route = point.attributes.find((a) => a.key === 'http.route')?.value.stringValue
              counts[route] = (counts[route] ?? 0) + Number(point.count)
              bounds = point.explicitBounds
            }
          }
        }
      }
    }
    assert.deepEqual(counts, { '/orders/:id': N, '/health': M })
    assert.deepEqual(bounds, DURATION_BUCKETS)
    assert.equal(resource['service.name'], 'orders')
    assert.ok(resource['service.instance.id'])
  })
})
