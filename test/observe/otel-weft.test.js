// OpenTelemetry end to end through real Weft apps: A's route calls B with fetch() and http.get, both
// export through the official OTLP/HTTP exporter to a local receiver, which decodes the spans.
// Ground truth by construction: each request to A makes exactly two calls to B (200 and 201).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHook } from 'node:async_hooks'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startOtlpReceiver } from './fixtures/otlp-receiver.js'
import { startServices } from './fixtures/otel-weft-services.js'

const SERVER = 2 // OTLP SpanKind
const CLIENT = 3
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'
const STABLE_SERVER_ATTRIBUTES = ['http.request.method', 'url.scheme', 'url.path', 'server.address', 'server.port',
  'client.address', 'network.protocol.version', 'http.route', 'http.response.status_code']

/**
 * Runs the two services once: /orders/1 plain, /orders/2 with a caller's traceparent and tracestate;
 * closes both apps and returns what the receiver holds right after close() resolved.
 */
async function runScenario (options) {
  const receiver = await startOtlpReceiver()
  const services = await startServices({ url: receiver.url, ...options })
  try {
    const plain = await fetch(`${services.a.origin}/orders/1`)
    const continued = await fetch(`${services.a.origin}/orders/2`, {
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: 'vendor=upstream' }
    })
    const responses = {
      1: { status: plain.status, serverTiming: plain.headers.get('server-timing'), body: await plain.json() },
      2: { status: continued.status, serverTiming: continued.headers.get('server-timing'), body: await continued.json() }
    }
    await services.delivered(2, 4)
    await services.close()
    const spans = [...receiver.spans]
    return { spans, responses, services, bPort: Number(new URL(services.b.origin).port) }
  } finally {
    await services.close().catch(() => {})
    await receiver.close()
  }
}

/** The spans of one request to A (`/orders/<id>`): A's SERVER span, its CLIENT children, B's SERVER spans. */
function requestSpans (run, id) {
  const aServer = run.spans.filter((s) => s.resource['service.name'] === 'a' && s.kind === SERVER && s.attributes['url.path'] === `/orders/${id}`)
  assert.equal(aServer.length, 1, `one SERVER span of A for /orders/${id}`)
  const server = aServer[0]
  const clients = run.spans.filter((s) => s.kind === CLIENT && s.parentSpanId === server.spanId).sort((x, y) => x.startMs - y.startMs)
  const b = (path) => run.spans.filter((s) => s.resource['service.name'] === 'b' && s.kind === SERVER && s.attributes['url.path'] === path)
  return { server, clients, stock: b(`/stock/${id}`), price: b(`/price/${id}`) }
}

const variants = [
  { title: "weft({ observe }) at 'timing'", options: { detail: 'timing', register: false }, propagates: undefined, oneClock: undefined },
  { title: "app.register(observe) at 'resources'", options: { detail: 'resources', register: true }, propagates: undefined, oneClock: undefined }
]

