// The request lifecycle points of issue 9 as side-by-side cases: hook styles, error handlers,
// not-found, hijack, non-Error failures, parsers, logging order, serializers, prefixes, config.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { both, inject, logLines, turns } from './harness.js'

const never = () => new Promise(() => {})

describe('a callback-style hook that also returns a promise', () => {
  both('done() called first, promise never settles: the request goes on', async (factory) => {
    const app = factory()
    const order = []
    app.addHook('onRequest', function (request, reply, done) { order.push('hook'); done(); return never() })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'ok')
    assert.deepEqual(order, ['hook', 'handler'])
  })

  both('the promise resolves first, done() never called: the request goes on', async (factory) => {
    const app = factory()
    const order = []
    app.addHook('onRequest', function (request, reply, done) { order.push('first'); return Promise.resolve() })
    app.addHook('onRequest', function (request, reply, done) { order.push('second'); done() })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(order, ['first', 'second', 'handler'])
  })

  both('a rejection with a reason is the request\'s error', async (factory) => {
    const app = factory()
    app.addHook('preHandler', function (request, reply, done) { return Promise.reject(new Error('hook failed')) })
    app.get('/', async () => 'unreachable')
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'hook failed' })
  })

  both('a rejection without a reason is FST_ERR_SEND_UNDEFINED_ERR', async (factory) => {
    const app = factory()
    app.addHook('preHandler', function (request, reply, done) { return Promise.reject() }) // eslint-disable-line prefer-promise-reject-errors
    app.get('/', async () => 'unreachable')
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { statusCode: 500, code: 'FST_ERR_SEND_UNDEFINED_ERR', error: 'Internal Server Error', message: 'Undefined error has occurred' })
  })
})

describe('an async custom error handler that resolves without sending', () => {
  both('resolving undefined answers with an empty body and the code it set', async (factory) => {
    const app = factory()
    app.setErrorHandler(async (err, request, reply) => { reply.code(503) })
    app.get('/', async () => { throw new Error('down') })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 503)
    assert.equal(res.body, '')
  })

  both('resolving a value sends that value', async (factory) => {
    const app = factory()
    app.setErrorHandler(async (err, request, reply) => { reply.code(502); return { handled: err.message } })
    app.get('/', async () => { throw new Error('upstream') })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 502)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { handled: 'upstream' })
  })
})

describe('reply.callNotFound() inside a not-found handler', () => {
  both('answers the default 404 instead of recursing', async (factory) => {
    const app = factory()
    app.setNotFoundHandler((request, reply) => reply.callNotFound())
    const res = await inject(app, '/nowhere')
    assert.equal(res.statusCode, 404)
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(res.body, '404 Not Found')
  })

  both('callNotFound() from a route runs the 404 scope\'s preHandler hooks', async (factory) => {
    const app = factory()
    const order = []
    app.register(async (child) => {
      child.addHook('preHandler', async () => { order.push('child preHandler') })
      child.setNotFoundHandler((request, reply) => { order.push('child 404'); reply.code(404).send('custom 404') })
      child.get('/thing', (request, reply) => { order.push('route'); reply.callNotFound() })
    }, { prefix: '/child' })
    const res = await inject(app, '/child/thing')
    assert.equal(res.statusCode, 404)
    assert.equal(res.body, 'custom 404')
    assert.deepEqual(order, ['child preHandler', 'route', 'child preHandler', 'child 404'])
  })
})

describe('a content-type set before a throw', () => {
  both('a custom error handler sending an object gets JSON', async (factory) => {
    const app = factory()
    app.setErrorHandler((err, request, reply) => reply.code(400).send({ failed: err.message }))
    app.get('/', (request, reply) => { reply.type('text/plain'); reply.header('content-length', 3); throw new Error('late') })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 400)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { failed: 'late' })
  })
})

