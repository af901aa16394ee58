// Encapsulation (LIFECYCLE.md, "Plugins and encapsulation"): a plugin runs in a child scope
// that inherits its parent's hooks, decorators, error handler and prefix; what it adds stays
// in it; parent hooks added later still reach it; skip-override plugins work in the parent.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { skipOverride } from './helpers.js'

/** An onRequest hook that appends `label` to req.trace, which the `traced` handler answers with. */
function trace (label) {
  return async function (req) { (req.trace ??= []).push(label) }
}

const traced = async (req) => ({ trace: req.trace ?? [] })

async function traceOf (app, url) {
  const res = await app.inject(url)
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
  return res.json().trace
}

describe('a child scope inherits from its parent', () => {
  test("the parent's request hooks run for the child's routes, before the child's own", async () => {
    const app = weft()
    app.addHook('onRequest', trace('root'))
    app.register(async function child (instance) {
      instance.addHook('onRequest', trace('child'))
      instance.get('/child', traced)
    })
    assert.deepEqual(await traceOf(app, '/child'), ['root', 'child'])
  })

  test("the parent's decorators are visible in the child: instance, request and reply", async () => {
    const app = weft()
    app.decorate('config', { env: 'test' })
    app.decorateRequest('tenant', 'acme')
    app.decorateReply('greet', function () { return this.send({ hello: 'world' }) })
    app.register(async function child (instance) {
      assert.equal(instance.config.env, 'test')
      assert.equal(instance.hasDecorator('config'), true)
      assert.equal(instance.hasRequestDecorator('tenant'), true)
      assert.equal(instance.hasReplyDecorator('greet'), true)
      instance.get('/tenant', async (req) => ({ tenant: req.tenant }))
      instance.get('/greet', (req, reply) => reply.greet())
    })
    assert.deepEqual((await app.inject('/tenant')).json(), { tenant: 'acme' })
    assert.deepEqual((await app.inject('/greet')).json(), { hello: 'world' })
  })

  test("the parent's error handler handles errors of the child's routes", async () => {
    const app = weft()
    app.setErrorHandler(async (err, req, reply) => reply.code(418).send({ handledBy: 'root', message: err.message }))
    app.register(async function child (instance) {
      instance.get('/fail', async () => { throw new Error('child failed') })
    })
    const res = await app.inject('/fail')
    assert.equal(res.statusCode, 418)
    assert.deepEqual(res.json(), { handledBy: 'root', message: 'child failed' })
  })
})

describe('what a child adds stays in the child', () => {
  test("a child's request hooks do not run for its parent's or its siblings' routes", async () => {
    const app = weft()
    app.get('/root', traced)
    app.register(async function child (instance) {
      instance.addHook('onRequest', trace('child'))
      instance.get('/child', traced)
    })
    app.register(async function sibling (instance) { instance.get('/sibling', traced) })
    assert.deepEqual(await traceOf(app, '/child'), ['child'])
    assert.deepEqual(await traceOf(app, '/root'), [])
    assert.deepEqual(await traceOf(app, '/sibling'), [])
  })

  test("a child's decorators are not visible in its parent or its siblings", async () => {
    const app = weft()
    let siblingSees
    app.register(async function child (instance) {
      instance.decorate('db', { name: 'child db' })
      instance.decorateRequest('user', null)
      instance.decorateReply('render', function () {})
    })
    app.register(async function sibling (instance) {
      siblingSees = [instance.hasDecorator('db'), instance.hasRequestDecorator('user'), instance.hasReplyDecorator('render')]
    })
    await app.ready()
    assert.equal(app.hasDecorator('db'), false)
    assert.equal(app.db, undefined)
    assert.equal(app.hasRequestDecorator('user'), false)
    assert.equal(app.hasReplyDecorator('render'), false)
    assert.deepEqual(siblingSees, [false, false, false])
  })

  test("a child's error handler does not handle its parent's routes", async () => {
    const app = weft()
    app.get('/root', async () => { throw new Error('root failed') })
    app.register(async function child (instance) {
      instance.setErrorHandler(async (err, req, reply) => reply.code(418).send({ handledBy: 'child' }))
      instance.get('/child', async () => { throw new Error('child failed') })
    })
    assert.equal((await app.inject('/child')).statusCode, 418)
    const res = await app.inject('/root')
    assert.equal(res.statusCode, 500)
    assert.equal(res.json().message, 'root failed')
  })

  test('a child can decorate a name its sibling already uses', async () => {
    const app = weft()
    const seen = []
    app.register(async function a (instance) { instance.decorate('store', 'a'); seen.push(instance.store) })
    app.register(async function b (instance) { instance.decorate('store', 'b'); seen.push(instance.store) })
    await app.ready()
    assert.deepEqual(seen, ['a', 'b'])
  })
})

