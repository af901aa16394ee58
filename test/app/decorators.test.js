// Decorators: decorate / decorateRequest / decorateReply, their checks (duplicates, missing
// dependencies, reference types, too late), getter/setter decorators, the has*/getDecorator
// queries, and that request and reply decorators reach handlers only in the scope that added them.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'

describe('decorate', () => {
  test('decorate() adds a value or a function to the instance and its child scopes', async () => {
    const app = weft()
    app.decorate('config', { port: 3000 })
    app.decorate('whoami', function () { return this.pluginName })
    let inChild
    app.register(async function child (instance) { inChild = [instance.config.port, instance.whoami()] })
    await app.ready()
    assert.deepEqual(app.config, { port: 3000 })
    assert.deepEqual(inChild, [3000, 'child'])
  })

  test('decorate() accepts a { getter, setter } object', async () => {
    const app = weft()
    let stored = 'initial'
    app.decorate('setting', { getter () { return stored }, setter (value) { stored = value } })
    app.decorate('self', { getter () { return this } })
    assert.equal(app.setting, 'initial')
    app.setting = 'changed'
    assert.equal(stored, 'changed')
    assert.equal(app.self, app)
    await app.ready()
  })

  test('decorate() is chainable', () => {
    const app = weft()
    assert.equal(app.decorate('a', 1).decorate('b', 2), app)
  })
})

describe('decorateRequest and decorateReply', () => {
  test('request and reply decorators are visible in handlers', async () => {
    const app = weft()
    app.decorateRequest('tenant', 'public')
    app.decorateRequest('isAdmin', function () { return this.headers['x-role'] === 'admin' })
    app.decorateReply('ok', function (data) { return this.code(200).send({ ok: true, data }) })
    app.get('/', (req, reply) => reply.ok({ tenant: req.tenant, admin: req.isAdmin() }))
    const res = await app.inject({ url: '/', headers: { 'x-role': 'admin' } })
    assert.deepEqual(res.json(), { ok: true, data: { tenant: 'public', admin: true } })
  })

  test('a request decorator set in a hook belongs to that request only', async () => {
    const app = weft()
    app.decorateRequest('user', null)
    app.addHook('onRequest', async (req) => {
      assert.equal(req.user, null)
      req.user = { name: req.headers['x-user'] }
    })
    app.get('/', async (req) => req.user)
    assert.deepEqual((await app.inject({ url: '/', headers: { 'x-user': 'ada' } })).json(), { name: 'ada' })
    assert.deepEqual((await app.inject({ url: '/', headers: { 'x-user': 'bob' } })).json(), { name: 'bob' })
  })

  test('request and reply decorators accept a { getter, setter } object', async () => {
    const app = weft()
    app.decorateRequest('shout', { getter () { return this.method.toLowerCase() + '!' } })
    app.decorateReply('startedBy', { getter () { return this.request.method } })
    app.get('/', async (req, reply) => ({ shout: req.shout, startedBy: reply.startedBy }))
    assert.deepEqual((await app.inject('/')).json(), { shout: 'get!', startedBy: 'GET' })
  })

  test('request and reply decorators reach handlers only in the scope that added them', async () => {
    const app = weft()
    app.get('/root', async (req, reply) => ({ user: req.user ?? 'none', view: typeof reply.view }))
    app.register(async function child (instance) {
      instance.decorateRequest('user', 'child user')
      instance.decorateReply('view', function () {})
      instance.get('/child', async (req, reply) => ({ user: req.user, view: typeof reply.view }))
    })
    app.register(async function sibling (instance) {
      instance.get('/sibling', async (req, reply) => ({ user: req.user ?? 'none', view: typeof reply.view }))
    })
    assert.deepEqual((await app.inject('/child')).json(), { user: 'child user', view: 'function' })
    assert.deepEqual((await app.inject('/root')).json(), { user: 'none', view: 'undefined' })
    assert.deepEqual((await app.inject('/sibling')).json(), { user: 'none', view: 'undefined' })
  })

  test('an object or array value for a request or reply decorator is rejected with FST_ERR_DEC_REFERENCE_TYPE', () => {
    const app = weft()
    for (const value of [{}, { user: 'x' }, []]) {
      assert.throws(() => app.decorateRequest('user', value), { code: 'FST_ERR_DEC_REFERENCE_TYPE' })
      assert.throws(() => app.decorateReply('locals', value), { code: 'FST_ERR_DEC_REFERENCE_TYPE' })
    }
    assert.equal(app.hasRequestDecorator('user'), false)
    app.decorateRequest('user', null)
    app.decorateReply('locals', null)
  })
})

