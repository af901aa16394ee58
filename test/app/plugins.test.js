// Plugins (LIFECYCLE.md, "Plugins and encapsulation"): the three kinds of plugin, the order they
// load in, after(), ready()/listen()/close() in callback and promise form, `await register`,
// prefixes, plugin metadata and names, and what a plugin that fails or hangs does to boot.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { skipOverride, listenOn, request, keepProcessBusy, runAlone } from './helpers.js'

const kDisplayName = Symbol.for('fastify.display-name')
const kPluginMeta = Symbol.for('plugin-meta')

function withMeta (fn, meta) {
  fn[kPluginMeta] = meta
  return fn
}

describe('register', () => {
  test('a callback plugin receives (instance, opts, done) and is loaded when it calls done', async () => {
    const app = weft()
    const order = []
    app.register(function plugin (instance, opts, done) {
      order.push(`body ${opts.name}`)
      setImmediate(() => { order.push('done'); done() })
    }, { name: 'cb' })
    app.after(() => { order.push('after') })
    await app.ready()
    assert.deepEqual(order, ['body cb', 'done', 'after'])
  })

  test('an async plugin receives (instance, opts) and is loaded when its promise resolves', async () => {
    const app = weft()
    const order = []
    app.register(async function plugin (instance, opts) {
      order.push(`body ${opts.name}`)
      await new Promise((resolve) => setImmediate(resolve))
      order.push('resolved')
    }, { name: 'async' })
    app.after(() => { order.push('after') })
    await app.ready()
    assert.deepEqual(order, ['body async', 'resolved', 'after'])
  })

  test('a promise of a module (what import() gives) loads its default export as the plugin', async () => {
    const app = weft()
    app.register(Promise.resolve({
      default: async function users (instance, opts) {
        instance.get('/users', async () => ({ from: opts.source }))
      }
    }), { source: 'import' })
    const res = await app.inject('/users')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { from: 'import' })
  })

  test('await app.register(plugin) waits for that plugin: its decorators exist right after', async () => {
    const app = weft()
    await app.register(skipOverride(async function db (instance) {
      await new Promise((resolve) => setImmediate(resolve))
      instance.decorate('db', { query: () => 'rows' })
    }))
    assert.equal(app.hasDecorator('db'), true)
    assert.equal(app.db.query(), 'rows')
    await app.ready()
  })

  test('await app.register(plugin) waits for the plugins it registered too', async () => {
    const app = weft()
    const order = []
    await app.register(async function outer (instance) {
      order.push('outer')
      instance.register(async function inner () { order.push('inner') })
    })
    order.push('after await')
    await app.ready()
    assert.deepEqual(order, ['outer', 'inner', 'after await'])
  })

  test('inside a plugin, await instance.register(child) loads the child before the next line', async () => {
    const app = weft()
    const order = []
    app.register(async function outer (instance) {
      await instance.register(skipOverride(async function config (inner) {
        inner.decorate('config', { port: 8080 })
      }))
      order.push(`outer sees config: ${instance.config?.port}`)
    })
    await app.ready()
    assert.deepEqual(order, ['outer sees config: 8080'])
  })

  test('register() rejects what is neither a function nor a promise with FST_ERR_PLUGIN_NOT_VALID', () => {
    const app = weft()
    for (const value of [undefined, null, 'plugin', 42, {}]) {
      assert.throws(() => app.register(value), { code: 'FST_ERR_PLUGIN_NOT_VALID' }, String(value))
    }
  })
})

describe('plugin loading order', () => {
  test('nested plugins load depth-first, in registration order', async () => {
    const app = weft()
    const order = []
    app.register(async function a (instance) {
      order.push('a')
      instance.register(async function a1 (inner) {
        order.push('a1')
        inner.register(async function a1x () { order.push('a1x') })
      })
      instance.register(function a2 (inner, opts, done) { order.push('a2'); done() })
    })
    app.register(async function b () { order.push('b') })
    await app.ready()
    assert.deepEqual(order, ['a', 'a1', 'a1x', 'a2', 'b'])
  })

  test('after() callbacks run once everything registered before them has loaded, and before what follows', async () => {
    const app = weft()
    const order = []
    app.register(async function first (instance) {
      instance.register(async function nested () { order.push('nested') })
      order.push('first')
    })
    app.after(() => { order.push('after first') })
    app.register(async function second () { order.push('second') })
    app.after(() => { order.push('after second') })
    await app.ready()
    assert.deepEqual(order, ['first', 'nested', 'after first', 'second', 'after second'])
  })

  test('a plugin registered inside an after() callback loads right after it, before the plugins registered later', async () => {
    const app = weft()
    const order = []
    app.register(async function a () { order.push('a') })
    app.after(() => {
      order.push('after a')
      app.register(async function b () { order.push('b') })
    })
    app.register(async function c () { order.push('c') })
    await app.ready()
    assert.deepEqual(order, ['a', 'after a', 'b', 'c'])
  })
})

