// Issue 16 item 8 side by side over raw sockets: which methods' bodies are parsed and how, what a
// request reaching no route gets, bad percent-encodings, `*` request targets, Expect without Host,
// and a preClose hook that never finishes.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { both, within } from './harness.js'

/**
 * Writes `head` (lines joined with CRLF, `Connection: close` added) and `body` on a raw socket and
 * resolves with { status, body } once the server closed the connection; bounded by `within`.
 */
function exchange (port, lines, body = '') {
  const text = [...lines, 'Connection: close', '', ''].join('\r\n') + body
  const done = new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => { received += chunk })
    socket.on('error', reject)
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3}) /.exec(received)
      const at = received.indexOf('\r\n\r\n')
      resolve({ status: match === null ? 0 : Number(match[1]), body: at === -1 ? '' : received.slice(at + 4), raw: received })
    })
  })
  return within(done, `${lines[0]}`)
}

/** The `code` of a JSON error body, or undefined. */
function codeOf (body) {
  try { return JSON.parse(body).code } catch { return undefined }
}

/** An app answering `{ type, body }` on every method Fastify routes, at /r; listening. */
async function echoApp (factory) {
  const app = factory()
  app.route({
    method: ['GET', 'HEAD', 'TRACE', 'DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY'],
    url: '/r',
    handler: async (request) => ({ type: typeof request.body, body: request.body ?? null })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

describe('body parsing by method (Fastify 5.12)', () => {
  both('DELETE with a JSON content-type and no body is a 400 FST_ERR_CTP_EMPTY_JSON_BODY', async (factory) => {
    const port = await echoApp(factory)
    const res = await exchange(port, ['DELETE /r HTTP/1.1', 'Host: x', 'Content-Type: application/json'])
    assert.equal(res.status, 400)
    assert.equal(codeOf(res.body), 'FST_ERR_CTP_EMPTY_JSON_BODY')
  })

  both('DELETE and OPTIONS with a JSON body are parsed as POST is', async (factory) => {
    const port = await echoApp(factory)
    for (const method of ['DELETE', 'OPTIONS', 'POST']) {
      const res = await exchange(port, [`${method} /r HTTP/1.1`, 'Host: x', 'Content-Type: application/json', 'Content-Length: 8'], '{"a":10}')
      assert.equal(res.status, 200, method)
      assert.deepEqual(JSON.parse(res.body), { type: 'object', body: { a: 10 } }, method)
    }
  })

  both('DELETE and OPTIONS with a body but no content-type are a 415', async (factory) => {
    const port = await echoApp(factory)
    for (const method of ['DELETE', 'OPTIONS']) {
      const res = await exchange(port, [`${method} /r HTTP/1.1`, 'Host: x', 'Content-Length: 3'], 'abc')
      assert.equal(res.status, 415, method)
      assert.equal(codeOf(res.body), 'FST_ERR_CTP_INVALID_MEDIA_TYPE', method)
    }
  })

  both('DELETE and OPTIONS without a body run the handler with no body', async (factory) => {
    const port = await echoApp(factory)
    for (const method of ['DELETE', 'OPTIONS']) {
      const res = await exchange(port, [`${method} /r HTTP/1.1`, 'Host: x'])
      assert.equal(res.status, 200, method)
      assert.deepEqual(JSON.parse(res.body), { type: 'undefined', body: null }, method)
    }
  })

  both('a TRACE body is never parsed, even malformed JSON', async (factory) => {
    const port = await echoApp(factory)
    const res = await exchange(port, ['TRACE /r HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{nope')
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), { type: 'undefined', body: null })
  })

  both('PROPFIND, LOCK and SEARCH bodies are not parsed: a bad one reaches the 404', async (factory) => {
    const port = await echoApp(factory)
    for (const method of ['PROPFIND', 'LOCK', 'SEARCH']) {
      const res = await exchange(port, [`${method} /r HTTP/1.1`, 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{nope')
      assert.equal(res.status, 404, method)
      const bad = await exchange(port, [`${method} /r HTTP/1.1`, 'Host: x', 'Content-Type: nonsense', 'Content-Length: 3'], 'abc')
      assert.equal(bad.status, 404, method)
    }
  })

  both('QUERY without a content-type is a 400 FST_ERR_ROUTE_MISSING_CONTENT_TYPE; with one, its body is parsed', async (factory) => {
    const port = await echoApp(factory)
    let res = await exchange(port, ['QUERY /r HTTP/1.1', 'Host: x'])
    assert.equal(res.status, 400)
    assert.equal(codeOf(res.body), 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE')
    assert.equal(JSON.parse(res.body).message, "Method 'QUERY' must provide a 'Content-Type' header.")
    res = await exchange(port, ['QUERY /r HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 7'], '{"q":1}')
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), { type: 'object', body: { q: 1 } })
  })

  both('an empty Content-Type header is a 415, with or without a body', async (factory) => {
    const port = await echoApp(factory)
    for (const [lines, body] of [[['Content-Length: 3'], 'abc'], [[], '']]) {
      const res = await exchange(port, ['POST /r HTTP/1.1', 'Host: x', 'Content-Type:', ...lines], body)
      assert.equal(res.status, 415, JSON.stringify(lines))
      assert.equal(codeOf(res.body), 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    }
  })
})

describe('supported methods and addHttpMethod()', () => {
  both('routes take the nine standard methods; others are refused until addHttpMethod()', async (factory) => {
    const app = factory()
    assert.deepEqual(app.supportedMethods, ['GET', 'HEAD', 'TRACE', 'DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY'])
    for (const method of ['PROPFIND', 'propfind', 'LOCK', 'MKCOL']) {
      assert.throws(() => app.route({ method, url: '/dav', handler: async () => 'x' }),
        { code: 'FST_ERR_ROUTE_METHOD_NOT_SUPPORTED', message: `${method.toUpperCase()} method is not supported.` })
    }
    assert.equal(typeof app.trace, 'function')
    assert.equal(typeof app.query, 'function')
    assert.equal(app.hasDecorator('propfind'), false)
  })

  both('addHttpMethod(m, { hasBody: true }) routes m, parses its body and adds its shorthand; without hasBody the body is left unread', async (factory) => {
    const app = factory()
    app.addHttpMethod('PROPFIND', { hasBody: true })
    app.addHttpMethod('LOCK')
    assert.deepEqual(app.supportedMethods.filter((m) => m === 'PROPFIND' || m === 'LOCK').sort(), ['LOCK', 'PROPFIND'])
    app.propfind('/dav', async (request) => ({ type: typeof request.body, body: request.body ?? null }))
    app.lock('/dav', async (request) => ({ type: typeof request.body, body: request.body ?? null }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    let res = await exchange(port, ['PROPFIND /dav HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 8'], '{"d":1 }')
    assert.deepEqual([res.status, JSON.parse(res.body)], [200, { type: 'object', body: { d: 1 } }])
    res = await exchange(port, ['PROPFIND /dav HTTP/1.1', 'Host: x', 'Content-Length: 3'], 'abc')
    assert.equal(res.status, 415)
    res = await exchange(port, ['LOCK /dav HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{nope')
    assert.deepEqual([res.status, JSON.parse(res.body)], [200, { type: 'undefined', body: null }])
  })

  both('addHttpMethod() refuses a method Node does not know, or not spelled as Node spells it', async (factory) => {
    const app = factory()
    for (const method of ['propfind', 'FROB', 42]) {
      assert.throws(() => app.addHttpMethod(method), { code: 'FST_ERR_ROUTE_METHOD_INVALID' }, String(method))
    }
  })

  both('addHttpMethod() on an existing method without overrideExisting warns FSTDEP025, and can take its body away', async (factory) => {
    const warnings = []
    const onWarning = (w) => { if (w.code === 'FSTDEP025') warnings.push(w.message) }
    process.on('warning', onWarning)
    try {
      const app = factory()
      app.addHttpMethod('OPTIONS', { hasBody: false, overrideExisting: true })
      app.addHttpMethod('TRACE', { hasBody: true })
      app.options('/o', async (request) => ({ type: typeof request.body }))
      app.trace('/t', async (request) => ({ type: typeof request.body }))
      await app.listen({ port: 0, host: '127.0.0.1' })
      const port = app.server.address().port
      let res = await exchange(port, ['OPTIONS /o HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{nope')
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { type: 'undefined' }])
      res = await exchange(port, ['TRACE /t HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 7'], '{"t":1}')
      assert.deepEqual([res.status, JSON.parse(res.body)], [200, { type: 'object' }])
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(warnings, ['Calling addHttpMethod for existing method "TRACE" without { overrideExisting: true } is deprecated. In Fastify v6, this will throw an error.'])
    } finally {
      process.removeListener('warning', onWarning)
    }
  })

  both('addHttpMethod() can give GET and HEAD a body: it is parsed, and a body schema is then allowed', async (factory) => {
    const app = factory()
    app.addHttpMethod('GET', { hasBody: true, overrideExisting: true })
    app.addHttpMethod('HEAD', { hasBody: true, overrideExisting: true })
    app.route({ method: 'GET', url: '/g', exposeHeadRoute: false, schema: { body: { type: 'object', required: ['a'] } }, handler: async (request) => request.body })
    app.route({ method: 'HEAD', url: '/h', handler: async (request, reply) => { reply.header('x-body', JSON.stringify(request.body)).send() } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    let res = await exchange(port, ['GET /g HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 7'], '{"a":1}')
    assert.deepEqual([res.status, JSON.parse(res.body)], [200, { a: 1 }])
    res = await exchange(port, ['GET /g HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{"b"}')
    assert.deepEqual([res.status, codeOf(res.body)], [400, 'FST_ERR_CTP_INVALID_JSON_BODY'])
    res = await exchange(port, ['GET /g HTTP/1.1', 'Host: x'])
    assert.deepEqual([res.status, codeOf(res.body)], [400, 'FST_ERR_VALIDATION'])
    res = await exchange(port, ['HEAD /h HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 7'], '{"h":2}')
    assert.equal(res.status, 200)
    assert.match(res.raw, /\r\nx-body: \{"h":2\}\r\n/)
  })

  both('all() takes the supported methods: QUERY is routed, PROPFIND is not', async (factory) => {
    const app = factory()
    app.all('/any', async (request) => ({ method: request.method }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    let res = await exchange(port, ['QUERY /any HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 2'], '{}')
    assert.deepEqual([res.status, JSON.parse(res.body)], [200, { method: 'QUERY' }])
    res = await exchange(port, ['TRACE /any HTTP/1.1', 'Host: x'])
    assert.equal(res.status, 200)
    res = await exchange(port, ['PROPFIND /any HTTP/1.1', 'Host: x'])
    assert.equal(res.status, 404)
  })

  both('a body schema on a method without a body is refused', async (factory) => {
    const app = factory()
    const schema = { body: { type: 'object' } }
    for (const method of ['GET', 'HEAD', 'TRACE']) {
      assert.throws(() => app.route({ method, url: '/s', schema, handler: async () => 'x' }),
        { code: 'FST_ERR_ROUTE_BODY_VALIDATION_SCHEMA_NOT_SUPPORTED', message: `Body validation schema for ${method}:/s route is not supported!` })
    }
    app.route({ method: 'DELETE', url: '/s', schema, handler: async () => 'x' })
  })
})

describe('requests that reach no route', () => {
  both('a malformed content-type on a 404 is a 415; a well-formed one without a parser is the 404', async (factory) => {
    const port = await echoApp(factory)
    let res = await exchange(port, ['POST /nowhere HTTP/1.1', 'Host: x', 'Content-Type: bad', 'Content-Length: 3'], 'abc')
    assert.equal(res.status, 415)
    assert.equal(codeOf(res.body), 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    res = await exchange(port, ['POST /nowhere HTTP/1.1', 'Host: x', 'Content-Type: application/x-unknown', 'Content-Length: 3'], 'abc')
    assert.equal(res.status, 404)
    res = await exchange(port, ['PUT /nowhere HTTP/1.1', 'Host: x', 'Content-Length: 3'], 'abc')
    assert.equal(res.status, 404)
  })

  both('a 404 parses its body: malformed JSON on a 404 is a 400', async (factory) => {
    const port = await echoApp(factory)
    const res = await exchange(port, ['POST /nowhere HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 5'], '{nope')
    assert.equal(res.status, 400)
    assert.equal(codeOf(res.body), 'FST_ERR_CTP_INVALID_JSON_BODY')
  })

  both('a QUERY without content-type to no route is the 400 as well', async (factory) => {
    const port = await echoApp(factory)
    const res = await exchange(port, ['QUERY /nowhere HTTP/1.1', 'Host: x'])
    assert.equal(res.status, 400)
    assert.equal(codeOf(res.body), 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE')
  })

  both('a bad percent-encoding is a 400 FST_ERR_BAD_URL for every method, routed or not', async (factory) => {
    const port = await echoApp(factory)
    for (const method of ['GET', 'POST', 'TRACE', 'PROPFIND', 'MKCOL', 'UNLOCK']) {
      for (const path of ['/%zz', '/r/%e0%a4%a', '/a/%zz?x=1']) {
        const res = await exchange(port, [`${method} ${path} HTTP/1.1`, 'Host: x'])
        assert.equal(res.status, 400, `${method} ${path}`)
        assert.equal(codeOf(res.body), 'FST_ERR_BAD_URL', `${method} ${path}`)
      }
    }
  })

  both('`*`, `*0` and `*?` request targets: `/` and `/*` routes answer as Fastify routes them', async (factory) => {
    const app = factory()
    app.get('/', async (request) => ({ route: request.routeOptions.url, params: request.params }))
    app.options('/x/*', async (request) => ({ route: request.routeOptions.url, params: request.params }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    const seen = {}
    for (const method of ['GET', 'OPTIONS']) {
      for (const target of ['*', '*0', '*?', '*?a=1', '**']) {
        const res = await exchange(port, [`${method} ${target} HTTP/1.1`, 'Host: x'])
        seen[`${method} ${target}`] = res.status === 200 ? JSON.parse(res.body) : res.status
      }
    }
    assert.deepEqual(seen, {
      'GET *': { route: '/', params: {} },
      'GET *0': 404,
      'GET *?': { route: '/', params: {} },
      'GET *?a=1': { route: '/', params: {} },
      'GET **': 404,
      'OPTIONS *': 404,
      'OPTIONS *0': 404,
      'OPTIONS *?': 404,
      'OPTIONS *?a=1': 404,
      'OPTIONS **': 404
    })
  })

  both('a catch-all `/*` route gets `*` targets with the path after `/` as its parameter', async (factory) => {
    const app = factory()
    app.get('/*', async (request) => ({ route: request.routeOptions.url, params: request.params }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    const seen = {}
    for (const target of ['*', '*0', '*?']) {
      const res = await exchange(port, [`GET ${target} HTTP/1.1`, 'Host: x'])
      seen[target] = JSON.parse(res.body)
    }
    assert.deepEqual(seen, {
      '*': { route: '/*', params: { '*': '' } },
      '*0': { route: '/*', params: { '*': '0' } },
      '*?': { route: '/*', params: { '*': '' } }
    })
  })
})

describe('a route declared as `*`', () => {
  both('app.all(\'*\') boots (its GET\'s automatic HEAD gives way) and gets every target whole', async (factory) => {
    const app = factory()
    app.all('*', async (request) => ({ method: request.method, params: request.params }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    const seen = {}
    for (const [method, target] of [['GET', '*'], ['OPTIONS', '*0'], ['GET', '*?a=1'], ['POST', '/a/b'], ['HEAD', '/']]) {
      const res = await exchange(port, [`${method} ${target} HTTP/1.1`, 'Host: x'])
      seen[`${method} ${target}`] = method === 'HEAD' ? res.status : JSON.parse(res.body).params
    }
    assert.deepEqual(seen, {
      'GET *': { '*': '*' },
      'OPTIONS *0': { '*': '*0' },
      'GET *?a=1': { '*': '*' },
      'POST /a/b': { '*': '/a/b' },
      'HEAD /': 200
    })
  })
})

describe('Expect and Host', () => {
  both('an unknown Expect without Host is a 400 (Node checks Host first)', async (factory) => {
    const port = await echoApp(factory)
    const res = await exchange(port, ['GET /r HTTP/1.1', 'Expect: foo'])
    assert.equal(res.status, 400)
  })

  both('an unknown Expect with Host is a 417', async (factory) => {
    const port = await echoApp(factory)
    const res = await exchange(port, ['GET /r HTTP/1.1', 'Host: x', 'Expect: foo'])
    assert.equal(res.status, 417)
  })
})

describe('preClose', () => {
  both('pluginTimeout bounds each preClose hook, not all of them together', async (factory) => {
    const app = factory({ pluginTimeout: 150 })
    let ran = 0
    for (let i = 0; i < 4; i++) app.addHook('preClose', async () => { await new Promise((resolve) => setTimeout(resolve, 60)); ran++ })
    await app.listen({ port: 0, host: '127.0.0.1' })
    await within(app.close(), 'close()', 3000)
    assert.equal(ran, 4)
  })

  for (const style of ['callback', 'async']) {
    both(`a preClose hook that never finishes fails close() with AVV_ERR_READY_TIMEOUT after pluginTimeout; onClose still runs (${style})`, async (factory) => {
      const app = factory({ pluginTimeout: 100 })
      if (style === 'callback') app.addHook('preClose', function stuck (done) {})
      else app.addHook('preClose', async function stuck () { await new Promise(() => {}) })
      let onCloseRan = false
      app.addHook('onClose', (instance, done) => { onCloseRan = true; done() })
      await app.listen({ port: 0, host: '127.0.0.1' })
      const started = Date.now()
      const err = await within(app.close(), 'close()', 3000).then(() => null, (e) => e)
      assert.ok(err !== null, 'close() rejects')
      assert.equal(err.code, 'AVV_ERR_READY_TIMEOUT')
      assert.equal(err.message, "Plugin did not start in time: ''. You may have forgotten to call 'done' function or to resolve a Promise")
      assert.ok(Date.now() - started >= 90, 'not before pluginTimeout')
      assert.equal(onCloseRan, true)
    })
  }
})
