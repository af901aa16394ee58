// OpenTelemetry spans from hand-built request activities, read back from the SDK's in-memory
// exporter: names, HTTP semantic-convention attributes, phase events, child spans, W3C context.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { hrTimeToMilliseconds } from '@opentelemetry/core'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace'
import * as semconv from '@opentelemetry/semantic-conventions'
import { createTracing } from '../../dist/observe/otel/index.js'
import { userActivity } from './fixtures/otel-activity.js'

const T0 = Date.now() - 1000.25 // a fractional epoch start, as performance.timeOrigin + now() gives
const HEADERS = { host: 'api.example.com:8443', 'user-agent': 'probe/1.0' }
const RAW = { httpVersion: '1.1', socket: { remoteAddress: '10.0.0.7', encrypted: false } }
const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c'
const PARENT_SPAN = 'b7ad6b7169203331'

async function tracedOnce (activity, { headers = HEADERS, options = {} } = {}) {
  const exporter = new InMemorySpanExporter()
  const tracing = await createTracing({ serviceName: 'users', exporter, ...options })
  const trace = tracing.start(activity.method, headers, T0, RAW)
  trace.end(activity)
  await tracing.flush()
  const spans = exporter.getFinishedSpans()
  await tracing.shutdown()
  return { trace, spans, server: spans.find((s) => s.kind === SpanKind.SERVER), tracing }
}

