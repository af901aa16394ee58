// The request/reply hooks of LIFECYCLE.md ("Request/reply hooks"), one describe per row of the
// table, each behaviour checked in both hook styles (callback `done` and async) through inject().
// onTimeout and onRequestAbort need a real socket: they are in sockets.test.js.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import weft from 'weft'
import { deferred, newApp, within } from './helpers.js'

const styles = ['callback', 'async']

/** Parameters a hook takes before `done`. */
const arity = {
  onRequest: 2, preParsing: 3, preValidation: 2, preHandler: 2, preSerialization: 3,
  onError: 3, onSend: 3, onResponse: 2
}

/**
 * A hook in the given style whose work is `fn(...args)`: callback style calls `done(null, result)`
 * (or `done(err)` when fn throws); async style returns fn's result.
 */
function hook (name, style, fn) {
  const n = arity[name]
  if (style === 'async') {
    return n === 2
      ? async function (req, reply) { return fn.call(this, req, reply) }
      : async function (req, reply, value) { return fn.call(this, req, reply, value) }
  }
  const finish = (done, run) => {
    let result
    try { result = run() } catch (err) { done(err); return }
    done(null, result)
  }
  return n === 2
    ? function (req, reply, done) { finish(done, () => fn.call(this, req, reply)) }
    : function (req, reply, value, done) { finish(done, () => fn.call(this, req, reply, value)) }
}





describe('the order of request/reply hooks', () => {
  for (const style of styles) {
    test(`onRequest → preParsing → preValidation → preHandler → handler → preSerialization → onSend → onResponse (${style})`, async (t) => {
      const app = newApp(t)
      const order = []
      const responded = deferred()
      for (const name of ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend']) {
        app.addHook(name, hook(name, style, () => { order.push(name) }))
      }
      app.addHook('onResponse', hook('onResponse', style, () => { order.push('onResponse'); responded.resolve() }))
      app.post('/', async (req) => { order.push('handler'); return { got: req.body } })

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      await within(responded.promise, 'onResponse')
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { got: { a: 1 } })
      assert.deepEqual(order, ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'handler',
        'preSerialization', 'onSend', 'onResponse'])
    })
  }

  for (const style of styles) {
    test(`on error: onError → error handler → onSend → onResponse (${style})`, async (t) => {
      const app = newApp(t)
      const order = []
      const responded = deferred()
      app.addHook('onError', hook('onError', style, () => { order.push('onError') }))
      app.addHook('onSend', hook('onSend', style, () => { order.push('onSend') }))
      app.addHook('onResponse', hook('onResponse', style, () => { order.push('onResponse'); responded.resolve() }))
      app.setErrorHandler((err, req, reply) => { order.push('errorHandler'); reply.code(500).send({ handled: err.message }) })
      app.get('/', async () => { order.push('handler'); throw new Error('boom') })

      const res = await app.inject('/')
      await within(responded.promise, 'onResponse')
      assert.equal(res.statusCode, 500)
      assert.deepEqual(res.json(), { handled: 'boom' })
      assert.deepEqual(order, ['handler', 'onError', 'errorHandler', 'onSend', 'onResponse'])
    })
  }
})

describe('onRequest', () => {
  for (const style of styles) {
    test(`req.body is undefined, even for a request with a body (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('onRequest', hook('onRequest', style, (req) => { seen.push(req.body) }))
      app.post('/', async (req) => req.body)

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { a: 1 })
      assert.deepEqual(seen, [undefined])
    })
  }

  for (const style of styles) {
    test(`sees the request (method, url, params, headers) and can set reply headers (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('onRequest', hook('onRequest', style, (req, reply) => {
        reply.header('x-seen', `${req.method} ${req.url} ${req.params.id} ${req.headers['x-test']}`)
      }))
      app.get('/items/:id', async () => 'ok')

      const res = await app.inject({ url: '/items/7?x=1', headers: { 'x-test': 'yes' } })
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['x-seen'], 'GET /items/7?x=1 7 yes')
    })
  }
})

