// Routing through the public API: params, wildcards, query strings, plugin prefixes, automatic
// HEAD routes, encapsulated not-found handlers, router options, method lists, route config,
// version constraints, and the errors route declaration and a malformed URL produce.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'

function newApp (t, opts) {
  const app = weft(opts)
  t.after(() => app.close())
  return app
}

describe('path parameters', () => {
  test('named parameters reach request.params', async (t) => {
    const app = newApp(t)
    app.get('/users/:userId/posts/:postId', async (req) => req.params)

    const res = await app.inject('/users/42/posts/hello-world')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { userId: '42', postId: 'hello-world' })
  })

  test('parameters are URL-decoded', async (t) => {
    const app = newApp(t)
    app.get('/tags/:name', async (req) => req.params)

    assert.deepEqual((await app.inject('/tags/caf%C3%A9%20bar')).json(), { name: 'café bar' })
  })

  test('a static route wins over a parametric one', async (t) => {
    const app = newApp(t)
    app.get('/users/me', async () => 'static')
    app.get('/users/:id', async (req) => `param ${req.params.id}`)

    assert.equal((await app.inject('/users/me')).body, 'static')
    assert.equal((await app.inject('/users/7')).body, 'param 7')
  })

  test('a wildcard route /files/* matches the rest of the path in params["*"]', async (t) => {
    const app = newApp(t)
    app.get('/files/*', async (req) => ({ rest: req.params['*'] }))

    assert.deepEqual((await app.inject('/files/a/b/c.txt')).json(), { rest: 'a/b/c.txt' })
    assert.deepEqual((await app.inject('/files/')).json(), { rest: '' })
    assert.equal((await app.inject('/other/a')).statusCode, 404)
  })
})

describe('query strings', () => {
  test('request.query holds the parsed query string; it is not part of the route path', async (t) => {
    const app = newApp(t)
    app.get('/search', async (req) => ({ query: req.query, params: req.params }))

    const res = await app.inject('/search?q=weft&page=2&tag=a&tag=b&empty=')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { query: { q: 'weft', page: '2', tag: ['a', 'b'], empty: '' }, params: {} })
  })

  test('no query string gives an empty object', async (t) => {
    const app = newApp(t)
    app.get('/', async (req) => req.query)

    assert.deepEqual((await app.inject('/')).json(), {})
  })

  test('encoded characters are decoded', async (t) => {
    const app = newApp(t)
    app.get('/', async (req) => req.query)

    assert.deepEqual((await app.inject('/?name=J%C3%BCrgen+M&x=%26')).json(), { name: 'Jürgen M', x: '&' })
  })

  test('the query option of inject() is sent as the query string', async (t) => {
    const app = newApp(t)
    app.get('/', async (req) => req.query)

    assert.deepEqual((await app.inject({ url: '/', query: { a: '1', b: 'two' } })).json(), { a: '1', b: 'two' })
  })
})

describe('prefixes from plugins', () => {
  test('register(plugin, { prefix }) prefixes the plugin\'s routes', async (t) => {
    const app = newApp(t)
    app.register(async (v1) => {
      v1.get('/users', async (req) => ({ url: req.url, route: req.routeOptions.url }))
    }, { prefix: '/v1' })

    const res = await app.inject('/v1/users')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { url: '/v1/users', route: '/v1/users' })
    assert.equal((await app.inject('/users')).statusCode, 404)
  })

  test('a \'/\' route under a prefix answers both /v1 and /v1/', async (t) => {
    const app = newApp(t)
    app.register(async (v1) => { v1.get('/', async () => 'v1 root') }, { prefix: '/v1' })

    for (const url of ['/v1', '/v1/']) {
      const res = await app.inject(url)
      assert.equal(res.statusCode, 200, url)
      assert.equal(res.body, 'v1 root', url)
    }
  })

  test('nested prefixes add up, and the instance knows its prefix', async (t) => {
    const app = newApp(t)
    let seen
    app.register(async (v1) => {
      v1.register(async (admin) => {
        seen = admin.prefix
        admin.get('/stats', async () => 'stats')
      }, { prefix: '/admin' })
    }, { prefix: '/v1' })

    assert.equal((await app.inject('/v1/admin/stats')).body, 'stats')
    assert.equal(seen, '/v1/admin')
  })

  test('a prefix without a leading slash, or with a trailing one, is normalised', async (t) => {
    const app = newApp(t)
    app.register(async (p) => { p.get('/x', async () => 'a') }, { prefix: 'api' })
    app.register(async (p) => { p.get('/x', async () => 'b') }, { prefix: '/other/' })

    assert.equal((await app.inject('/api/x')).body, 'a')
    assert.equal((await app.inject('/other/x')).body, 'b')
  })
})