describe('duplicate decorators', () => {
  test('decorating a name twice is rejected with FST_ERR_DEC_ALREADY_PRESENT', () => {
    const app = weft()
    app.decorate('db', {})
    app.decorateRequest('user', null)
    app.decorateReply('render', () => {})
    assert.throws(() => app.decorate('db', {}), { code: 'FST_ERR_DEC_ALREADY_PRESENT' })
    assert.throws(() => app.decorateRequest('user', null), { code: 'FST_ERR_DEC_ALREADY_PRESENT' })
    assert.throws(() => app.decorateReply('render', () => {}), { code: 'FST_ERR_DEC_ALREADY_PRESENT' })
  })

  test("a child may shadow its parent's instance decorator and function request/reply decorators; the parent keeps its own", async () => {
    const app = weft()
    app.decorate('db', 'root db')
    app.decorateRequest('tenant', function () { return 'root tenant' })
    app.decorateReply('render', function () { return 'root render' })
    app.register(async function child (instance) {
      instance.decorate('db', 'child db')
      instance.decorateRequest('tenant', function () { return 'child tenant' })
      instance.decorateReply('render', function () { return 'child render' })
      instance.get('/child', async (request, reply) => ({ db: instance.db, tenant: request.tenant(), render: reply.render() }))
    })
    app.get('/root', async (request, reply) => ({ db: app.db, tenant: request.tenant(), render: reply.render() }))
    assert.deepEqual((await app.inject('/child')).json(), { db: 'child db', tenant: 'child tenant', render: 'child render' })
    assert.deepEqual((await app.inject('/root')).json(), { db: 'root db', tenant: 'root tenant', render: 'root render' })
  })

  test("a child cannot redeclare its parent's value request decorator, copied into every request", async () => {
    const app = weft()
    app.decorateRequest('user', null)
    let code
    app.register(async function child (instance) {
      try { instance.decorateRequest('user', 'someone') } catch (err) { code = err.code }
    })
    await app.ready()
    assert.equal(code, 'FST_ERR_DEC_ALREADY_PRESENT')
  })

  test("the root instance's own API cannot be replaced by decorate", () => {
    const app = weft()
    for (const name of ['register', 'log', 'hasPlugin']) {
      assert.throws(() => app.decorate(name, 1), { code: 'FST_ERR_DEC_ALREADY_PRESENT' }, name)
    }
  })

  test('a built-in reply method may be replaced, a field of the request or reply may not', async () => {
    const app = weft()
    app.decorateReply('getHeader', function (name) { return `decorated ${name}` })
    for (const name of ['raw', 'request', 'log']) {
      assert.throws(() => app.decorateReply(name, null), { code: 'FST_ERR_DEC_ALREADY_PRESENT' }, name)
    }
    for (const name of ['id', 'params', 'raw', 'query', 'log', 'body']) {
      assert.throws(() => app.decorateRequest(name, null), { code: 'FST_ERR_DEC_ALREADY_PRESENT' }, name)
    }
    app.get('/', async (request, reply) => ({ header: reply.getHeader('x-anything') }))
    assert.deepEqual((await app.inject('/')).json(), { header: 'decorated x-anything' })
  })
})

