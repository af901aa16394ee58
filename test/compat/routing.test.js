// Issue 17 "Routing" side by side: findRoute/hasRoute, route shorthand forms, constraints (version,
// host, custom strategies), router options at the top level and under routerOptions, prefixes and
// their trailing-slash rules, printRoutes() options.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { both, frameworks, inject, request } from './harness.js'

/** [status, body] of each url, in order. */
async function answers (app, urls) {
  const out = []
  for (const u of urls) {
    const res = await inject(app, typeof u === 'string' ? { url: u } : u)
    out.push([res.statusCode, res.statusCode === 200 ? res.body : ''])
  }
  return out
}

describe('findRoute and hasRoute', () => {
  both('findRoute gives the handler, params and searchParams; null when nothing matches', async (factory) => {
    const app = factory()
    const handler = async () => 'ok'
    app.get('/users/:id', handler)
    const found = app.findRoute({ method: 'get', url: '/users/7' })
    assert.equal(typeof found.handler, 'function')
    assert.deepEqual({ ...found.params }, { id: '7' })
    assert.deepEqual(Object.keys(found).sort(), ['handler', 'params', 'searchParams'])
    assert.equal(app.findRoute({ method: 'POST', url: '/users/7' }), null)
    assert.equal(app.findRoute({ method: 'GET', url: '/nope' }), null)
  })

  both('findRoute matches a route by its pattern, not a request path', async (factory) => {
    const app = factory()
    app.get('/a/:p', () => 'a')
    assert.notEqual(app.findRoute({ method: 'GET', url: '/a/:p' }), null)
  })

  both('findRoute and hasRoute with constraints', async (factory) => {
    const app = factory()
    const v1 = () => 'v1'
    app.get('/v', { constraints: { version: '1.2.0' } }, v1)
    assert.equal(app.hasRoute({ method: 'GET', url: '/v', constraints: { version: '1.2.0' } }), true)
    assert.equal(app.hasRoute({ method: 'GET', url: '/v', constraints: { version: '2.0.0' } }), false)
    assert.equal(app.hasRoute({ method: 'GET', url: '/v' }), false)
    assert.deepEqual({ ...app.findRoute({ method: 'GET', url: '/v', constraints: { version: '1.x' } }).params }, {})
    assert.equal(app.findRoute({ method: 'GET', url: '/v', constraints: { version: '3.x' } }), null)
  })

  both('hasRoute takes any case of method, and a missing url', async (factory) => {
    const app = factory()
    app.post('/p', () => 'p')
    assert.equal(app.hasRoute({ method: 'post', url: '/p' }), true)
    assert.equal(app.hasRoute({ method: 'GET', url: '/p' }), false)
    assert.equal(app.hasRoute({ method: 'POST' }), false)
  })

  both('hasRoute sees a prefixed route with its full url, and automatic HEAD routes after ready', async (factory) => {
    const app = factory()
    app.register(async (child) => { child.get('/x', () => 'x') }, { prefix: '/pre' })
    await app.ready()
    assert.equal(app.hasRoute({ method: 'GET', url: '/pre/x' }), true)
    assert.equal(app.hasRoute({ method: 'HEAD', url: '/pre/x' }), true)
    assert.equal(app.hasRoute({ method: 'GET', url: '/x' }), false)
  })
})