describe('a hook added to the parent after the child exists also applies to the child, in order', () => {
  test('root adds A, the child adds B, root adds C in after(): the child runs A, B, C', async () => {
    const app = weft()
    app.addHook('onRequest', trace('A'))
    app.register(async function child (instance) {
      instance.addHook('onRequest', trace('B'))
      instance.get('/child', traced)
    })
    app.after(() => { app.addHook('onRequest', trace('C')) })
    app.get('/root', traced)
    assert.deepEqual(await traceOf(app, '/child'), ['A', 'B', 'C'])
    assert.deepEqual(await traceOf(app, '/root'), ['A', 'C'])
  })

  test('root adds A, the child adds B, a later skip-override plugin adds C to root: the child runs A, B, C', async () => {
    const app = weft()
    app.addHook('onRequest', trace('A'))
    app.register(async function child (instance) {
      instance.addHook('onRequest', trace('B'))
      instance.get('/child', traced)
    })
    app.register(skipOverride(async function audit (instance) { instance.addHook('onRequest', trace('C')) }))
    assert.deepEqual(await traceOf(app, '/child'), ['A', 'B', 'C'])
  })

  test('a hook the parent adds later reaches grandchildren too', async () => {
    const app = weft()
    app.register(async function child (instance) {
      instance.register(async function grandchild (inner) {
        inner.addHook('onRequest', trace('grandchild'))
        inner.get('/deep', traced)
      })
    })
    app.after(() => { app.addHook('onRequest', trace('root, later')) })
    assert.deepEqual(await traceOf(app, '/deep'), ['grandchild', 'root, later'])
  })
})

describe('request hooks and onRegister take effect in source order, behind the plugins registered before them', () => {
  test('addHook(A); register(fp(adds B)); addHook(C) runs A, B, C', async () => {
    const app = weft()
    app.addHook('onRequest', trace('A'))
    app.register(skipOverride(async function addsB (instance) { instance.addHook('onRequest', trace('B')) }))
    app.addHook('onRequest', trace('C'))
    app.get('/', traced)
    assert.deepEqual(await traceOf(app, '/'), ['A', 'B', 'C'])
  })

  test('a child registered before C still gets C, after its own B', async () => {
    const app = weft()
    app.addHook('onRequest', trace('A'))
    app.register(async function child (instance) {
      instance.addHook('onRequest', trace('B'))
      instance.get('/child', traced)
    })
    app.addHook('onRequest', trace('C'))
    assert.deepEqual(await traceOf(app, '/child'), ['A', 'B', 'C'])
  })

  test('an onRegister hook added after register() does not see that plugin, only the ones after it', async () => {
    const app = weft()
    const seen = []
    app.register(async function before () {})
    app.addHook('onRegister', (instance) => { seen.push(instance.pluginName) })
    app.register(async function later () {})
    await app.ready()
    assert.deepEqual(seen, ['later'])
  })
})

describe('register(plugin, optsFn)', () => {
  test("the options function receives the plugin's own instance, and the plugin its result", async () => {
    const app = weft()
    app.decorate('config', { greeting: 'hello' })
    let given, pluginInstance, received
    app.register(async function plugin (instance, opts) { pluginInstance = instance; received = opts }, (instance) => {
      given = instance
      return { greeting: instance.config.greeting }
    })
    await app.ready()
    assert.equal(given, pluginInstance)
    assert.notEqual(given, app)
    assert.deepEqual(received, { greeting: 'hello' })
  })
})

describe('skip-override plugins register into the parent scope', () => {
  test("a skip-override plugin's decorators, hooks and routes are the parent's", async () => {
    const app = weft()
    app.get('/root', async (req, reply) => ({ trace: req.trace ?? [], user: req.user, version: reply.apiVersion }))
    app.register(skipOverride(async function shared (instance) {
      assert.equal(instance, app)
      instance.decorate('db', { kind: 'shared' })
      instance.decorateRequest('user', 'anonymous')
      instance.decorateReply('apiVersion', 'v2')
      instance.addHook('onRequest', trace('shared'))
      instance.get('/shared', traced)
    }))
    await app.ready()
    assert.equal(app.db.kind, 'shared')
    assert.equal(app.hasRequestDecorator('user'), true)
    assert.equal(app.hasReplyDecorator('apiVersion'), true)
    assert.deepEqual((await app.inject('/root')).json(), { trace: ['shared'], user: 'anonymous', version: 'v2' })
    assert.deepEqual(await traceOf(app, '/shared'), ['shared'])
    assert.equal(app.hasRoute({ method: 'GET', url: '/shared' }), true)
  })

  test('a skip-override plugin registered inside a plugin works in that plugin, not in the root', async () => {
    const app = weft()
    app.get('/root', traced)
    app.register(async function api (instance) {
      instance.register(skipOverride(async function auth (inner) {
        assert.equal(inner, instance)
        inner.decorate('auth', true)
        inner.addHook('onRequest', trace('auth'))
        inner.get('/login', traced)
      }))
      instance.get('/me', traced)
    }, { prefix: '/api' })
    await app.ready()
    assert.deepEqual(await traceOf(app, '/api/me'), ['auth'])
    assert.deepEqual(await traceOf(app, '/api/login'), ['auth'])
    assert.deepEqual(await traceOf(app, '/root'), [])
    assert.equal(app.hasDecorator('auth'), false)
  })

  test("a skip-override plugin's error handler handles the parent's routes", async () => {
    const app = weft()
    app.get('/fail', async () => { throw new Error('nope') })
    app.register(skipOverride(async function errors (instance) {
      instance.setErrorHandler(async (err, req, reply) => reply.code(422).send({ wrapped: err.message }))
    }))
    const res = await app.inject('/fail')
    assert.equal(res.statusCode, 422)
    assert.deepEqual(res.json(), { wrapped: 'nope' })
  })
})