describe('after()', () => {
  test('after(cb) calls cb(err) with null when the plugins before it loaded', async () => {
    const app = weft()
    const seen = []
    app.register(async function plugin () {})
    app.after((err) => { seen.push(err) })
    await app.ready()
    assert.deepEqual(seen, [null])
  })

  test('after(cb) with (err, done) waits for done', async () => {
    const app = weft()
    const order = []
    app.after((err, done) => {
      assert.equal(err, null)
      setImmediate(() => { order.push('after done'); done() })
    })
    app.register(async function next () { order.push('next plugin') })
    await app.ready()
    assert.deepEqual(order, ['after done', 'next plugin'])
  })

  test('after(cb) receives the error of a plugin that failed before it', async () => {
    const app = weft()
    const failure = new Error('cannot connect')
    let seen
    app.register(async function db () { throw failure })
    app.after((err) => { seen = err })
    await app.ready()
    assert.equal(seen, failure)
  })

  test('await app.after() resolves once the plugins before it loaded', async () => {
    const app = weft()
    const order = []
    app.register(async function plugin () { order.push('plugin') })
    await app.after()
    order.push('after await')
    assert.deepEqual(order, ['plugin', 'after await'])
    await app.ready()
  })

  test('await app.after() rejects with the error of a plugin that failed before it', async () => {
    const app = weft()
    app.register(async function db () { throw new Error('cannot connect') })
    await assert.rejects(async () => { await app.after() }, /cannot connect/)
  })
})

describe('ready(), listen() and close() in callback and promise form', () => {
  test('ready() resolves with the instance; ready(cb) calls cb(null)', async () => {
    const app = weft()
    assert.equal(await app.ready(), app)
    const other = weft()
    const err = await new Promise((resolve) => other.ready(resolve))
    assert.equal(err, null)
  })

  test('ready(cb) calls cb(err) when a plugin failed', async () => {
    const app = weft()
    app.register(async function broken () { throw new Error('broken plugin') })
    const err = await new Promise((resolve) => app.ready(resolve))
    assert.match(err?.message, /broken plugin/)
  })

  test('listen() resolves with the address; listen(opts, cb) calls cb(null, address)', async (t) => {
    const app = weft()
    app.get('/', async () => 'hello')
    await listenOn(t, app)
    const { port } = app.server.address()
    const res = await request(port, '/')
    assert.equal(res.body, 'hello')

    const other = weft()
    t.after(() => other.close())
    const [err, address] = await new Promise((resolve) => other.listen({ port: 0, host: '127.0.0.1' }, (...args) => resolve(args)))
    assert.equal(err, null)
    assert.equal(address, `http://127.0.0.1:${other.server.address().port}`)
  })

  test('listen(opts, cb) calls cb(err) when a plugin failed', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.register(async function broken () { throw new Error('broken plugin') })
    const err = await new Promise((resolve) => app.listen({ port: 0, host: '127.0.0.1' }, resolve))
    assert.match(err?.message, /broken plugin/)
    assert.equal(app.server.listening, false)
  })

  test('close() resolves; close(cb) calls cb once shutdown is complete', async (t) => {
    const app = weft()
    await listenOn(t, app)
    await app.close()
    assert.equal(app.server.listening, false)

    const other = weft()
    const order = []
    other.addHook('onClose', async () => { order.push('onClose') })
    await listenOn(t, other)
    await new Promise((resolve, reject) => other.close((err) => { if (err) reject(err); else { order.push('cb'); resolve() } }))
    assert.deepEqual(order, ['onClose', 'cb'])
    assert.equal(other.server.listening, false)
  })

  test('close(cb) calls cb(err) with the error of a failing onClose hook', async () => {
    const app = weft()
    app.addHook('onClose', async () => { throw new Error('cleanup failed') })
    await app.ready()
    const err = await new Promise((resolve) => app.close(resolve))
    assert.match(err?.message, /cleanup failed/)
  })
})