describe('route shorthand forms', () => {
  both('(path, handler), (path, options, handler), (path, { handler }), route({...})', async (factory) => {
    const app = factory()
    app.get('/a', () => 'a')
    app.get('/b', { config: { x: 1 } }, (request) => `b${request.routeOptions.config.x}`)
    app.get('/c', { handler: () => 'c' })
    app.route({ method: ['GET', 'POST'], url: '/d', handler: () => 'd' })
    app.route({ method: 'GET', path: '/e', handler: () => 'e' })
    assert.deepEqual(await answers(app, ['/a', '/b', '/c', '/d', { method: 'POST', url: '/d' }, '/e']),
      [[200, 'a'], [200, 'b1'], [200, 'c'], [200, 'd'], [200, 'd'], [200, 'e']])
  })

  both('a handler both in options and as an argument throws FST_ERR_ROUTE_DUPLICATED_HANDLER', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/x', { handler: () => 1 }, () => 2), { code: 'FST_ERR_ROUTE_DUPLICATED_HANDLER' })
  })

  both('a non-function handler in options with a handler argument throws FST_ERR_ROUTE_HANDLER_NOT_FN', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/x', { handler: 'no' }, () => 2), { code: 'FST_ERR_ROUTE_HANDLER_NOT_FN' })
  })

  both('options that are not an object with a handler throw FST_ERR_ROUTE_OPTIONS_NOT_OBJ', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/x', 'opts', () => 2), { code: 'FST_ERR_ROUTE_OPTIONS_NOT_OBJ' })
    assert.throws(() => app.get('/y', [], () => 2), { code: 'FST_ERR_ROUTE_OPTIONS_NOT_OBJ' })
  })

  both('a path that is not a string throws FST_ERR_INVALID_URL', async (factory) => {
    const app = factory()
    assert.throws(() => app.get(42, () => 1), { code: 'FST_ERR_INVALID_URL' })
  })

  /** Declares with `declare(app)` under onRoute: what it threw (name, code, message) and the [method, url] onRoute saw. */
  function declared (factory, declare) {
    const app = factory()
    const seen = []
    app.addHook('onRoute', (options) => { seen.push([options.method, options.url]) })
    try {
      declare(app)
      return { app, thrown: null, seen }
    } catch (err) {
      return { app, thrown: { name: err.name, code: err.code, message: err.message }, seen }
    }
  }

  const notAPath = { name: 'AssertionError', code: 'ERR_ASSERTION', message: 'The first character of a path should be `/` or `*`' }
  const emptyPath = { name: 'AssertionError', code: 'ERR_ASSERTION', message: 'The path could not be empty' }

  both("route() with a url that is not a string: joined to the prefix as it converts, onRoute sees that, find-my-way's assertion judges the path", async (factory) => {
    const cases = [
      [{ method: 'GET', url: 42 }, notAPath, [['GET', '42']]],
      [{ method: 'POST', url: { x: 1 } }, notAPath, [['POST', '[object Object]']]],
      [{ method: 'GET', path: true }, notAPath, [['GET', 'true']]],
      [{ method: 'GET', url: null }, emptyPath, [['GET', '']]],
      [{ method: 'GET' }, emptyPath, [['GET', '']]]
    ]
    for (const [options, thrown, seen] of cases) {
      const got = declared(factory, (app) => app.route({ ...options, handler: () => 1 }))
      assert.deepEqual({ thrown: got.thrown, seen: got.seen }, { thrown, seen }, JSON.stringify(options))
      await got.app.ready()
      await got.app.close()
    }
  })

  both('route() with a url converting to a path: the route is routed; its automatic HEAD route, declared as get() would, throws FST_ERR_INVALID_URL', async (factory) => {
    const got = declared(factory, (app) => app.route({ method: 'GET', url: ['/listed'], handler: () => 'listed' }))
    assert.deepEqual({ thrown: got.thrown, seen: got.seen }, {
      thrown: { name: 'FastifyError', code: 'FST_ERR_INVALID_URL', message: "URL must be a string. Received 'object'" },
      seen: [['GET', '/listed']]
    })
    await got.app.listen({ port: 0, host: '127.0.0.1' })
    const [get, head] = [await request(got.app, 'GET', '/listed'), await request(got.app, 'HEAD', '/listed')]
    assert.deepEqual([get.status, get.text, head.status], [200, 'listed', 404])
    const post = declared(factory, (app) => app.route({ method: 'POST', url: ['/listed'], handler: () => 'posted' }))
    assert.equal(post.thrown, null)
  })

  both('route() with `method: []`: onRoute sees it, find-my-way checks its path, nothing is routed', async (factory) => {
    const got = declared(factory, (app) => {
      app.route({ method: [], url: '/none', handler: () => 'none' })
      app.register(async (child) => { child.route({ method: [], url: '/', handler: () => 'none' }) }, { prefix: '/p' })
    })
    assert.equal(got.thrown, null)
    await got.app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(got.seen, [[[], '/none'], [[], '/p']])
    const answers = []
    for (const [method, path] of [['GET', '/none'], ['POST', '/none'], ['GET', '/p']]) answers.push((await request(got.app, method, path)).status)
    assert.deepEqual(answers, [404, 404, 404])
    assert.deepEqual(declared(factory, (app) => app.route({ method: [], url: 'x', handler: () => 1 })).thrown, notAPath)
    assert.deepEqual(declared(factory, (app) => app.route({ method: [], url: '', handler: () => 1 })).thrown, emptyPath)
    assert.deepEqual(declared(factory, (app) => app.route({ url: '/u', handler: () => 1 })).thrown.code, 'FST_ERR_ROUTE_METHOD_INVALID')
  })

  both('no handler at all throws FST_ERR_ROUTE_MISSING_HANDLER', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/x', {}), { code: 'FST_ERR_ROUTE_MISSING_HANDLER' })
  })

  both('every method shorthand', async (factory) => {
    const app = factory()
    for (const m of ['get', 'post', 'put', 'patch', 'delete', 'options', 'head', 'trace']) app[m](`/${m}`, (request, reply) => { reply.header('x-m', request.method).send() })
    app.all('/all', (request, reply) => { reply.header('x-m', request.method).send() })
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE']) {
      const res = await inject(app, { method: m, url: `/${m.toLowerCase()}` })
      assert.equal(res.headers['x-m'], m)
      assert.equal((await inject(app, { method: m, url: '/all' })).headers['x-m'], m)
    }
  })
})

