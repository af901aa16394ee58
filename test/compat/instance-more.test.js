// The instance side by side, continued: when boot starts and when an app refuses more routes,
// hooks, plugins, decorators and setters (ready()/listen() calls left running, the turn after).
import assert from 'node:assert/strict'
import http from 'node:http'
import { mock } from 'node:test'
import FindMyWay from 'find-my-way'
import fp from 'fastify-plugin'
import { both, logLines, turns, within } from './harness.js'

/** GET over a real socket, on a new connection. */
function get (origin, path) {
  return within(new Promise((resolve, reject) => {
    http.get(new URL(path, origin), { agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    }).on('error', reject)
  }), `GET ${path}`)
}

/** The code of what `fn` throws, or 'ok'. */
function outcome (fn) {
  try {
    fn()
    return 'ok'
  } catch (err) {
    return err.code
  }
}

both('routes added in the turn listen() was called in (sync, ticks, microtasks, awaits) are served over a socket', async (factory) => {
  const app = factory()
  const listening = app.listen({ port: 0, host: '127.0.0.1' })
  const added = []
  const add = (name) => { app.get(`/${name}`, async () => name); added.push(name) }
  add('sync')
  process.nextTick(() => add('tick'))
  queueMicrotask(() => add('microtask'))
  await Promise.resolve()
  add('awaited')
  const origin = await listening
  assert.deepEqual(added.sort(), ['awaited', 'microtask', 'sync', 'tick'])
  for (const name of added) assert.deepEqual(await get(origin, `/${name}`), { status: 200, body: name })
})

both('a turn after listen() was called, routes, hooks, plugins and decorators are refused', async (factory) => {
  const app = factory()
  const listening = app.listen({ port: 0, host: '127.0.0.1' })
  await turns(1)
  const seen = {
    route: outcome(() => app.get('/late', async () => 'late')),
    hook: outcome(() => app.addHook('onRequest', async () => {})),
    register: outcome(() => app.register(async () => {})),
    decorate: outcome(() => app.decorate('late', 1))
  }
  assert.deepEqual(seen, {
    route: 'FST_ERR_INSTANCE_ALREADY_LISTENING',
    hook: 'FST_ERR_INSTANCE_ALREADY_LISTENING',
    register: 'AVV_ERR_ROOT_PLG_BOOTED',
    decorate: 'FST_ERR_DEC_AFTER_START'
  })
  const origin = await listening
  assert.equal((await get(origin, '/late')).status, 404)
})

both('a plugin registered in the turn ready() was called in still loads and routes', async (factory) => {
  const app = factory()
  const ready = app.ready()
  process.nextTick(() => app.register(async (child) => { child.get('/from-plugin', async () => 'plugin') }, { prefix: '/p' }))
  await ready
  const res = await app.inject('/p/from-plugin')
  assert.equal(res.statusCode, 200)
  assert.equal(res.body, 'plugin')
})

both('right after `await ready()` routes and hooks are refused as after boot, setters and decorators not yet; a tick later all are', async (factory) => {
  const app = factory()
  await app.ready()
  const tryAll = (tag) => ({
    route: outcome(() => app.get(`/${tag}`, async () => tag)),
    hook: outcome(() => app.addHook('onRequest', async () => {})),
    register: outcome(() => app.register(async () => {})),
    decorate: outcome(() => app.decorate(`dec${tag}`, 1)),
    setGenReqId: outcome(() => app.setGenReqId(() => tag)),
    addSchema: outcome(() => app.addSchema({ $id: `schema-${tag}` })),
    addConstraintStrategy: outcome(() => app.addConstraintStrategy({
      name: `strategy${tag}`,
      storage () { const m = new Map(); return { get: (k) => m.get(k) ?? null, set: (k, v) => m.set(k, v) } },
      deriveConstraint: () => undefined,
      validate () {}
    }))
  })
  const now = tryAll('now')
  await turns(1)
  const later = tryAll('later')
  assert.deepEqual(now, {
    route: 'AVV_ERR_ROOT_PLG_BOOTED',
    hook: 'AVV_ERR_ROOT_PLG_BOOTED',
    register: 'AVV_ERR_ROOT_PLG_BOOTED',
    decorate: 'ok',
    setGenReqId: 'ok',
    addSchema: 'ok',
    addConstraintStrategy: 'ok'
  })
  assert.deepEqual(later, {
    route: 'FST_ERR_INSTANCE_ALREADY_LISTENING',
    hook: 'FST_ERR_INSTANCE_ALREADY_LISTENING',
    register: 'AVV_ERR_ROOT_PLG_BOOTED',
    decorate: 'FST_ERR_DEC_AFTER_START',
    setGenReqId: 'FST_ERR_INSTANCE_ALREADY_LISTENING',
    addSchema: 'FST_ERR_INSTANCE_ALREADY_LISTENING',
    addConstraintStrategy: 'FST_ERR_INSTANCE_ALREADY_LISTENING'
  })
})