for (const { title, options, propagates, oneClock } of variants) {
  describe(`OpenTelemetry across two Weft services, ${title}`, () => {
    let run
    before(async () => { run = await runScenario(options) })

    test('both requests were answered from B\'s two answers', () => {
      for (const id of ['1', '2']) {
        assert.equal(run.responses[id].status, 200)
        assert.deepEqual(run.responses[id].body, { stock: [200, `stock ${id}`], price: [201, `price ${id}`] })
      }
    })

    describe('one SERVER span per request per service, named METHOD route', () => {
      test('A and B each export exactly their requests\' SERVER spans, all flushed by close()', () => {
        const names = (service) => run.spans.filter((s) => s.resource['service.name'] === service && s.kind === SERVER).map((s) => `${s.name} ${s.attributes['url.path']}`).sort()
        assert.deepEqual(names('a'), ['GET /orders/:id /orders/1', 'GET /orders/:id /orders/2'])
        assert.deepEqual(names('b'), ['GET /price/:id /price/1', 'GET /price/:id /price/2', 'GET /stock/:id /stock/1', 'GET /stock/:id /stock/2'])
      })

      test('each SERVER span carries the stable HTTP attributes with the request\'s values', () => {
        for (const id of ['1', '2']) {
          const { server, stock, price } = requestSpans(run, id)
          for (const span of [server, stock[0], price[0]]) {
            for (const key of STABLE_SERVER_ATTRIBUTES) assert.notEqual(span.attributes[key], undefined, `${span.name} has ${key}`)
            assert.equal(span.attributes['http.request.method'], 'GET')
            assert.equal(span.attributes['url.scheme'], 'http')
            assert.equal(span.attributes['server.address'], '127.0.0.1')
            assert.equal(span.attributes['client.address'], '127.0.0.1')
            assert.equal(span.attributes['network.protocol.version'], '1.1')
            assert.deepEqual(span.status, { code: 0 }) // UNSET: nothing failed
          }
          assert.equal(server.attributes['http.route'], '/orders/:id')
          assert.equal(server.attributes['http.response.status_code'], 200)
          assert.equal(server.attributes['server.port'], Number(new URL(run.services.a.origin).port))
          assert.equal(stock[0].attributes['http.route'], '/stock/:id')
          assert.equal(stock[0].attributes['http.response.status_code'], 200)
          assert.equal(price[0].attributes['http.route'], '/price/:id')
          assert.equal(price[0].attributes['http.response.status_code'], 201)
          assert.equal(stock[0].attributes['server.port'], run.bPort)
        }
      })
    })

    describe('B\'s spans are children of A\'s SERVER span, for fetch() and for http.get', () => {
      test('same trace id, A\'s SERVER span as parent, one B span per call', { todo: propagates }, () => {
        for (const id of ['1', '2']) {
          const { server, stock, price } = requestSpans(run, id)
          assert.equal(stock.length, 1, 'one SERVER span of B for the fetch() call')
          assert.equal(price.length, 1, 'one SERVER span of B for the http.get call')
          for (const span of [stock[0], price[0]]) {
            assert.equal(span.traceId, server.traceId)
            assert.equal(span.parentSpanId, server.spanId)
          }
        }
      })
    })

    describe('one CLIENT span per outgoing call, a child of the request\'s SERVER span', () => {
      test('two CLIENT spans in A\'s trace, inside A\'s span, with B\'s status codes, in call order', () => {
        for (const id of ['1', '2']) {
          const { server, clients, stock, price } = requestSpans(run, id)
          assert.equal(clients.length, 2)
          for (const client of clients) {
            assert.equal(client.resource['service.name'], 'a')
            assert.equal(client.traceId, server.traceId)
            assert.equal(client.name, 'GET') // semconv: the method alone when no URL template is known
            assert.deepEqual(client.status, { code: 0 })
            assert.equal(client.attributes['http.request.method'], 'GET')
            assert.equal(client.attributes['server.address'], '127.0.0.1')
            assert.equal(client.attributes['server.port'], run.bPort)
          }
          // fetch() to /stock first (200), then http.get to /price (201); each starts before B sees it
          assert.deepEqual(clients.map((c) => c.attributes['http.response.status_code']), [200, 201])
          assert.ok(clients[0].startMs <= stock[0].startMs)
          assert.ok(clients[1].startMs <= price[0].startMs)
          assert.ok(clients[0].endMs <= clients[1].startMs, 'the http.get starts after the fetch() ended')
        }
      })

      test('each CLIENT span lies inside A\'s SERVER span', { todo: oneClock }, () => {
        for (const id of ['1', '2']) {
          const { server, clients } = requestSpans(run, id)
          for (const client of clients) assert.ok(client.startMs >= server.startMs && client.endMs <= server.endMs, `${client.name} lies inside A's span`)
        }
      })

      test('A\'s activity lists exactly those two calls as its http.client spans', () => {
        for (const activity of run.services.a.activities) {
          const calls = activity.spans.filter((s) => s.kind === 'http.client')
          assert.deepEqual(calls.map((s) => s.attributes['http.response.status_code']), [200, 201])
        }
      })
    })

    describe('phase timings are events of the SERVER span, not spans', () => {
      test('A\'s span has one event per reported phase, in order, with durations and hook names', () => {
        for (const id of ['1', '2']) {
          const { server } = requestSpans(run, id)
          const activity = run.services.a.activities.find((a) => a.url === `/orders/${id}`)
          assert.deepEqual(server.events.map((e) => e.name), activity.phases.map((p) => p.name))
          assert.ok(server.events.some((e) => e.name === 'handler'))
          for (const [i, event] of server.events.entries()) {
            assert.equal(typeof event.attributes['weft.duration_ms'], 'number')
            assert.equal(event.attributes['weft.duration_ms'], activity.phases[i].wallMs)
          }
          const onResponse = server.events.find((e) => e.name === 'onResponse')
          assert.deepEqual(onResponse.attributes['weft.hook.names'], ['keepTraceId'])
        }
      })

      test('no span is named after a phase or hook', () => {
        const phaseNames = new Set(['routing', 'onRequest', 'parsing', 'validation', 'handler', 'serialization', 'onSend', 'write', 'onResponse', 'keepTraceId'])
        assert.deepEqual(run.spans.filter((s) => phaseNames.has(s.name)), [])
      })
    })

    describe('each service\'s Resource names it and this process\'s instance', () => {
      test('service.name is a or b, service.instance.id is set', () => {
        for (const span of run.spans) {
          assert.ok(['a', 'b'].includes(span.resource['service.name']))
          assert.match(String(span.resource['service.instance.id']), /^[0-9a-f-]{36}$/)
          assert.equal(span.scope, 'weft')
        }
        assert.equal(new Set(run.spans.map((s) => s.resource['service.instance.id'])).size, 1, 'one process, one instance id')
      })
    })

    describe('an incoming traceparent makes A\'s span its child', () => {
      test('A continues the caller\'s trace; a request without one starts its own', { todo: propagates }, () => {
        const continued = requestSpans(run, '2')
        assert.equal(continued.server.traceId, CALLER_TRACE)
        assert.equal(continued.server.parentSpanId, CALLER_SPAN)
        assert.equal(continued.stock[0].traceId, CALLER_TRACE)
        const plain = requestSpans(run, '1')
        assert.equal(plain.server.parentSpanId, undefined)
        assert.notEqual(plain.server.traceId, CALLER_TRACE)
      })

      test('the caller\'s tracestate reaches B with the traceparent', { todo: propagates }, () => {
        const { stock, price } = requestSpans(run, '2')
        assert.equal(stock[0].traceState, 'vendor=upstream')
        assert.equal(price[0].traceState, 'vendor=upstream')
        assert.equal(requestSpans(run, '1').stock[0].traceState, undefined)
      })
    })

    describe('Server-Timing and request.activity name the exported span', () => {
      test('A\'s Server-Timing ends with traceparent;desc="00-<traceId>-<spanId>-01" of its SERVER span', () => {
        for (const id of ['1', '2']) {
          const { server } = requestSpans(run, id)
          const header = run.responses[id].serverTiming
          assert.ok(header.endsWith(`traceparent;desc="00-${server.traceId}-${server.spanId}-01"`), header)
        }
      })

      test('request.activity.traceId and spanId are the span\'s', () => {
        for (const id of ['1', '2']) {
          const { server } = requestSpans(run, id)
          assert.equal(run.services.a.traceIds.get(id), server.traceId)
          const activity = run.services.a.activities.find((a) => a.url === `/orders/${id}`)
          assert.equal(activity.traceId, server.traceId)
          assert.equal(activity.spanId, server.spanId)
        }
      })
    })
  })
}