describe('reply.hijack()', () => {
  both('in onRequest: later hooks and the handler do not run, onResponse does', async (factory) => {
    const app = factory()
    const order = []
    app.addHook('onRequest', async (request, reply) => {
      order.push('onRequest')
      reply.hijack()
      reply.raw.writeHead(202, { 'x-raw': 'yes' })
      reply.raw.end('raw body')
    })
    app.addHook('preHandler', async () => { order.push('preHandler') })
    app.addHook('onSend', async () => { order.push('onSend') })
    app.addHook('onResponse', async () => { order.push('onResponse') })
    app.get('/', async () => { order.push('handler'); return 'handler body' })
    const res = await inject(app, '/')
    await turns(2)
    assert.equal(res.statusCode, 202)
    assert.equal(res.headers['x-raw'], 'yes')
    assert.equal(res.body, 'raw body')
    assert.deepEqual(order, ['onRequest', 'onResponse'])
  })

  both('an error thrown after hijack in a hook is dropped; no error handler runs', async (factory) => {
    const app = factory()
    const handled = []
    app.setErrorHandler((err, request, reply) => { handled.push(err.message); reply.send('error handler') })
    app.addHook('onError', async (request, reply, err) => { handled.push('onError') })
    app.addHook('preHandler', async (request, reply) => {
      reply.hijack()
      reply.raw.end('hijacked')
      throw new Error('after hijack')
    })
    app.get('/', async () => 'handler')
    const res = await inject(app, '/')
    await turns(2)
    assert.equal(res.body, 'hijacked')
    assert.deepEqual(handled, [])
  })

  both('reply.send() after hijack writes nothing and logs FST_ERR_REP_ALREADY_SENT at warn', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { level: 'warn', stream } })
    app.get('/', (request, reply) => {
      reply.hijack()
      reply.raw.end('raw')
      reply.send('late')
    })
    const res = await inject(app, '/')
    await turns(2)
    assert.equal(res.body, 'raw')
    const warned = lines.filter((l) => l.level === 40)
    assert.equal(warned.length, 1)
    assert.equal(warned[0].err.code, 'FST_ERR_REP_ALREADY_SENT')
    assert.equal(warned[0].msg, 'Reply was already sent, did you forget to "return reply" in "/" (GET)?')
  })

  both('a handler promise rejecting after hijack is logged at error level', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { level: 'error', stream } })
    app.get('/', async (request, reply) => {
      reply.hijack()
      reply.raw.end('raw')
      throw new Error('too late')
    })
    const res = await inject(app, '/')
    await turns(2)
    assert.equal(res.body, 'raw')
    assert.deepEqual(lines.map((l) => [l.level, l.msg, l.err?.message]), [[50, 'Promise errored, but reply.sent = true was set', 'too late']])
  })
})

describe('a non-Error failure', () => {
  both('a thrown string is sent as the body with 500', async (factory) => {
    const app = factory()
    app.get('/', async () => { throw 'plain words' }) // eslint-disable-line no-throw-literal
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 500)
    assert.equal(res.body, 'plain words')
  })

  both('a rejected plain object with statusCode is sent as JSON with that status', async (factory) => {
    const app = factory()
    app.get('/', () => Promise.reject({ statusCode: 418, reason: 'teapot' })) // eslint-disable-line prefer-promise-reject-errors
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 418)
    assert.deepEqual(res.json(), { statusCode: 418, reason: 'teapot' })
  })

  both('a plain object passed to done() in a hook with a status below 400 gets 500', async (factory) => {
    const app = factory()
    app.addHook('onRequest', (request, reply, done) => done({ status: 302, note: 'low' }))
    app.get('/', async () => 'unreachable')
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { status: 302, note: 'low' })
  })
})

describe('the default error handler', () => {
  both('applies the error\'s headers and serializes it through the response schema', async (factory) => {
    const app = factory()
    app.get('/', {
      schema: { response: { 409: { type: 'object', properties: { message: { type: 'string' }, detail: { type: 'string' }, statusCode: { type: 'integer' } } } } }
    }, async () => {
      const err = new Error('taken')
      err.statusCode = 409
      err.headers = { 'x-reason': 'duplicate', 'retry-after': '5' }
      err.detail = 'name already in use'
      throw err
    })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 409)
    assert.equal(res.headers['x-reason'], 'duplicate')
    assert.equal(res.headers['retry-after'], '5')
    assert.deepEqual(res.json(), { message: 'taken', detail: 'name already in use', statusCode: 409 })
  })
})

describe('a custom error handler', () => {
  both('sees reply.statusCode untouched by the error\'s status', async (factory) => {
    const app = factory()
    let seen
    app.setErrorHandler((err, request, reply) => { seen = reply.statusCode; reply.send({ status: err.statusCode }) })
    app.get('/', async (request, reply) => {
      reply.code(201)
      const err = new Error('nope')
      err.statusCode = 418
      throw err
    })
    const res = await inject(app, '/')
    assert.equal(seen, 201)
    assert.equal(res.statusCode, 201)
    assert.deepEqual(res.json(), { status: 418 })
  })
})

describe('a user content-type parser that fails', () => {
  both('its error keeps its statusCode and the connection closes', async (factory) => {
    const app = factory()
    app.addContentTypeParser('application/x-thing', (request, payload, done) => {
      const err = new Error('unprocessable thing')
      err.statusCode = 422
      done(err)
    })
    app.post('/', async () => 'unreachable')
    const res = await inject(app, { method: 'POST', url: '/', headers: { 'content-type': 'application/x-thing' }, payload: 'x' })
    assert.equal(res.statusCode, 422)
    assert.equal(res.headers.connection, 'close')
    assert.deepEqual(res.json(), { statusCode: 422, error: 'Unprocessable Entity', message: 'unprocessable thing' })
  })

  both('an error without statusCode is a 500 and the connection closes', async (factory) => {
    const app = factory()
    app.addContentTypeParser('application/x-thing', { parseAs: 'string' }, (request, body, done) => done(new Error('bad thing')))
    app.post('/', async () => 'unreachable')
    const res = await inject(app, { method: 'POST', url: '/', headers: { 'content-type': 'application/x-thing' }, payload: 'x' })
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers.connection, 'close')
    assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'bad thing' })
  })
})

