// Server-level points of issue 9 side by side: node:http options and timeouts, handlerTimeout,
// maxParamLength, setters after boot, and what in-flight and arriving requests get during close().
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { both, deferred, inject, logLines, within } from './harness.js'

/** GET over `agent`, resolving [status, connection header, body]. */
function get (url, agent) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve([res.statusCode, res.headers.connection, body]))
    }).on('error', reject)
  })
}

/**
 * Holds GET /slow in flight (its handler resolves `entered`, then waits for `gate`), queues a GET of
 * `path` behind it on the same keep-alive socket, starts close(), then lets /slow finish. Asserts
 * the in-flight answer and that close() settles; resolves with the queued request's
 * [status, connection, body]. Failures are kept as values so none is left unhandled.
 */
async function requestArrivingWhileClosing (app, address, path, gate, entered) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const slow = get(`${address}/slow`, agent).catch((err) => err)
    const queued = get(`${address}${path}`, agent).catch((err) => err)
    await within(entered.promise, 'the slow handler')
    const closing = app.close()
    await new Promise((resolve) => setTimeout(resolve, 20))
    gate.resolve()
    assert.deepEqual(await within(slow, 'the in-flight response'), [200, 'keep-alive', 'slow done'])
    const answer = await within(queued, 'the request arriving while closing')
    assert.ok(Array.isArray(answer), `the request arriving while closing failed: ${answer.message}`)
    await within(closing, 'close()')
    return answer
  } finally {
    agent.destroy()
  }
}

/**
 * Writes `text` on a raw socket and resolves with everything read until the server closes it;
 * rejects (destroying the socket, so no handle stays open) if the server has not closed it in `ms`.
 */
