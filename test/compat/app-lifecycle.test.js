// The application lifecycle points of issue 9 as side-by-side cases: hook order across plugins,
// ready() and after(), onListen, plugin errors, names, hasPlugin, decorators, close and inject.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fp from 'fastify-plugin'
import { both, inject, logLines, turns, within } from './harness.js'

const fastifyPackage = createRequire(import.meta.url)('fastify/package.json')

describe('request hooks run in source order across plugins', () => {
  both('addHook(A); register(fp(adds B)); addHook(C) runs A, B, C', async (factory) => {
    const app = factory()
    const order = []
    app.addHook('onRequest', async () => { order.push('A') })
    app.register(fp(async (instance) => { instance.addHook('onRequest', async () => { order.push('B') }) }))
    app.addHook('onRequest', async () => { order.push('C') })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(order, ['A', 'B', 'C', 'handler'])
  })
})

describe('ready()', () => {
  both('ready() inside a plugin queues its callback: after all plugins, before onReady; one boot', async (factory) => {
    const app = factory()
    const order = []
    app.addHook('onReady', async () => { order.push('onReady') })
    app.register((instance, opts, done) => {
      order.push('plugin 1')
      instance.ready((err) => { order.push(`ready callback (${err ?? 'no error'})`) })
      done()
    })
    app.register(async () => { order.push('plugin 2') })
    await within(app.ready(), 'ready()')
    order.push('ready resolved')
    assert.deepEqual(order, ['plugin 1', 'plugin 2', 'ready callback (no error)', 'onReady', 'ready resolved'])
  })

  both('ready(cb) calls cb(null, instance)', async (factory) => {
    const app = factory()
    const args = await within(new Promise((resolve) => app.ready((...a) => resolve(a))), 'ready(cb)')
    assert.equal(args[0], null)
    assert.equal(args[1], app)
  })
})