describe('automatic HEAD routes', () => {
  test('a GET route answers HEAD with the same status and headers and no body', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.header('x-custom', 'yes').send({ hello: 'world' }) })

    const get = await app.inject('/')
    const head = await app.inject({ method: 'HEAD', url: '/' })
    assert.equal(head.statusCode, 200)
    assert.equal(head.body, '')
    assert.equal(head.headers['content-type'], get.headers['content-type'])
    assert.equal(head.headers['content-length'], get.headers['content-length'])
    assert.equal(head.headers['x-custom'], 'yes')
  })

  test('an explicit HEAD route is used instead of the automatic one', async (t) => {
    const app = newApp(t)
    app.head('/', (req, reply) => { reply.header('x-explicit', '1').send() })
    app.get('/', async () => 'get')

    const head = await app.inject({ method: 'HEAD', url: '/' })
    assert.equal(head.statusCode, 200)
    assert.equal(head.headers['x-explicit'], '1')
  })

  test('exposeHeadRoutes: false turns them off', async (t) => {
    const app = newApp(t, { exposeHeadRoutes: false })
    app.get('/', async () => 'get')

    assert.equal((await app.inject({ method: 'HEAD', url: '/' })).statusCode, 404)
  })
})

describe('setNotFoundHandler is encapsulated per prefix', () => {
  test('the plugin\'s handler answers under its prefix, the root\'s elsewhere, each with its scope\'s hooks', async (t) => {
    const app = newApp(t)
    const hooks = []
    app.addHook('onRequest', async (req) => { hooks.push(`root ${req.url}`) })
    app.setNotFoundHandler((req, reply) => { reply.code(404).send({ from: 'root', url: req.url }) })
    app.register(async (v1) => {
      v1.addHook('onRequest', async (req) => { hooks.push(`v1 ${req.url}`) })
      v1.setNotFoundHandler((req, reply) => { reply.code(404).send({ from: 'v1', url: req.url }) })
      v1.get('/known', async () => 'known')
    }, { prefix: '/v1' })

    const inPlugin = await app.inject('/v1/unknown')
    assert.equal(inPlugin.statusCode, 404)
    assert.deepEqual(inPlugin.json(), { from: 'v1', url: '/v1/unknown' })
    assert.deepEqual(hooks, ['root /v1/unknown', 'v1 /v1/unknown'])

    hooks.length = 0
    const elsewhere = await app.inject('/unknown')
    assert.equal(elsewhere.statusCode, 404)
    assert.deepEqual(elsewhere.json(), { from: 'root', url: '/unknown' })
    assert.deepEqual(hooks, ['root /unknown'])

    assert.equal((await app.inject('/v1/known')).body, 'known')
  })

  test('a plugin without its own handler uses its parent\'s', async (t) => {
    const app = newApp(t)
    app.setNotFoundHandler((req, reply) => { reply.code(404).send('root 404') })
    app.register(async (v2) => { v2.get('/x', async () => 'x') }, { prefix: '/v2' })

    const res = await app.inject('/v2/missing')
    assert.equal(res.statusCode, 404)
    assert.equal(res.body, 'root 404')
  })

  test('the not-found handler may be async and may answer with another status', async (t) => {
    const app = newApp(t)
    app.setNotFoundHandler(async (req, reply) => { reply.code(410); return { gone: req.url } })

    const res = await app.inject({ method: 'POST', url: '/old', payload: { a: 1 } })
    assert.equal(res.statusCode, 410)
    assert.deepEqual(res.json(), { gone: '/old' })
  })

  test('setting it twice in the same scope throws', (t) => {
    const app = newApp(t)
    app.setNotFoundHandler((req, reply) => { reply.send('a') })
    assert.throws(() => app.setNotFoundHandler((req, reply) => { reply.send('b') }))
  })
})

