// Request-lifecycle behaviour that real Fastify apps and plugins rely on, as Fastify 5.12's code
// behaves (each expected value below was read off Fastify 5.12 running the same app): hooks
// written in both styles at once, error handlers, hijack, non-Error failures, not-found, parsers,
// the send pipeline and the log lines around a response.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { newApp, within } from './helpers.js'

/** A pino destination that keeps each line as an object. */
function logLines () {
  const lines = []
  return { lines, stream: { write (line) { lines.push(JSON.parse(line)) } } }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('a callback-style hook that also returns a promise', () => {
  test('the chain goes on when the promise resolves, without done() (helmet)', async (t) => {
    const app = newApp(t)
    const order = []
    app.addHook('onRequest', function (request, reply, done) { order.push('a'); return Promise.resolve() })
    app.addHook('onRequest', function (request, reply, done) { order.push('b'); done() })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'ok')
    assert.deepEqual(order, ['a', 'b', 'handler'])
  })

  test('done() first, then the promise: each later hook runs once', async (t) => {
    const app = newApp(t)
    const order = []
    app.addHook('onRequest', function (request, reply, done) { order.push('a'); done(); return Promise.resolve() })
    app.addHook('onRequest', function (request, reply, done) { order.push('b'); setTimeout(done, 5) })
    app.addHook('onRequest', function (request, reply, done) { order.push('c'); done() })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.body, 'ok')
    assert.deepEqual(order, ['a', 'b', 'c', 'handler'])
  })

  test('the promise first, then a late done(): the late call is ignored', async (t) => {
    const app = newApp(t)
    const order = []
    let lateDone
    app.addHook('preHandler', function (request, reply, done) { lateDone = done; return Promise.resolve() })
    app.addHook('preHandler', function (request, reply, done) { order.push('second'); setTimeout(done, 10) })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    const pending = app.inject('/')
    await new Promise((resolve) => setTimeout(resolve, 2))
    lateDone()
    const res = await within(pending, 'the request')
    assert.equal(res.body, 'ok')
    assert.deepEqual(order, ['second', 'handler'])
  })

  test('a rejection without a reason answers 500 FST_ERR_SEND_UNDEFINED_ERR and the process lives', async (t) => {
    const app = newApp(t)
    app.addHook('onRequest', function (request, reply, done) { return Promise.reject() }) // eslint-disable-line prefer-promise-reject-errors
    app.get('/', async () => 'ok')
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { statusCode: 500, code: 'FST_ERR_SEND_UNDEFINED_ERR', error: 'Internal Server Error', message: 'Undefined error has occurred' })
  })

  test('a rejection with an error is the request\'s error', async (t) => {
    const app = newApp(t)
    app.addHook('preHandler', function (request, reply, done) { return Promise.reject(Object.assign(new Error('no entry'), { statusCode: 403 })) })
    app.get('/', async () => 'ok')
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().message, 'no entry')
  })
})

describe('custom error handlers', () => {
  test('an async handler that resolves without sending answers with an empty body and its status', async (t) => {
    const app = newApp(t)
    app.setErrorHandler(async (error, request, reply) => { reply.code(418) })
    app.get('/', async () => { throw new Error('x') })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 418)
    assert.equal(res.headers['content-length'], '0')
    assert.equal(res.body, '')
  })

  test('an async handler\'s resolved value is sent', async (t) => {
    const app = newApp(t)
    app.setErrorHandler(async (error) => ({ handled: error.message }))
    app.get('/', async () => { throw new Error('x') })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { handled: 'x' })
  })

  test('content headers set before the throw are dropped: the handler\'s object goes out as JSON', async (t) => {
    const app = newApp(t)
    app.setErrorHandler((error, request, reply) => { reply.send({ custom: error.message }) })
    app.get('/', (request, reply) => { reply.type('text/html'); reply.header('content-length', 3); throw new Error('x') })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { custom: 'x' })
  })

  test('a custom handler sees reply.statusCode untouched (only the default handler sets it)', async (t) => {
    const app = newApp(t)
    let seen
    app.setErrorHandler((error, request, reply) => { seen = reply.statusCode; reply.send('handled') })
    app.get('/', (request, reply) => { reply.code(201); throw Object.assign(new Error('x'), { statusCode: 409 }) })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(seen, 201)
    assert.equal(res.statusCode, 201)
  })
})

