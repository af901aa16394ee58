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

  test("a child cannot redeclare its parent's decorator", async () => {
    const app = weft()
    app.decorate('db', {})
    app.decorateRequest('user', null)
    const errors = []
    app.register(async function child (instance) {
      try { instance.decorate('db', {}) } catch (err) { errors.push(err.code) }
      try { instance.decorateRequest('user', null) } catch (err) { errors.push(err.code) }
    })
    await app.ready()
    assert.deepEqual(errors, ['FST_ERR_DEC_ALREADY_PRESENT', 'FST_ERR_DEC_ALREADY_PRESENT'])
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
    assert.throws(() => app.decorate('late', 1), { code: 'FST_ERR_DEC_AFTER_START' })
    assert.throws(() => app.decorateRequest('late', 1), { code: 'FST_ERR_DEC_AFTER_START' })
    assert.throws(() => app.decorateReply('late', 1), { code: 'FST_ERR_DEC_AFTER_START' })
    assert.equal(app.hasDecorator('late'), false)
  })

  test('decorating inside onReady is rejected with FST_ERR_DEC_AFTER_START', async () => {
    const app = weft()
    let code
    app.addHook('onReady', async function () {
      try { this.decorate('late', 1) } catch (err) { code = err.code }
    })
    await app.ready()
    assert.equal(code, 'FST_ERR_DEC_AFTER_START')
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
