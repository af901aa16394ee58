// The error flow: error handlers (encapsulated, falling back to the parent's when one throws),
// the default error and 404 bodies, status codes taken from errors, and the promise that no
// failure anywhere crashes the process or leaves a request without an answer.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'

function newApp (t, opts) {
  const app = weft(opts)
  t.after(() => app.close())
  return app
}

/** Fails instead of hanging when a response never comes. */
function within (promise, what, ms = 2000) {
  let timer
  const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function httpError (message, statusCode, extra = {}) {
  return Object.assign(new Error(message), { statusCode }, extra)
}

describe('the default error body', () => {
  test('an Error without status or code answers 500 { statusCode, error, message }', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw new Error('boom') })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 500)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'boom' })
  })

  test('code is present when the error has one', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw httpError('bad input', 400, { code: 'E_BAD_INPUT' }) })

    assert.deepEqual((await app.inject('/')).json(), { statusCode: 400, code: 'E_BAD_INPUT', error: 'Bad Request', message: 'bad input' })
  })

  test('an error with statusCode: 418 answers 418', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw httpError('short and stout', 418) })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 418)
    assert.deepEqual(res.json(), { statusCode: 418, error: "I'm a Teapot", message: 'short and stout' })
  })

  test('an error status set with reply.code() before throwing is kept', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => { reply.code(403); throw new Error('forbidden') })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 403)
    assert.equal(res.json().message, 'forbidden')
  })

  test('a statusCode that is not an error status answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw httpError('not an error status', 200) })

    assert.equal((await app.inject('/')).statusCode, 500)
  })

  test('Weft\'s own errors carry their code and status', async (t) => {
    const app = newApp(t)
    app.post('/', async () => 'never')

    const res = await app.inject({ method: 'POST', url: '/', payload: '{"broken', headers: { 'content-type': 'application/json' } })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
    assert.equal(res.json().error, 'Bad Request')
  })
})

describe('the default 404', () => {
  test('an unknown route answers { message: \'Route GET:/x not found\', error: \'Not Found\', statusCode: 404 }', async (t) => {
    const app = newApp(t)
    app.get('/', async () => 'root')

    const res = await app.inject('/x')
    assert.equal(res.statusCode, 404)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { message: 'Route GET:/x not found', error: 'Not Found', statusCode: 404 })
  })

  test('the message names the method and the full URL', async (t) => {
    const app = newApp(t)
    app.get('/x', async () => 'only GET')

    const res = await app.inject({ method: 'POST', url: '/x?a=1' })
    assert.equal(res.statusCode, 404)
    assert.deepEqual(res.json(), { message: 'Route POST:/x?a=1 not found', error: 'Not Found', statusCode: 404 })
  })

  test('an app with no routes at all answers 404', async (t) => {
    const app = newApp(t)
    assert.equal((await app.inject('/')).statusCode, 404)
  })
})