describe('the default error handler', () => {
  test('applies the error\'s headers and serializes it through the route\'s response schema for its status', async (t) => {
    const app = newApp(t)
    const schema = { response: { 400: { type: 'object', properties: { message: { type: 'string' }, extra: { type: 'string' }, statusCode: { type: 'number' } } } } }
    app.get('/', { schema }, async () => {
      throw Object.assign(new Error('bad'), { statusCode: 400, extra: 'custom prop', headers: { 'x-why': 'because' } })
    })
    const res = await app.inject('/')
    assert.equal(res.statusCode, 400)
    assert.equal(res.headers['x-why'], 'because')
    assert.equal(res.body, '{"message":"bad","extra":"custom prop","statusCode":400}')
  })

  test('a thrown string is the body itself, with status 500', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw 'plain string' }) // eslint-disable-line no-throw-literal
    const res = await app.inject('/')
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(res.body, 'plain string')
  })

  test('a plain object passed to done() is the body, with its statusCode when it is 400 or more', async (t) => {
    const app = newApp(t)
    app.addHook('preHandler', (request, reply, done) => done({ statusCode: 418, why: 'teapot' }))
    app.get('/', async () => 'ok')
    const res = await app.inject('/')
    assert.equal(res.statusCode, 418)
    assert.deepEqual(res.json(), { statusCode: 418, why: 'teapot' })
  })

  test('a plain object whose status is below 400 answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw { status: 302, why: 'low' } }) // eslint-disable-line no-throw-literal
    const res = await app.inject('/')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { status: 302, why: 'low' })
  })

  test('an onSend hook failing on the error answer gets the standard body of its own error', async (t) => {
    const app = newApp(t)
    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode === 500) throw new Error('onSend fails too')
      return payload
    })
    app.get('/', async () => { throw new Error('first') })
    const res = await within(app.inject('/'), 'the request')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'onSend fails too' })
  })
})

describe('reply.callNotFound()', () => {
  test('inside a not-found handler it answers a plain 404 instead of recursing', async (t) => {
    const app = newApp(t)
    app.setNotFoundHandler((request, reply) => { reply.callNotFound() })
    const res = await within(app.inject('/nope'), 'the request')
    assert.equal(res.statusCode, 404)
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(res.body, '404 Not Found')
  })

  test('it goes to the not-found handler of the route\'s own scope, running that scope\'s preHandler hooks', async (t) => {
    const app = newApp(t)
    const order = []
    app.register(async (child) => {
      child.addHook('preHandler', async () => { order.push('child preHandler') })
      child.setNotFoundHandler((request, reply) => { order.push('child 404'); reply.code(404).send('child') })
      child.get('/x', (request, reply) => { reply.callNotFound() })
    }, { prefix: '/p' })
    app.get('/p/root-route', (request, reply) => { reply.callNotFound() })
    let res = await within(app.inject('/p/x'), 'the request')
    assert.equal(res.statusCode, 404)
    assert.equal(res.body, 'child')
    // the child's preHandler runs for its route, then again for its not-found route
    assert.deepEqual(order, ['child preHandler', 'child preHandler', 'child 404'])
    order.length = 0
    res = await within(app.inject('/p/root-route'), 'the request')
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { message: 'Route GET:/p/root-route not found', error: 'Not Found', statusCode: 404 })
    assert.deepEqual(order, [])
  })
})

describe('reply.hijack()', () => {
  test('nothing of Weft\'s runs after it but onResponse; the hook\'s error is dropped', async (t) => {
    const app = newApp(t)
    const order = []
    app.addHook('onRequest', async (request, reply) => { reply.hijack(); reply.raw.end('raw'); throw new Error('dropped') })
    app.addHook('preHandler', async () => { order.push('preHandler') })
    app.addHook('onSend', async () => { order.push('onSend') })
    app.addHook('onError', async () => { order.push('onError') })
    app.addHook('onResponse', async () => { order.push('onResponse') })
    app.get('/', async () => { order.push('handler'); return 'x' })
    const res = await within(app.inject('/'), 'the request')
    await settle()
    assert.equal(res.body, 'raw')
    assert.deepEqual(order, ['onResponse'])
  })

  test('a send() after it only warns; a handler promise that rejects after it is logged', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { level: 'info', stream }, disableRequestLogging: true })
    app.get('/', (request, reply) => {
      reply.hijack()
      reply.send('no')
      reply.raw.end('raw')
      return Promise.reject(new Error('late'))
    })
    const res = await within(app.inject('/'), 'the request')
    await settle()
    assert.equal(res.body, 'raw')
    assert.deepEqual(lines.map((l) => [l.level, l.msg, l.err?.code ?? l.err?.message]), [
      [40, 'Reply was already sent, did you forget to "return reply" in "/" (GET)?', 'FST_ERR_REP_ALREADY_SENT'],
      [50, 'Promise errored, but reply.sent = true was set', 'late']
    ])
  })
})