both('an app with a plugin instance or an onReady hook counts as started when `await ready()` resumes; a bare one (skip-override plugins only) a tick later', async (factory) => {
  const setups = {
    bare: () => {},
    skipOverride: (app) => app.register(fp(async (same) => { same.decorate('shared', 1) })),
    skipOverrideOnReady: (app) => app.register(fp(async (same) => { same.addHook('onReady', async () => {}) })),
    pluginInstance: (app) => app.register(async () => {}),
    onReady: (app) => app.addHook('onReady', (done) => done())
  }
  const seen = {}
  for (const [name, setup] of Object.entries(setups)) {
    const app = factory()
    setup(app)
    await app.ready()
    seen[name] = { decorate: outcome(() => app.decorate('late', 1)), route: outcome(() => app.get('/late', async () => 'late')) }
    await app.close()
  }
  const started = { decorate: 'FST_ERR_DEC_AFTER_START', route: 'FST_ERR_INSTANCE_ALREADY_LISTENING' }
  assert.deepEqual(seen, {
    bare: { decorate: 'ok', route: 'AVV_ERR_ROOT_PLG_BOOTED' },
    skipOverride: { decorate: 'ok', route: 'AVV_ERR_ROOT_PLG_BOOTED' },
    skipOverrideOnReady: started,
    pluginInstance: started,
    onReady: started
  })
})