const ms = (hr) => hrTimeToMilliseconds(hr)
function assertNear (actual, expected, what) {
  assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual} is not ${expected}`)
}

describe('one SERVER span per request, named METHOD route', () => {
  test('a matched route names the span and sets http.route', async () => {
    const { server, trace } = await tracedOnce(userActivity())
    assert.equal(server.name, 'GET /users/:id')
    assert.equal(server.attributes[semconv.ATTR_HTTP_ROUTE], '/users/:id')
    assert.equal(server.spanContext().traceId, trace.traceId)
    assert.equal(server.spanContext().spanId, trace.spanId)
  })

  test('a request no route matched (404) is named by its method alone', async () => {
    const { server } = await tracedOnce(userActivity({ route: null, statusCode: 404, url: '/nowhere', spans: [] }))
    assert.equal(server.name, 'GET')
    assert.equal(server.attributes[semconv.ATTR_HTTP_ROUTE], undefined)
    assert.equal(server.attributes[semconv.ATTR_HTTP_RESPONSE_STATUS_CODE], 404)
    assert.equal(server.status.code, SpanStatusCode.UNSET)
  })

  test('the span starts at the request start and lasts the request wall time', async () => {
    const { server } = await tracedOnce(userActivity())
    assertNear(ms(server.startTime), T0, 'start')
    assertNear(ms(server.endTime), T0 + 40, 'end')
  })
})

describe('stable HTTP semantic-convention attributes', () => {
  test('request and response facts use the official attribute names', async () => {
    const { server } = await tracedOnce(userActivity())
    assert.deepEqual({
      method: server.attributes[semconv.ATTR_HTTP_REQUEST_METHOD],
      path: server.attributes[semconv.ATTR_URL_PATH],
      query: server.attributes[semconv.ATTR_URL_QUERY],
      scheme: server.attributes[semconv.ATTR_URL_SCHEME],
      status: server.attributes[semconv.ATTR_HTTP_RESPONSE_STATUS_CODE],
      address: server.attributes[semconv.ATTR_SERVER_ADDRESS],
      port: server.attributes[semconv.ATTR_SERVER_PORT],
      client: server.attributes[semconv.ATTR_CLIENT_ADDRESS],
      agent: server.attributes[semconv.ATTR_USER_AGENT_ORIGINAL],
      protocol: server.attributes[semconv.ATTR_NETWORK_PROTOCOL_VERSION]
    }, {
      method: 'GET', path: '/users/42', query: 'fields=name', scheme: 'http', status: 200,
      address: 'api.example.com', port: 8443, client: '10.0.0.7', agent: 'probe/1.0', protocol: '1.1'
    })
    assert.equal(server.attributes[semconv.ATTR_ERROR_TYPE], undefined)
    assert.equal(server.status.code, SpanStatusCode.UNSET)
  })

  test('a URL without a query has no url.query; a host without a port gets the scheme\'s', async () => {
    const { server } = await tracedOnce(userActivity({ url: '/users/42' }), { headers: { host: '[::1]' } })
    assert.equal(server.attributes[semconv.ATTR_URL_QUERY], undefined)
    assert.equal(server.attributes[semconv.ATTR_SERVER_ADDRESS], '::1')
    assert.equal(server.attributes[semconv.ATTR_SERVER_PORT], 80)
  })

  test('an unknown method is reported as _OTHER with the original kept', async () => {
    const { server } = await tracedOnce(userActivity({ method: 'PURGE' }))
    assert.equal(server.attributes[semconv.ATTR_HTTP_REQUEST_METHOD], '_OTHER')
    assert.equal(server.attributes[semconv.ATTR_HTTP_REQUEST_METHOD_ORIGINAL], 'PURGE')
  })

  test('a 5xx response sets status ERROR with the error message, and error.type', async () => {
    const { server } = await tracedOnce(userActivity({ statusCode: 503, error: 'upstream down' }))
    assert.equal(server.status.code, SpanStatusCode.ERROR)
    assert.equal(server.status.message, 'upstream down')
    assert.equal(server.attributes[semconv.ATTR_ERROR_TYPE], '503')
  })

  test('a 4xx response leaves the SERVER span status unset', async () => {
    const { server } = await tracedOnce(userActivity({ statusCode: 400, error: 'body/name must be string' }))
    assert.equal(server.status.code, SpanStatusCode.UNSET)
    assert.equal(server.attributes[semconv.ATTR_ERROR_TYPE], undefined)
  })
})

describe('phases and hooks are span events, not spans', () => {
  test('one event per phase at its start, with its duration and its hook functions', async () => {
    const activity = userActivity()
    const { server, spans } = await tracedOnce(activity)
    assert.deepEqual(server.events.map((e) => e.name), ['routing', 'onRequest', 'handler', 'onSend'])
    for (const [i, phase] of activity.phases.entries()) {
      const event = server.events[i]
      assertNear(ms(event.time), T0 + phase.startMs, `${phase.name} time`)
      assert.equal(event.attributes['weft.duration_ms'], phase.wallMs)
    }
    assert.deepEqual(server.events[1].attributes['weft.hook.names'], ['authenticate', 'rateLimit'])
    assert.deepEqual(server.events[1].attributes['weft.hook.durations_ms'], [2, 1])
    assert.equal(server.events[0].attributes['weft.hook.names'], undefined)
    // Only the SERVER span and the activity's two operation spans: no span per hook or phase.
    assert.equal(spans.length, 3)
  })

  test('the grouped operations and the request id are attributes of the SERVER span', async () => {
    const { server } = await tracedOnce(userActivity())
    assert.equal(server.attributes['weft.request.id'], 'req-1')
    assert.deepEqual(server.attributes['weft.operation.names'], ['GET 127.0.0.1:5001', 'fs.readFile'])
    assert.deepEqual(server.attributes['weft.operation.counts'], [1, 1])
  })
})

describe('one child span per single operation', () => {
  test('outgoing http is a CLIENT span, other work INTERNAL, each with its own start and duration', async () => {
    const activity = userActivity()
    const { server, spans } = await tracedOnce(activity)
    const children = spans.filter((s) => s !== server)
    for (const expected of activity.spans) {
      const span = children.find((s) => s.name === expected.name)
      assert.ok(span, `a span named ${expected.name}`)
      assert.equal(span.kind, expected.kind === 'http.client' ? SpanKind.CLIENT : SpanKind.INTERNAL)
      assert.equal(span.parentSpanContext.spanId, server.spanContext().spanId)
      assert.equal(span.spanContext().traceId, server.spanContext().traceId)
      assertNear(ms(span.startTime), T0 + expected.startMs, `${expected.name} start`)
      assertNear(ms(span.duration), expected.wallMs, `${expected.name} duration`)
      assert.equal(span.attributes['weft.operation.kind'], expected.kind)
      for (const [key, value] of Object.entries(expected.attributes ?? {})) assert.equal(span.attributes[key], value)
    }
  })

  test('operationSpans: false exports the SERVER span alone', async () => {
    const { spans } = await tracedOnce(userActivity(), { options: { operationSpans: false } })
    assert.deepEqual(spans.map((s) => s.kind), [SpanKind.SERVER])
  })

  test('ending a trace twice exports it once', async () => {
    const exporter = new InMemorySpanExporter()
    const tracing = await createTracing({ exporter, operationSpans: false })
    const trace = tracing.start('GET', HEADERS, T0)
    trace.end(userActivity())
    trace.end(userActivity({ statusCode: 500 }))
    await tracing.flush()
    assert.equal(exporter.getFinishedSpans().length, 1)
    assert.equal(exporter.getFinishedSpans()[0].attributes[semconv.ATTR_HTTP_RESPONSE_STATUS_CODE], 200)
    await tracing.shutdown()
  })
})

describe('W3C trace context from the request', () => {
  test('a valid traceparent makes the SERVER span its child, and tracestate is kept for downstream', async () => {
    const headers = { ...HEADERS, traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=abc' }
    const { server, trace } = await tracedOnce(userActivity(), { headers })
    assert.equal(server.spanContext().traceId, PARENT_TRACE)
    assert.equal(server.parentSpanContext.spanId, PARENT_SPAN)
    assert.equal(server.parentSpanContext.isRemote, true)
    assert.equal(trace.traceparent, `00-${PARENT_TRACE}-${trace.spanId}-01`)
    assert.equal(trace.tracestate, 'vendor=abc')
  })

  for (const [what, value] of [
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`],
    ['version ff', `ff-${PARENT_TRACE}-${PARENT_SPAN}-01`],
    ['a short span id', `00-${PARENT_TRACE}-b7ad6b71-01`]
  ]) {
    test(`an invalid traceparent (${what}) is ignored: a new trace starts`, async () => {
      const { server, trace } = await tracedOnce(userActivity(), { headers: { ...HEADERS, traceparent: value } })
      assert.equal(server.parentSpanContext, undefined)
      assert.notEqual(server.spanContext().traceId, PARENT_TRACE)
      assert.match(trace.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    })
  }

  test('a caller that did not sample (flags 00) gets no exported span, and its decision is passed on', async () => {
    const headers = { ...HEADERS, traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` }
    const { spans, trace } = await tracedOnce(userActivity(), { headers })
    assert.equal(spans.length, 0)
    assert.match(trace.traceparent, new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-00$`))
  })
})

