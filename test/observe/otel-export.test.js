// End to end through the official OTLP/HTTP exporter: two services in this process, A calling B
// with fetch and with http.get; a local OTLP receiver decodes what both export.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createTracing } from '../../dist/observe/otel/index.js'
import { startOtlpReceiver } from './fixtures/otlp-receiver.js'
import { startPlainService } from './fixtures/otel-plain-services.js'

const SERVER = 2 // OTLP SpanKind
const CLIENT = 3

const now = () => performance.timeOrigin + performance.now()

function httpGetText (url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

describe('spans of two services reach one OTLP/HTTP receiver, linked across the call', () => {
  let receiver, tracingA, tracingB, serviceA, serviceB

  before(async () => {
    receiver = await startOtlpReceiver()
    tracingA = await createTracing({ serviceName: 'orders', url: receiver.url })
    tracingB = await createTracing({ serviceName: 'stock', url: receiver.url })
    serviceB = await startPlainService({
      tracing: tracingB,
      routes: {
        'GET /stock/:id': { match: (url) => url.startsWith('/stock/'), handler: async () => ({ body: '7', spans: [] }) },
        'GET /price/:id': { match: (url) => url.startsWith('/price/'), handler: async () => ({ body: '12.5', spans: [] }) }
      }
    })
    serviceA = await startPlainService({
      tracing: tracingA,
      routes: {
        'GET /orders/:id': {
          match: (url) => url.startsWith('/orders/'),
          handler: async (req, startedAt) => {
            const fetchStart = now()
            const stock = await (await fetch(`${serviceB.origin}/stock/1`)).text()
            const getStart = now()
            const price = await httpGetText(`${serviceB.origin}/price/1`)
            const done = now()
            return {
              body: JSON.stringify({ stock, price }),
              spans: [
                { kind: 'http.client', name: 'GET', startMs: fetchStart - startedAt, wallMs: getStart - fetchStart, attributes: { 'url.full': `${serviceB.origin}/stock/1` } },
                { kind: 'http.client', name: 'GET', startMs: getStart - startedAt, wallMs: done - getStart, attributes: { 'url.full': `${serviceB.origin}/price/1` } }
              ]
            }
          }
        }
      }
    })
  })

  after(async () => {
    await serviceA?.close()
    await serviceB?.close()
    await tracingA?.shutdown()
    await tracingB?.shutdown()
    await receiver?.close()
  })

  test('B\'s SERVER spans are children of A\'s SERVER span, for fetch and for http.get', async () => {
    const body = await (await fetch(`${serviceA.origin}/orders/9`)).json()
    assert.deepEqual(body, { stock: '7', price: '12.5' })
    await new Promise((resolve) => setImmediate(resolve)) // A's 'finish' (which ends its span) has run
    // Export from inside a request's context: the exporter's calls must still not carry its trace.
    const probe = tracingA.start('GET', {}, now())
    await serviceA.runAs(probe, () => tracingA.flush())
    await tracingB.flush()

    const a = receiver.spans.filter((s) => s.resource['service.name'] === 'orders')
    const b = receiver.spans.filter((s) => s.resource['service.name'] === 'stock')
    const aServer = a.find((s) => s.kind === SERVER && s.name === 'GET /orders/:id')
    assert.ok(aServer, 'A exported its SERVER span')
    assert.equal(aServer.attributes['http.route'], '/orders/:id')
    assert.equal(aServer.attributes['url.path'], '/orders/9')
    assert.equal(aServer.attributes['http.response.status_code'], 200)
    assert.equal(aServer.parentSpanId, undefined)

    const stock = b.find((s) => s.name === 'GET /stock/:id')
    const price = b.find((s) => s.name === 'GET /price/:id')
    assert.ok(stock, 'B exported the span of the fetch() call')
    assert.ok(price, 'B exported the span of the http.get() call')
    for (const span of [stock, price]) {
      assert.equal(span.kind, SERVER)
      assert.equal(span.traceId, aServer.traceId)
      assert.equal(span.parentSpanId, aServer.spanId)
    }

    const clients = a.filter((s) => s.kind === CLIENT)
    assert.equal(clients.length, 2)
    for (const client of clients) {
      assert.equal(client.parentSpanId, aServer.spanId)
      assert.ok(client.startMs >= aServer.startMs && client.endMs <= aServer.endMs, 'a CLIENT span lies inside its request')
    }
  })

  test('each service\'s spans carry its service.name and this process\'s service.instance.id', () => {
    const names = new Set(receiver.spans.map((s) => s.resource['service.name']))
    assert.deepEqual([...names].sort(), ['orders', 'stock'])
    const instances = new Set(receiver.spans.map((s) => s.resource['service.instance.id']))
    assert.equal(instances.size, 1)
    assert.deepEqual([...instances], [tracingA.resourceAttributes['service.instance.id']])
  })

  test('the exporter\'s own requests to the receiver carry no traceparent', () => {
    assert.ok(receiver.requests.length >= 2)
    for (const request of receiver.requests) {
      assert.equal(request.headers.traceparent, undefined)
      assert.match(request.headers['content-type'], /^application\/json/)
    }
  })
})