describe('a request\'s spans share one clock, however slow its start', () => {
  // By construction: the application's own async_hooks init callback blocks 20 ms whenever an
  // async resource is made while a request starts (at `resources`, observe makes one per request).
  let run
  before(async () => {
    const spin = (ms) => { const end = performance.now() + ms; while (performance.now() < end) { /* busy */ } }
    const hook = createHook({ init (asyncId, type) { if (type === 'WEFT_TRACK') spin(20) } }).enable()
    try { run = await runScenario({ detail: 'resources', register: true }) } finally { hook.disable() }
  })

  test('A\'s CLIENT spans lie inside A\'s SERVER span, and its fetch() starts after its handler does', { todo: undefined }, () => {
    const { server, clients } = requestSpans(run, '1')
    assert.equal(clients.length, 2)
    for (const client of clients) assert.ok(client.startMs >= server.startMs && client.endMs <= server.endMs, `CLIENT ${client.startMs - server.startMs}..${client.endMs - server.startMs} ms is outside 0..${server.endMs - server.startMs} ms`)
    const activity = run.services.a.activities.find((a) => a.url === '/orders/1')
    const handler = activity.phases.find((p) => p.name === 'handler')
    const [first] = activity.spans.filter((s) => s.kind === 'http.client')
    assert.ok(first.startMs >= handler.startMs, `the fetch() at ${first.startMs} ms starts after the handler at ${handler.startMs} ms`)
  })
})