describe('the send pipeline', () => {
  test('reply.serializer() applies to a string when a content type is set', async (t) => {
    const app = newApp(t)
    app.get('/', (request, reply) => { reply.type('text/x').serializer((p) => 'S:' + p).send('raw') })
    assert.equal((await app.inject('/')).body, 'S:raw')
  })

  test('a JSON content type without a charset gets utf-8', async (t) => {
    const app = newApp(t)
    app.get('/', (request, reply) => { reply.type('application/hal+json').send({ a: 1 }) })
    const res = await app.inject('/')
    assert.equal(res.headers['content-type'], 'application/hal+json; charset=utf-8')
    assert.equal(res.body, '{"a":1}')
  })

  test('a 204 answer carries no body and no content headers', async (t) => {
    const app = newApp(t)
    app.get('/', (request, reply) => { reply.code(204).send({ a: 1 }) })
    const res = await app.inject('/')
    assert.equal(res.statusCode, 204)
    assert.equal(res.headers['content-type'], undefined)
    assert.equal(res.headers['content-length'], undefined)
    assert.equal(res.body, '')
  })

  test('sending twice warns with FST_ERR_REP_ALREADY_SENT and keeps the first answer', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { level: 'info', stream }, disableRequestLogging: true })
    app.get('/', (request, reply) => { reply.send('a'); reply.send('b') })
    const res = await app.inject('/')
    assert.equal(res.body, 'a')
    assert.deepEqual(lines.map((l) => [l.level, l.err?.code]), [[40, 'FST_ERR_REP_ALREADY_SENT']])
  })
})

describe('routes', () => {
  test('a prefix and a path join as written: /prefix + * is /prefix*', async (t) => {
    const app = newApp(t)
    app.register(async (child) => { child.get('*', async (request) => request.routeOptions.url) }, { prefix: '/prefix' })
    const a = await app.inject('/prefixabc')
    const b = await app.inject('/prefix/x')
    assert.deepEqual([a.statusCode, a.body, b.statusCode, b.body], [200, '/prefix*', 200, '/prefix*'])
  })

  test('request.routeOptions.config carries the route\'s url and method', async (t) => {
    const app = newApp(t)
    app.get('/c', { config: { a: 1 } }, async (request) => request.routeOptions.config)
    assert.deepEqual((await app.inject('/c')).json(), { a: 1, url: '/c', method: 'GET' })
  })

  test('addHook(name, null) names null in its message; a route hook option set to null is rejected', async (t) => {
    const app = newApp(t)
    assert.throws(() => app.addHook('onRequest', null), { code: 'FST_ERR_HOOK_INVALID_HANDLER', message: 'onRequest hook should be a function, instead got null' })
    assert.throws(() => app.addHook('onRequest', undefined), { message: 'onRequest hook should be a function, instead got undefined' })
    assert.throws(() => app.get('/', { onRequest: null }, async () => 'x'), { code: 'FST_ERR_HOOK_INVALID_HANDLER', message: 'onRequest hook should be a function, instead got [object Null]' })
  })

  test('a path that does not decode answers 400 FST_ERR_BAD_URL before any hook runs', async (t) => {
    const app = newApp(t)
    const order = []
    app.addHook('onRequest', async () => { order.push('onRequest') })
    app.get('/:id', async () => 'ok')
    const res = await app.inject('/%E0%A4%A')
    assert.equal(res.statusCode, 400)
    assert.equal(res.headers['content-type'], 'application/json')
    assert.deepEqual(res.json(), { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: "'/%E0%A4%A' is not a valid url component", statusCode: 400 })
    assert.deepEqual(order, [])
  })
})

describe('body parser failures', () => {
  test('a user parser\'s error without a status is a 500, and the connection closes', async (t) => {
    const app = newApp(t)
    app.addContentTypeParser('text/fail', { parseAs: 'string' }, (request, body, done) => done(new Error('cannot parse')))
    app.post('/', async () => 'ok')
    const res = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'text/fail' }, payload: 'x' })
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers.connection, 'close')
    assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'cannot parse' })
  })
})