describe('onResponse and the request completed log line', () => {
  both('onResponse hook logs come before request completed', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.addHook('onResponse', async (request) => { request.log.info('in onResponse') })
    app.get('/', async () => 'ok')
    await inject(app, '/')
    await turns(3)
    assert.deepEqual(lines.filter((l) => l.reqId).map((l) => l.msg), ['incoming request', 'in onResponse', 'request completed'])
  })

  both('an onResponse error is reported on the request errored line', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.addHook('onResponse', async () => { throw new Error('after the fact') })
    app.get('/', async () => 'ok')
    const res = await inject(app, '/')
    await turns(3)
    assert.equal(res.statusCode, 200)
    const last = lines.filter((l) => l.reqId).map((l) => [l.level, l.msg, l.err?.message])
    assert.deepEqual(last, [[30, 'incoming request', undefined], [50, 'request errored', 'after the fact']])
  })
})

describe('addHook with a missing function', () => {
  both('addHook(name, null) names null in its message', async (factory) => {
    const app = factory()
    assert.throws(() => app.addHook('onRequest', null), { code: 'FST_ERR_HOOK_INVALID_HANDLER', message: 'onRequest hook should be a function, instead got null' })
    assert.throws(() => app.addHook('preHandler', undefined), { code: 'FST_ERR_HOOK_INVALID_HANDLER', message: 'preHandler hook should be a function, instead got undefined' })
  })

  both('a route hook option set to null is rejected', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/', { onRequest: null }, async () => 'ok'),
      { code: 'FST_ERR_HOOK_INVALID_HANDLER', message: 'onRequest hook should be a function, instead got [object Null]' })
  })
})

describe('reply.serializer() and JSON content types', () => {
  both('a custom serializer also applies to a string payload of a JSON type', async (factory) => {
    const app = factory()
    app.get('/', (request, reply) => { reply.type('application/json').serializer((payload) => JSON.stringify({ wrapped: payload })).send('hello') })
    const res = await inject(app, '/')
    assert.equal(res.headers['content-type'], 'application/json')
    assert.deepEqual(res.json(), { wrapped: 'hello' })
  })

  both('a custom serializer on an object with no type set sends no content-type', async (factory) => {
    const app = factory()
    app.get('/', (request, reply) => { reply.serializer((payload) => 'S:' + JSON.stringify(payload)).send({ a: 1 }) })
    const res = await inject(app, '/')
    assert.equal(res.headers['content-type'], undefined)
    assert.equal(res.body, 'S:{"a":1}')
  })

  both('an explicit application/json type gets ; charset=utf-8', async (factory) => {
    const app = factory()
    app.get('/', (request, reply) => { reply.type('application/json').send({ a: 1 }) })
    app.get('/vendor', (request, reply) => { reply.type('application/vnd.api+json').send({ b: 2 }) })
    assert.equal((await inject(app, '/')).headers['content-type'], 'application/json; charset=utf-8')
    const vendor = await inject(app, '/vendor')
    assert.equal(vendor.headers['content-type'], 'application/vnd.api+json; charset=utf-8')
    assert.deepEqual(vendor.json(), { b: 2 })
  })
})

describe('route prefixes', () => {
  both('/prefix + * joins as /prefix*', async (factory) => {
    const app = factory()
    const urls = []
    app.addHook('onRoute', (route) => { if (route.method === 'GET') urls.push(route.url) })
    app.register(async (child) => { child.get('*', async (request) => request.url) }, { prefix: '/prefix' })
    const res = await inject(app, '/prefixed-more')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, '/prefixed-more')
    assert.deepEqual(urls, ['/prefix*'])
  })
})

describe('request.routeOptions.config', () => {
  both('includes the route config plus url and method', async (factory) => {
    const app = factory()
    app.get('/items/:id', { config: { feature: 'x' } }, async (request) => request.routeOptions.config)
    const res = await inject(app, '/items/7')
    assert.deepEqual(res.json(), { feature: 'x', url: '/items/:id', method: 'GET' })
  })
})

describe('the frameworkErrors option', () => {
  both('answers a bad url component through the user function', async (factory) => {
    const app = factory({
      frameworkErrors: (err, request, reply) => reply.code(400).send({ custom: err.code, message: err.message })
    })
    app.get('/items/:id', async () => 'unreachable')
    const res = await inject(app, '/items/%c0')
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), { custom: 'FST_ERR_BAD_URL', message: "'/items/%c0' is not a valid url component" })
  })
})
