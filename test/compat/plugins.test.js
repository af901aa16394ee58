// Real @fastify/* plugins used as their READMEs show, each case run on Fastify and on Weft:
// helmet, cookie, rate-limit, request-context, cors and sensible.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import helmet from '@fastify/helmet'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import { fastifyRequestContext, requestContext } from '@fastify/request-context'
import cors from '@fastify/cors'
import sensible from '@fastify/sensible'
import { both, inject } from './harness.js'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('@fastify/helmet', () => {
  both('global helmet sets its security headers and the route still answers', async (factory) => {
    const app = factory()
    await app.register(helmet, { global: true })
    app.get('/', async () => ({ ok: true }))
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { ok: true })
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.match(res.headers['content-security-policy'], /default-src 'self'/)
    assert.match(res.headers['strict-transport-security'], /max-age=\d+/)
  })

  both('route option helmet: false skips the headers on that route only', async (factory) => {
    const app = factory()
    await app.register(helmet, { global: true })
    app.get('/plain', { helmet: false }, async () => 'plain')
    app.get('/guarded', async () => 'guarded')
    const plain = await inject(app, '/plain')
    assert.equal(plain.statusCode, 200)
    assert.equal(plain.body, 'plain')
    assert.equal(plain.headers['x-frame-options'], undefined)
    const guarded = await inject(app, '/guarded')
    assert.equal(guarded.headers['x-frame-options'], 'SAMEORIGIN')
  })

  both('enableCSPNonces: reply.cspNonce values appear in the CSP header', async (factory) => {
    const app = factory()
    await app.register(helmet, { enableCSPNonces: true })
    app.get('/', async (request, reply) => reply.cspNonce)
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    const { script, style } = res.json()
    assert.match(script, /^[0-9a-f]{32}$/)
    assert.ok(res.headers['content-security-policy'].includes(`'nonce-${script}'`))
    assert.ok(res.headers['content-security-policy'].includes(`'nonce-${style}'`))
  })
})

describe('@fastify/cookie', () => {
  both('two cookies set in two onSend hooks both arrive', async (factory) => {
    const app = factory()
    await app.register(cookie)
    app.addHook('onSend', async (request, reply, payload) => { reply.setCookie('first', 'one', { path: '/' }); return payload })
    app.addHook('onSend', async (request, reply, payload) => { reply.setCookie('second', 'two', { path: '/' }); return payload })
    app.get('/', async () => 'ok')
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.headers['set-cookie'], ['first=one; Path=/; SameSite=Lax', 'second=two; Path=/; SameSite=Lax'])
  })

  both('cookies from an onSend hook before the plugin, one after, and the handler all arrive', async (factory) => {
    const app = factory()
    app.addHook('onSend', async (request, reply, payload) => { reply.setCookie('early', '1'); return payload })
    await app.register(cookie)
    app.addHook('onSend', async (request, reply, payload) => { reply.setCookie('late', '3'); return payload })
    app.get('/', async (request, reply) => { reply.setCookie('handler', '2'); return 'ok' })
    const res = await inject(app, '/')
    assert.deepEqual(res.cookies.map((c) => [c.name, c.value]).sort(), [['early', '1'], ['handler', '2'], ['late', '3']])
  })

  both('clearCookie after setCookie sends the expiring cookie', async (factory) => {
    const app = factory()
    await app.register(cookie)
    app.get('/', async (request, reply) => reply.setCookie('s', 'v').clearCookie('s').send('bye'))
    const res = await inject(app, '/')
    assert.deepEqual(res.headers['set-cookie'], 's=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax')
  })

  both('request.cookies parses the Cookie header', async (factory) => {
    const app = factory()
    await app.register(cookie)
    app.get('/', async (request) => request.cookies)
    const res = await inject(app, { url: '/', headers: { cookie: 'a=1; b=hello%20world' } })
    assert.deepEqual(res.json(), { a: '1', b: 'hello world' })
  })

  both('signed cookies: setCookie signed, unsignCookie verifies, tampering is detected', async (factory) => {
    const app = factory()
    await app.register(cookie, { secret: 'a-secret-of-sufficient-length' })
    app.get('/set', async (request, reply) => reply.setCookie('user', 'ada', { signed: true, path: '/' }).send('set'))
    app.get('/read', async (request) => request.unsignCookie(request.cookies.user))
    const set = await inject(app, '/set')
    const [sent] = set.cookies
    assert.equal(sent.name, 'user')
    assert.equal(sent.value, app.signCookie('ada'))
    const good = await inject(app, { url: '/read', headers: { cookie: `user=${sent.value}` } })
    assert.deepEqual(good.json(), { valid: true, renew: false, value: 'ada' })
    const bad = await inject(app, { url: '/read', headers: { cookie: `user=${sent.value.replace('ada', 'eve')}` } })
    assert.deepEqual(bad.json(), { valid: false, renew: false, value: null })
  })

  both('app.parseCookie and app.serializeCookie round-trip', async (factory) => {
    const app = factory()
    await app.register(cookie)
    await app.ready()
    assert.deepEqual({ ...app.parseCookie('x=1; y=two') }, { x: '1', y: 'two' })
    assert.equal(app.serializeCookie('z', 'a b', { httpOnly: true }), 'z=a%20b; HttpOnly')
  })
})