describe('setErrorHandler', () => {
  test('the handler receives the error, request and reply and decides the answer', async (t) => {
    const app = newApp(t)
    app.setErrorHandler(function (err, req, reply) {
      reply.code(err.statusCode ?? 500).header('x-handled', 'yes').send({ handled: err.message, url: req.url })
    })
    app.get('/', async () => { throw httpError('custom', 422) })

    const res = await app.inject('/?q=1')
    assert.equal(res.statusCode, 422)
    assert.equal(res.headers['x-handled'], 'yes')
    assert.deepEqual(res.json(), { handled: 'custom', url: '/?q=1' })
  })

  test('an async handler may return the body to send', async (t) => {
    const app = newApp(t)
    app.setErrorHandler(async (err, req, reply) => { reply.code(503); return { retry: true, message: err.message } })
    app.get('/', async () => { throw new Error('down') })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 503)
    assert.deepEqual(res.json(), { retry: true, message: 'down' })
  })

  test('is encapsulated: a plugin\'s handler answers for its routes only', async (t) => {
    const app = newApp(t)
    app.setErrorHandler((err, req, reply) => { reply.code(500).send({ by: 'root' }) })
    app.register(async (child) => {
      child.setErrorHandler((err, req, reply) => { reply.code(500).send({ by: 'child' }) })
      child.get('/child', async () => { throw new Error('child route') })
    })
    app.register(async (sibling) => {
      sibling.get('/sibling', async () => { throw new Error('sibling route') })
    })
    app.get('/root', async () => { throw new Error('root route') })

    assert.deepEqual((await app.inject('/child')).json(), { by: 'child' })
    assert.deepEqual((await app.inject('/sibling')).json(), { by: 'root' })
    assert.deepEqual((await app.inject('/root')).json(), { by: 'root' })
  })

  test('a plugin\'s handler applies to its nested plugins', async (t) => {
    const app = newApp(t)
    app.register(async (child) => {
      child.setErrorHandler((err, req, reply) => { reply.code(400).send({ by: 'child' }) })
      child.register(async (grandchild) => {
        grandchild.get('/deep', async () => { throw new Error('deep') })
      })
    })

    const res = await app.inject('/deep')
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), { by: 'child' })
  })

  test('`this` in the handler is the instance that set it', async (t) => {
    const app = newApp(t)
    app.register(async (child) => {
      child.decorate('where', 'plugin')
      child.setErrorHandler(function (err, req, reply) { reply.send({ where: this.where }) })
      child.get('/', async () => { throw new Error('x') })
    })

    assert.deepEqual((await app.inject('/')).json(), { where: 'plugin' })
  })

  test('a handler that throws falls back to the parent\'s handler with the new error', async (t) => {
    const app = newApp(t)
    const seen = []
    app.setErrorHandler((err, req, reply) => { seen.push(`root got ${err.message}`); reply.code(500).send({ by: 'root', message: err.message }) })
    app.register(async (child) => {
      child.setErrorHandler((err) => { seen.push(`child got ${err.message}`); throw new Error('child handler failed') })
      child.get('/', async () => { throw new Error('original') })
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { by: 'root', message: 'child handler failed' })
    assert.deepEqual(seen, ['child got original', 'root got child handler failed'])
  })

  test('a rejecting async handler falls back to the parent\'s handler too', async (t) => {
    const app = newApp(t)
    app.register(async (child) => {
      child.setErrorHandler(async () => { throw httpError('async handler failed', 502) })
      child.get('/', async () => { throw new Error('original') })
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 502)
    assert.deepEqual(res.json(), { statusCode: 502, error: 'Bad Gateway', message: 'async handler failed' })
  })

  test('a throwing root handler falls back to the default handler', async (t) => {
    const app = newApp(t)
    app.setErrorHandler(() => { throw new Error('root handler failed') })
    app.get('/', async () => { throw new Error('original') })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'root handler failed' })
  })

  test('an error handler may recover with a success status', async (t) => {
    const app = newApp(t)
    app.setErrorHandler((err, req, reply) => { reply.code(200).send({ recovered: err.message }) })
    app.get('/', async () => { throw new Error('oops') })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { recovered: 'oops' })
  })

  test('the route\'s errorHandler option is used before the scope\'s', async (t) => {
    const app = newApp(t)
    app.setErrorHandler((err, req, reply) => { reply.send({ by: 'scope' }) })
    app.get('/own', { errorHandler: (err, req, reply) => { reply.send({ by: 'route' }) } }, async () => { throw new Error('x') })
    app.get('/other', async () => { throw new Error('x') })

    assert.deepEqual((await app.inject('/own')).json(), { by: 'route' })
    assert.deepEqual((await app.inject('/other')).json(), { by: 'scope' })
  })
})

describe('non-Error failures', () => {
  test('a rejection with a string answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', async () => { throw 'a string' }) // eslint-disable-line no-throw-literal

    assert.equal((await app.inject('/')).statusCode, 500)
  })

  test('a rejection with a plain object answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', () => Promise.reject({ reason: 'object' })) // eslint-disable-line prefer-promise-reject-errors

    assert.equal((await app.inject('/')).statusCode, 500)
  })

  test('a rejection with no value answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', () => Promise.reject()) // eslint-disable-line prefer-promise-reject-errors

    assert.equal((await app.inject('/')).statusCode, 500)
  })

  test('a sync handler throwing a non-Error answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', () => { throw 42 }) // eslint-disable-line no-throw-literal

    assert.equal((await app.inject('/')).statusCode, 500)
  })
})