describe('constraints', () => {
  both('version: Accept-Version picks by semver range; none or no match falls through', async (factory) => {
    const app = factory()
    app.get('/', { constraints: { version: '1.2.0' } }, () => 'v1.2')
    app.get('/', { constraints: { version: '2.0.1' } }, () => 'v2')
    app.get('/', () => 'plain')
    const vary = await inject(app, { url: '/', headers: { 'accept-version': '1.x' } })
    assert.deepEqual(await answers(app, [
      { url: '/', headers: { 'accept-version': '1.x' } },
      { url: '/', headers: { 'accept-version': '2.x' } },
      { url: '/', headers: { 'accept-version': '*' } },
      '/',
      { url: '/', headers: { 'accept-version': '3.x' } }
    ]), [[200, 'v1.2'], [200, 'v2'], [200, 'v2'], [200, 'plain'], [404, '']])
    assert.equal(vary.headers.vary, undefined)
  })

  both('version: request.routeOptions.version is the Accept-Version sent', async (factory) => {
    const app = factory()
    app.get('/', { constraints: { version: '1.2.0' } }, (request) => String(request.routeOptions.version))
    assert.deepEqual(await answers(app, [{ url: '/', headers: { 'accept-version': '1.x' } }]), [[200, '1.x']])
  })

  both('version with a 404: the not-found handler sees Accept-Version', async (factory) => {
    const app = factory()
    app.get('/', { constraints: { version: '1.0.0' } }, () => 'v1')
    app.setNotFoundHandler((request, reply) => reply.code(404).send(String(request.headers['accept-version'])))
    const res = await inject(app, { url: '/', headers: { 'accept-version': '9.x' } })
    assert.deepEqual([res.statusCode, res.body], [404, '9.x'])
  })

  both('host: a string or a RegExp', async (factory) => {
    const app = factory()
    app.get('/', { constraints: { host: 'a.example' } }, () => 'a')
    app.get('/', { constraints: { host: /^b\d\.example$/ } }, () => 'b')
    app.get('/', () => 'any')
    assert.deepEqual(await answers(app, [
      { url: '/', headers: { host: 'a.example' } },
      { url: '/', headers: { host: 'b7.example' } },
      { url: '/', headers: { host: 'c.example' } }
    ]), [[200, 'a'], [200, 'b'], [200, 'any']])
  })

  both('a custom strategy in the constraints option', async (factory) => {
    const store = () => { const m = new Map(); return { get: (k) => m.get(k) ?? null, set: (k, v) => { m.set(k, v) } } }
    const tier = { name: 'tier', storage: store, deriveConstraint: (req) => req.headers['x-tier'], validate: () => true, mustMatchWhenDerived: true }
    const app = factory({ constraints: { tier } })
    app.get('/', { constraints: { tier: 'gold' } }, () => 'gold')
    app.get('/', { constraints: { tier: 'silver' } }, () => 'silver')
    assert.deepEqual(await answers(app, [
      { url: '/', headers: { 'x-tier': 'gold' } },
      { url: '/', headers: { 'x-tier': 'silver' } },
      { url: '/', headers: { 'x-tier': 'bronze' } }
    ]), [[200, 'gold'], [200, 'silver'], [404, '']])
    assert.equal(app.hasConstraintStrategy('tier'), true)
    assert.equal(app.hasConstraintStrategy('nope'), false)
  })

  both('addConstraintStrategy, refused once listening', async (factory) => {
    const store = () => { const m = new Map(); return { get: (k) => m.get(k) ?? null, set: (k, v) => { m.set(k, v) } } }
    const app = factory()
    app.addConstraintStrategy({ name: 'lang', storage: store, deriveConstraint: (req) => req.headers['x-lang'] })
    app.get('/', { constraints: { lang: 'fr' } }, () => 'bonjour')
    app.get('/', () => 'hello')
    assert.throws(() => app.addConstraintStrategy({ name: 'lang', storage: store, deriveConstraint: () => 'x' }), /already exists a custom constraint/)
    assert.deepEqual(await answers(app, [{ url: '/', headers: { 'x-lang': 'fr' } }, '/']), [[200, 'bonjour'], [200, 'hello']])
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.throws(() => app.addConstraintStrategy({ name: 'late', storage: store, deriveConstraint: () => 'x' }), { code: 'FST_ERR_INSTANCE_ALREADY_LISTENING' })
  })

  both('an async constraint strategy', async (factory) => {
    const store = () => { const m = new Map(); return { get: (k) => m.get(k) ?? null, set: (k, v) => { m.set(k, v) } } }
    const app = factory({
      constraints: { user: { name: 'user', storage: store, validate: () => true, deriveConstraint: (req, ctx, done) => { setImmediate(() => done(null, req.headers['x-user'])) } } }
    })
    app.get('/', { constraints: { user: 'ann' } }, () => 'ann')
    app.get('/', () => 'other')
    assert.deepEqual(await answers(app, [{ url: '/', headers: { 'x-user': 'ann' } }, '/']), [[200, 'ann'], [200, 'other']])
  })
})