describe('router options', () => {
  test('by default a trailing slash is a different route', async (t) => {
    const app = newApp(t)
    app.get('/foo', async () => 'foo')

    assert.equal((await app.inject('/foo')).statusCode, 200)
    assert.equal((await app.inject('/foo/')).statusCode, 404)
  })

  test('ignoreTrailingSlash: true matches with and without the trailing slash', async (t) => {
    const app = newApp(t, { ignoreTrailingSlash: true })
    app.get('/foo', async () => 'foo')
    app.get('/bar/', async () => 'bar')

    for (const url of ['/foo', '/foo/']) assert.equal((await app.inject(url)).body, 'foo', url)
    for (const url of ['/bar', '/bar/']) assert.equal((await app.inject(url)).body, 'bar', url)
  })

  test('ignoreTrailingSlash works under a plugin prefix', async (t) => {
    const app = newApp(t, { ignoreTrailingSlash: true })
    app.register(async (v1) => {
      v1.get('/', async () => 'root')
      v1.get('/items', async () => 'items')
    }, { prefix: '/v1' })

    for (const url of ['/v1', '/v1/']) assert.equal((await app.inject(url)).body, 'root', url)
    for (const url of ['/v1/items', '/v1/items/']) assert.equal((await app.inject(url)).body, 'items', url)
  })

  test('by default paths are case-sensitive', async (t) => {
    const app = newApp(t)
    app.get('/hello', async () => 'hi')

    assert.equal((await app.inject('/HELLO')).statusCode, 404)
  })

  test('caseSensitive: false matches paths in any letter case', async (t) => {
    const app = newApp(t, { caseSensitive: false })
    app.get('/Hello/World', async () => 'hi')

    for (const url of ['/hello/world', '/HELLO/WORLD', '/Hello/World']) assert.equal((await app.inject(url)).body, 'hi', url)
  })
})

describe('route declaration', () => {
  test('route({ method: [\'GET\', \'POST\'] }) answers both methods, and only those', async (t) => {
    const app = newApp(t)
    app.route({ method: ['GET', 'POST'], url: '/both', handler: async (req) => req.method })

    assert.equal((await app.inject('/both')).body, 'GET')
    assert.equal((await app.inject({ method: 'POST', url: '/both' })).body, 'POST')
    assert.equal((await app.inject({ method: 'PUT', url: '/both' })).statusCode, 404)
  })

  test('shorthands declare their method; all() declares every common method', async (t) => {
    const app = newApp(t)
    for (const m of ['get', 'post', 'put', 'delete', 'patch', 'options']) app[m]('/m', async (req) => req.method)
    app.all('/any', async (req) => req.method)

    for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      assert.equal((await app.inject({ method: m, url: '/m' })).body, m)
      assert.equal((await app.inject({ method: m, url: '/any' })).body, m)
    }
  })

  test('route config reaches request.routeOptions.config', async (t) => {
    const app = newApp(t)
    app.get('/', { config: { role: 'admin', rateLimit: 5 } }, async (req) => req.routeOptions.config)
    app.get('/none', async (req) => ({ config: typeof req.routeOptions.config }))

    const config = (await app.inject('/')).json()
    assert.equal(config.role, 'admin')
    assert.equal(config.rateLimit, 5)
    assert.deepEqual((await app.inject('/none')).json(), { config: 'object' })
  })

  test('request.routeOptions describes the matched route', async (t) => {
    const app = newApp(t)
    app.get('/users/:id', async (req) => ({ method: req.routeOptions.method, url: req.routeOptions.url }))

    assert.deepEqual((await app.inject('/users/1')).json(), { method: 'GET', url: '/users/:id' })
  })

  test('constraints: { version } picks the route matching the Accept-Version header', async (t) => {
    const app = newApp(t)
    app.get('/', { constraints: { version: '1.2.0' } }, async () => 'v1.2.0')
    app.get('/', { constraints: { version: '2.0.0' } }, async () => 'v2.0.0')
    app.get('/', async () => 'unversioned')

    assert.equal((await app.inject({ url: '/', headers: { 'accept-version': '1.2.0' } })).body, 'v1.2.0')
    assert.equal((await app.inject({ url: '/', headers: { 'accept-version': '1.x' } })).body, 'v1.2.0')
    assert.equal((await app.inject({ url: '/', headers: { 'accept-version': '2.x' } })).body, 'v2.0.0')
    assert.equal((await app.inject('/')).body, 'unversioned')
    assert.equal((await app.inject({ url: '/', headers: { 'accept-version': '3.x' } })).statusCode, 404)
  })

  test('a versioned route without an unversioned sibling is not matched without the header', async (t) => {
    const app = newApp(t)
    app.get('/', { constraints: { version: '1.2.0' } }, async () => 'v1.2.0')

    assert.equal((await app.inject({ url: '/', headers: { 'accept-version': '1.2.0' } })).statusCode, 200)
    assert.equal((await app.inject('/')).statusCode, 404)
  })
})