describe('preParsing', () => {
  for (const style of styles) {
    test(`runs for every method, GET and HEAD included (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('preParsing', hook('preParsing', style, (req) => { seen.push(req.method) }))
      app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/', handler: async () => 'ok' })

      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const res = await app.inject({ method, url: '/' })
        assert.equal(res.statusCode, 200, method)
      }
      assert.deepEqual(seen, ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
    })
  }

  for (const style of styles) {
    test(`receives the raw request stream as payload (${style})`, async (t) => {
      const app = newApp(t)
      let same
      app.addHook('preParsing', hook('preParsing', style, (req, reply, payload) => { same = payload === req.raw }))
      app.post('/', async (req) => req.body)

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { a: 1 })
      assert.equal(same, true)
    })
  }

  for (const style of styles) {
    test(`a returned stream replaces the body (${style})`, async (t) => {
      const app = newApp(t)
      const original = JSON.stringify({ from: 'client' })
      app.addHook('preParsing', hook('preParsing', style, () => {
        const replacement = Readable.from([Buffer.from(JSON.stringify({ from: 'hook', list: [1, 2, 3] }))])
        replacement.receivedEncodedLength = Buffer.byteLength(original) // what the client sent
        return replacement
      }))
      app.post('/', async (req) => req.body)

      const res = await app.inject({ method: 'POST', url: '/', payload: original, headers: { 'content-type': 'application/json' } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { from: 'hook', list: [1, 2, 3] })
    })
  }

  for (const style of styles) {
    test(`a failure stops the chain before the body is read (${style})`, async (t) => {
      const app = newApp(t)
      let handled = false
      app.addHook('preParsing', hook('preParsing', style, () => { throw Object.assign(new Error('no body for you'), { statusCode: 403 }) }))
      app.post('/', async () => { handled = true; return 'ok' })

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 403)
      assert.equal(res.json().message, 'no body for you')
      assert.equal(handled, false)
    })
  }
})

describe('preValidation', () => {
  for (const style of styles) {
    test(`sees the parsed body and may change req.body (${style})`, async (t) => {
      const app = newApp(t)
      let seen
      app.addHook('preValidation', hook('preValidation', style, (req) => {
        seen = req.body
        req.body = { ...req.body, added: true }
      }))
      app.post('/', async (req) => req.body)

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(seen, { a: 1 })
      assert.deepEqual(res.json(), { a: 1, added: true })
    })
  }

  for (const style of styles) {
    test(`runs before schema validation: a body it fixes passes the schema (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('preValidation', hook('preValidation', style, (req) => { req.body = { n: Number(req.body.n) } }))
      app.post('/', {
        schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } }
      }, async (req) => req.body)

      const res = await app.inject({ method: 'POST', url: '/', payload: { n: '12' } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { n: 12 })
    })
  }
})