function rawExchange (port, text, ms = 2000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the server kept the connection open for ${ms} ms (received ${JSON.stringify(received)})`))
    }, ms)
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => { received += chunk })
    socket.on('close', () => { clearTimeout(timer); resolve(received) })
    socket.on('error', (err) => { clearTimeout(timer); reject(err) })
  })
}

describe('node:http server options', () => {
  both('the http option reaches the node:http server', async (factory) => {
    const app = factory({ http: { headersTimeout: 1234 } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.equal(app.server.headersTimeout, 1234)
  })

  both('requestTimeout and connectionTimeout reach the server', async (factory) => {
    const app = factory({ requestTimeout: 5000, connectionTimeout: 6000 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.equal(app.server.requestTimeout, 5000)
    assert.equal(app.server.timeout, 6000)
  })

  both('an explicit requestTimeout: 0 is no request timeout, headersTimeout stays node:http\'s default, initialConfig says 0', async (factory) => {
    const app = factory({ requestTimeout: 0 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual([app.server.requestTimeout, app.server.headersTimeout, app.initialConfig.requestTimeout], [0, new http.Server().headersTimeout, 0])
  })

  both('a headersTimeout given above requestTimeout is taken (no ERR_OUT_OF_RANGE); initialConfig follows the options, for HTTP/2 too', async (factory) => {
    const app = factory({ requestTimeout: 1000, http: { headersTimeout: 1234 } })
    const h2 = factory({ http2: true, requestTimeout: 1000 })
    assert.deepEqual([app.server.requestTimeout, app.server.headersTimeout, app.initialConfig.requestTimeout, h2.initialConfig.requestTimeout, h2.initialConfig.keepAliveTimeout],
      [1000, 1234, 1000, 1000, 72000])
  })

  both('by default headersTimeout is node:http\'s own', async (factory) => {
    const app = factory()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const nodeDefault = new http.Server().headersTimeout
    assert.equal(app.server.headersTimeout, nodeDefault)
  })

  both('the documented options are checked and coerced as Fastify does (FST_ERR_INIT_OPTS_INVALID with Ajv\'s messages)', async (factory) => {
    const refused = [
      [{ connectionTimeout: 1.3 }, '["must be integer"]'],
      [{ connectionTimeout: [] }, '["must be integer"]'],
      [{ pluginTimeout: 'x' }, '["must be integer"]'],
      [{ maxParamLength: 1.5 }, '["must be integer"]'],
      [{ caseSensitive: 'yes' }, '["must be boolean"]'],
      [{ routerOptions: { ignoreTrailingSlash: 'sometimes' } }, '["must be boolean"]'],
      [{ forceCloseConnections: 'x' }, '["must match pattern \\"idle\\"","must be boolean","must match exactly one schema in oneOf"]']
    ]
    for (const [options, messages] of refused) {
      assert.throws(() => factory(options), (err) => {
        assert.equal(err.code, 'FST_ERR_INIT_OPTS_INVALID', JSON.stringify(options))
        assert.equal(err.message, `Invalid initialization options: '${messages}'`)
        assert.ok(Array.isArray(err.errors) && err.errors.length > 0)
        return true
      })
    }
    for (const bodyLimit of ['100', 'abc', 0, 1.5]) {
      assert.throws(() => factory({ bodyLimit }), { code: 'FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT' })
    }
    const options = { connectionTimeout: '5', caseSensitive: 'false', requestIdHeader: 5, routerOptions: { maxParamLength: '50' } }
    const app = factory(options)
    assert.equal(app.initialConfig.connectionTimeout, 5)
    assert.equal(app.initialConfig.caseSensitive, false)
    assert.equal(app.initialConfig.requestIdHeader, false)
    assert.equal(app.initialConfig.routerOptions.maxParamLength, 50)
    assert.equal(options.connectionTimeout, '5', 'the caller\'s object is left as given')
    assert.equal(options.routerOptions.maxParamLength, '50')
  })

  both('slow headers are cut with a 408 once requestTimeout passes', async (factory) => {
    const app = factory({ requestTimeout: 100, http: { connectionsCheckingInterval: 50 } })
    app.get('/', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const answer = await rawExchange(app.server.address().port, 'GET / HTTP/1.1\r\nHost: x\r\n')
    assert.match(answer, /^HTTP\/1\.1 408 /)
  })

  both('a client error\'s answer is Fastify\'s, byte for byte (408, 431 and 400)', async (factory) => {
    const app = factory({ requestTimeout: 100, http: { connectionsCheckingInterval: 50, maxHeaderSize: 1024 } })
    app.get('/', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = app.server.address().port
    const answers = [
      [await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n'), 408, 'Request Timeout', 'Client Timeout'],
      [await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2048)}\r\n\r\n`), 431, 'Request Header Fields Too Large', 'Exceeded maximum allowed HTTP header size'],
      [await rawExchange(port, 'GET / HTTP/1.1\r\nHost x\r\n\r\n'), 400, 'Bad Request', 'Client Error']
    ]
    for (const [answer, code, status, message] of answers) {
      const body = `{"error":"${status}","message":"${message}","statusCode":${code}}`
      assert.equal(answer, `HTTP/1.1 ${code} ${status}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`)
    }
  })
})

describe('handlerTimeout', () => {
  both('a handler past handlerTimeout gets 503 FST_ERR_HANDLER_TIMEOUT and its signal aborts', async (factory) => {
    const app = factory({ handlerTimeout: 50 })
    const aborted = deferred()
    app.get('/slow', async (request) => {
      request.signal.addEventListener('abort', () => aborted.resolve(true))
      await new Promise((resolve) => setTimeout(resolve, 200))
      return 'too late'
    })
    const res = await inject(app, '/slow')
    assert.equal(res.statusCode, 503)
    assert.deepEqual(res.json(), { statusCode: 503, code: 'FST_ERR_HANDLER_TIMEOUT', error: 'Service Unavailable', message: "Request timed out after 50 ms on route '/slow'" })
    assert.equal(await within(aborted.promise, 'request.signal abort'), true)
  })

  both('the route option wins over the server option and goes through the route error handler', async (factory) => {
    const app = factory({ handlerTimeout: 5000 })
    app.setErrorHandler((err, request, reply) => { reply.code(err.statusCode).send({ handled: err.code }) })
    app.get('/stuck', { handlerTimeout: 30 }, (request, reply) => {})
    const res = await inject(app, '/stuck')
    assert.equal(res.statusCode, 503)
    assert.deepEqual(res.json(), { handled: 'FST_ERR_HANDLER_TIMEOUT' })
  })
})