describe('route declaration errors', () => {
  test('declaring the same method and path twice throws FST_ERR_DUPLICATED_ROUTE', (t) => {
    const app = newApp(t)
    app.get('/dup', async () => 'a')
    assert.throws(() => app.get('/dup', async () => 'b'), { code: 'FST_ERR_DUPLICATED_ROUTE' })
  })

  test('a duplicate route inside a plugin fails ready()', async (t) => {
    const app = newApp(t)
    app.get('/dup', async () => 'a')
    app.register(async (child) => { child.get('/dup', async () => 'b') })

    await assert.rejects(app.ready(), { code: 'FST_ERR_DUPLICATED_ROUTE' })
  })

  test('a route without a handler throws FST_ERR_ROUTE_MISSING_HANDLER', (t) => {
    const app = newApp(t)
    assert.throws(() => app.route({ method: 'GET', url: '/' }), { code: 'FST_ERR_ROUTE_MISSING_HANDLER' })
    assert.throws(() => app.get('/x', {}), { code: 'FST_ERR_ROUTE_MISSING_HANDLER' })
  })

  test('an unsupported method throws FST_ERR_ROUTE_METHOD_NOT_SUPPORTED', (t) => {
    const app = newApp(t)
    assert.throws(() => app.route({ method: 'FETCH', url: '/', handler: async () => 'x' }), { code: 'FST_ERR_ROUTE_METHOD_NOT_SUPPORTED' })
    assert.throws(() => app.route({ method: ['GET', 'NOPE'], url: '/', handler: async () => 'x' }), { code: 'FST_ERR_ROUTE_METHOD_NOT_SUPPORTED' })
  })

  test('the same path with different methods is not a duplicate', async (t) => {
    const app = newApp(t)
    app.get('/r', async () => 'get')
    app.post('/r', async () => 'post')

    assert.equal((await app.inject('/r')).body, 'get')
    assert.equal((await app.inject({ method: 'POST', url: '/r' })).body, 'post')
  })
})

describe('a malformed URL', () => {
  test('answers 400 FST_ERR_BAD_URL', async (t) => {
    const app = newApp(t)
    app.get('/:id', async (req) => req.params)
    app.get('/', async () => 'root')

    const res = await app.inject('/%zz')
    assert.equal(res.statusCode, 400)
    const body = res.json()
    assert.equal(body.statusCode, 400)
    assert.equal(body.code, 'FST_ERR_BAD_URL')
    assert.equal(body.error, 'Bad Request')
    assert.match(body.message, /%zz/)
  })

  test('answers 400 in a parameter of a deeper route, and the app keeps serving', async (t) => {
    const app = newApp(t)
    app.get('/users/:id', async (req) => req.params)

    const res = await app.inject('/users/%E0%A4%A')
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_BAD_URL')
    assert.deepEqual((await app.inject('/users/1')).json(), { id: '1' })
  })
})

describe('reply.callNotFound()', () => {
  test('answers with the not-found handler of the URL\'s scope', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.get('/maybe', async (request, reply) => reply.callNotFound())
    app.register(async (v1) => {
      v1.setNotFoundHandler(async (request, reply) => reply.code(404).send({ scope: 'v1', url: request.url }))
      v1.get('/maybe', async (request, reply) => reply.callNotFound())
    }, { prefix: '/v1' })
    const root = await app.inject({ url: '/maybe' })
    assert.equal(root.statusCode, 404)
    assert.deepEqual(root.json(), { message: 'Route GET:/maybe not found', error: 'Not Found', statusCode: 404 })
    const scoped = await app.inject({ url: '/v1/maybe' })
    assert.equal(scoped.statusCode, 404)
    assert.deepEqual(scoped.json(), { scope: 'v1', url: '/v1/maybe' })
  })
})

test('a handler that is truthy but not a function is refused with FST_ERR_ROUTE_MISSING_HANDLER (Fastify: a TypeError from inside)', () => {
  const app = weft({ logger: false })
  for (const handler of ['str', 42, {}]) {
    assert.throws(() => app.route({ method: 'GET', url: '/', handler }), { code: 'FST_ERR_ROUTE_MISSING_HANDLER', message: 'Missing handler function for "GET:/" route.' })
  }
  assert.throws(() => app.get('/x', {}, 'str'), { code: 'FST_ERR_ROUTE_MISSING_HANDLER' })
})