describe('router options', () => {
  for (const form of ['top', 'routerOptions']) {
    const opts = (o) => form === 'top' ? o : { routerOptions: o }
    both(`${form}: ignoreTrailingSlash`, async (factory) => {
      const app = factory(opts({ ignoreTrailingSlash: true }))
      app.get('/a', () => 'a')
      app.get('/b/', () => 'b')
      assert.deepEqual(await answers(app, ['/a', '/a/', '/b', '/b/']), [[200, 'a'], [200, 'a'], [200, 'b'], [200, 'b']])
    })

    both(`${form}: ignoreDuplicateSlashes`, async (factory) => {
      const app = factory(opts({ ignoreDuplicateSlashes: true }))
      app.get('/a/b', () => 'ab')
      assert.deepEqual(await answers(app, ['//a//b', '/a///b']), [[200, 'ab'], [200, 'ab']])
    })

    both(`${form}: caseSensitive false keeps the case of params`, async (factory) => {
      const app = factory(opts({ caseSensitive: false }))
      app.get('/Foo/:name', (request) => request.params.name)
      assert.deepEqual(await answers(app, ['/foo/BaR', '/FOO/x']), [[200, 'BaR'], [200, 'x']])
    })

    both(`${form}: maxParamLength`, async (factory) => {
      const app = factory(opts({ maxParamLength: 5 }))
      app.get('/p/:id', (request) => request.params.id)
      const res = await inject(app, '/p/123456')
      assert.deepEqual(await answers(app, ['/p/12345']), [[200, '12345']])
      assert.equal(res.statusCode, 414)
    })

    both(`${form}: useSemicolonDelimiter`, async (factory) => {
      const app = factory(opts({ useSemicolonDelimiter: true }))
      app.get('/s', (request) => JSON.stringify(request.query))
      assert.deepEqual(await answers(app, ['/s;a=1']), [[200, '{"a":"1"}']])
    })

    both(`${form}: querystringParser`, async (factory) => {
      const app = factory(opts({ querystringParser: (s) => ({ raw: s }) }))
      app.get('/q', (request) => request.query)
      assert.deepEqual(JSON.parse((await inject(app, '/q?a=1&b=2')).body), { raw: 'a=1&b=2' })
    })

    both(`${form}: allowUnsafeRegex`, async (factory) => {
      const app = factory(opts({ allowUnsafeRegex: true }))
      app.get('/r/:n(^\\d+(a+)+$)', (request) => request.params.n)
      assert.deepEqual(await answers(app, ['/r/1aa']), [[200, '1aa']])
    })
  }

  both('semicolons are part of the path by default', async (factory) => {
    const app = factory()
    app.get('/s', () => 's')
    assert.deepEqual(await answers(app, ['/s;a=1']), [[404, '']])
  })

  both('an unsafe regex throws by default', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/r/:n(^\\d+(a+)+$)', () => 1))
  })

  both('a non-function querystringParser throws FST_ERR_QSP_NOT_FN, in either place', async (factory) => {
    assert.throws(() => factory({ querystringParser: 'x' }), { code: 'FST_ERR_QSP_NOT_FN' })
    assert.throws(() => factory({ routerOptions: { querystringParser: 'x' } }), { code: 'FST_ERR_QSP_NOT_FN' })
  })

  both('routerOptions wins over the same top-level option', async (factory) => {
    const app = factory({ ignoreTrailingSlash: false, caseSensitive: true, routerOptions: { ignoreTrailingSlash: true, caseSensitive: false } })
    app.get('/a', () => 'a')
    assert.deepEqual(await answers(app, ['/a/', '/A']), [[200, 'a'], [200, 'a']])
  })

  both('caseSensitive true by default', async (factory) => {
    const app = factory()
    app.get('/a', () => 'a')
    assert.deepEqual(await answers(app, ['/A', '/a/']), [[404, ''], [404, '']])
  })
})