describe('opts.prefix', () => {
  test("opts.prefix prefixes the plugin's routes, and nested prefixes add up", async () => {
    const app = weft()
    const prefixes = []
    app.register(async function api (instance) {
      prefixes.push(instance.prefix)
      instance.get('/status', async () => 'api status')
      instance.register(async function users (inner) {
        prefixes.push(inner.prefix)
        inner.get('/:id', async (req) => `user ${req.params.id}`)
      }, { prefix: '/users' })
    }, { prefix: '/v1' })
    app.get('/status', async () => 'root status')
    await app.ready()
    assert.deepEqual(prefixes, ['/v1', '/v1/users'])
    assert.equal((await app.inject('/v1/status')).body, 'api status')
    assert.equal((await app.inject('/v1/users/7')).body, 'user 7')
    assert.equal((await app.inject('/status')).body, 'root status')
    assert.equal((await app.inject('/users/7')).statusCode, 404)
  })
})

describe('plugin names and metadata', () => {
  test('a plugin is named after its function, its fastify.display-name or its plugin-meta name', async () => {
    const app = weft()
    const names = []
    app.register(async function byFunctionName (instance) { names.push(instance.pluginName) })
    const shown = async function (instance) { names.push(instance.pluginName) }
    shown[kDisplayName] = 'display-name-plugin'
    app.register(shown)
    app.register(withMeta(async function (instance) { names.push(instance.pluginName) }, { name: 'meta-plugin' }))
    await app.ready()
    assert.deepEqual(names, ['byFunctionName', 'display-name-plugin', 'meta-plugin'])
  })

  test('hasPlugin() knows the plugins registered with a plugin-meta name or a display name', async () => {
    const app = weft()
    app.register(skipOverride(withMeta(async function () {}, { name: 'db' })))
    const auth = skipOverride(async function () {})
    auth[kDisplayName] = 'auth'
    app.register(auth)
    await app.ready()
    assert.equal(app.hasPlugin('db'), true)
    assert.equal(app.hasPlugin('auth'), true)
    assert.equal(app.hasPlugin('cache'), false)
  })

  test('a plugin whose dependencies are registered before it loads', async () => {
    const app = weft()
    let loaded = false
    app.register(skipOverride(withMeta(async function () {}, { name: 'db' })))
    app.register(withMeta(async function users () { loaded = true }, { name: 'users', dependencies: ['db'] }))
    await app.ready()
    assert.equal(loaded, true)
  })

  test('a missing dependency fails ready() with an error naming the dependency and the plugin', async () => {
    const app = weft()
    let loaded = false
    app.register(withMeta(async function users () { loaded = true }, { name: 'users', dependencies: ['db'] }))
    await assert.rejects(app.ready(), (err) => {
      assert.equal(err.code, 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE')
      assert.match(err.message, /'db'/)
      assert.match(err.message, /users/)
      return true
    })
    assert.equal(loaded, false)
  })

  test('a dependency registered inside a sibling plugin is not visible (encapsulated)', async () => {
    const app = weft()
    app.register(async function sibling (instance) {
      instance.register(withMeta(async function () {}, { name: 'db' }))
    })
    app.register(withMeta(async function users () {}, { name: 'users', dependencies: ['db'] }))
    await assert.rejects(app.ready(), { code: 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE' })
  })

  test('plugin-meta decorators that are missing fail ready() with FST_ERR_DEC_MISSING_DEPENDENCY naming the plugin', async () => {
    for (const [kind, decorate] of [
      ['fastify', (app) => app.decorate('db', {})],
      ['request', (app) => app.decorateRequest('user', null)],
      ['reply', (app) => app.decorateReply('view', () => {})]
    ]) {
      const name = { fastify: 'db', request: 'user', reply: 'view' }[kind]
      const needs = () => withMeta(async function needy () {}, { name: 'needy', decorators: { [kind]: [name] } })

      const missing = weft()
      missing.register(needs())
      await assert.rejects(missing.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_DEC_MISSING_DEPENDENCY', kind)
        assert.match(err.message, new RegExp(name), kind)
        assert.match(err.message, /needy/, kind)
        return true
      })

      const present = weft()
      decorate(present)
      present.register(needs())
      await present.ready()
    }
  })
})

describe('printPlugins()', () => {
  test('printPlugins() shows the plugin tree with plugin names', async () => {
    const app = weft()
    app.register(async function api (instance) {
      instance.register(async function users () {})
      instance.register(async function orders () {})
    })
    const named = async function () {}
    named[kDisplayName] = 'metrics'
    app.register(named)
    await app.ready()
    const lines = app.printPlugins().split('\n')
    const at = (name) => {
      const i = lines.findIndex((l) => new RegExp(`\\b${name}\\b`).test(l))
      assert.notEqual(i, -1, `${name} in\n${lines.join('\n')}`)
      return { line: i, indent: lines[i].search(/[A-Za-z]/) }
    }
    const api = at('api')
    const users = at('users')
    const orders = at('orders')
    const metrics = at('metrics')
    assert.ok(api.line < users.line && users.line < orders.line && orders.line < metrics.line)
    assert.ok(users.indent > api.indent && orders.indent === users.indent)
    assert.equal(metrics.indent, api.indent)
  })

  test('printPlugins() names a plugin loaded from a promise (import()) after its function', async () => {
    const app = weft()
    app.register(Promise.resolve({ default: async function imported () {} }))
    await app.ready()
    assert.match(app.printPlugins(), /\bimported\b/)
  })
})

describe('a plugin that fails', () => {
  test('a plugin that throws fails ready() with its error, which names the plugin', async () => {
    const app = weft()
    const failure = new Error('bad config')
    app.register(function database (instance, opts, done) { throw failure })
    await assert.rejects(app.ready(), (err) => {
      assert.equal(err, failure)
      assert.match(err.message, /bad config/)
      assert.match(err.message, /database/)
      return true
    })
  })

  test('a plugin that rejects fails ready() with an error naming the plugin', async () => {
    const app = weft()
    app.register(async function database () { throw new Error('connection refused') })
    await assert.rejects(app.ready(), (err) => /connection refused/.test(err.message) && /database/.test(err.message))
  })

  test('a plugin that calls done(err) fails ready() with an error naming the plugin', async () => {
    const app = weft()
    app.register(function database (instance, opts, done) { setImmediate(() => done(new Error('auth failed'))) })
    await assert.rejects(app.ready(), (err) => /auth failed/.test(err.message) && /database/.test(err.message))
  })

  test('a plugin that rejects with something that is not an Error still fails ready() with an error naming the plugin', async () => {
    const app = weft()
    app.register(async function database () { throw 'just a string' }) // eslint-disable-line no-throw-literal
    await assert.rejects(app.ready(), (err) => err instanceof Error && /database/.test(err.message))
  })

  test('a plugin named by fastify.display-name is named by it in its error', async () => {
    const app = weft()
    const plugin = async function () { throw new Error('boom') }
    plugin[kDisplayName] = 'my-db-connector'
    app.register(plugin)
    await assert.rejects(app.ready(), /my-db-connector/)
  })

  test('a plugin failure seen through await app.register() still fails ready()', async () => {
    const app = weft()
    await assert.rejects(async () => { await app.register(async function database () { throw new Error('connection refused') }) }, /connection refused/)
    await assert.rejects(app.ready(), /connection refused/)
  })

  test('nothing leaks: after listen() failed because a plugin failed, the server is not listening', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.get('/', async () => 'never served')
    app.register(async function database () { throw new Error('connection refused') })
    await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), /connection refused/)
    assert.equal(app.server.listening, false)
  })

  test('a plugin that never calls done fails ready() with FST_ERR_PLUGIN_TIMEOUT naming the plugin, after pluginTimeout', async (t) => {
    keepProcessBusy(t)
    const app = weft({ pluginTimeout: 50 })
    app.register(function forgetful (instance, opts, done) {})
    await assert.rejects(app.ready(), (err) => {
      assert.equal(err.code, 'FST_ERR_PLUGIN_TIMEOUT')
      assert.match(err.message, /forgetful/)
      return true
    })
  })

  test('an async plugin that never settles fails ready() with FST_ERR_PLUGIN_TIMEOUT naming the plugin', async (t) => {
    keepProcessBusy(t)
    const app = weft({ pluginTimeout: 50 })
    app.register(async function hanging () { await new Promise(() => {}) })
    await assert.rejects(app.ready(), (err) => err.code === 'FST_ERR_PLUGIN_TIMEOUT' && /hanging/.test(err.message))
  })

  test('a plugin that never calls done fails ready() even in a process that has nothing else to do', () => {
    const { result, status } = runAlone(`
      import weft from 'weft'
      const app = weft({ pluginTimeout: 50 })
      app.register(function forgetful (instance, opts, done) {})
      app.ready().then(() => console.log('{"resolved":true}'), (err) => console.log(JSON.stringify({ code: err.code, message: err.message })))
    `)
    assert.equal(result?.code, 'FST_ERR_PLUGIN_TIMEOUT', `exit status ${status}, printed ${JSON.stringify(result)}`)
    assert.match(result.message, /forgetful/)
  })
})

describe('registering too late', () => {
  test('register() after the app started is rejected with FST_ERR_ROOT_PLG_BOOTED', async () => {
    const app = weft()
    await app.ready()
    assert.throws(() => app.register(async function late () {}), { code: 'FST_ERR_ROOT_PLG_BOOTED' })
  })
})