describe('failed calls and answers are errors as the HTTP conventions say', () => {
  let spans, response
  before(async () => {
    const receiver = await startOtlpReceiver()
    const services = await startServices({ url: receiver.url })
    try {
      const answer = await fetch(`${services.a.origin}/broken/7`)
      response = { status: answer.status, body: await answer.json() }
      await services.delivered(1, 2)
      await services.close()
      spans = [...receiver.spans]
    } finally {
      await services.close().catch(() => {})
      await receiver.close()
    }
  })

  test('B\'s 500 is an ERROR SERVER span with error.type and the message; its 404 (no route) is named by method and left UNSET', () => {
    assert.deepEqual(response, { status: 502, body: { failed: 500, missing: 404 } })
    const failed = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/fail/7')
    assert.equal(failed.name, 'GET /fail/:id')
    assert.equal(failed.attributes['error.type'], '500')
    assert.deepEqual(failed.status, { code: 2, message: 'stock database down' })
    const missing = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/nowhere/7')
    assert.equal(missing.name, 'GET')
    assert.equal(missing.attributes['http.route'], undefined)
    assert.equal(missing.attributes['http.response.status_code'], 404)
    assert.deepEqual(missing.status, { code: 0 })
  })

  test('A\'s CLIENT spans for the 500 and the 404 are ERROR with error.type; A\'s 502 SERVER span too', () => {
    const server = spans.find((s) => s.kind === SERVER && s.resource['service.name'] === 'a')
    assert.equal(server.attributes['http.response.status_code'], 502)
    assert.equal(server.attributes['error.type'], '502')
    assert.equal(server.status.code, 2)
    const clients = spans.filter((s) => s.kind === CLIENT && s.parentSpanId === server.spanId).sort((x, y) => x.startMs - y.startMs)
    assert.deepEqual(clients.map((c) => [c.attributes['http.response.status_code'], c.attributes['error.type'], c.status.code]), [[500, '500', 2], [404, '404', 2]])
  })
})

describe('closing traced apps leaves nothing open', () => {
  let receiver
  before(async () => { receiver = await startOtlpReceiver() })
  after(async () => { await receiver?.close() })

  test('a process whose traced apps closed exits by itself, its spans already received', async () => {
    const script = fileURLToPath(new URL('./fixtures/otel-weft-exit.mjs', import.meta.url))
    const stdout = await new Promise((resolve, reject) => {
      // the timeout bounds the test: a handle left open would keep the child alive
      execFile(process.execPath, [script, receiver.url], { timeout: 20000 }, (error, out, err) => {
        if (error) reject(new Error(`child did not exit cleanly: ${error.message}\n${err}`))
        else resolve(out)
      })
    })
    const { status, traceId } = JSON.parse(stdout)
    assert.equal(status, 200)
    const trace = receiver.spans.filter((s) => s.traceId === traceId)
    assert.deepEqual(trace.filter((s) => s.kind === SERVER).map((s) => s.name).sort(), ['GET /orders/:id', 'GET /price/:id', 'GET /stock/:id'])
    assert.equal(trace.filter((s) => s.kind === CLIENT).length, 2)
  })
})