describe('prefixes and trailing slashes', () => {
  /** An app with '/' and '/x' declared under `prefix` with `routeOpts`; the GET urls onRoute saw. */
  async function prefixed (factory, appOpts, prefix, routeOpts) {
    const app = factory(appOpts)
    const seen = []
    app.addHook('onRoute', (r) => { if (r.method === 'GET') seen.push(r.url) })
    app.register(async (child) => {
      child.get('/', routeOpts, () => 'root')
      child.get('/x', () => 'x')
    }, { prefix })
    await app.ready()
    const got = []
    for (const url of ['/p', '/p/', '/p/x', '/p/x/', '/p//x']) {
      const res = await inject(app, url)
      got.push(res.statusCode === 200 ? res.body : res.statusCode)
    }
    return [got, seen]
  }
  // [label, app options, route options, prefix, answers to /p /p/ /p/x /p/x/ /p//x, urls seen by onRoute, weftTodo]
  const cases = [
    ['default', {}, {}, '/p', ['root', 'root', 'x', 404, 404], ['/p', '/p/x']],
    ['prefixTrailingSlash both', {}, { prefixTrailingSlash: 'both' }, '/p', ['root', 'root', 'x', 404, 404], ['/p', '/p/x']],
    ['prefixTrailingSlash slash', {}, { prefixTrailingSlash: 'slash' }, '/p', [404, 'root', 'x', 404, 404], ['/p/', '/p/x']],
    ['prefixTrailingSlash no-slash', {}, { prefixTrailingSlash: 'no-slash' }, '/p', ['root', 404, 'x', 404, 404], ['/p', '/p/x']],
    ['ignoreTrailingSlash', { ignoreTrailingSlash: true }, {}, '/p', ['root', 'root', 'x', 'x', 404], ['/p', '/p/x']],
    ['ignoreTrailingSlash under routerOptions', { routerOptions: { ignoreTrailingSlash: true } }, {}, '/p', ['root', 'root', 'x', 'x', 404], ['/p', '/p/x']],
    ['ignoreTrailingSlash with no-slash', { ignoreTrailingSlash: true }, { prefixTrailingSlash: 'no-slash' }, '/p', ['root', 'root', 'x', 'x', 404], ['/p', '/p/x']],
    ['ignoreDuplicateSlashes', { ignoreDuplicateSlashes: true }, {}, '/p', ['root', 'root', 'x', 404, 'x'], ['/p', '/p/x']],
    ['a prefix ending in a slash', {}, {}, '/p/', [404, 'root', 'x', 404, 404], ['/p/', '/p/x']],
    ['a prefix ending in a slash, slash', {}, { prefixTrailingSlash: 'slash' }, '/p/', [404, 404, 'x', 404, 404], ['/p//', '/p/x']],
    ['a prefix ending in a slash, ignoreTrailingSlash', { ignoreTrailingSlash: true }, {}, '/p/', ['root', 'root', 'x', 'x', 404], ['/p/', '/p/x']],
    ['a prefix ending in a slash, ignoreDuplicateSlashes', { ignoreDuplicateSlashes: true }, {}, '/p/', [404, 'root', 'x', 404, 'x'], ['/p/', '/p/x']]
  ]
  for (const [label, appOpts, routeOpts, prefix, answers, seen] of cases) {
    both(`prefix '${prefix}', ${label}`, async (factory) => {
      assert.deepEqual(await prefixed(factory, appOpts, prefix, routeOpts), [answers, seen])
    })
  }

  // [parent prefix, own prefix, instance.prefix of parent and child, GET urls onRoute saw for '/' and '/x']
  for (const [parent, own, prefixes, seen] of [
    ['', '/', ['/'], ['/', '/x']],
    ['', 'v1', ['/v1'], ['/v1', '/v1/x']],
    ['', '/v1/', ['/v1/'], ['/v1/', '/v1/x']],
    ['/a/', '/b', ['/a/', '/a/b'], ['/a/b', '/a/b/x']],
    ['/a', 'b/', ['/a', '/a/b/'], ['/a/b/', '/a/b/x']],
    ['/a/', 'b', ['/a/', '/a/b'], ['/a/b', '/a/b/x']]
  ]) {
    both(`nested prefixes ${JSON.stringify(parent)} and ${JSON.stringify(own)}`, async (factory) => {
      const app = factory()
      const urls = []
      const names = []
      app.addHook('onRoute', (r) => { if (r.method === 'GET') urls.push(r.url) })
      const inner = async (child) => { names.push(child.prefix); child.get('/', () => 'root'); child.get('/x', () => 'x') }
      if (parent === '') app.register(inner, { prefix: own })
      else app.register(async (p) => { names.push(p.prefix); p.register(inner, { prefix: own }) }, { prefix: parent })
      await app.ready()
      assert.deepEqual([names, urls], [prefixes, seen])
    })
  }

  for (const prefix of ['/', '/v1/', '/v1']) {
    both(`a not-found handler under the prefix '${prefix}'`, async (factory) => {
      const app = factory()
      app.register(async (child) => {
        child.setNotFoundHandler((request, reply) => reply.code(404).send('scoped'))
        child.get('/x', () => 'x')
      }, { prefix })
      const got = []
      for (const url of ['/nope', '/v1', '/v1/', '/v1/nope', '/v1nope']) {
        const res = await inject(app, url)
        got.push([res.statusCode, res.body === 'scoped' ? 'scoped' : res.json().message])
      }
      const scoped = { '/': [true, true, true, true, true], '/v1/': [false, false, true, true, false], '/v1': [false, true, true, true, false] }[prefix]
      assert.deepEqual(got, got.map(([, body], i) => [404, scoped[i] ? 'scoped' : body]))
      assert.deepEqual(got.map(([, body]) => body === 'scoped'), scoped)
    })
  }
})

