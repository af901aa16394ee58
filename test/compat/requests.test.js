// Issue 17 "Requests" side by side: request ids (genReqId, requestIdHeader, requestIdLogLabel),
// request.host/hostname/port/protocol/ip/ips from Host and X-Forwarded-* under each trustProxy form
// (over real sockets), and 404/500 edge cases.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import fp from 'fastify-plugin'
import { both, inject, logLines } from './harness.js'

/** GET `path` on a listening app with `headers` (Host included as given), resolving [status, parsed JSON body]. */
function get (app, path, headers = {}) {
  const { port } = app.server.address()
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false, setHost: headers.host === undefined }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => {
        try { resolve([res.statusCode, JSON.parse(body)]) } catch { resolve([res.statusCode, body]) }
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/** An app answering what it sees of the request's origin, listening on 127.0.0.1. */
async function facts (factory, opts) {
  const app = factory(opts)
  app.get('/', (request) => ({
    host: request.host,
    hostname: request.hostname,
    port: request.port,
    protocol: request.protocol,
    ip: request.ip,
    ips: request.ips ?? null
  }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

const forwarded = { host: 'inner.local:3000', 'x-forwarded-host': 'a.example, b.example:8443', 'x-forwarded-proto': 'http, https', 'x-forwarded-for': '10.0.0.1, 10.0.0.2' }

describe('request.host, hostname, port from Host', () => {
  both('Host with a port', async (factory) => {
    const app = await facts(factory)
    const [, body] = await get(app, '/', { host: 'example.com:8080' })
    assert.deepEqual([body.host, body.hostname, body.port, body.protocol, body.ip], ['example.com:8080', 'example.com', 8080, 'http', '127.0.0.1'])
  })

  both('Host without a port: port is null', async (factory) => {
    const app = await facts(factory)
    const [, body] = await get(app, '/', { host: 'example.com' })
    assert.deepEqual([body.host, body.hostname, body.port], ['example.com', 'example.com', null])
  })

  both('an IPv6 Host', async (factory) => {
    const app = await facts(factory)
    const [, body] = await get(app, '/', { host: '[::1]:9000' })
    assert.deepEqual([body.host, body.hostname, body.port], ['[::1]:9000', '[::1]', 9000])
  })

  both('X-Forwarded-* are ignored without trustProxy', async (factory) => {
    const app = await facts(factory)
    const [, body] = await get(app, '/', forwarded)
    assert.deepEqual([body.host, body.hostname, body.port, body.protocol, body.ip, body.ips], ['inner.local:3000', 'inner.local', 3000, 'http', '127.0.0.1', null])
  })
})

describe('X-Forwarded-* under each trustProxy form', () => {
  for (const [label, trustProxy] of [['true', true], ['a string', '127.0.0.1'], ['a comma-separated string', '10.0.0.2, 127.0.0.1'], ['an array', ['127.0.0.1']], ['a CIDR', '127.0.0.0/8'], ['a function', (address) => address === '127.0.0.1']]) {
    both(`trustProxy as ${label}: the last forwarded host and proto, ip and ips through the trusted hops`, async (factory) => {
      const app = await facts(factory, { trustProxy })
      const [, body] = await get(app, '/', forwarded)
      assert.deepEqual([body.host, body.hostname, body.port, body.protocol], ['b.example:8443', 'b.example', 8443, 'https'])
      assert.equal(body.ips[0], '127.0.0.1')
      assert.equal(body.ip, body.ips.at(-1))
      assert.ok(body.ips.length >= 2)
    })
  }

  both('trustProxy true: every hop is trusted, ip is the first forwarded address', async (factory) => {
    const app = await facts(factory, { trustProxy: true })
    const [, body] = await get(app, '/', forwarded)
    assert.deepEqual([body.ip, body.ips], ['10.0.0.1', ['127.0.0.1', '10.0.0.2', '10.0.0.1']])
  })

  both('trustProxy naming the socket only: ip stops at the first untrusted hop', async (factory) => {
    const app = await facts(factory, { trustProxy: '127.0.0.1' })
    const [, body] = await get(app, '/', forwarded)
    assert.deepEqual([body.ip, body.ips], ['10.0.0.2', ['127.0.0.1', '10.0.0.2']])
  })

  both('trustProxy not naming the socket: X-Forwarded-* are ignored', async (factory) => {
    const app = await facts(factory, { trustProxy: '10.9.9.9' })
    const [, body] = await get(app, '/', forwarded)
    assert.deepEqual([body.host, body.protocol, body.ip, body.ips], ['inner.local:3000', 'http', '127.0.0.1', ['127.0.0.1']])
  })

  both('trustProxy as a hop count trusts no peer', async (factory) => {
    const app = await facts(factory, { trustProxy: 1 })
    const [, body] = await get(app, '/', forwarded)
    assert.deepEqual([body.host, body.protocol, body.ip, body.ips], ['inner.local:3000', 'http', '127.0.0.1', ['127.0.0.1']])
  })

  both('a trusted proxy without X-Forwarded-Host: the Host header', async (factory) => {
    const app = await facts(factory, { trustProxy: true })
    const [, body] = await get(app, '/', { host: 'plain.example:81' })
    assert.deepEqual([body.host, body.hostname, body.port, body.protocol, body.ip, body.ips], ['plain.example:81', 'plain.example', 81, 'http', '127.0.0.1', ['127.0.0.1']])
  })

  both('the trust function gets each address and its hop index', async (factory) => {
    const seen = []
    const app = await facts(factory, { trustProxy: (address, i) => { seen.push([address, i]); return true } })
    await get(app, '/', forwarded)
    assert.deepEqual(seen.slice(0, 1), [['127.0.0.1', 0]])
    assert.ok(seen.some(([a, i]) => a === '10.0.0.2' && i === 1))
  })
})

describe('request ids', () => {
  both('default ids are req-1, req-2, … per app, in base 36', async (factory) => {
    const app = factory()
    app.get('/', (request) => request.id)
    const ids = []
    for (let i = 0; i < 12; i++) ids.push((await inject(app, '/')).body)
    assert.deepEqual(ids, Array.from({ length: 12 }, (_, i) => `req-${(i + 1).toString(36)}`))
  })

  both('genReqId gets the raw request; its value is request.id', async (factory) => {
    let n = 0
    const app = factory({ genReqId: (req) => `${req.method}-${req.url}-${++n}` })
    app.get('/x', (request) => request.id)
    assert.equal((await inject(app, '/x')).body, 'GET-/x-1')
  })

  both('requestIdHeader: the header wins over genReqId, which is the fallback', async (factory) => {
    const app = factory({ requestIdHeader: 'X-Trace', genReqId: () => 'generated' })
    app.get('/', (request) => request.id)
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(await get(app, '/', { 'x-trace': 'abc' }), [200, 'abc'])
    assert.deepEqual(await get(app, '/'), [200, 'generated'])
    assert.equal(app.initialConfig.requestIdHeader, 'x-trace')
  })

  both('requestIdHeader true reads request-id', async (factory) => {
    const app = factory({ requestIdHeader: true })
    app.get('/', (request) => request.id)
    assert.equal((await inject(app, { url: '/', headers: { 'request-id': 'given' } })).body, 'given')
    assert.equal((await inject(app, '/')).body, 'req-1')
  })

  both('requestIdHeader empty string reads no header', async (factory) => {
    const app = factory({ requestIdHeader: '' })
    app.get('/', (request) => request.id)
    assert.equal((await inject(app, { url: '/', headers: { 'request-id': 'given', '': 'x' } })).body, 'req-1')
  })

  both('by default no header sets the id', async (factory) => {
    const app = factory()
    app.get('/', (request) => request.id)
    assert.equal((await inject(app, { url: '/', headers: { 'request-id': 'given', 'x-request-id': 'given' } })).body, 'req-1')
  })

  both('requestIdLogLabel names the id in each request log line', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream }, requestIdLogLabel: 'traceId' })
    app.get('/', (request) => { request.log.info('inside'); return 'ok' })
    await inject(app, '/')
    const inside = lines.find(l => l.msg === 'inside')
    assert.equal(inside.traceId, 'req-1')
    assert.equal(inside.reqId, undefined)
  })

  both('setGenReqId is encapsulated: a child scope\'s generator, its children inherit it, the parent keeps its own', async (factory) => {
    const app = factory()
    app.get('/', (request) => request.id)
    app.register(async (child) => {
      child.setGenReqId((req) => `child-${req.url}`)
      child.get('/c', (request) => request.id)
      child.register(async (grandchild) => { grandchild.get('/g', (request) => request.id) })
    })
    app.register(async (other) => { other.get('/o', (request) => request.id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const ids = []
    for (const url of ['/', '/c', '/g', '/o']) ids.push((await get(app, url))[1])
    assert.deepEqual(ids, ['req-1', 'child-/c', 'child-/g', 'req-2'])
  })

  both('setGenReqId: `this` is the instance, a not-found handler of the scope uses it', async (factory) => {
    const app = factory()
    app.register(async (child) => {
      child.decorate('tag', 'scoped')
      child.setGenReqId(function (req) { return `${this.tag}-${req.method}` })
      child.get('/c', (request) => request.id)
      child.setNotFoundHandler((request, reply) => reply.code(404).send(request.id))
    }, { prefix: '/s' })
    assert.equal((await inject(app, '/s/c')).body, 'scoped-GET')
    assert.equal((await inject(app, '/s/missing')).body, 'scoped-GET')
    assert.equal(typeof app.genReqId, 'function')
  })

  both('setGenReqId behind requestIdHeader: the header first', async (factory) => {
    const app = factory({ requestIdHeader: 'x-id' })
    app.register(async (child) => {
      child.setGenReqId((req) => `made-${req.url}`)
      child.get('/c', (request) => request.id)
    })
    assert.equal((await inject(app, { url: '/c', headers: { 'x-id': 'given' } })).body, 'given')
    assert.equal((await inject(app, '/c')).body, 'made-/c')
  })

  both('setGenReqId in the turn `await ready()` resumes in (a bare app) reaches routes already bound and not-found', async (factory) => {
    const app = factory()
    app.get('/root', (request) => request.id)
    app.setNotFoundHandler((request, reply) => reply.code(404).send(request.id))
    // a skip-override plugin makes no instance of its own: the app stays bare
    app.register(fp(async (same) => { same.get('/same', (request) => request.id) }))
    await app.ready()
    app.setGenReqId((req) => `late-${req.url}`)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const ids = []
    for (const url of ['/root', '/same', '/missing']) ids.push((await get(app, url))[1])
    assert.deepEqual(ids, ['late-/root', 'late-/same', 'late-/missing'])
  })

  both("the root's setGenReqId names the request frameworkErrors gets (a url that does not decode)", async (factory) => {
    const app = factory({ frameworkErrors: (error, request, reply) => reply.code(400).send({ id: request.id, code: error.code }) })
    app.setGenReqId(() => 'root-made')
    app.get('/:param', (request) => request.params.param)
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(await get(app, '/%E0%A4%A'), [400, { id: 'root-made', code: 'FST_ERR_BAD_URL' }])
  })

  both("a scope's setGenReqId reaches the child scopes made before it, unless they set their own", async (factory) => {
    const app = factory()
    app.register(async (child) => {
      child.register(async (grandchild) => { grandchild.get('/g', (request) => request.id) })
      child.register(async (mine) => { mine.setGenReqId(() => 'mine'); mine.get('/m', (request) => request.id) })
      await child.after()
      child.setGenReqId((req) => `child-${req.url}`)
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual([(await get(app, '/g'))[1], (await get(app, '/m'))[1]], ['child-/g', 'mine'])
  })

  both('setGenReqId is refused once listening', async (factory) => {
    const app = factory()
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.throws(() => app.setGenReqId(() => 'x'), { code: 'FST_ERR_INSTANCE_ALREADY_LISTENING' })
  })

  both('an id generated for a 404 and for an unknown method', async (factory) => {
    const ids = []
    const app = factory({ genReqId: () => `id-${ids.length}` })
    app.addHook('onRequest', async (request) => { ids.push(request.id) })
    app.get('/', () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const [status] = await get(app, '/missing')
    assert.equal(status, 404)
    assert.deepEqual(ids, ['id-0'])
  })
})

describe('404 and 500 edge cases', () => {
  both('the default 404 body', async (factory) => {
    const app = factory()
    app.get('/', () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(await get(app, '/nope?x=1'), [404, { message: 'Route GET:/nope?x=1 not found', error: 'Not Found', statusCode: 404 }])
  })

  both('a 404 for a route under another method', async (factory) => {
    const app = factory()
    app.post('/p', () => 'ok')
    const res = await inject(app, '/p')
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().message, 'Route GET:/p not found')
  })

  both('a thrown error is a 500 with its message', async (factory) => {
    const app = factory()
    app.get('/', () => { throw new Error('kaboom') })
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(await get(app, '/'), [500, { statusCode: 500, error: 'Internal Server Error', message: 'kaboom' }])
  })

  both('a thrown statusCode under 400 becomes 500', async (factory) => {
    const app = factory()
    app.get('/', () => { const e = new Error('low'); e.statusCode = 302; throw e })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 500)
  })

  both('a not-found handler that throws: a 500 from the error handler', async (factory) => {
    const app = factory()
    app.setNotFoundHandler(() => { throw new Error('nf failed') })
    const res = await inject(app, '/nowhere')
    assert.deepEqual([res.statusCode, res.json().message], [500, 'nf failed'])
  })

  both('an error handler that throws: the parent handler answers', async (factory) => {
    const app = factory()
    app.setErrorHandler(() => { throw new Error('handler failed') })
    app.get('/', () => { throw new Error('first') })
    const res = await inject(app, '/')
    assert.deepEqual([res.statusCode, res.json().message], [500, 'handler failed'])
  })

  both('a not-found handler per prefix and request.is404', async (factory) => {
    const app = factory()
    app.register(async (child) => {
      child.setNotFoundHandler((request, reply) => reply.code(404).send({ scoped: true, is404: request.is404 }))
    }, { prefix: '/api' })
    app.get('/', (request) => ({ is404: request.is404 }))
    assert.deepEqual((await inject(app, '/api/x')).json(), { scoped: true, is404: true })
    assert.deepEqual((await inject(app, '/api')).json(), { scoped: true, is404: true })
    assert.equal((await inject(app, '/other')).json().message, 'Route GET:/other not found')
    assert.deepEqual((await inject(app, '/')).json(), { is404: false })
  })
})