describe('preHandler', () => {
  for (const style of styles) {
    test(`runs after validation, just before the handler, and can decorate the request (${style})`, async (t) => {
      const app = newApp(t)
      app.decorateRequest('user', null)
      app.addHook('preHandler', hook('preHandler', style, (req) => { req.user = { name: req.body.name } }))
      app.post('/', async (req) => ({ user: req.user }))

      const res = await app.inject({ method: 'POST', url: '/', payload: { name: 'ada' } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { user: { name: 'ada' } })
    })
  }

  for (const style of styles) {
    test(`does not run when validation fails (${style})`, async (t) => {
      const app = newApp(t)
      let ran = false
      app.addHook('preHandler', hook('preHandler', style, () => { ran = true }))
      app.post('/', { schema: { body: { type: 'object', required: ['n'] } } }, async () => 'ok')

      const res = await app.inject({ method: 'POST', url: '/', payload: { other: 1 } })
      assert.equal(res.statusCode, 400)
      assert.equal(ran, false)
    })
  }
})

describe('preSerialization', () => {
  for (const style of styles) {
    test(`a returned value replaces the payload before serialization (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('preSerialization', hook('preSerialization', style, (req, reply, payload) => ({ wrapped: payload })))
      app.get('/', async () => ({ a: 1 }))

      const res = await app.inject('/')
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
      assert.deepEqual(res.json(), { wrapped: { a: 1 } })
    })
  }

  for (const style of styles) {
    test(`returning nothing keeps the payload (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('preSerialization', hook('preSerialization', style, () => undefined))
      app.get('/', async () => ({ a: 1 }))

      const res = await app.inject('/')
      assert.deepEqual(res.json(), { a: 1 })
    })
  }

  for (const style of styles) {
    test(`is called for objects, arrays and null (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('preSerialization', hook('preSerialization', style, (req, reply, payload) => { seen.push(payload) }))
      app.get('/object', (req, reply) => { reply.send({ a: 1 }) })
      app.get('/array', (req, reply) => { reply.send([1, 2]) })
      app.get('/null', (req, reply) => { reply.send(null) })

      assert.deepEqual((await app.inject('/object')).json(), { a: 1 })
      assert.deepEqual((await app.inject('/array')).json(), [1, 2])
      const res = await app.inject('/null')
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, 'null')
      assert.deepEqual(seen, [{ a: 1 }, [1, 2], null])
    })
  }

  for (const style of styles) {
    test(`is not called for strings, Buffers or streams (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('preSerialization', hook('preSerialization', style, (req, reply, payload) => { seen.push(payload) }))
      app.get('/string', async () => 'text')
      app.get('/buffer', async () => Buffer.from('bytes'))
      app.get('/stream', (req, reply) => { reply.send(Readable.from(['streamed'])) })

      assert.equal((await app.inject('/string')).body, 'text')
      assert.equal((await app.inject('/buffer')).body, 'bytes')
      assert.equal((await app.inject('/stream')).body, 'streamed')
      assert.deepEqual(seen, [])
    })
  }

  for (const style of styles) {
    test(`a failure sends the error instead of the payload (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('preSerialization', hook('preSerialization', style, () => { throw new Error('cannot serialize this') }))
      app.get('/', async () => ({ secret: 1 }))

      const res = await app.inject('/')
      assert.equal(res.statusCode, 500)
      assert.equal(res.json().message, 'cannot serialize this')
      assert.equal(res.body.includes('secret'), false)
    })
  }
})

describe('onError', () => {
  for (const style of styles) {
    test(`runs before the error handler and receives the error (${style})`, async (t) => {
      const app = newApp(t)
      const order = []
      app.addHook('onError', hook('onError', style, (req, reply, err) => { order.push(`onError:${err.message}`) }))
      app.setErrorHandler((err, req, reply) => { order.push('errorHandler'); reply.code(409).send({ message: err.message }) })
      app.get('/', async () => { throw new Error('conflict') })

      const res = await app.inject('/')
      assert.equal(res.statusCode, 409)
      assert.deepEqual(res.json(), { message: 'conflict' })
      assert.deepEqual(order, ['onError:conflict', 'errorHandler'])
    })
  }

  for (const style of styles) {
    test(`reply.send inside it throws FST_ERR_SEND_INSIDE_ONERR and the error response is still sent (${style})`, async (t) => {
      const app = newApp(t)
      let thrown
      app.addHook('onError', hook('onError', style, (req, reply) => {
        try { reply.send('from onError') } catch (err) { thrown = err }
      }))
      app.get('/', async () => { throw Object.assign(new Error('original'), { statusCode: 400 }) })

      const res = await app.inject('/')
      assert.equal(thrown?.code, 'FST_ERR_SEND_INSIDE_ONERR')
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().message, 'original')
    })
  }

  for (const style of styles) {
    test(`its own error stops later onError hooks and is otherwise ignored (${style})`, async (t) => {
      const app = newApp(t)
      const ran = []
      app.addHook('onError', hook('onError', style, () => { ran.push('first'); throw new Error('onError failed') }))
      app.addHook('onError', hook('onError', style, () => { ran.push('second') }))
      app.get('/', async () => { throw Object.assign(new Error('original'), { statusCode: 422 }) })

      const res = await app.inject('/')
      assert.deepEqual(ran, ['first'])
      assert.equal(res.statusCode, 422)
      assert.equal(res.json().message, 'original')
    })
  }

  for (const style of styles) {
    test(`runs once per request and not for successful requests (${style})`, async (t) => {
      const app = newApp(t)
      let calls = 0
      app.addHook('onError', hook('onError', style, () => { calls++ }))
      app.setErrorHandler(() => { throw new Error('handler failed too') })
      app.get('/fail', async () => { throw new Error('boom') })
      app.get('/ok', async () => 'ok')

      assert.equal((await app.inject('/ok')).statusCode, 200)
      assert.equal(calls, 0)
      assert.equal((await app.inject('/fail')).statusCode, 500)
      assert.equal(calls, 1)
    })
  }
})

describe('onSend', () => {
  const replacements = {
    string: { value: () => 'replaced text', body: 'replaced text' },
    Buffer: { value: () => Buffer.from('replaced bytes'), body: 'replaced bytes' },
    stream: { value: () => Readable.from([Buffer.from('replaced '), Buffer.from('stream')]), body: 'replaced stream' },
    null: { value: () => null, body: '' }
  }
  for (const style of styles) {
    for (const [kind, { value, body }] of Object.entries(replacements)) {
      test(`a returned ${kind} replaces the serialized payload (${style})`, async (t) => {
        const app = newApp(t)
        let received
        app.addHook('onSend', hook('onSend', style, (req, reply, payload) => { received = payload; return value() }))
        app.get('/', async () => ({ a: 1 }))

        const res = await app.inject('/')
        assert.equal(received, '{"a":1}') // onSend sees the serialized payload
        assert.equal(res.statusCode, 200)
        assert.equal(res.body, body)
      })
    }
  }

  for (const style of styles) {
    test(`returning nothing keeps the payload (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('onSend', hook('onSend', style, (req, reply) => { reply.header('x-on-send', '1') }))
      app.get('/', async () => ({ a: 1 }))

      const res = await app.inject('/')
      assert.deepEqual(res.json(), { a: 1 })
      assert.equal(res.headers['x-on-send'], '1')
    })
  }

  for (const style of styles) {
    test(`runs for error responses too (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('onSend', hook('onSend', style, (req, reply, payload) => { seen.push([reply.statusCode, JSON.parse(payload).message]) }))
      app.get('/', async () => { throw new Error('boom') })

      const res = await app.inject('/')
      assert.equal(res.statusCode, 500)
      assert.deepEqual(seen, [[500, 'boom']])
    })
  }

  for (const style of styles) {
    test(`runs for 404 responses (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('onSend', hook('onSend', style, (req, reply) => { seen.push(reply.statusCode) }))

      const res = await app.inject('/missing')
      assert.equal(res.statusCode, 404)
      assert.deepEqual(seen, [404])
    })
  }

  for (const style of styles) {
    test(`hooks chain: each receives the previous one's payload (${style})`, async (t) => {
      const app = newApp(t)
      app.addHook('onSend', hook('onSend', style, (req, reply, payload) => payload + '-one'))
      app.addHook('onSend', hook('onSend', style, (req, reply, payload) => payload + '-two'))
      app.get('/', async () => 'start')

      assert.equal((await app.inject('/')).body, 'start-one-two')
    })
  }
})

describe('onResponse', () => {
  for (const style of styles) {
    test(`runs after the response has finished, with the final status code (${style})`, async (t) => {
      const app = newApp(t)
      const seen = deferred()
      app.addHook('onResponse', hook('onResponse', style, (req, reply) => {
        seen.resolve({ ended: reply.raw.writableEnded, sent: reply.sent, statusCode: reply.statusCode })
      }))
      app.get('/', (req, reply) => { reply.code(201).send('made') })

      const res = await app.inject('/')
      assert.equal(res.statusCode, 201)
      assert.deepEqual(await within(seen.promise, 'onResponse'), { ended: true, sent: true, statusCode: 201 })
    })
  }

  for (const style of styles) {
    test(`its errors are logged, not sent, and the app keeps serving (${style})`, async (t) => {
      const lines = []
      const stream = { write: (line) => { lines.push(JSON.parse(line)) } }
      const app = newApp(t, { logger: { stream } })
      const failed = deferred()
      app.addHook('onResponse', hook('onResponse', style, () => {
        setImmediate(failed.resolve)
        throw new Error('onResponse failed')
      }))
      app.get('/', async () => 'fine')

      const res = await app.inject('/')
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, 'fine')
      await within(failed.promise, 'onResponse')
      assert.ok(lines.some((l) => l.level >= 50 && l.err?.message === 'onResponse failed'), 'the error is logged')
      assert.equal((await app.inject('/')).body, 'fine')
    })
  }

  for (const style of styles) {
    test(`runs for error and 404 responses (${style})`, async (t) => {
      const app = newApp(t)
      const codes = []
      let wanted = deferred()
      app.addHook('onResponse', hook('onResponse', style, (req, reply) => { codes.push(reply.statusCode); wanted.resolve() }))
      app.get('/fail', async () => { throw new Error('boom') })

      await app.inject('/fail')
      await within(wanted.promise, 'onResponse')
      wanted = deferred()
      await app.inject('/missing')
      await within(wanted.promise, 'onResponse')
      assert.deepEqual(codes, [500, 404])
    })
  }
})
