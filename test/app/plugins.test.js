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

  test('register() rejects what is neither a function nor a promise with AVV_ERR_PLUGIN_NOT_VALID (as Fastify, whose avvio throws it)', () => {
    const app = weft()
    for (const value of [undefined, null, 'plugin', 42, {}]) {
      assert.throws(() => app.register(value), { code: 'AVV_ERR_PLUGIN_NOT_VALID' }, String(value))
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

describe('after() callbacks by their parameters', () => {
  test('after() without a callback returns a real Promise that resolves with nothing', async () => {
    const app = weft()
    app.register(async function plugin () {})
    const loaded = app.after()
    assert.ok(loaded instanceof Promise)
    assert.equal(await loaded, undefined)
    await app.ready()
  })

  test('a callback without parameters still runs after a plugin failed, and the error goes on to the next after()', async () => {
    const app = weft()
    const failure = new Error('cannot connect')
    const order = []
    app.register(async function db () { throw failure })
    app.register(async function skipped () { order.push('skipped plugin') })
    app.after(() => { order.push('no parameters') })
    app.after((err) => { order.push(err === failure ? 'got the error' : `got ${err}`) })
    app.after((err) => { order.push(`then ${err}`) })
    app.register(async function afterHandled () { order.push('plugin after the error was handled') })
    await app.ready()
    assert.deepEqual(order, ['no parameters', 'got the error', 'then null', 'plugin after the error was handled'])
  })

  test('a callback without parameters leaves the error for ready()', async () => {
    const app = weft()
    const failure = new Error('cannot connect')
    let ran = false
    app.register(async function db () { throw failure })
    app.after(() => { ran = true })
    await assert.rejects(app.ready(), (err) => err === failure)
    assert.equal(ran, true)
  })

  test('(err, done) and (err, instance, done) callbacks report through done; what they report is the error from then on', async () => {
    const app = weft()
    const replaced = new Error('replaced')
    let instanceSeen
    app.after(function (err, instance, done) { instanceSeen = instance; done(replaced) })
    app.after((err, done) => { done(err) })
    await assert.rejects(app.ready(), (err) => err === replaced)
    assert.equal(instanceSeen, app)
  })

  test('an after() callback that never finishes fails ready() with FST_ERR_PLUGIN_TIMEOUT', async (t) => {
    keepProcessBusy(t)
    const app = weft({ pluginTimeout: 30 })
    app.after(function stuck (err, done) {})
    await assert.rejects(app.ready(), (err) => err.code === 'FST_ERR_PLUGIN_TIMEOUT' && err.cause?.code === 'AVV_ERR_PLUGIN_EXEC_TIMEOUT')
  })
})

describe('ready() called from inside a plugin while plugins load', () => {
  test('its callbacks run once every plugin has loaded, in call order, before onReady, and the app boots once', async () => {
    const app = weft()
    const order = []
    app.addHook('onReady', async () => { order.push('onReady') })
    app.register(async function first (instance) {
      instance.ready((err) => { order.push(`ready 1 (${err})`) })
      instance.ready((err) => { order.push(`ready 2 (${err})`) })
      instance.register(async function nested () { order.push('nested plugin') })
    })
    app.register(async function second () { order.push('second plugin') })
    const [, args] = await Promise.all([app.ready(), new Promise((resolve) => app.ready((...cbArgs) => resolve(cbArgs)))])
    await app.ready()
    assert.deepEqual(order, ['nested plugin', 'second plugin', 'ready 1 (null)', 'ready 2 (null)', 'onReady'])
    assert.deepEqual(args, [null, app])
  })

  test('its promise resolves with the plugin instance once every plugin has loaded', async () => {
    const app = weft()
    const order = []
    let child, resolvedWith
    app.addHook('onReady', async () => { order.push('onReady') })
    app.register(async function plugin (instance) {
      child = instance
      instance.ready().then((value) => { resolvedWith = value; order.push('plugin ready') })
    })
    app.register(async function later () { order.push('later plugin') })
    await app.ready()
    assert.equal(resolvedWith, child)
    assert.deepEqual(order, ['later plugin', 'plugin ready', 'onReady'])
  })
})

describe('ready(), listen() and close() in callback and promise form', () => {
  test('ready() resolves with the instance; ready(cb) calls cb(null, instance)', async () => {
    const app = weft()
    assert.equal(await app.ready(), app)
    const other = weft()
    const args = await new Promise((resolve) => other.ready((...cbArgs) => resolve(cbArgs)))
    assert.deepEqual(args, [null, other])
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
  test("the root instance is named 'fastify'; a plugin's instance after its display name, else its function name, else its source", async () => {
    const app = weft()
    const names = []
    assert.equal(app.pluginName, 'fastify')
    app.register(async function byFunctionName (instance) { names.push(instance.pluginName) })
    const shown = async function (instance) { names.push(instance.pluginName) }
    shown[kDisplayName] = 'display-name-plugin'
    app.register(shown)
    const source = [async (instance) => {
      names.push(instance.pluginName)
    }][0]
    app.register(source)
    await app.ready()
    const preview = source.toString().split('\n', 2).map((line) => line.trim()).join(' -- ')
    assert.deepEqual(names, ['byFunctionName', 'display-name-plugin', preview])
    assert.equal(preview, 'async (instance) => { -- names.push(instance.pluginName)')
  })

  test("a skip-override plugin adds its name to its instance's chain, shown joined by ' -> '", async () => {
    const app = weft()
    let inChild
    app.register(skipOverride(async function cors () {}))
    app.register(async function api (instance) {
      instance.register(skipOverride(async function auth (shared) { inChild = shared.pluginName }))
    })
    await app.ready()
    assert.equal(app.pluginName, 'fastify -> cors')
    assert.equal(inChild, 'api -> auth')
  })

  test('hasPlugin() knows plugin-meta names registered here or in an ancestor, and the names of this instance', async () => {
    const app = weft()
    app.register(skipOverride(withMeta(async function () {}, { name: 'db' })))
    const auth = skipOverride(async function () {})
    auth[kDisplayName] = 'auth'
    app.register(auth)
    const seen = {}
    app.register(async function api (instance) {
      instance.register(withMeta(async function () {}, { name: 'users' }))
      await instance.after()
      for (const name of ['db', 'auth', 'api', 'users', 'fastify']) seen[name] = instance.hasPlugin(name)
    })
    await app.ready()
    assert.deepEqual(seen, { db: true, auth: false, api: true, users: true, fastify: false })
    assert.equal(app.hasPlugin('db'), true)
    assert.equal(app.hasPlugin('auth'), true)
    assert.equal(app.hasPlugin('fastify'), true)
    assert.equal(app.hasPlugin('users'), false)
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
      assert.equal(err.code, 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED')
      assert.equal(err.message, "The dependency 'db' of plugin 'users' is not registered")
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
    await assert.rejects(app.ready(), { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
  })

  test('plugin-meta decorators that are missing fail ready() with FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE naming the plugin', async () => {
    for (const [kind, decorate] of [
      ['fastify', (app) => app.decorate('db', {})],
      ['request', (app) => app.decorateRequest('user', null)],
      ['reply', (app) => app.decorateReply('view', () => {})]
    ]) {
      const name = { fastify: 'db', request: 'user', reply: 'view' }[kind]
      const needs = () => withMeta(async function needy () {}, { name: 'needy', decorators: { [kind]: [name] } })

      const missing = weft()
      missing.register(needs())
      const where = { fastify: 'Fastify', request: 'Request', reply: 'Reply' }[kind]
      await assert.rejects(missing.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE', kind)
        assert.equal(err.message, `The decorator '${name}' required by 'needy' is not present in ${where}`)
        return true
      })

      const present = weft()
      decorate(present)
      present.register(needs())
      await present.ready()
    }
  })
})

describe('plugin-meta fastify version range', () => {
  test('a plugin whose range covers the Fastify 5 API loads; one that does not fails ready() with FST_ERR_PLUGIN_VERSION_MISMATCH', async () => {
    for (const range of ['5.x', '^5.0.0', '>=4', '4.x || 5.x', '>=5.0.0 <6.0.0', '5', '*']) {
      const app = weft()
      let loaded = false
      app.register(withMeta(async function () { loaded = true }, { name: 'modern', fastify: range }))
      await app.ready()
      assert.equal(loaded, true, range)
    }
    for (const range of ['4.x', '^4.0.0', '>=6', '<5', '3.x || 4.x', '~5.0.0 <5.0.0']) {
      const app = weft()
      let loaded = false
      app.register(withMeta(async function () { loaded = true }, { name: 'legacy', fastify: range }))
      await assert.rejects(app.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_PLUGIN_VERSION_MISMATCH', range)
        assert.match(err.message, new RegExp(`^fastify-plugin: legacy - expected '${range.replace(/[.*+^|]/g, '\\$&')}' fastify version, '5\\.\\d+\\.\\d+' is installed$`), range)
        return true
      })
      assert.equal(loaded, false, range)
    }
  })
})

describe('an async plugin that also declares done', () => {
  test('is rejected before it runs with FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER', async () => {
    const app = weft()
    let ran = false
    app.register(async function mixed (instance, opts, done) { ran = true; done() })
    await assert.rejects(app.ready(), (err) => {
      assert.equal(err.code, 'FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER')
      assert.match(err.message, /^The mixed plugin being registered mixes async and callback styles/)
      return true
    })
    assert.equal(ran, false)
  })
})

describe('printPlugins()', () => {
  test('printPlugins() shows the plugin tree with plugin names', async () => {
    const app = weft()
    app.register(async function api (instance) {
      instance.register(async function users () {})
      instance.register(async function orders () {})
    })
    app.register(withMeta(async function () {}, { name: 'metrics' }))
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
  test('a plugin that throws fails ready() with its own error, unchanged', async () => {
    const app = weft()
    const failure = new Error('bad config')
    app.register(function database (instance, opts, done) { throw failure })
    await assert.rejects(app.ready(), (err) => {
      assert.equal(err, failure)
      assert.equal(err.message, 'bad config')
      assert.deepEqual(Object.keys(err), [])
      return true
    })
  })

  test('a plugin that rejects or calls done(err) fails ready(), listen(), inject(), after() and await register() with that error, unchanged', async (t) => {
    const failing = [
      ['rejects', (failure) => async function database () { throw failure }],
      ['done(err)', (failure) => function database (instance, opts, done) { setImmediate(() => done(failure)) }]
    ]
    for (const [how, make] of failing) {
      const entryPoints = {
        ready: (app) => app.ready(),
        listen: (app) => app.listen({ port: 0, host: '127.0.0.1' }),
        inject: (app) => app.inject('/'),
        after: (app) => app.after(),
        'await register': async (app) => { await app }
      }
      for (const [entry, call] of Object.entries(entryPoints)) {
        const app = weft()
        t.after(() => app.close().catch(() => {}))
        const failure = new Error('connection refused')
        app.register(make(failure))
        await assert.rejects(call(app), (err) => err === failure && err.message === 'connection refused', `${how} via ${entry}`)
      }
    }
  })

  test('a plugin that rejects with something that is not an Error fails ready() with that value', async () => {
    const app = weft()
    app.register(async function database () { throw 'just a string' }) // eslint-disable-line no-throw-literal
    await assert.rejects(app.ready(), (err) => err === 'just a string')
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
      assert.equal(err.message, "fastify-plugin: Plugin did not start in time: 'forgetful'. You may have forgotten to call 'done' function or to resolve a Promise")
      assert.equal(err.cause?.code, 'AVV_ERR_PLUGIN_EXEC_TIMEOUT')
      assert.equal(err.cause.message, "Plugin did not start in time: 'forgetful'. You may have forgotten to call 'done' function or to resolve a Promise")
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
  test('register() and after(cb) once plugins have loaded are rejected with AVV_ERR_ROOT_PLG_BOOTED', async () => {
    const app = weft()
    await app.ready()
    assert.throws(() => app.register(async function late () {}), { code: 'AVV_ERR_ROOT_PLG_BOOTED', message: 'Root plugin has already booted' })
    assert.throws(() => app.after(() => {}), { code: 'AVV_ERR_ROOT_PLG_BOOTED' })
  })

  test('inside onReady register() is rejected with AVV_ERR_ROOT_PLG_BOOTED', async () => {
    const app = weft()
    let code
    app.addHook('onReady', function () {
      try { this.register(async function late () {}) } catch (err) { code = err.code }
    })
    await app.ready()
    assert.equal(code, 'AVV_ERR_ROOT_PLG_BOOTED')
  })
})


describe('setters once the app is ready', () => {
  test('each setter throws FST_ERR_INSTANCE_ALREADY_LISTENING naming itself instead of being ignored', async () => {
    const app = weft()
    await app.ready()
    // as Fastify's, the app counts as started a tick after ready() resolved
    await new Promise((resolve) => setImmediate(resolve))
    const setters = {
      addSchema: () => app.addSchema({ $id: 'late' }),
      setSchemaErrorFormatter: () => app.setSchemaErrorFormatter(() => new Error('x')),
      setReplySerializer: () => app.setReplySerializer(() => ''),
      setValidatorCompiler: () => app.setValidatorCompiler(() => () => true),
      setSerializerCompiler: () => app.setSerializerCompiler(() => () => ''),
      setNotFoundHandler: () => app.setNotFoundHandler(async () => 'nothing here'),
      setErrorHandler: () => app.setErrorHandler(async () => 'oops')
    }
    for (const [name, call] of Object.entries(setters)) {
      assert.throws(call, (err) => err.code === 'FST_ERR_INSTANCE_ALREADY_LISTENING' && err.message.endsWith(`Cannot call "${name}"!`), name)
    }
    assert.throws(() => app.get('/late', async () => 'late'), (err) => err.code === 'FST_ERR_INSTANCE_ALREADY_LISTENING' && err.message.endsWith('Cannot add route!'))
    assert.throws(() => app.addContentTypeParser('text/csv', (request, payload, done) => done(null, payload)), { code: 'FST_ERR_CTP_INSTANCE_ALREADY_STARTED' })
    assert.equal(app.getSchema('late'), undefined)
  })

  test('inside onReady setters still work, but a not-found handler (a route) throws AVV_ERR_ROOT_PLG_BOOTED', async () => {
    const app = weft()
    let notFoundCode
    app.addHook('onReady', function () {
      this.addSchema({ $id: 'during-ready' })
      try { this.setNotFoundHandler(async () => 'nothing here') } catch (err) { notFoundCode = err.code }
    })
    await app.ready()
    assert.equal(notFoundCode, 'AVV_ERR_ROOT_PLG_BOOTED')
    assert.deepEqual(app.getSchema('during-ready'), { $id: 'during-ready' })
  })
})

describe('a module object as a plugin', () => {
  test('a bundled or TypeScript module object is loaded through its default export', async () => {
    const app = weft()
    let loaded = false
    app.register({ default: async function compiled () { loaded = true } })
    await app.ready()
    assert.equal(loaded, true)
  })
})