describe('maxParamLength', () => {
  both('a path parameter longer than maxParamLength answers 414', async (factory) => {
    const app = factory({ maxParamLength: 10 })
    app.get('/:id', async (request) => request.params.id)
    const url = '/' + 'a'.repeat(20)
    const res = await inject(app, url)
    assert.equal(res.statusCode, 414)
    assert.deepEqual(res.json(), { error: 'Bad Request', code: 'FST_ERR_MAX_PARAM_LENGTH', message: `'${url}' is exceeding the max param length`, statusCode: 414 })
    assert.equal((await inject(app, '/short')).body, 'short')
  })
})

describe('setters after boot', () => {
  both('addSchema, setSchemaErrorFormatter, setReplySerializer and friends throw once serving', async (factory) => {
    const app = factory()
    await inject(app, '/') // booted and has answered a request
    const calls = {
      addSchema: [{ $id: 'late', type: 'object' }],
      setSchemaErrorFormatter: [() => new Error('x')],
      setReplySerializer: [() => ''],
      setErrorHandler: [() => {}],
      setNotFoundHandler: [() => {}],
      setValidatorCompiler: [() => () => true]
    }
    for (const [method, args] of Object.entries(calls)) {
      assert.throws(() => app[method](...args), (e) => {
        assert.equal(e.code, 'FST_ERR_INSTANCE_ALREADY_LISTENING', method)
        assert.match(e.message, new RegExp(`already listening\\. Cannot call "${method}"!$`))
        return true
      }, method)
    }
    assert.throws(() => app.addContentTypeParser('text/x', (request, payload, done) => done()), { code: 'FST_ERR_CTP_INSTANCE_ALREADY_STARTED' })
  })
})