describe('@fastify/rate-limit', () => {
  both('a global limit answers 429 with the rate-limit body and headers past max', async (factory) => {
    const app = factory()
    await app.register(rateLimit, { max: 2, timeWindow: '1 minute' })
    app.get('/', async () => 'ok')
    const first = await inject(app, '/')
    assert.equal(first.statusCode, 200)
    assert.equal(first.headers['x-ratelimit-limit'], '2')
    assert.equal(first.headers['x-ratelimit-remaining'], '1')
    assert.equal(first.headers['x-ratelimit-reset'], '60')
    const second = await inject(app, '/')
    assert.equal(second.headers['x-ratelimit-remaining'], '0')
    const third = await inject(app, '/')
    assert.equal(third.statusCode, 429)
    assert.equal(third.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(third.headers['x-ratelimit-limit'], '2')
    assert.equal(third.headers['x-ratelimit-remaining'], '0')
    assert.equal(third.headers['retry-after'], '60')
    assert.deepEqual(third.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 1 minute' })
  })

  both('a per-route limit (config.rateLimit) applies to that route only', async (factory) => {
    const app = factory()
    await app.register(rateLimit, { global: false })
    app.get('/limited', { config: { rateLimit: { max: 1, timeWindow: '1 minute' } } }, async () => 'limited')
    app.get('/free', async () => 'free')
    assert.equal((await inject(app, '/limited')).statusCode, 200)
    const over = await inject(app, '/limited')
    assert.equal(over.statusCode, 429)
    assert.equal(over.json().message, 'Rate limit exceeded, retry in 1 minute')
    for (let i = 0; i < 3; i++) {
      const free = await inject(app, '/free')
      assert.equal(free.statusCode, 200)
      assert.equal(free.headers['x-ratelimit-limit'], undefined)
    }
  })

  both('the count resets once the time window has passed', async (factory) => {
    const app = factory()
    await app.register(rateLimit, { max: 1, timeWindow: 150 })
    app.get('/', async () => 'ok')
    assert.equal((await inject(app, '/')).statusCode, 200)
    assert.equal((await inject(app, '/')).statusCode, 429)
    await sleep(200)
    const after = await inject(app, '/')
    assert.equal(after.statusCode, 200)
    assert.equal(after.headers['x-ratelimit-remaining'], '0')
  })

  both('errorResponseBuilder and a keyGenerator shape the 429', async (factory) => {
    const app = factory()
    await app.register(rateLimit, {
      max: 1,
      timeWindow: '1 minute',
      keyGenerator: (request) => request.headers['x-api-key'],
      errorResponseBuilder: (request, context) => ({ statusCode: 429, code: 'SLOW_DOWN', max: context.max, after: context.after })
    })
    app.get('/', async () => 'ok')
    assert.equal((await inject(app, { url: '/', headers: { 'x-api-key': 'a' } })).statusCode, 200)
    assert.equal((await inject(app, { url: '/', headers: { 'x-api-key': 'b' } })).statusCode, 200)
    const over = await inject(app, { url: '/', headers: { 'x-api-key': 'a' } })
    assert.equal(over.statusCode, 429)
    assert.deepEqual(over.json(), { statusCode: 429, code: 'SLOW_DOWN', max: 1, after: '1 minute' })
  })
})

describe('@fastify/request-context', () => {
  both('a value set in onRequest is seen in the handler after awaits and timers', async (factory) => {
    const app = factory()
    await app.register(fastifyRequestContext, { defaultStoreValues: { user: { id: 'system' } } })
    app.addHook('onRequest', async (request) => { request.requestContext.set('user', { id: request.headers['x-user'] }) })
    app.get('/', async (request) => {
      await sleep(5)
      await Promise.resolve()
      return { viaRequest: request.requestContext.get('user').id, viaImport: requestContext.get('user').id }
    })
    const users = ['a', 'b', 'c']
    const results = await Promise.all(users.map((u) => inject(app, { url: '/', headers: { 'x-user': u } })))
    assert.deepEqual(results.map((r) => r.json()), users.map((u) => ({ viaRequest: u, viaImport: u })))
  })

  both('defaultStoreValues apply when nothing was set, and a later hook sees the value', async (factory) => {
    const app = factory()
    await app.register(fastifyRequestContext, { defaultStoreValues: { user: { id: 'system' } } })
    const seen = []
    app.addHook('onResponse', async (request) => { seen.push(requestContext.get('user').id) })
    app.get('/', async () => requestContext.get('user'))
    const res = await inject(app, '/')
    assert.deepEqual(res.json(), { id: 'system' })
    assert.deepEqual(seen, ['system'])
  })
})

describe('@fastify/cors', () => {
  both('a preflight request gets 204 and the allow headers', async (factory) => {
    const app = factory()
    await app.register(cors, { origin: 'https://app.example', methods: ['GET', 'PUT'], maxAge: 600 })
    app.put('/items', async () => 'ok')
    const pre = await inject(app, { method: 'OPTIONS', url: '/items', headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' } })
    assert.equal(pre.statusCode, 204)
    assert.equal(pre.body, '')
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example')
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, PUT')
    assert.equal(pre.headers['access-control-max-age'], '600')
    assert.equal(pre.headers.vary, 'Access-Control-Request-Headers')
    assert.equal(pre.headers['content-length'], '0')
  })

  both('an origin function decides per request', async (factory) => {
    const app = factory()
    await app.register(cors, { origin: (origin, cb) => cb(null, origin.endsWith('.trusted.example')) })
    app.get('/', async () => 'ok')
    const yes = await inject(app, { url: '/', headers: { origin: 'https://a.trusted.example' } })
    assert.equal(yes.statusCode, 200)
    assert.equal(yes.headers['access-control-allow-origin'], 'https://a.trusted.example')
    const no = await inject(app, { url: '/', headers: { origin: 'https://evil.example' } })
    assert.equal(no.statusCode, 200)
    assert.equal(no.headers['access-control-allow-origin'], undefined)
  })
})

describe('@fastify/sensible', () => {
  both('httpErrors thrown and reply helpers answer with status and body', async (factory) => {
    const app = factory()
    await app.register(sensible)
    app.get('/missing', async (request, reply) => reply.notFound('no such thing'))
    app.get('/bad', async () => { throw app.httpErrors.badRequest('bad input') })
    app.get('/teapot', async (request, reply) => reply.imateapot())
    const missing = await inject(app, '/missing')
    assert.equal(missing.statusCode, 404)
    assert.deepEqual(missing.json(), { statusCode: 404, error: 'Not Found', message: 'no such thing' })
    const bad = await inject(app, '/bad')
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(bad.json(), { statusCode: 400, error: 'Bad Request', message: 'bad input' })
    const teapot = await inject(app, '/teapot')
    assert.equal(teapot.statusCode, 418)
    assert.deepEqual(teapot.json(), { statusCode: 418, error: "I'm a Teapot", message: "I'm a Teapot" })
  })

  both('app.assert, app.to and reply.vary/cacheControl', async (factory) => {
    const app = factory()
    await app.register(sensible)
    app.get('/', async (request, reply) => {
      app.assert(request.query.ok === 'yes', 403, 'not ok')
      const [err, value] = await app.to(Promise.resolve(7))
      reply.vary('Accept')
      reply.cacheControl('public').cacheControl('max-age', 60)
      return { err, value }
    })
    const denied = await inject(app, '/?ok=no')
    assert.equal(denied.statusCode, 403)
    assert.equal(denied.json().message, 'not ok')
    const ok = await inject(app, '/?ok=yes')
    assert.deepEqual(ok.json(), { err: null, value: 7 })
    assert.equal(ok.headers.vary, 'Accept')
    assert.equal(ok.headers['cache-control'], 'public, max-age=60')
  })
})