describe('onListen', () => {
  both('listen() resolves after sync and immediately-resolving hooks ran, before slower ones', async (factory) => {
    const app = factory()
    const order = []
    app.addHook('onListen', function (done) { order.push('callback hook'); done() })
    app.addHook('onListen', async function () { order.push('async hook') })
    app.addHook('onListen', async function () { await new Promise((resolve) => setTimeout(resolve, 5)); order.push('slow hook') })
    await app.listen({ port: 0, host: '127.0.0.1' })
    order.push('listen resolved')
    await new Promise((resolve) => setTimeout(resolve, 30))
    assert.deepEqual(order, ['callback hook', 'async hook', 'listen resolved', 'slow hook'])
  })

  both('onListen hooks (callback and async) see the server listening, with its addresses', async (factory) => {
    const app = factory()
    const seen = []
    app.addHook('onListen', function (done) { seen.push(['callback', app.server.listening, app.addresses().length > 0]); done() })
    app.addHook('onListen', async function () { seen.push(['async', app.server.listening, app.addresses().length > 0]) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual(seen, [['callback', true, true], ['async', true, true]])
  })

  both('an onListen error is logged with its message and the chain goes on', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    const order = []
    app.addHook('onListen', async function () { throw new Error('listen hook broke') })
    app.addHook('onListen', async function () { order.push('next hook') })
    await app.listen({ port: 0, host: '127.0.0.1' })
    await turns(3)
    assert.deepEqual(order, ['next hook'])
    const errors = lines.filter((l) => l.level === 50)
    assert.deepEqual(errors.map((l) => [l.msg, l.err?.message]), [['listen hook broke', 'listen hook broke']])
  })
})

describe('after()', () => {
  both('after() without a callback returns a real Promise', async (factory) => {
    const app = factory()
    const pending = app.after()
    assert.ok(pending instanceof Promise)
    await within(pending, 'after()')
  })

  both('a zero-parameter after callback still runs after a plugin failed; the error reaches ready', async (factory) => {
    const app = factory()
    const err = new Error('broken')
    const order = []
    app.register(async () => { throw err })
    app.after(() => { order.push('zero-parameter after') })
    app.after((e, done) => { order.push(`after(err) got ${e === err ? 'the error' : e}`); done(e) })
    await assert.rejects(within(app.ready(), 'ready()'), (e) => e === err)
    assert.deepEqual(order, ['zero-parameter after', 'after(err) got the error'])
  })
})

describe('plugin errors reach the caller unchanged', () => {
  both('ready() rejects with the plugin\'s own error object and message', async (factory) => {
    const app = factory()
    const err = new Error('broken')
    app.register(async function failing () { throw err })
    await assert.rejects(within(app.ready(), 'ready()'), (e) => e === err && e.message === 'broken')
  })

  both('await register() and inject() see the same unchanged error', async (factory) => {
    const app = factory()
    const err = new Error('broken')
    await assert.rejects(within(app.register(async () => { throw err }), 'register()'), (e) => e === err && e.message === 'broken')
    const other = factory()
    other.register(async () => { throw err })
    await assert.rejects(inject(other, '/'), (e) => e === err && e.message === 'broken')
  })

  both('a plugin that never calls done fails with FST_ERR_PLUGIN_TIMEOUT and an avvio cause', async (factory) => {
    const app = factory({ pluginTimeout: 30 })
    app.register(function slow (instance, opts, done) {})
    await assert.rejects(within(app.ready(), 'ready()'), (e) => {
      assert.equal(e.code, 'FST_ERR_PLUGIN_TIMEOUT')
      assert.equal(e.message, "fastify-plugin: Plugin did not start in time: 'slow'. You may have forgotten to call 'done' function or to resolve a Promise")
      assert.equal(e.cause?.code, 'AVV_ERR_PLUGIN_EXEC_TIMEOUT')
      return true
    })
  })

  both('an async plugin that declares done is rejected', async (factory) => {
    const app = factory()
    let ran = false
    app.register(async function mixed (instance, opts, done) { ran = true })
    await assert.rejects(within(app.ready(), 'ready()'), {
      code: 'FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER',
      message: 'The mixed plugin being registered mixes async and callback styles. Async plugin should not mix async and callback style.'
    })
    assert.equal(ran, false)
  })

  both('an async plugin that declares done is named by its plugin-meta name, else its variable', async (factory) => {
    const app = factory()
    app.register(fp(async (instance, opts, done) => { done() }, { name: 'error-plugin' }))
    await assert.rejects(within(app.ready(), 'ready()'), {
      code: 'FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER',
      message: 'The error-plugin plugin being registered mixes async and callback styles. Async plugin should not mix async and callback style.'
    })
    const other = factory()
    const anonymousPlugin = async (instance, opts, done) => { done() }
    other.register(anonymousPlugin)
    await assert.rejects(within(other.ready(), 'ready()'), { message: /^The anonymousPlugin plugin being registered/ })
  })

  both('plugin-meta fastify range is checked: FST_ERR_PLUGIN_VERSION_MISMATCH', async (factory) => {
    const app = factory()
    app.register(fp(async () => {}, { fastify: '4.x', name: 'old' }))
    await assert.rejects(within(app.ready(), 'ready()'), (e) => {
      assert.equal(e.code, 'FST_ERR_PLUGIN_VERSION_MISMATCH')
      assert.match(e.message, /^fastify-plugin: old - expected '4\.x' fastify version, '5\.\d+\.\d+' is installed$/)
      return true
    })
  })

  both('instance.version is the Fastify API version (5.12.8)', async (factory) => {
    const app = factory()
    assert.equal(app.version, fastifyPackage.version)
  })

  /** Registers a plain plugin per `fastify` range on an app whose `version` is redefined; resolves what ready() gave. */
  async function loadWithVersion (factory, version, ranges) {
    const app = factory()
    Object.defineProperty(app, 'version', { value: version })
    const loaded = []
    for (const range of ranges) {
      const plugin = (instance, opts, done) => { loaded.push(range); done() }
      plugin[Symbol.for('plugin-meta')] = { name: `wants ${range}`, fastify: range }
      app.register(plugin)
    }
    try {
      await within(app.ready(), 'ready()')
      return { loaded }
    } catch (err) {
      return { loaded, err: { name: err.name, code: err.code, message: err.message } }
    }
  }

  both('a release candidate instance loads plugins for the release before it (rc, pre, alpha)', async (factory) => {
    assert.deepEqual(await loadWithVersion(factory, '99.0.0-rc.1', ['^98.1.0', '98.x', '99.x', '^99.0.0-rc.0']),
      { loaded: ['^98.1.0', '98.x', '99.x', '^99.0.0-rc.0'] })
    assert.deepEqual(await loadWithVersion(factory, '99.0.0-pre.1', ['^98.x']), { loaded: ['^98.x'] })
    assert.deepEqual(await loadWithVersion(factory, '99.0.0-alpha.3', ['>=97 <98', '5.x']), { loaded: ['>=97 <98', '5.x'] })
  })

  both('a release candidate refuses a range above it, naming its own version', async (factory) => {
    assert.deepEqual(await loadWithVersion(factory, '99.0.0-rc.1', ['98.x', '^100.0.0']), {
      loaded: ['98.x'],
      err: { name: 'FastifyError', code: 'FST_ERR_PLUGIN_VERSION_MISMATCH', message: "fastify-plugin: wants ^100.0.0 - expected '^100.0.0' fastify version, '99.0.0-rc.1' is installed" }
    })
  })

  both('a release candidate and a range naming no version: a TypeError', async (factory) => {
    const { err } = await loadWithVersion(factory, '99.0.0-rc.1', ['latest'])
    assert.equal(err.name, 'TypeError')
    assert.equal(err.message, 'Invalid version. Must be a string. Got type "object".')
  })

  both('any other version is checked as semver checks it (a prerelease only where the range names one)', async (factory) => {
    assert.deepEqual(await loadWithVersion(factory, '6.0.0', ['6.x', '>=5 <7', '~6.0']), { loaded: ['6.x', '>=5 <7', '~6.0'] })
    assert.deepEqual((await loadWithVersion(factory, '6.0.0', ['5.x'])).err.message,
      "fastify-plugin: wants 5.x - expected '5.x' fastify version, '6.0.0' is installed")
    assert.deepEqual(await loadWithVersion(factory, '6.1.0-beta.2', ['>=6.1.0-beta.1 <7', '']), { loaded: ['>=6.1.0-beta.1 <7', ''] })
    assert.equal((await loadWithVersion(factory, '6.1.0-beta.2', ['6.x'])).err.code, 'FST_ERR_PLUGIN_VERSION_MISMATCH')
  })

  both("a plugin's child instance is checked against the version it inherits", async (factory) => {
    const app = factory()
    Object.defineProperty(app, 'version', { value: '7.0.0' })
    const seen = []
    app.register(async (child) => {
      seen.push(child.version)
      const inner = async () => { seen.push('inner loaded') }
      inner[Symbol.for('plugin-meta')] = { name: 'inner', fastify: '7.x' }
      child.register(inner)
    })
    await within(app.ready(), 'ready()')
    assert.deepEqual(seen, ['7.0.0', 'inner loaded'])
  })

  both('plugin-meta decorators missing: FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE', async (factory) => {
    const app = factory()
    app.register(fp(async () => {}, { decorators: { fastify: ['missingDec'] }, name: 'needs-dec' }))
    await assert.rejects(within(app.ready(), 'ready()'), (e) => {
      assert.equal(e.code, 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE')
      assert.match(e.message, /^The decorator 'missingDec' required by 'needs-dec' is not present in \w+$/)
      return true
    })
  })

  both('plugin-meta dependencies missing: FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED', async (factory) => {
    const app = factory()
    app.register(fp(async () => {}, { dependencies: ['other-plugin'], name: 'needs-dep' }))
    await assert.rejects(within(app.ready(), 'ready()'), {
      code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED',
      message: "The dependency 'other-plugin' of plugin 'needs-dep' is not registered"
    })
  })
})

describe('awaiting registrations', () => {
  both('what is registered right after `await after()` (root or plugin body) loads at once, under the wait in printPlugins()', async (factory) => {
    const app = factory()
    const log = []
    const pause = () => new Promise((resolve) => setTimeout(resolve, 20))
    app.register(async function one () { log.push('one') })
    await app.after()
    app.register(async function two () { log.push('two') })
    await pause()
    log.push('paused')
    app.register(async function outer (instance) {
      await instance.after()
      instance.register(async function inner () { log.push('inner') })
      await pause()
      log.push('outer body done')
    })
    await within(app.ready(), 'ready()')
    assert.deepEqual(log, ['one', 'two', 'paused', 'inner', 'outer body done'])
    assert.equal(app.printPlugins().replace(/ \d+ ms$/gm, ''), [
      'root',
      '├── bound _after',
      '├── one',
      '├─┬ bound _after',
      '│ └── two',
      '└─┬ outer',
      '  └─┬ bound _after',
      '    └── inner',
      ''
    ].join('\n'))
  })

  both('a failure caught by `await register()` skips what is registered right after, and the next wait rejects with it', async (factory) => {
    const app = factory()
    const ran = []
    const kaboom = new Error('kaboom')
    await assert.rejects(async () => { await app.register(async () => { throw kaboom }) }, kaboom)
    app.register(async function skipped () { ran.push('skipped') })
    await assert.rejects(app.after(), kaboom)
    app.register(async function alsoSkipped () { ran.push('alsoSkipped') })
    await assert.rejects(within(app.ready(), 'ready()'), kaboom)
    assert.deepEqual(ran, [])
  })

  both('an after() callback ending with an error skips what it registered', async (factory) => {
    const app = factory()
    const ran = []
    app.after((err, done) => {
      app.register(async function inside () { ran.push('inside') })
      done(err ?? new Error('from after'))
    })
    await assert.rejects(within(app.ready(), 'ready()'), { message: 'from after' })
    assert.deepEqual(ran, [])
  })
})

describe('printPlugins()', () => {
  /** The tree with each load time replaced by `N` (the times differ run to run). */
  const shape = (tree) => tree.replace(/ \d+ ms$/gm, ' N ms')

  both('each node with its load time in ms; after() callbacks, hooks, routes and not-found handlers as `bound _after` steps', async (factory) => {
    const app = factory()
    app.register(async function api (instance) {
      instance.register(async function users () { await new Promise((resolve) => setTimeout(resolve, 20)) })
      instance.get('/orders', async () => [])
      instance.setNotFoundHandler((request, reply) => reply.code(404).send())
    }, { prefix: '/api' })
    app.after(() => { app.register(async function fromAfter () {}) })
    app.addHook('onRequest', async () => {})
    app.register(fp(async function shared () {}, { name: 'shared-meta' }))
    assert.equal(app.printPlugins(), 'root -1 ms\n')
    await within(app.ready(), 'ready()')
    const tree = app.printPlugins()
    assert.equal(shape(tree), [
      'root N ms',
      '├── bound _after N ms',
      '├─┬ api N ms',
      '│ ├── users N ms',
      '│ ├── bound _after N ms',
      '│ ├── bound _after N ms',
      '│ └── bound _after N ms',
      '├─┬ bound _after N ms',
      '│ └── fromAfter N ms',
      '├── bound _after N ms',
      '└── shared-meta N ms',
      ''
    ].join('\n'))
    const ms = (name) => Number(new RegExp(`${name} (\\d+) ms`).exec(tree)[1])
    assert.ok(ms('users') >= 15 && ms('api') >= ms('users') && ms('root') >= ms('api'), tree)
  })

  both('a failed plugin skips the plugins after it until an after() takes its error; awaiting registrations is a step too', async (factory) => {
    const app = factory()
    app.register(async function fails () { throw new Error('boom') })
    app.register(async function skipped () {})
    app.after((err) => { assert.equal(err.message, 'boom') })
    app.register(async function loads (instance) { await instance.register(async function inner () {}) })
    await within(app.ready(), 'ready()')
    assert.equal(shape(app.printPlugins()), [
      'root N ms',
      '├── bound _after N ms',
      '├── fails N ms',
      '├── bound _after N ms',
      '└─┬ loads N ms',
      '  ├── inner N ms',
      '  └── bound _after N ms',
      ''
    ].join('\n'))
  })
})

describe('plugin names and hasPlugin', () => {
  both('pluginName: root, named, anonymous (source preview) and skip-override chains', async (factory) => {
    const app = factory()
    const seen = {}
    app.register(async function named (instance) { seen.named = instance.pluginName })
    app.register(async (instance) => { seen.anonymous = instance.pluginName })
    app.register(fp(async function skipped (instance) { seen.skipped = instance.pluginName }, { name: 'meta-name' }))
    app.register(async function outer (instance) {
      instance.register(fp(async () => {}, { name: 'inner-meta' }))
      instance.after(() => { seen.outer = instance.pluginName })
    })
    await within(app.ready(), 'ready()')
    assert.deepEqual(seen, {
      named: 'named',
      anonymous: 'async (instance) => { seen.anonymous = instance.pluginName }',
      skipped: 'fastify -> meta-name',
      outer: 'outer -> inner-meta'
    })
    assert.equal(app.pluginName, 'fastify -> meta-name')
  })

  both('hasPlugin knows meta names in this instance and its ancestors, and its own name chain', async (factory) => {
    const app = factory()
    const seen = {}
    app.register(fp(async () => {}, { name: 'root-meta' }))
    app.register(async function outer (instance) {
      instance.register(fp(async () => {}, { name: 'inner-meta' }))
      instance.after(() => {
        seen.inner = instance.hasPlugin('inner-meta')
        seen.ancestor = instance.hasPlugin('root-meta')
        seen.ownName = instance.hasPlugin('outer')
      })
    })
    await within(app.ready(), 'ready()')
    assert.deepEqual(seen, { inner: true, ancestor: true, ownName: true })
    assert.equal(app.hasPlugin('root-meta'), true)
    assert.equal(app.hasPlugin('inner-meta'), false)
  })
})

describe('decorators', () => {
  both('a child may shadow a parent\'s instance decorator; the same instance may not add it twice', async (factory) => {
    const app = factory()
    app.decorate('label', 'parent')
    assert.throws(() => app.decorate('label', 'again'), { code: 'FST_ERR_DEC_ALREADY_PRESENT', message: "The decorator 'label' has already been added!" })
    let childLabel
    app.register(async (child) => { child.decorate('label', 'child'); childLabel = child.label })
    await within(app.ready(), 'ready()')
    assert.equal(childLabel, 'child')
    assert.equal(app.label, 'parent')
  })

  both('a child may shadow a parent\'s function request decorator', async (factory) => {
    const app = factory()
    app.decorateRequest('who', function () { return 'parent' })
    app.register(async (child) => {
      child.decorateRequest('who', function () { return 'child' })
      child.get('/child', async (request) => request.who())
    })
    app.get('/parent', async (request) => request.who())
    assert.equal((await inject(app, '/child')).body, 'child')
    assert.equal((await inject(app, '/parent')).body, 'parent')
  })

  both('a child shadows instance, request and reply decorators of one name at once; the parent keeps all three', async (factory) => {
    const app = factory()
    const rootFunc = function rootFunc () {}
    app.decorate('test', rootFunc)
    app.decorateRequest('test', rootFunc)
    app.decorateReply('test', rootFunc)
    app.register((child, opts, done) => {
      const func = function func () {}
      child.decorate('test', func)
      child.decorateRequest('test', func)
      child.decorateReply('test', func)
      assert.equal(child.test, func)
      child.get('/child', (request, reply) => { reply.send([request.test.name, reply.test.name]) })
      done()
    })
    app.get('/parent', (request, reply) => { reply.send([request.test.name, reply.test.name]) })
    await within(app.ready(), 'ready()')
    assert.equal(app.test, rootFunc)
    assert.deepEqual((await inject(app, '/child')).json(), ['func', 'func'])
    assert.deepEqual((await inject(app, '/parent')).json(), ['rootFunc', 'rootFunc'])
  })

  both('`use` is no built-in: it may be decorated once, a second time is FST_ERR_DEC_ALREADY_PRESENT', async (factory) => {
    const app = factory()
    app.decorate('use', () => true)
    assert.equal(app.use(), true)
    assert.throws(() => app.decorate('use', () => true), { code: 'FST_ERR_DEC_ALREADY_PRESENT' })
  })

  both('built-in reply methods may be replaced; real request fields may not', async (factory) => {
    const app = factory()
    app.decorateReply('getHeader', function (name) { return `custom:${name}` })
    assert.throws(() => app.decorateRequest('body', null), { code: 'FST_ERR_DEC_ALREADY_PRESENT' })
    app.get('/', async (request, reply) => reply.getHeader('x'))
    assert.equal((await inject(app, '/')).body, 'custom:x')
  })

  both('getDecorator returns a function decorator bound to the instance', async (factory) => {
    const app = factory()
    app.decorate('self', function () { return this })
    await within(app.ready(), 'ready()')
    const self = app.getDecorator('self')
    assert.equal(self(), app)
  })

  both('request.setDecorator sets a declared request decorator', async (factory) => {
    const app = factory()
    app.decorateRequest('user', null)
    app.addHook('onRequest', async (request) => { request.setDecorator('user', { id: 7 }) })
    app.get('/', async (request) => request.user)
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { id: 7 })
  })

  both('decorate works inside onReady; adding a request hook or a route then throws AVV_ERR_ROOT_PLG_BOOTED', async (factory) => {
    const app = factory()
    const seen = {}
    app.addHook('onReady', async function () {
      this.decorate('late', 1)
      seen.late = this.late
      try { this.addHook('onRequest', async () => {}) } catch (e) { seen.hook = e.code }
      try { this.get('/late', async () => 'x') } catch (e) { seen.route = e.code }
    })
    await within(app.ready(), 'ready()')
    assert.deepEqual(seen, { late: 1, hook: 'AVV_ERR_ROOT_PLG_BOOTED', route: 'AVV_ERR_ROOT_PLG_BOOTED' })
  })
})

describe('register options function', () => {
  both('register(plugin, optsFn): optsFn receives the plugin\'s own instance', async (factory) => {
    const app = factory()
    let received
    let optsSeen
    app.register(async (instance, opts) => { optsSeen = opts }, (instance) => { received = instance; return { from: 'optsFn' } })
    await within(app.ready(), 'ready()')
    assert.deepEqual(optsSeen, { from: 'optsFn' })
    assert.notEqual(received, app)
    assert.equal(typeof received.decorate, 'function')
  })
})

describe('the factory function', () => {
  both('carries errorCodes and a default export of itself', async (factory, framework) => {
    const f = framework.factory
    assert.equal(typeof f.errorCodes.FST_ERR_NOT_FOUND, 'function')
    assert.equal(f.default, f)
  })

  both('the ajv option reaches a compilersFactory as Fastify keeps it: a new object with customOptions and plugins filled in', async (factory) => {
    const seen = []
    const compilersFactory = { buildValidator (external, ajvOptions) { seen.push(ajvOptions); return () => () => true } }
    const given = [undefined, { customOptions: { nullable: false } }, { customOptions: { nullable: false }, plugins: [[]] }, { plugins: [] }, {}]
    for (const ajv of given) {
      const app = factory({ ajv, schemaController: { compilersFactory } })
      app.post('/', { schema: { body: { type: 'object' } } }, async () => 'ok')
      await within(app.ready(), 'ready()')
    }
    assert.deepEqual(seen, [
      { customOptions: {}, plugins: [] },
      { customOptions: { nullable: false }, plugins: [] },
      { customOptions: { nullable: false }, plugins: [[]] },
      { customOptions: {}, plugins: [] },
      { customOptions: {}, plugins: [] }
    ])
    assert.ok(seen.every((options, i) => options !== given[i]))
  })

  both('with several invalid options, the first refused is Fastify\'s first: querystringParser, bucket, bodyLimit, ajv, logger, logController, option types, server, schemaErrorFormatter', async (factory) => {
    const bad = {
      querystringParser: { querystringParser: 5 },
      bucket: { schemaController: { bucket: 5 } },
      bodyLimit: { bodyLimit: 'x' },
      ajv: { ajv: { customOptions: 5 } },
      logger: { logger: true, loggerInstance: { info () {} } },
      logController: { logController: {} },
      types: { connectionTimeout: 'abc' },
      server: { http2: true, forceCloseConnections: 'idle' },
      schemaErrorFormatter: { schemaErrorFormatter: 5 }
    }
    const codes = {
      querystringParser: 'FST_ERR_QSP_NOT_FN',
      bucket: 'FST_ERR_SCHEMA_CONTROLLER_BUCKET_OPT_NOT_FN',
      bodyLimit: 'FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT',
      ajv: 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ',
      logger: 'FST_ERR_LOG_LOGGER_AND_LOGGER_INSTANCE_PROVIDED',
      logController: 'FST_ERR_LOG_INVALID_LOG_CONTROLLER',
      types: 'FST_ERR_INIT_OPTS_INVALID',
      server: 'FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE',
      schemaErrorFormatter: 'FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN'
    }
    const order = Object.keys(bad)
    for (let i = 0; i < order.length; i++) {
      for (let j = i + 1; j < order.length; j++) {
        assert.throws(() => factory({ ...bad[order[j]], ...bad[order[i]] }), { code: codes[order[i]] }, `${order[i]} before ${order[j]}`)
      }
    }
    assert.throws(() => factory({ serverFactory: 5, schemaErrorFormatter: 5 }), { name: 'TypeError', message: 'options.serverFactory is not a function' })
  })

  both('ajv customOptions and plugins: a falsy or mistyped value is refused at construction, one given as undefined too', async (factory) => {
    for (const [ajv, code, type] of [
      [{ customOptions: undefined }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ', 'undefined'],
      [{ customOptions: null }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ', 'object'],
      [{ customOptions: 8 }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ', 'number'],
      [{ customOptions: [] }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ', 'object'],
      [{ plugins: undefined }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR', 'undefined'],
      [{ plugins: 0 }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR', 'number'],
      [{ plugins: {} }, 'FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR', 'object']
    ]) {
      assert.throws(() => factory({ ajv }), (err) => err.code === code && err.message.includes(`'${type}'`), JSON.stringify(ajv))
    }
  })
})

describe('inject() and close()', () => {
  both('inject() after close() rejects with FST_ERR_REOPENED_CLOSE_SERVER', async (factory) => {
    const app = factory()
    app.get('/', async () => 'ok')
    await within(app.ready(), 'ready()')
    await within(app.close(), 'close()')
    await assert.rejects(inject(app, '/'), (e) => {
      assert.equal(e.code, 'FST_ERR_REOPENED_CLOSE_SERVER')
      assert.match(e.message, /has already been closed and cannot be reopened$/)
      return true
    })
    const [err, res] = await within(new Promise((resolve) => app.inject('/', (...a) => resolve(a))), 'inject(cb)')
    assert.equal(err?.code, 'FST_ERR_REOPENED_CLOSE_SERVER')
    assert.equal(res, undefined)
  })

  both('inject() before boot still boots the app', async (factory) => {
    const app = factory()
    app.get('/', async () => 'booted')
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'booted')
  })
})

describe('the errorHandler getter', () => {
  both('is the default handler at the root, and in a plugin its setErrorHandler function bound to the plugin', async (factory) => {
    const app = factory()
    const rootHandler = app.errorHandler
    assert.equal(typeof rootHandler, 'function')
    assert.equal(rootHandler.name, 'defaultErrorHandler')
    let inPlugin
    let self
    app.register(async (child) => {
      child.setErrorHandler(function pluginHandler (err, request, reply) { self = this; reply.code(418).send({ caught: err.message }) })
      inPlugin = child.errorHandler
      assert.notEqual(child.errorHandler, app.errorHandler)
      child.get('/boom', async () => { throw new Error('boom') })
      self = child
    })
    await app.ready()
    const pluginInstance = self
    self = undefined
    assert.equal(inPlugin.name, 'bound pluginHandler')
    assert.equal(app.errorHandler, rootHandler)
    const res = await inject(app, '/boom')
    assert.equal(res.statusCode, 418)
    assert.deepEqual(res.json(), { caught: 'boom' })
    assert.equal(self, pluginInstance)
  })

  both('childLoggerFactory: the root\'s default, a plugin\'s own after setChildLoggerFactory, the same function (not bound)', async (factory) => {
    const app = factory()
    const rootFactory = app.childLoggerFactory
    assert.equal(typeof rootFactory, 'function')
    function pluginFactory (logger, bindings, opts) { return logger.child(bindings, opts) }
    app.register(async (child) => {
      child.setChildLoggerFactory(pluginFactory)
      assert.equal(child.childLoggerFactory, pluginFactory)
    })
    await app.ready()
    assert.equal(app.childLoggerFactory, rootFactory)
  })
})