describe('requests during close()', () => {
  both('an in-flight response keeps keep-alive; a request arriving on that connection gets 503 close', async (factory) => {
    const app = factory()
    const gate = deferred()
    const entered = deferred()
    app.get('/slow', async () => { entered.resolve(); await gate.promise; return 'slow done' })
    app.get('/fast', async () => 'fast')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const [status, connection, body] = await requestArrivingWhileClosing(app, address, '/fast', gate, entered)
    assert.equal(status, 503)
    assert.equal(connection, 'close')
    assert.deepEqual(JSON.parse(body), { error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 })
  })

  both('a request refused while closing is named by the root\'s setGenReqId() generator', async (factory) => {
    const log = logLines()
    const app = factory({ logger: { stream: log.stream } })
    app.setGenReqId(() => 'from-set-gen-req-id')
    const gate = deferred()
    const entered = deferred()
    app.get('/slow', async () => { entered.resolve(); await gate.promise; return 'slow done' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const answer = await requestArrivingWhileClosing(app, address, '/nowhere', gate, entered)
    assert.equal(answer[0], 503)
    const refused = log.lines.filter((l) => /closing/.test(l.msg))
    assert.deepEqual(refused.map((l) => l.reqId), ['from-set-gen-req-id'])
  })

  both('with the logger off, a request refused while closing still gets its id, the childLoggerFactory\'s logger and the logController\'s serviceUnavailable', async (factory, framework) => {
    const calls = []
    class Recording extends framework.factory.LogController {
      serviceUnavailable (logger, server) { calls.push(['serviceUnavailable', typeof logger.info, server === app]) }
    }
    let ids = 0
    const app = factory({
      logController: new Recording(),
      genReqId: () => `id-${++ids}`,
      childLoggerFactory (logger, bindings, opts) { calls.push(['factory', bindings.reqId]); return logger.child(bindings, opts) }
    })
    const gate = deferred()
    const entered = deferred()
    app.get('/slow', async () => { entered.resolve(); await gate.promise; return 'slow done' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const answer = await requestArrivingWhileClosing(app, address, '/nowhere', gate, entered)
    assert.equal(answer[0], 503)
    assert.deepEqual(calls, [['factory', 'id-1'], ['factory', 'id-2'], ['serviceUnavailable', 'function', true]])
  })

  both('a handler calling close() after its send: the request pipelined behind it, already read, is still served', async (factory) => {
    const { Client } = await import('undici')
    const app = factory({ forceCloseConnections: false })
    let served = 0
    app.get('/', async (request, reply) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      reply.send({ n: ++served })
      app.close()
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const client = new Client(`http://127.0.0.1:${app.server.address().port}`, { pipelining: 2 })
    try {
      const answers = await within(Promise.allSettled([
        client.request({ path: '/', method: 'GET', blocking: false }),
        client.request({ path: '/', method: 'GET', blocking: false })
      ]), 'both pipelined requests')
      const outcomes = await Promise.all(answers.map(async (a) => a.status === 'fulfilled' ? [a.value.statusCode, await a.value.body.json()] : a.reason.code))
      assert.deepEqual(outcomes.map((o) => Array.isArray(o) ? o[0] : o), [200, 200])
      assert.deepEqual(outcomes.map((o) => o[1].n).sort(), [1, 2])
    } finally {
      await client.close().catch(() => {})
    }
  })

  both('a handler calling close() after its send while a pipelined request is still handled: that one is served, the next one on the connection gets the 503', async (factory) => {
    const { Client } = await import('undici')
    const app = factory({ return503OnClosing: true, forceCloseConnections: false })
    // the second request's send comes right after the first's close(), in the next turn: by then
    // the server must already be closing with that request in flight, so its connection stays open
    let served = 0
    const second = deferred()
    app.get('/', async (request, reply) => {
      const n = ++served
      if (n === 1) await new Promise((resolve) => setTimeout(resolve, 5))
      else await second.promise
      reply.send({ n })
      app.close()
      if (n === 1) setImmediate(second.resolve)
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const client = new Client(`http://127.0.0.1:${app.server.address().port}`, { pipelining: 2 })
    try {
      const answers = await within(Promise.allSettled([1, 2, 3].map(() => client.request({ path: '/', method: 'GET', blocking: false }))), 'three pipelined requests')
      const outcomes = await Promise.all(answers.map(async (a) => a.status === 'fulfilled' ? [a.value.statusCode, a.value.headers.connection, await a.value.body.text()] : a.reason.code))
      assert.deepEqual(outcomes, [
        [200, 'keep-alive', '{"n":1}'],
        [200, 'keep-alive', '{"n":2}'],
        [503, 'close', '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}']
      ])
    } finally {
      await client.close().catch(() => {})
    }
  })
})

describe('forceCloseConnections: \'idle\' at close()', () => {
  /** Counts the app's server's closeIdleConnections calls during close(). */
  async function closeIdleCalls (factory, options) {
    const app = factory({ forceCloseConnections: 'idle', ...options })
    await app.listen({ port: 0, host: '127.0.0.1' })
    let calls = 0
    const own = app.server.closeIdleConnections
    app.server.closeIdleConnections = function (...args) { calls++; return own.apply(this, args) }
    await within(app.close(), 'close()')
    return calls
  }

  both('a node:http server is asked once (its own close() does it)', async (factory) => {
    assert.equal(await closeIdleCalls(factory), 1)
  })

  both('a serverFactory\'s server is asked once more', async (factory) => {
    assert.equal(await closeIdleCalls(factory, { serverFactory: (handler) => http.createServer(handler) }), 2)
  })

  both('a serverFactory\'s server without closeIdleConnections is refused at construction', async (factory) => {
    assert.throws(() => factory({ forceCloseConnections: 'idle', serverFactory: () => ({ on () {} }) }), {
      code: 'FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE',
      message: "Cannot set forceCloseConnections to 'idle' as your HTTP server does not support closeIdleConnections method"
    })
  })
})