describe('no failure crashes the process or leaves a request hanging', () => {
  /** Every case is a route; each request must settle with the expected status, and the app must keep serving. */
  const cases = {
    'a sync handler throws': { status: 500, route: (app) => app.get('/', () => { throw new Error('sync') }) },
    'an async handler rejects': { status: 500, route: (app) => app.get('/', async () => { throw new Error('async') }) },
    'a returned promise rejects later': { status: 503, route: (app) => app.get('/', () => new Promise((resolve, reject) => setTimeout(() => reject(httpError('later', 503)), 5))) },
    'a handler sends an error from a timer': { status: 504, route: (app) => app.get('/', (req, reply) => { setTimeout(() => reply.send(httpError('timer', 504)), 5) }) },
    'a callback hook throws': { status: 500, route: (app) => app.get('/', { onRequest (req, reply, done) { throw new Error('hook') } }, async () => 'x') },
    'an async hook rejects': { status: 401, route: (app) => app.get('/', { preHandler: async () => { throw httpError('no', 401) } }, async () => 'x') },
    'a hook calls done(err) later': { status: 500, route: (app) => app.get('/', { preValidation (req, reply, done) { setTimeout(() => done(new Error('later')), 5) } }, async () => 'x') },
    'preSerialization throws': { status: 500, route: (app) => app.get('/', { preSerialization (req, reply, payload, done) { throw new Error('pre') } }, async () => ({ a: 1 })) },
    'every onSend call throws': { status: 500, route: (app) => app.get('/', { onSend (req, reply, payload, done) { throw new Error('onSend') } }, async () => 'x') },
    'every onSend call rejects': { status: 500, route: (app) => app.get('/', { onSend: async () => { throw new Error('onSend') } }, async () => 'x') },
    'onError throws': { status: 500, route: (app) => app.get('/', { onError (req, reply, err, done) { throw new Error('onError') } }, async () => { throw new Error('x') }) },
    'the error handler throws': {
      status: 500,
      route: (app) => {
        app.setErrorHandler(() => { throw new Error('handler') })
        app.get('/', async () => { throw new Error('x') })
      }
    },
    'the error handler throws and onSend always throws': {
      status: 500,
      route: (app) => {
        app.setErrorHandler(() => { throw new Error('handler') })
        app.get('/', { onSend: async () => { throw new Error('onSend') } }, async () => { throw new Error('x') })
      }
    },
    'the error handler rejects with nothing': {
      status: 500,
      route: (app) => {
        app.setErrorHandler(() => Promise.reject()) // eslint-disable-line prefer-promise-reject-errors
        app.get('/', async () => { throw new Error('x') })
      }
    },
    'a stream payload errors before any data': {
      status: 500,
      route: (app) => app.get('/', async () => {
        const { Readable } = await import('node:stream')
        return new Readable({ read () { this.destroy(new Error('stream failed')) } })
      })
    },
    'a custom serializer throws': { status: 500, route: (app) => app.get('/', (req, reply) => { reply.serializer(() => { throw new Error('serializer') }).send({ a: 1 }) }) },
    'the not-found handler throws': {
      status: 500,
      url: '/missing',
      route: (app) => app.setNotFoundHandler(() => { throw new Error('404 handler') })
    }
  }

  for (const [name, { status, route, url = '/' }] of Object.entries(cases)) {
    test(`${name}: answers ${status} and the app keeps serving`, async (t) => {
      const app = newApp(t)
      route(app)
      app.get('/health', async () => 'ok')

      const res = await within(app.inject(url), 'the failing request')
      assert.equal(res.statusCode, status)
      assert.equal((await within(app.inject('/health'), 'the next request')).body, 'ok')
    })
  }

  test('many failing requests at once all settle', async (t) => {
    const app = newApp(t)
    app.get('/:n', async (req) => {
      const n = Number(req.params.n)
      if (n % 3 === 0) throw httpError('three', 400)
      if (n % 3 === 1) return Promise.reject() // eslint-disable-line prefer-promise-reject-errors
      return { n }
    })

    const all = await within(Promise.all(Array.from({ length: 60 }, (_, n) => app.inject(`/${n}`))), '60 requests')
    assert.deepEqual(all.map((r) => r.statusCode), Array.from({ length: 60 }, (_, n) => [400, 500, 200][n % 3]))
  })
})