describe('printRoutes()', () => {
  /** An app with hooks, a config, a versioned route and a prefixed plugin, ready. */
  async function routes (factory, withGet = true) {
    const app = factory()
    app.addHook('onRequest', function stamp (request, reply, done) { done() })
    if (withGet) app.get('/test', { config: { a: 1 } }, () => 'x')
    if (withGet) app.get('/test/hello', () => 'x')
    app.post('/test/hello', { preHandler: async function check () {} }, () => 'x')
    app.put('/hello/world', { constraints: { version: '1.0.0' } }, () => 'x')
    app.register(async (child) => { child.delete('/in', () => 1) }, { prefix: '/pre' })
    await app.ready()
    return app
  }

  for (const options of [undefined, { commonPrefix: false }, { method: 'POST' }, { method: 'HEAD', commonPrefix: false }, { includeMeta: ['errorHandler', 'config'] }]) {
    both(`printRoutes(${JSON.stringify(options) ?? ''})`, async (factory) => {
      const printed = (await routes(factory)).printRoutes(options)
      const reference = await onFastify(async (fastify) => (await routes(fastify)).printRoutes(options))
      assert.equal(printed, reference)
    })
  }

  for (const options of [{ includeHooks: true }, { includeMeta: true }, { includeHooks: true, includeMeta: ['logLevel'] }]) {
    both(`printRoutes(${JSON.stringify(options)}) without GET routes`, async (factory) => {
      const printed = (await routes(factory, false)).printRoutes(options)
      const reference = await onFastify(async (fastify) => (await routes(fastify, false)).printRoutes(options))
      assert.equal(printed, reference)
      assert.match(printed, /\(onRequest\) \["stamp\(\)"\]/)
      assert.match(printed, /\(preHandler\) \["check\(\)"\]/)
    })
  }

  both('printRoutes({ includeHooks: true }) with automatic HEAD routes', async (factory) => {
    const printed = (await routes(factory)).printRoutes({ includeHooks: true })
    const reference = await onFastify(async (fastify) => (await routes(fastify)).printRoutes({ includeHooks: true }))
    assert.equal(printed, reference)
  })

  both('a HEAD route declared after the GET of its path is a duplicate', async (factory) => {
    const app = factory()
    app.get('/a', () => 'a')
    assert.throws(() => app.head('/a', () => ''), { code: 'FST_ERR_DUPLICATED_ROUTE' })
  })

  both('a HEAD route declared before the GET of its path is kept', async (factory) => {
    const app = factory()
    app.head('/a', (request, reply) => { reply.header('x-head', 'own').send() })
    app.get('/a', () => 'a')
    const res = await inject(app, { method: 'HEAD', url: '/a' })
    assert.equal(res.headers['x-head'], 'own')
  })
})