describe('the log lines around a response', () => {
  test('onResponse runs before `request completed`; its error turns the line into `request errored`', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { level: 'info', stream } })
    app.addHook('onResponse', async (request) => { request.log.info('in onResponse'); throw new Error('resp fail') })
    app.get('/', async () => 'ok')
    await app.inject('/')
    await settle()
    assert.deepEqual(lines.map((l) => [l.level, l.msg, l.err?.message]), [
      [30, 'incoming request', undefined],
      [30, 'in onResponse', undefined],
      [50, 'request errored', 'resp fail']
    ])
  })

  test('the default not-found handler logs `Route METHOD:url not found`', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { level: 'info', stream } })
    await app.inject('/nope')
    assert.deepEqual(lines.map((l) => l.msg), ['incoming request', 'Route GET:/nope not found', 'request completed'])
  })
})


describe('the frameworkErrors option', () => {
  test('a path that does not decode goes to it with a request and reply of its own, and no hook runs', async (t) => {
    const order = []
    const app = newApp(t, {
      frameworkErrors: (error, request, reply) => { reply.code(400).send({ code: error.code, message: error.message, url: request.url, id: typeof request.id }) }
    })
    app.addHook('onRequest', async () => { order.push('onRequest') })
    app.addHook('onSend', async (request, reply, payload) => { order.push('onSend'); return payload })
    app.get('/:id', async () => 'ok')
    const res = await app.inject('/%E0%A4%A')
    assert.equal(res.statusCode, 400)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { code: 'FST_ERR_BAD_URL', message: "'/%E0%A4%A' is not a valid url component", url: '/%E0%A4%A', id: 'string' })
    assert.deepEqual(order, [])
  })

  test('a throw inside it is answered by the default error handler', async (t) => {
    const app = newApp(t, { frameworkErrors: () => { throw Object.assign(new Error('refused'), { statusCode: 422 }) } })
    app.get('/:id', async () => 'ok')
    const res = await within(app.inject('/%E0%A4%A'), 'the request')
    assert.equal(res.statusCode, 422)
    assert.equal(res.json().message, 'refused')
  })
})

describe('options and reply helpers Fastify apps use', () => {
  test('rewriteUrl rewrites before routing; request.originalUrl keeps what arrived', async (t) => {
    const app = newApp(t, { rewriteUrl: (req) => req.url.replace(/^\/old/, '/new') })
    app.get('/new/x', async (request) => ({ url: request.url, original: request.originalUrl }))
    assert.deepEqual((await app.inject('/old/x')).json(), { url: '/new/x', original: '/old/x' })
  })

  test('a second setErrorHandler() in one scope throws FST_ERR_ERROR_HANDLER_ALREADY_SET with allowErrorHandlerOverride: false', (t) => {
    const app = newApp(t, { allowErrorHandlerOverride: false })
    app.setErrorHandler(() => {})
    assert.throws(() => app.setErrorHandler(() => {}), {
      code: 'FST_ERR_ERROR_HANDLER_ALREADY_SET',
      message: "Error Handler already set in this scope. Set 'allowErrorHandlerOverride: true' to allow overriding."
    })
  })

  test('by default a second setErrorHandler() in one scope warns (FSTWRN004) and takes over', async (t) => {
    const app = newApp(t)
    const warnings = []
    const onWarning = (w) => { if (w.code === 'FSTWRN004') warnings.push(w) }
    process.on('warning', onWarning)
    t.after(() => process.off('warning', onWarning))
    app.setErrorHandler((err, request, reply) => reply.send('first'))
    app.setErrorHandler((err, request, reply) => reply.send('second'))
    app.get('/', async () => { throw new Error('x') })
    assert.equal((await app.inject('/')).body, 'second')
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(warnings.length, 1)
  })

  test('reply.serializeInput() uses the route\'s serializer for a status, FST_ERR_MISSING_SERIALIZATION_FN without one', async (t) => {
    const app = newApp(t)
    let seen
    app.get('/', { schema: { response: { 200: { type: 'object', properties: { a: { type: 'number' } } } } } }, (request, reply) => {
      seen = { serialized: reply.serializeInput({ a: 1, b: 2 }, 200) }
      try { reply.serializeInput({}, 201) } catch (err) { seen.error = [err.code, err.message] }
      reply.send({ a: 3 })
    })
    await app.inject('/')
    assert.deepEqual(seen, { serialized: '{"a":1}', error: ['FST_ERR_MISSING_SERIALIZATION_FN', 'Missing serialization function. Key "201"'] })
  })
})