both('the properties every request and reply gets count as decorators: has*Decorator, and as dependencies of one', async (factory) => {
  const app = factory({ logger: false })
  const requestOwn = ['id', 'params', 'raw', 'query', 'log', 'body']
  const replyOwn = ['raw', 'request', 'log']
  assert.deepEqual(requestOwn.filter((name) => !app.hasRequestDecorator(name)), [])
  assert.deepEqual(replyOwn.filter((name) => !app.hasReplyDecorator(name)), [])
  assert.equal(app.hasRequestDecorator('notThere'), false)
  app.decorateRequest('describe', function () { return `${this.id}:${this.params.name}:${this.query.q}` }, ['id', 'params', 'query'])
  await app.register(async (child) => {
    child.decorateReply('sentFor', function () { return this.request.url }, ['request', 'raw'])
    child.decorateRequest('sized', function () { return JSON.stringify(this.body).length }, ['body', 'describe'])
    child.post('/in/:name', async (request, reply) => ({ describe: request.describe(), sentFor: reply.sentFor(), sized: request.sized() }))
  })
  assert.throws(() => app.decorateRequest('missing', () => 1, ['nope']), { code: 'FST_ERR_DEC_MISSING_DEPENDENCY' })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await within(fetch(`${origin}/in/ada?q=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }), 'POST /in/ada')
  const body = await res.json()
  assert.equal(res.status, 200)
  assert.match(body.describe, /^.+:ada:x$/)
  assert.equal(body.sentFor, '/in/ada?q=x')
  assert.equal(body.sized, 7)
})

/** A raw HTTP request over a new connection: status and body. */
function request (origin, method, path) {
  return within(new Promise((resolve, reject) => {
    http.request(new URL(path, origin), { method, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    }).on('error', reject).end()
  }), `${method} ${path}`)
}

both('routerOptions defaultRoute, onBadUrl and onMaxParamLength answer with the raw request and response, over a socket', async (factory) => {
  const calls = []
  const app = factory({
    frameworkErrors (err, request, reply) { calls.push(`frameworkErrors ${err.code}`); reply.code(499).send('framework') },
    routerOptions: {
      maxParamLength: 8,
      defaultRoute (req, res) { calls.push(`default ${req.method} ${req.url}`); res.statusCode = 404; res.end(`nothing at ${req.url}`) },
      onBadUrl (path, req, res) { calls.push(`bad ${req.method} ${path}`); res.statusCode = 400; res.end(`bad: ${path}`) },
      onMaxParamLength (path, req, res) { calls.push(`long ${path}`); res.statusCode = 414; res.end(`long: ${path}`) }
    }
  })
  app.setNotFoundHandler((request, reply) => { calls.push('notFoundHandler'); reply.code(404).send('not found handler') })
  app.get('/item/:id', async (request) => request.params.id)
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  assert.deepEqual(await request(origin, 'GET', '/item/abc'), { status: 200, body: 'abc' })
  assert.deepEqual(await request(origin, 'GET', '/nowhere'), { status: 404, body: 'nothing at /nowhere' })
  assert.deepEqual(await request(origin, 'GET', '/item/%zz'), { status: 400, body: 'bad: /item/%zz' })
  // no route of this method at all: defaultRoute takes it, bad URL or not
  assert.deepEqual(await request(origin, 'DELETE', '/item/%zz'), { status: 404, body: 'nothing at /item/%zz' })
  assert.deepEqual(await request(origin, 'GET', '/item/123456789'), { status: 414, body: 'long: /item/123456789' })
  assert.deepEqual(calls, ['default GET /nowhere', 'bad GET /item/%zz', 'default DELETE /item/%zz', 'long /item/123456789'])
})

both('routerOptions.onBadUrl without defaultRoute: it answers for a method with no route too', async (factory) => {
  const app = factory({ routerOptions: { onBadUrl (path, req, res) { res.statusCode = 400; res.end(`${req.method} bad: ${path}`) } } })
  app.get('/item/:id', async (request) => request.params.id)
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  assert.deepEqual(await request(origin, 'GET', '/item/%zz'), { status: 400, body: 'GET bad: /item/%zz' })
  assert.deepEqual(await request(origin, 'DELETE', '/item/%zz'), { status: 400, body: 'DELETE bad: /item/%zz' })
  const missing = await request(origin, 'GET', '/nowhere')
  assert.equal(missing.status, 404)
  assert.equal(JSON.parse(missing.body).message, 'Route GET:/nowhere not found')
})

both('routerOptions.buildPrettyMeta decides what printRoutes({ includeMeta }) shows; router options that are not functions are refused', async (factory) => {
  const app = factory({ routerOptions: { buildPrettyMeta: (route) => ({ where: route.path, how: route.method }) } })
  app.get('/a', async () => 'a')
  app.put('/a/b', async () => 'b')
  await app.ready()
  const printed = app.printRoutes({ includeMeta: true })
  assert.match(printed, /• \(where\) "\/a"/)
  assert.match(printed, /• \(where\) "\/a\/b"/)
  assert.match(printed, /• \(how\) "PUT"/)
  assert.doesNotMatch(printed, /errorHandler/)
  for (const name of ['defaultRoute', 'onBadUrl', 'buildPrettyMeta']) {
    assert.throws(() => factory({ routerOptions: { [name]: 'no' } }), { code: 'ERR_ASSERTION' }, name)
  }
})

both('listen() with a signal that is not one throws at once, in the callback and promise forms, and binds nothing', async (factory) => {
  const app = factory()
  let called = false
  const check = (err) => err.code === 'FST_ERR_LISTEN_OPTIONS_INVALID' && err.message === "Invalid listen options: 'Invalid options.signal'"
  assert.throws(() => app.listen({ port: 0, signal: {} }, () => { called = true }), check)
  assert.throws(() => app.listen({ port: 0, signal: { aborted: false } }), check)
  await turns(2)
  assert.equal(called, false)
  assert.equal(app.server.listening, false)
})

both('route() checks its options in Fastify\'s order: handler, errorHandler, bodyLimit, handlerTimeout, then the methods, then the path', (factory) => {
  const app = factory()
  const codeOf = (opts) => outcome(() => app.route(opts))
  const handler = () => 'x'
  assert.equal(codeOf({ method: 'PUT', bodyLimit: false, handler }), 'FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT')
  assert.equal(codeOf({ method: 'PUT' }), 'FST_ERR_ROUTE_MISSING_HANDLER')
  assert.equal(codeOf({ method: 'NOPE', url: '/a' }), 'FST_ERR_ROUTE_MISSING_HANDLER')
  assert.equal(codeOf({ method: 'NOPE', url: '/a', handler, bodyLimit: -1 }), 'FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT')
  assert.equal(codeOf({ method: 5, url: '/a', handler, handlerTimeout: 1.5 }), 'FST_ERR_ROUTE_HANDLER_TIMEOUT_OPTION_NOT_INT')
  assert.equal(codeOf({ method: 'GET', url: '/a', handler, errorHandler: 1, bodyLimit: -1 }), 'FST_ERR_ROUTE_HANDLER_NOT_FN')
  assert.equal(codeOf({ method: 'NOPE', url: '/a', handler }), 'FST_ERR_ROUTE_METHOD_NOT_SUPPORTED')
  assert.throws(() => app.route({ method: 'PUT', handler }), { message: 'The path could not be empty' })
  assert.throws(() => app.route({ method: 'PUT' }), { message: 'Missing handler function for "PUT:" route.' })
  assert.equal(codeOf({ method: 'GET', path: '/by-path', handler }), 'ok')
  assert.equal(app.hasRoute({ method: 'GET', url: '/by-path' }), true)
})

both('routerOptions.compile: the lookups are compiled at ready, and routes, params, wildcards, constraints and not-found handlers still answer over a socket', async (factory) => {
  const compile = mock.method(Object.getPrototypeOf(FindMyWay()), 'compile')
  try {
    const app = factory({ routerOptions: { compile: true, ignoreTrailingSlash: true } })
    assert.equal(app.initialConfig.routerOptions.compile, true)
    app.get('/users/:id', async (request) => `user ${request.params.id}`)
    app.get('/files/*', async (request) => `file ${request.params['*']}`)
    app.get('/v', { constraints: { version: '1.0.0' } }, async () => 'v1')
    app.get('/v', { constraints: { version: '2.0.0' } }, async () => 'v2')
    await app.register(async (child) => {
      child.setNotFoundHandler((request, reply) => reply.code(404).send('nothing under /api'))
      child.get('/ping', async () => 'pong')
    }, { prefix: '/api' })
    assert.equal(compile.mock.callCount(), 0)
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.ok(compile.mock.callCount() > 0)
    assert.deepEqual(await get(origin, '/users/7/'), { status: 200, body: 'user 7' })
    assert.deepEqual(await get(origin, '/files/a/b'), { status: 200, body: 'file a/b' })
    assert.deepEqual(await get(origin, '/api/ping'), { status: 200, body: 'pong' })
    assert.deepEqual(await get(origin, '/api/nope'), { status: 404, body: 'nothing under /api' })
    assert.equal((await get(origin, '/nope')).status, 404)
    const versioned = await within(fetch(`${origin}/v`, { headers: { 'accept-version': '2.x' } }), 'GET /v')
    assert.equal(await versioned.text(), 'v2')
  } finally {
    compile.mock.restore()
  }
})

both('routerOptions.compile is read as Fastify\'s option schema reads a boolean', (factory) => {
  assert.equal(factory().initialConfig.routerOptions?.compile ?? false, false)
  assert.equal(factory({ routerOptions: { compile: 'true' } }).initialConfig.routerOptions.compile, true)
  assert.equal(factory({ routerOptions: { compile: 0 } }).initialConfig.routerOptions.compile, false)
  for (const bad of ['yes', 2, '']) {
    assert.throws(() => factory({ routerOptions: { compile: bad } }), (err) => err.code === 'FST_ERR_INIT_OPTS_INVALID' && err.message.includes('must be boolean'), String(bad))
  }
})

both('logController: a subclass of the framework\'s LogController writes, changes or drops each request line, over a socket', async (factory, framework) => {
  const { LogController } = framework.factory
  const { lines, stream } = logLines()
  class Quiet extends LogController {
    isLogDisabled (request) { return request.url === '/quiet' }
    incomingRequest (request, reply) { if (!this.isLogDisabled(request)) request.log.info({ path: request.url }, 'in') }
    routeNotFound (request, reply) { request.log.warn('no route here') }
  }
  const app = factory({ logger: { level: 'info', stream }, logController: new Quiet({ requestIdLogLabel: 'rid' }) })
  app.get('/loud', async () => 'loud')
  app.get('/quiet', async () => 'quiet')
  app.get('/boom', async () => { throw new Error('boom') })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  for (const path of ['/loud', '/quiet', '/boom', '/missing']) await get(origin, path)
  await turns(2)
  const requestLines = lines.filter((l) => l.rid !== undefined).map((l) => [l.level, l.msg, l.path ?? l.res?.statusCode ?? null])
  assert.deepEqual(requestLines, [
    [30, 'in', '/loud'], [30, 'request completed', 200],
    [30, 'in', '/boom'], [50, 'boom', 500], [30, 'request completed', 500],
    [30, 'in', '/missing'], [40, 'no route here', null], [30, 'request completed', 404]
  ])
  assert.equal(lines.some((l) => l.reqId !== undefined), false)
})

both('logController must be an instance of LogController; without one, disableRequestLogging and requestIdLogLabel still apply', async (factory, framework) => {
  assert.throws(() => factory({ logController: { isLogDisabled: () => true } }), (err) => err.code === 'FST_ERR_LOG_INVALID_LOG_CONTROLLER' &&
    err.message === "logController option must be an instance of LogController, got 'object'.")
  const controller = new framework.factory.LogController({ disableRequestLogging: (request) => request.url === '/off' })
  assert.equal(controller.requestIdLogLabel, 'reqId')
  assert.equal(controller.isLogDisabled({ url: '/off' }), true)
  assert.equal(controller.isLogDisabled({ url: '/on' }), false)
  const { lines, stream } = logLines()
  const app = factory({ logger: { stream }, disableRequestLogging: (request) => request.url === '/off', requestIdLogLabel: 'id' })
  app.get('/on', async () => 'on')
  app.get('/off', async () => 'off')
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  await get(origin, '/on')
  await get(origin, '/off')
  await turns(2)
  assert.deepEqual(lines.filter((l) => l.id !== undefined).map((l) => [l.msg, l.req?.url ?? l.res?.statusCode]), [['incoming request', '/on'], ['request completed', 200]])
})

both('a route log level must be one of the logger\'s levels (custom levels included); with the logger off any is taken', async (factory) => {
  const { lines, stream } = logLines()
  const app = factory({ logger: { stream, customLevels: { audit: 35 } } })
  assert.throws(() => app.get('/bad', { logLevel: 'loud' }, async () => 'x'), (err) => err.code === 'FST_ERR_ROUTE_LOG_LEVEL_INVALID' &&
    err.statusCode === 500 && err.message === "Log level for 'GET:/bad' route must be a valid logger level. Received: 'loud'")
  await app.register(async (child) => {
    assert.throws(() => child.get('/inherited', async () => 'x'), { code: 'FST_ERR_ROUTE_LOG_LEVEL_INVALID' })
  }, { prefix: '/p', logLevel: 'nope' })
  app.get('/audit', { logLevel: 'audit' }, async (request) => { request.log.info('hidden'); request.log.audit('kept'); return 'ok' })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  assert.deepEqual(await get(origin, '/audit'), { status: 200, body: 'ok' })
  await turns(2)
  assert.deepEqual(lines.filter((l) => l.reqId !== undefined).map((l) => l.msg), ['kept'])
  const quiet = factory()
  quiet.get('/any', { logLevel: 'whatever' }, async () => 'x')
  assert.equal(quiet.hasRoute({ method: 'GET', url: '/any' }), true)
})

both('request.routeOptions holds the keys Fastify\'s does, no more, over a socket', async (factory) => {
  const app = factory()
  const describe = async (request) => Object.keys(request.routeOptions).sort().join(',')
  app.get('/plain', describe)
  app.get('/rich/:id', { constraints: { version: '1.0.0' }, config: { tag: 1 }, bodyLimit: 64, logLevel: 'info', schema: { params: { type: 'object' } } }, describe)
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const keys = 'attachValidation,bodyLimit,config,exposeHeadRoute,handler,handlerTimeout,logLevel,method,prefixTrailingSlash,schema,url,version'
  assert.deepEqual(await get(origin, '/plain'), { status: 200, body: keys })
  const rich = await within(fetch(`${origin}/rich/1`, { headers: { 'accept-version': '1.x' } }), 'GET /rich/1')
  assert.equal(rich.status, 200)
  assert.equal(await rich.text(), keys)
})

both('frameworkErrors: the request of a refused URL has Fastify\'s routeOptions, no url or method, over a socket', async (factory) => {
  const app = factory({
    frameworkErrors (err, request, reply) {
      const o = request.routeOptions
      reply.code(400).send({ code: err.code, keys: Object.keys(o).sort().join(','), url: o.url ?? null, method: o.method ?? null, logLevel: o.logLevel, config: o.config })
    }
  })
  app.get('/item/:id', async () => 'x')
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await request(origin, 'GET', '/item/%zz')
  assert.equal(res.status, 400)
  assert.deepEqual(JSON.parse(res.body), {
    code: 'FST_ERR_BAD_URL',
    keys: 'attachValidation,bodyLimit,config,exposeHeadRoute,handler,handlerTimeout,logLevel,method,prefixTrailingSlash,schema,url,version',
    url: null,
    method: null,
    logLevel: '',
    config: {}
  })
})