describe('decorator dependencies', () => {
  test('a decorator whose dependency is missing is rejected with FST_ERR_DEC_MISSING_DEPENDENCY', () => {
    const app = weft()
    assert.throws(() => app.decorate('users', {}, ['db']), { code: 'FST_ERR_DEC_MISSING_DEPENDENCY' })
    assert.throws(() => app.decorateRequest('session', null, ['user']), { code: 'FST_ERR_DEC_MISSING_DEPENDENCY' })
    assert.throws(() => app.decorateReply('renderPage', () => {}, ['render']), { code: 'FST_ERR_DEC_MISSING_DEPENDENCY' })
    assert.equal(app.hasDecorator('users'), false)
  })

  test('a decorator whose dependencies are present is added', () => {
    const app = weft()
    app.decorate('db', {})
    app.decorate('users', {}, ['db'])
    app.decorateRequest('user', null)
    app.decorateRequest('session', null, ['user'])
    app.decorateReply('render', () => {})
    app.decorateReply('renderPage', () => {}, ['render'])
    assert.equal(app.hasDecorator('users'), true)
    assert.equal(app.hasRequestDecorator('session'), true)
    assert.equal(app.hasReplyDecorator('renderPage'), true)
  })
})

describe('decorating after start', () => {
  test('decorating once the app has started is rejected with FST_ERR_DEC_AFTER_START', async () => {
    const app = weft()
    await app.ready()
    // as Fastify's, the app counts as started a tick after ready() resolved
    await new Promise((resolve) => setImmediate(resolve))
    assert.throws(() => app.decorate('late', 1), { code: 'FST_ERR_DEC_AFTER_START' })
    assert.throws(() => app.decorateRequest('late', 1), { code: 'FST_ERR_DEC_AFTER_START' })
    assert.throws(() => app.decorateReply('late', 1), { code: 'FST_ERR_DEC_AFTER_START' })
    assert.equal(app.hasDecorator('late'), false)
  })

  test('decorating inside onReady still works', async () => {
    const app = weft()
    app.addHook('onReady', async function () {
      this.decorate('late', 1)
      this.decorateRequest('lateRequest', 2)
      this.decorateReply('lateReply', 3)
    })
    await app.ready()
    assert.equal(app.late, 1)
    assert.equal(app.hasRequestDecorator('lateRequest'), true)
    assert.equal(app.hasReplyDecorator('lateReply'), true)
  })
})

describe('hasDecorator, hasRequestDecorator, hasReplyDecorator and getDecorator', () => {
  test('the has* queries tell which decorators exist', () => {
    const app = weft()
    app.decorate('db', null)
    app.decorateRequest('user', null)
    app.decorateReply('render', () => {})
    const secret = Symbol('secret')
    app.decorate(secret, 1)
    assert.equal(app.hasDecorator('db'), true)
    assert.equal(app.hasDecorator(secret), true)
    assert.equal(app.hasDecorator('cache'), false)
    assert.equal(app.hasRequestDecorator('user'), true)
    assert.equal(app.hasRequestDecorator('render'), false)
    assert.equal(app.hasReplyDecorator('render'), true)
    assert.equal(app.hasReplyDecorator('user'), false)
  })

  test('getDecorator() returns the decorator, and throws FST_ERR_DEC_UNDECLARED for an unknown one', () => {
    const app = weft()
    const db = { query () {} }
    app.decorate('db', db)
    assert.equal(app.getDecorator('db'), db)
    assert.throws(() => app.getDecorator('cache'), { code: 'FST_ERR_DEC_UNDECLARED' })
  })
})

describe('getDecorator and request.setDecorator', () => {
  test('getDecorator() hands out a function decorator bound to the instance', async () => {
    const app = weft()
    app.decorate('whoAmI', function () { return this })
    const whoAmI = app.getDecorator('whoAmI')
    assert.equal(whoAmI(), app)
    let child, childWhoAmI
    app.register(async function plugin (instance) { child = instance; childWhoAmI = instance.getDecorator('whoAmI') })
    await app.ready()
    assert.equal(childWhoAmI(), child)
  })

  test('request.setDecorator() sets a declared request decorator for this request only, and rejects an undeclared one', async () => {
    const app = weft()
    app.decorateRequest('user', null)
    app.get('/', async (request) => {
      const before = request.getDecorator('user')
      request.setDecorator('user', 'ada')
      let code
      try { request.setDecorator('nobody', 1) } catch (err) { code = err.code }
      return { before, after: request.user, code }
    })
    assert.deepEqual((await app.inject('/')).json(), { before: null, after: 'ada', code: 'FST_ERR_DEC_UNDECLARED' })
    assert.deepEqual((await app.inject('/')).json(), { before: null, after: 'ada', code: 'FST_ERR_DEC_UNDECLARED' })
  })
})
