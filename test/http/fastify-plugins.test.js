// Fastify plugins run unchanged: real registry plugins used the way their READMEs show, and
// the contracts such plugins rely on (onRoute options, config identity, reply.raw headers,
// done inside another async scope, progress without timers).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks'
import weft from 'weft'
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import sensible from '@fastify/sensible'
import { fastifyRequestContext } from '@fastify/request-context'

describe('@fastify/cors', () => {
  test('adds CORS headers to responses and answers preflight requests', async () => {
    const app = weft()
    await app.register(cors, { origin: 'https://app.example', methods: ['GET', 'PUT'] })
    app.get('/items', async () => [1, 2])
    const res = await app.inject({ url: '/items', headers: { origin: 'https://app.example' } })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example')
    assert.deepEqual(res.json(), [1, 2])
    const pre = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' } })
    assert.equal(pre.statusCode, 204)
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, PUT')
    await app.close()
  })

  test('a disallowed origin gets no allow-origin header', async () => {
    const app = weft()
    await app.register(cors, { origin: 'https://app.example' })
    app.get('/', async () => 'ok')
    const res = await app.inject({ url: '/', headers: { origin: 'https://evil.example' } })
    assert.notEqual(res.headers['access-control-allow-origin'], 'https://evil.example')
    await app.close()
  })
})

describe('@fastify/sensible', () => {
  test('httpErrors and reply helpers answer with the right status and body', async () => {
    const app = weft()
    await app.register(sensible)
    app.get('/missing', async (request, reply) => reply.notFound('no such thing'))
    app.get('/bad', async () => { throw app.httpErrors.badRequest('bad input') })
    app.get('/conflict', async (request, reply) => reply.getHttpError(409, 'already there'))
    let res = await app.inject({ url: '/missing' })
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().message, 'no such thing')
    res = await app.inject({ url: '/bad' })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), { statusCode: 400, error: 'Bad Request', message: 'bad input' })
    res = await app.inject({ url: '/conflict' })
    assert.equal(res.statusCode, 409)
    await app.close()
  })

  test('its decorators are visible to the whole app (it is a fastify-plugin)', async () => {
    const app = weft()
    app.register(sensible)
    await app.ready()
    assert.equal(app.hasDecorator('httpErrors'), true)
    assert.equal(app.hasReplyDecorator('notFound'), true)
    await app.close()
  })
})

describe('@fastify/request-context', () => {
  test('each request sees its own context across awaits and timers, under concurrency', async () => {
    const app = weft()
    await app.register(fastifyRequestContext, { defaultStoreValues: { user: { id: 'system' } } })
    app.addHook('onRequest', async (request) => { request.requestContext.set('user', { id: request.headers['x-user'] }) })
    app.post('/who', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10))
      await Promise.resolve()
      return { user: request.requestContext.get('user').id, body: request.body }
    })
    const users = ['a', 'b', 'c', 'd', 'e', 'f']
    const results = await Promise.all(users.map((u) => app.inject({ method: 'POST', url: '/who', headers: { 'x-user': u }, payload: { u } })))
    assert.deepEqual(results.map((r) => r.json()), users.map((u) => ({ user: u, body: { u } })))
    await app.close()
  })

  test('the default store value is there when nothing was set', async () => {
    const app = weft()
    await app.register(fastifyRequestContext, { defaultStoreValues: { user: { id: 'system' } } })
    app.get('/', async (request) => request.requestContext.get('user'))
    const res = await app.inject({ url: '/' })
    assert.deepEqual(res.json(), { id: 'system' })
    await app.close()
  })
})

describe('contracts Fastify plugins rely on', () => {
  test('route options Weft does not know reach onRoute untouched, config by identity; the route sees a copy with url and method', async () => {
    const app = weft()
    const config = { rateLimit: { max: 5 } }
    let seen
    app.addHook('onRoute', (routeOptions) => { seen = routeOptions })
    app.get('/', { config, customThing: 'kept', schema: { hide: true } }, async (request) => request.routeOptions.config)
    assert.equal(seen.config, config)
    assert.equal(seen.customThing, 'kept')
    assert.deepEqual(seen.schema, { hide: true })
    const res = await app.inject({ url: '/' })
    assert.deepEqual(res.json(), { rateLimit: { max: 5 }, url: '/', method: 'GET' })
    await app.close()
  })

  test('hooks an onRoute hook pushes into routeOptions run, in array or function form', async () => {
    const app = weft()
    const calls = []
    app.register(fp(async (instance) => {
      instance.addHook('onRoute', (routeOptions) => {
        if (routeOptions.config?.guard !== true) return
        const existing = routeOptions.onRequest
        const added = async (request) => { calls.push(`guard ${request.url}`) }
        routeOptions.onRequest = existing === undefined ? [added] : [].concat(existing, added)
        routeOptions.preHandler = (request, reply, done) => { calls.push('preHandler'); done() }
      })
    }))
    app.register(async (child) => {
      child.get('/guarded', { config: { guard: true }, onRequest: async () => { calls.push('own') } }, async () => 'ok')
      child.get('/open', async () => 'ok')
    })
    await app.inject({ url: '/guarded' })
    await app.inject({ url: '/open' })
    assert.deepEqual(calls, ['own', 'guard /guarded', 'preHandler'])
    await app.close()
  })

  test('headers set on reply.raw reach the response', async () => {
    const app = weft()
    app.addHook('onRequest', (request, reply, done) => { reply.raw.setHeader('x-raw', 'yes'); done() })
    app.get('/', async (request, reply) => { reply.header('x-own', '1'); return { ok: true } })
    const res = await app.inject({ url: '/' })
    assert.equal(res.headers['x-raw'], 'yes')
    assert.equal(res.headers['x-own'], '1')
    await app.close()
  })

  test('done called inside another async scope runs the rest of the lifecycle in that scope', async () => {
    const als = new AsyncLocalStorage()
    const app = weft()
    app.addHook('onRequest', (request, reply, done) => { als.run({ id: request.id }, done) })
    app.addHook('preValidation', (request, reply, done) => {
      const resource = new AsyncResource('test-scope')
      als.run({ id: `${request.id}-resource` }, () => {
        const bound = new AsyncResource('bound')
        setImmediate(() => bound.runInAsyncScope(done))
      })
      void resource
    })
    const seen = []
    app.addHook('preHandler', async (request) => { seen.push(['preHandler', als.getStore()?.id === `${request.id}-resource`]) })
    app.post('/', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return { store: als.getStore()?.id === `${request.id}-resource`, body: request.body }
    })
    const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
    assert.deepEqual(res.json(), { store: true, body: { a: 1 } })
    assert.deepEqual(seen, [['preHandler', true]])
    await app.close()
  })

  test('booting, ready() and inject() progress on promises and nextTick alone (mock timers)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'setImmediate', 'Date'] })
    const app = weft()
    app.register(fp(async (instance) => { instance.decorate('greeting', 'hi') }))
    app.register(async (child) => {
      child.addHook('onRequest', (request, reply, done) => done())
      child.get('/', async () => ({ greeting: app.greeting }))
      child.post('/echo', async (request) => request.body)
    })
    app.addHook('onReady', async () => {})
    await app.ready()
    const res = await app.inject({ url: '/' })
    assert.deepEqual(res.json(), { greeting: 'hi' })
    const chained = await app.inject().get('/').end()
    assert.equal(chained.statusCode, 200)
    const posted = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } })
    assert.deepEqual(posted.json(), { a: 1 })
    await app.close()
  })
})