describe('router option warnings and failing strategies', () => {
  both('top-level router options warn FSTDEP022 naming them; routerOptions does not', async (factory) => {
    const warnings = []
    const onWarning = (w) => { if (w.code === 'FSTDEP022') warnings.push(w) }
    process.on('warning', onWarning)
    try {
      factory({ maxParamLength: 50, ignoreTrailingSlash: true })
      factory({ routerOptions: { maxParamLength: 50 } })
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      process.off('warning', onWarning)
    }
    assert.equal(warnings.length, 1)
    assert.match(warnings[0].message, /ignoreTrailingSlash, maxParamLength/)
    assert.equal(warnings[0].name, 'FastifyWarning')
  })

  both('an async constraint strategy failing: a 500, and frameworkErrors gets FST_ERR_ASYNC_CONSTRAINT', async (factory) => {
    const store = () => { const m = new Map(); return { get: (k) => m.get(k) ?? null, set: (k, v) => { m.set(k, v) } } }
    const failing = { name: 'user', storage: store, validate: () => true, deriveConstraint: (req, ctx, done) => { setImmediate(() => done(new Error('no user'))) } }
    const plain = factory({ constraints: { user: failing } })
    plain.get('/', { constraints: { user: 'ann' } }, () => 'ann')
    await plain.listen({ port: 0, host: '127.0.0.1' })
    const res = await fetch(`http://127.0.0.1:${plain.server.address().port}/`)
    assert.deepEqual([res.status, await res.json()], [500, { error: 'Internal Server Error', message: 'Unexpected error from async constraint', statusCode: 500 }])

    const seen = []
    const handled = factory({ constraints: { user: failing }, frameworkErrors: (err, request, reply) => { seen.push(err.code); reply.code(503).send('handled') } })
    handled.get('/', { constraints: { user: 'ann' } }, () => 'ann')
    const res2 = await inject(handled, '/')
    assert.deepEqual([res2.statusCode, res2.body, seen], [503, 'handled', ['FST_ERR_ASYNC_CONSTRAINT']])
  })
})

/** What `fn(factory)` makes of a Fastify app (the ground truth, whichever framework runs the case); the app is closed. */
async function onFastify (fn) {
  const apps = []
  const result = await fn((...args) => { const app = frameworks[0].factory(...args); apps.push(app); return app })
  for (const app of apps) await app.close()
  return result
}

describe('request.routeOptions.method', () => {
  both('is the route\'s declared method, upper-cased: an array stays an array, also of one', async (factory) => {
    const app = factory()
    app.route({ method: ['get', 'pOSt'], url: '/a', handler: async (request) => ({ method: request.routeOptions.method }) })
    app.route({ method: ['pOSt'], url: '/b', handler: async (request) => ({ method: request.routeOptions.method }) })
    app.route({ method: 'get', url: '/c', handler: async (request) => ({ method: request.routeOptions.method }) })
    const seen = []
    for (const [method, url] of [['GET', '/a'], ['POST', '/a'], ['POST', '/b'], ['GET', '/c']]) {
      seen.push(JSON.parse((await inject(app, { method, url })).body).method)
    }
    assert.deepEqual(seen, [['GET', 'POST'], ['GET', 'POST'], ['POST'], 'GET'])
  })
})