describe('each process is one service instance', () => {
  test('the Resource carries service.name, a UUID service.instance.id and the extra attributes', async () => {
    const { server } = await tracedOnce(userActivity(), { options: { resourceAttributes: { 'deployment.environment.name': 'test' } } })
    const attributes = server.resource.attributes
    assert.equal(attributes[semconv.ATTR_SERVICE_NAME], 'users')
    assert.match(attributes[semconv.ATTR_SERVICE_INSTANCE_ID], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(attributes['deployment.environment.name'], 'test')
    assert.equal(attributes[semconv.ATTR_TELEMETRY_SDK_NAME], 'opentelemetry')
  })

  test('service.instance.id is the same for every Tracing of a process and differs in another process', async () => {
    const a = await createTracing({ serviceName: 'a', exporter: new InMemorySpanExporter() })
    const b = await createTracing({ serviceName: 'b', exporter: new InMemorySpanExporter() })
    const id = a.resourceAttributes[semconv.ATTR_SERVICE_INSTANCE_ID]
    assert.equal(b.resourceAttributes[semconv.ATTR_SERVICE_INSTANCE_ID], id)
    await a.shutdown()
    await b.shutdown()
    const otherProcess = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { createTracing } from ${JSON.stringify(new URL('../../dist/observe/otel/index.js', import.meta.url).href)}
      import { InMemorySpanExporter } from '@opentelemetry/sdk-trace'
      const t = await createTracing({ exporter: new InMemorySpanExporter() })
      process.stdout.write(String(t.resourceAttributes['service.instance.id']))
      await t.shutdown()`], { cwd: fileURLToPath(new URL('../..', import.meta.url)) }).toString()
    assert.match(otherProcess, /^[0-9a-f-]{36}$/)
    assert.notEqual(otherProcess, id)
  })

  test('without serviceName, the working directory\'s package name is used', async () => {
    const t = await createTracing({ exporter: new InMemorySpanExporter() })
    assert.equal(t.resourceAttributes[semconv.ATTR_SERVICE_NAME], 'weft') // this repository's package.json
    await t.shutdown()
  })
})

describe('outgoing requests carry the current request\'s traceparent', () => {
  async function echoServer () {
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ traceparent: req.headers.traceparent ?? null, tracestate: req.headers.tracestate ?? null }))
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, url: `http://127.0.0.1:${server.address().port}/` }
  }
  const httpGet = (url, headers = {}) => new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve(JSON.parse(body)))
    }).on('error', reject)
  })

  test('fetch and http.get made while a trace is current carry it; outside one, nothing is added', async () => {
    const tracing = await createTracing({ exporter: new InMemorySpanExporter() })
    const trace = tracing.start('GET', { ...HEADERS, traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=abc' }, T0)
    let current
    const unsubscribe = tracing.injectOutgoing(() => current)
    const { server, url } = await echoServer()
    try {
      current = trace
      const expected = { traceparent: trace.traceparent, tracestate: 'vendor=abc' }
      assert.deepEqual(await (await fetch(url)).json(), expected)
      assert.deepEqual(await httpGet(url), expected)
      current = undefined
      const none = { traceparent: null, tracestate: null }
      assert.deepEqual(await (await fetch(url)).json(), none)
      assert.deepEqual(await httpGet(url), none)
    } finally {
      unsubscribe()
      server.close()
      await tracing.shutdown()
    }
  })

  test('a traceparent the caller set is kept, and after unsubscribing nothing is added', async () => {
    const tracing = await createTracing({ exporter: new InMemorySpanExporter() })
    const trace = tracing.start('GET', HEADERS, T0)
    const unsubscribe = tracing.injectOutgoing(() => trace)
    const { server, url } = await echoServer()
    const own = `00-${PARENT_TRACE}-${PARENT_SPAN}-01`
    try {
      assert.equal((await (await fetch(url, { headers: { traceparent: own } })).json()).traceparent, own)
      assert.equal((await httpGet(url, { traceparent: own })).traceparent, own)
      unsubscribe()
      assert.equal((await (await fetch(url)).json()).traceparent, null)
      assert.equal((await httpGet(url)).traceparent, null)
    } finally {
      server.close()
      await tracing.shutdown()
    }
  })
})

describe('weft loads without the OpenTelemetry packages', () => {
  test('createTracing names the missing package; importing weft still works', () => {
    const fixture = fileURLToPath(new URL('./fixtures/otel-missing-packages.mjs', import.meta.url))
    const out = execFileSync(process.execPath, [fixture], { cwd: fileURLToPath(new URL('../..', import.meta.url)) }).toString()
    const result = JSON.parse(out)
    assert.equal(result.weftLoaded, true)
    assert.equal(result.code, 'WEFT_ERR_OTEL_PACKAGE_MISSING')
    assert.match(result.message, /'@opentelemetry\/api'/)
    assert.match(result.message, /npm install @opentelemetry\/api /)
  })
})
