// The application hooks of LIFECYCLE.md ("Application hooks"): onRoute, onRegister, onReady,
// onListen, preClose and onClose, each in both styles where both exist, and the checks addHook
// applies (unknown names, non-functions, mixed styles, hooks added too late, hooks that hang).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import {
  STYLES, appHook, stuckHook, skipOverride, deferred, listenOn, request, recordingLogger, tick,
  keepProcessBusy, runAlone
} from './helpers.js'

const ok = async () => ({ ok: true })

describe('onRoute', () => {
  test('onRoute is called with the options of each route declared in its scope, when the route is declared', async () => {
    const app = weft()
    const seen = []
    const handler = async () => 'created'
    app.addHook('onRoute', (route) => { seen.push({ method: route.method, url: route.url, handler: route.handler }) })
    app.route({ method: 'POST', url: '/items', handler })
    assert.deepEqual(seen, [{ method: 'POST', url: '/items', handler }])
    await app.ready()
  })

  test('onRoute is also called for the automatic HEAD route of a GET route', async () => {
    const app = weft()
    const seen = []
    app.addHook('onRoute', (route) => { seen.push(`${route.method} ${route.url}`) })
    app.get('/page', ok)
    await app.ready()
    assert.deepEqual(seen, ['GET /page', 'HEAD /page'])
  })

  test('onRoute hooks run in registration order', async () => {
    const app = weft()
    const order = []
    app.addHook('onRoute', () => { order.push('first') })
    app.addHook('onRoute', () => { order.push('second') })
    app.post('/', ok)
    await app.ready()
    assert.deepEqual(order, ['first', 'second'])
  })

  test('onRoute is called for routes of child scopes created after the hook, with their full url', async () => {
    const app = weft()
    const seen = []
    app.addHook('onRoute', (route) => { seen.push(`${route.method} ${route.url}`) })
    app.register(async function users (instance) {
      instance.post('/users', ok)
      instance.register(async function admin (inner) { inner.delete('/users/:id', ok) })
    }, { prefix: '/v1' })
    await app.ready()
    assert.deepEqual(seen, ['POST /v1/users', 'DELETE /v1/users/:id'])
  })

  test('an onRoute hook added in a plugin is not called for the routes of its parent', async () => {
    const app = weft()
    const seen = []
    app.register(async function child (instance) {
      instance.addHook('onRoute', (route) => { seen.push(route.url) })
      instance.post('/child', ok)
    })
    app.after(() => { app.post('/root', ok) })
    await app.ready()
    assert.deepEqual(seen, ['/child'])
  })

  test('a throw from onRoute propagates from route()', () => {
    const app = weft()
    const boom = new Error('route refused')
    app.addHook('onRoute', () => { throw boom })
    assert.throws(() => app.post('/', ok), (err) => err === boom)
    assert.throws(() => app.route({ method: 'PUT', url: '/', handler: ok }), (err) => err === boom)
  })

  test('a throw from onRoute inside a plugin fails ready()', async () => {
    const app = weft()
    app.addHook('onRoute', () => { throw new Error('route refused') })
    app.register(async function routes (instance) { instance.post('/', ok) })
    await assert.rejects(app.ready(), /route refused/)
  })

  test('a throw from onRoute inside a plugin fails listen(), and the server does not listen', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.register(async function routes (instance) {
      instance.addHook('onRoute', () => { throw new Error('route refused') })
      instance.post('/', ok)
    })
    await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), /route refused/)
    assert.equal(app.server.listening, false)
  })

  test('an onRoute hook added once a child scope exists is not called for routes that child declares later', async () => {
    const app = weft()
    const seen = []
    let child
    app.register(async function plugin (instance) { child = instance })
    app.after(() => {
      app.addHook('onRoute', (routeOptions) => { if (routeOptions.method === 'GET') seen.push(routeOptions.url) })
      child.get('/in-child', ok)
      app.get('/in-root', ok)
    })
    await app.ready()
    assert.deepEqual(seen, ['/in-root'])
  })
})

describe('onRegister', () => {
  test('onRegister runs before the plugin body, with the plugin instance and its options', async () => {
    const app = weft()
    const order = []
    let hookInstance, hookOpts, pluginInstance
    app.addHook('onRegister', (instance, opts) => {
      order.push('onRegister')
      hookInstance = instance
      hookOpts = opts
    })
    app.register(async function plugin (instance) {
      order.push('plugin body')
      pluginInstance = instance
    }, { answer: 42 })
    await app.ready()
    assert.deepEqual(order, ['onRegister', 'plugin body'])
    assert.equal(hookInstance, pluginInstance)
    assert.notEqual(hookInstance, app)
    assert.equal(hookOpts.answer, 42)
  })

  test('onRegister is not called for skip-override plugins', async () => {
    const app = weft()
    const seen = []
    app.addHook('onRegister', (instance) => { seen.push(instance) })
    app.register(skipOverride(async function shared () {}))
    await app.ready()
    assert.deepEqual(seen, [])
  })

  test('onRegister hooks run in registration order, and also for plugins nested in child scopes', async () => {
    const app = weft()
    const order = []
    app.addHook('onRegister', (instance, opts) => { order.push(`first ${opts.label}`) })
    app.addHook('onRegister', (instance, opts) => { order.push(`second ${opts.label}`) })
    app.register(async function outer (instance) {
      instance.register(async function inner () {}, { label: 'inner' })
    }, { label: 'outer' })
    await app.ready()
    assert.deepEqual(order, ['first outer', 'second outer', 'first inner', 'second inner'])
  })

  test('an onRegister hook added in a plugin is not called for plugins its parent registers', async () => {
    const app = weft()
    const seen = []
    app.register(async function child (instance) {
      instance.addHook('onRegister', (i, opts) => { seen.push(opts.label) })
      instance.register(async function inChild () {}, { label: 'in child' })
    })
    app.register(async function sibling () {}, { label: 'sibling' })
    await app.ready()
    assert.deepEqual(seen, ['in child'])
  })

  test('a throw from onRegister fails ready() and the plugin body does not run', async () => {
    const app = weft()
    let ran = false
    app.addHook('onRegister', () => { throw new Error('not allowed here') })
    app.register(async function plugin () { ran = true })
    await assert.rejects(app.ready(), /not allowed here/)
    assert.equal(ran, false)
  })
})

describe('onReady', () => {
  for (const style of STYLES) {
    test(`onReady runs the scope's own hooks in registration order, then each child scope depth-first (${style})`, async () => {
      const app = weft()
      const order = []
      const hook = (label) => appHook(style, 'onReady', () => { order.push(label) })
      app.addHook('onReady', hook('root 1'))
      app.register(async function child (instance) {
        instance.addHook('onReady', hook('child 1'))
        instance.register(async function grandchild (inner) { inner.addHook('onReady', hook('grandchild')) })
        instance.addHook('onReady', hook('child 2'))
      })
      app.register(async function sibling (instance) { instance.addHook('onReady', hook('sibling')) })
      app.addHook('onReady', hook('root 2'))
      await app.ready()
      assert.deepEqual(order, ['root 1', 'root 2', 'child 1', 'child 2', 'grandchild', 'sibling'])
    })

    test(`onReady runs once even if ready() is called again, concurrently or later (${style})`, async () => {
      const app = weft()
      let runs = 0
      app.addHook('onReady', appHook(style, 'onReady', () => { runs++ }))
      app.post('/', ok)
      await Promise.all([app.ready(), app.ready()])
      await app.ready()
      await app.inject({ method: 'POST', url: '/' })
      assert.equal(runs, 1)
    })

    test(`an onReady error skips the remaining hooks and rejects ready() (${style})`, async () => {
      const app = weft()
      const order = []
      const failure = new Error('database unreachable')
      app.addHook('onReady', appHook(style, 'onReady', () => { order.push('first') }))
      app.addHook('onReady', appHook(style, 'onReady', () => { order.push('failing'); throw failure }))
      app.addHook('onReady', appHook(style, 'onReady', () => { order.push('third') }))
      app.register(async function child (instance) {
        instance.addHook('onReady', appHook(style, 'onReady', () => { order.push('child') }))
      })
      await assert.rejects(app.ready(), (err) => err === failure)
      assert.deepEqual(order, ['first', 'failing'])
    })

    test(`an onReady error rejects listen() and the server does not listen (${style})`, async (t) => {
      const app = weft()
      t.after(() => app.close())
      app.addHook('onReady', appHook(style, 'onReady', () => { throw new Error('not ready') }))
      await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), /not ready/)
      assert.equal(app.server.listening, false)
    })

    test(`this inside onReady is the instance that added the hook (${style})`, async () => {
      const app = weft()
      const seen = {}
      let child
      app.addHook('onReady', appHook(style, 'onReady', function () { seen.root = this }))
      app.register(async function plugin (instance) {
        child = instance
        instance.addHook('onReady', appHook(style, 'onReady', function () { seen.child = this }))
      })
      await app.ready()
      assert.equal(seen.root, app)
      assert.equal(seen.child, child)
    })

    test(`inside onReady plugins have loaded: a route or a request hook throws AVV_ERR_ROOT_PLG_BOOTED, decorate still works (${style})`, async () => {
      const app = weft()
      const errors = {}
      app.addHook('onReady', appHook(style, 'onReady', function () {
        try { this.get('/late', ok) } catch (err) { errors.route = err }
        try { this.addHook('onRequest', async () => {}) } catch (err) { errors.hook = err }
        this.decorate('lateTool', 'available')
      }))
      await app.ready()
      assert.equal(errors.route?.code, 'AVV_ERR_ROOT_PLG_BOOTED')
      assert.equal(errors.hook?.code, 'AVV_ERR_ROOT_PLG_BOOTED')
      assert.equal(app.hasRoute({ method: 'GET', url: '/late' }), false)
      assert.equal(app.lateTool, 'available')
    })

    test(`an onReady hook added while onReady hooks run is not run (${style})`, async () => {
      const app = weft()
      const order = []
      app.addHook('onReady', appHook(style, 'onReady', function () {
        order.push('first')
        this.addHook('onReady', appHook(style, 'onReady', () => { order.push('added late') }))
      }))
      app.register(async function child (instance) {
        instance.addHook('onReady', appHook(style, 'onReady', () => { order.push('child') }))
      })
      await app.ready()
      assert.deepEqual(order, ['first', 'child'])
    })
  }

  test('onReady runs when the app becomes ready through listen()', async (t) => {
    const app = weft()
    let runs = 0
    app.addHook('onReady', async () => { runs++ })
    await listenOn(t, app)
    assert.equal(runs, 1)
  })

  test('onReady runs when the app becomes ready through the first inject()', async () => {
    const app = weft()
    const order = []
    app.addHook('onReady', async () => { order.push('onReady') })
    app.get('/', async () => { order.push('handler'); return 'ok' })
    await app.inject('/')
    await app.inject('/')
    assert.deepEqual(order, ['onReady', 'handler', 'handler'])
  })
})

describe('onListen', () => {
  for (const style of STYLES) {
    test(`listen() reports success first, then onListen hooks run in the same turn (${style})`, async (t) => {
      const app = weft()
      t.after(() => app.close())
      const order = []
      app.addHook('onListen', appHook(style, 'onListen', () => { order.push('onListen') }))
      await new Promise((resolve, reject) => {
        app.listen({ port: 0, host: '127.0.0.1' }, (err) => {
          if (err) { reject(err); return }
          order.push('listen callback')
          queueMicrotask(() => { order.push('next microtask'); resolve() })
        })
      })
      assert.deepEqual(order, ['listen callback', 'onListen', 'next microtask'])
    })

    test(`hooks that finish at once have all run when await listen() resumes (${style})`, async (t) => {
      const app = weft()
      const ran = []
      const hook = (label) => appHook(style, 'onListen', () => { ran.push(label) })
      app.addHook('onListen', hook('root 1'))
      app.addHook('onListen', hook('root 2'))
      app.register(async function child (instance) { instance.addHook('onListen', hook('child')) })
      await listenOn(t, app)
      assert.deepEqual(ran, ['root 1', 'root 2', 'child'])
    })

    test(`onListen runs the root's hooks in order, then each child scope's chain (${style})`, async (t) => {
      const app = weft()
      const order = []
      const last = deferred()
      const hook = (label) => appHook(style, 'onListen', () => { order.push(label) })
      app.addHook('onListen', hook('root 1'))
      app.register(async function child (instance) {
        instance.addHook('onListen', hook('child'))
        instance.register(async function grandchild (inner) { inner.addHook('onListen', hook('grandchild')) })
      })
      app.register(async function sibling (instance) {
        instance.addHook('onListen', appHook(style, 'onListen', () => { order.push('sibling'); last.resolve() }))
      })
      app.addHook('onListen', hook('root 2'))
      await listenOn(t, app)
      await last.promise
      await tick()
      assert.deepEqual(order.slice(0, 3), ['root 1', 'root 2', 'child'])
      // each child's chain goes on by itself: the grandchild follows the child, the sibling follows the root
      assert.deepEqual(order.slice(3).sort(), ['grandchild', 'sibling'])
      assert.ok(order.indexOf('grandchild') > order.indexOf('child'))
    })

    test(`onListen never runs for ready() or inject() (${style})`, async () => {
      const app = weft()
      let runs = 0
      app.addHook('onListen', appHook(style, 'onListen', () => { runs++ }))
      app.get('/', ok)
      await app.ready()
      const res = await app.inject('/')
      assert.equal(res.statusCode, 200)
      await tick()
      await app.close()
      assert.equal(runs, 0)
    })

    test(`an onListen error is logged with the error itself and ignored: the next hook still runs and the app keeps serving (${style})`, async (t) => {
      const { logger, entries } = recordingLogger()
      const app = weft({ loggerInstance: logger })
      const failure = new Error('could not announce the service')
      const next = deferred()
      app.get('/', ok)
      app.addHook('onListen', appHook(style, 'onListen', () => { throw failure }))
      app.addHook('onListen', appHook(style, 'onListen', () => { next.resolve('next hook ran') }))
      const port = await listenOn(t, app)
      assert.equal(await next.promise, 'next hook ran')
      const logged = entries.filter(e => e.level === 'error')
      assert.deepEqual(logged.map(e => e.args), [[failure]])
      assert.equal(app.server.listening, true)
      const res = await request(port, '/')
      assert.equal(res.statusCode, 200)
      assert.deepEqual(JSON.parse(res.body), { ok: true })
    })
  }

  test('a hook that never finishes does not time out: onListen has no pluginTimeout', async (t) => {
    keepProcessBusy(t)
    const { logger, entries } = recordingLogger()
    const app = weft({ loggerInstance: logger, pluginTimeout: 20 })
    app.addHook('onListen', stuckHook('callback', 'onListen'))
    await listenOn(t, app)
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.deepEqual(entries.filter(e => e.level === 'error'), [])
  })
})

describe('preClose', () => {
  for (const style of STYLES) {
    test(`preClose hooks run in registration order, parent before children (${style})`, async () => {
      const app = weft()
      const order = []
      const hook = (label) => appHook(style, 'preClose', () => { order.push(label) })
      app.addHook('preClose', hook('root 1'))
      app.register(async function child (instance) {
        instance.addHook('preClose', hook('child'))
        instance.register(async function grandchild (inner) { inner.addHook('preClose', hook('grandchild')) })
      })
      app.addHook('preClose', hook('root 2'))
      await app.ready()
      await app.close()
      assert.deepEqual(order, ['root 1', 'root 2', 'child', 'grandchild'])
    })

    test(`preClose runs while an in-flight request is still being served (${style})`, async (t) => {
      const app = weft()
      const order = []
      const started = deferred()
      const release = deferred()
      app.get('/slow', async () => {
        order.push('request started')
        started.resolve()
        await release.promise
        order.push('request finished')
        return { done: true }
      })
      app.addHook('preClose', appHook(style, 'preClose', () => {
        order.push('preClose')
        release.resolve()
      }))
      app.addHook('onClose', appHook(style, 'onClose', () => { order.push('onClose') }))
      const port = await listenOn(t, app)
      const slow = request(port, '/slow')
      await started.promise
      await app.close()
      const res = await slow
      assert.equal(res.statusCode, 200)
      assert.deepEqual(JSON.parse(res.body), { done: true })
      assert.deepEqual(order, ['request started', 'preClose', 'request finished', 'onClose'])
    })

    test(`a preClose error skips the later preClose hooks, shutdown still completes and close() rejects with it (${style})`, async (t) => {
      const app = weft()
      const order = []
      const failure = new Error('could not deregister')
      app.addHook('preClose', appHook(style, 'preClose', () => { order.push('first') }))
      app.addHook('preClose', appHook(style, 'preClose', () => { order.push('failing'); throw failure }))
      app.addHook('preClose', appHook(style, 'preClose', () => { order.push('skipped') }))
      app.addHook('onClose', appHook(style, 'onClose', () => { order.push('onClose') }))
      await listenOn(t, app)
      await assert.rejects(app.close(), (err) => err === failure)
      assert.deepEqual(order, ['first', 'failing', 'onClose'])
      assert.equal(app.server.listening, false)
    })
  }
})

describe('onClose', () => {
  for (const style of STYLES) {
    test(`onClose runs in reverse order of registration (${style})`, async () => {
      const app = weft()
      const order = []
      const hook = (label) => appHook(style, 'onClose', () => { order.push(label) })
      app.addHook('onClose', hook('root 1'))
      app.addHook('onClose', hook('root 2'))
      app.register(async function child (instance) {
        instance.addHook('onClose', hook('child'))
        instance.register(async function grandchild (inner) { inner.addHook('onClose', hook('grandchild')) })
      })
      app.after(() => { app.addHook('onClose', hook('root, added after the plugins')) })
      await app.ready()
      await app.close()
      assert.deepEqual(order, ['root, added after the plugins', 'grandchild', 'child', 'root 2', 'root 1'])
    })

    test(`a child plugin's onClose hooks run before the root's (${style})`, async () => {
      const app = weft()
      const order = []
      app.register(async function db (instance) {
        instance.addHook('onClose', appHook(style, 'onClose', () => { order.push('plugin') }))
      })
      app.addHook('onClose', appHook(style, 'onClose', () => { order.push('root') }))
      await app.ready()
      await app.close()
      assert.deepEqual(order, ['plugin', 'root'])
    })

    test(`every onClose hook runs even if one fails, and close() rejects with the last error (${style})`, async () => {
      const app = weft()
      const order = []
      app.addHook('onClose', appHook(style, 'onClose', () => { order.push('a'); throw new Error('a failed') }))
      app.addHook('onClose', appHook(style, 'onClose', () => { order.push('b') }))
      app.addHook('onClose', appHook(style, 'onClose', () => { order.push('c'); throw new Error('c failed') }))
      await app.ready()
      await assert.rejects(app.close(), { message: 'a failed' })
      assert.deepEqual(order, ['c', 'b', 'a'])
    })

    test(`onClose receives the instance that added the hook (${style})`, async () => {
      const app = weft()
      const seen = {}
      let child
      app.addHook('onClose', appHook(style, 'onClose', (instance) => { seen.root = instance }))
      app.register(async function plugin (instance) {
        child = instance
        instance.addHook('onClose', appHook(style, 'onClose', (inst) => { seen.child = inst }))
      })
      await app.ready()
      await app.close()
      assert.equal(seen.root, app)
      assert.equal(seen.child, child)
    })
  }

  test('app.onClose(fn) adds an onClose hook: fn(instance, done) or async fn(instance)', async () => {
    const app = weft()
    const order = []
    app.onClose(function (instance, done) { order.push(['callback', instance === app]); done() })
    app.onClose(async function (instance) { order.push(['async', instance === app]) })
    await app.ready()
    await app.close()
    assert.deepEqual(order, [['async', true], ['callback', true]])
  })
})

describe('application hooks in skip-override plugins', () => {
  test('a skip-override plugin adds its application hooks to the parent scope', async () => {
    const app = weft()
    const order = []
    app.register(skipOverride(async function lifecycle (instance) {
      assert.equal(instance, app)
      instance.addHook('onReady', async function () { order.push(['onReady', this === app]) })
      instance.addHook('onClose', async (inst) => { order.push(['onClose', inst === app]) })
    }))
    await app.ready()
    await app.close()
    assert.deepEqual(order, [['onReady', true], ['onClose', true]])
  })
})

describe('addHook checks', () => {
  test('an unknown hook name is rejected with FST_ERR_HOOK_NOT_SUPPORTED', () => {
    const app = weft()
    assert.throws(() => app.addHook('onBoot', async () => {}), { code: 'FST_ERR_HOOK_NOT_SUPPORTED' })
    assert.throws(() => app.addHook('onclose', async () => {}), (err) => err instanceof Error && err.code === 'FST_ERR_HOOK_NOT_SUPPORTED')
  })

  test('a hook that is not a function is rejected with FST_ERR_HOOK_INVALID_HANDLER', () => {
    const app = weft()
    for (const value of [undefined, null, 'onReady', 42, {}, Promise.resolve()]) {
      assert.throws(() => app.addHook('onReady', value), (err) => err instanceof Error && err.code === 'FST_ERR_HOOK_INVALID_HANDLER', String(value))
    }
    assert.throws(() => app.addHook('onClose', {}), { code: 'FST_ERR_HOOK_INVALID_HANDLER' })
    assert.throws(() => app.addHook('onRoute', null), { code: 'FST_ERR_HOOK_INVALID_HANDLER' })
  })

  test('a null or undefined hook is named as such in the error message', () => {
    const app = weft()
    assert.throws(() => app.addHook('onRequest', null), { message: 'onRequest hook should be a function, instead got null' })
    assert.throws(() => app.addHook('onReady', undefined), { message: 'onReady hook should be a function, instead got undefined' })
    assert.throws(() => app.addHook('onReady', {}), { message: 'onReady hook should be a function, instead got [object Object]' })
  })

  test('an async hook that also declares done is rejected with FST_ERR_HOOK_INVALID_ASYNC_HANDLER', () => {
    const app = weft()
    assert.throws(() => app.addHook('onReady', async (done) => {}), { code: 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER' })
    assert.throws(() => app.addHook('onListen', async (done) => {}), { code: 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER' })
    assert.throws(() => app.addHook('preClose', async (done) => {}), { code: 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER' })
    assert.throws(() => app.addHook('onClose', async (instance, done) => {}), { code: 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER' })
    assert.throws(() => app.onClose(async (instance, done) => {}), (err) => err instanceof Error && err.code === 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER')
  })

  test('the same hooks in a single style are accepted', () => {
    const app = weft()
    app.addHook('onReady', async () => {})
    app.addHook('onReady', (done) => done())
    app.addHook('onClose', async (instance) => {})
    app.addHook('onClose', (instance, done) => done())
    app.addHook('onRoute', () => {})
    app.addHook('onRegister', () => {})
  })

  test('addHook once the app is ready is rejected with FST_ERR_INSTANCE_ALREADY_LISTENING, for every hook', async () => {
    const app = weft()
    await app.ready()
    // as Fastify's, the app counts as started a tick after ready() resolved
    await new Promise((resolve) => setImmediate(resolve))
    for (const name of ['onRequest', 'onSend', 'onRoute', 'onRegister', 'onReady', 'onListen', 'preClose']) {
      assert.throws(() => app.addHook(name, async () => {}), (err) => err instanceof Error && err.code === 'FST_ERR_INSTANCE_ALREADY_LISTENING' &&
        err.message.endsWith('Cannot call "addHook"!'), name)
    }
    assert.throws(() => app.addHook('onClose', async (instance) => {}), { code: 'FST_ERR_INSTANCE_ALREADY_LISTENING' })
  })

  test('addHook after listen() is rejected with FST_ERR_INSTANCE_ALREADY_LISTENING', async (t) => {
    const app = weft()
    await listenOn(t, app)
    for (const name of ['onRequest', 'onReady', 'preClose', 'onClose']) {
      assert.throws(() => app.addHook(name, async () => {}), (err) => err instanceof Error && err.code === 'FST_ERR_INSTANCE_ALREADY_LISTENING', name)
    }
  })

  test('a bad hook is rejected at once, even for hooks whose insertion is queued', () => {
    const app = weft()
    app.register(async function plugin () {})
    assert.throws(() => app.addHook('onRequest', 'not a function'), { code: 'FST_ERR_HOOK_INVALID_HANDLER' })
    assert.throws(() => app.addHook('onSend', async (request, reply, payload, done) => {}), { code: 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER' })
  })
})

describe('hook timeout', () => {
  for (const style of STYLES) {
    test(`an onReady hook that never finishes fails ready() with FST_ERR_HOOK_TIMEOUT naming the hook, after pluginTimeout (${style})`, async (t) => {
      keepProcessBusy(t)
      const app = weft({ pluginTimeout: 50 })
      assert.equal(app.pluginTimeout, 50)
      let later = false
      app.addHook('onReady', stuckHook(style, 'onReady'))
      app.addHook('onReady', async () => { later = true })
      await assert.rejects(app.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_HOOK_TIMEOUT')
        assert.ok(err instanceof app.errorCodes.FST_ERR_HOOK_TIMEOUT)
        assert.match(err.message, /onReady/)
        assert.equal(err.cause?.code, 'AVV_ERR_READY_TIMEOUT')
        return true
      })
      assert.equal(later, false)
    })
  }

  test('an onReady hook that never finishes fails ready() even in a process that has nothing else to do', () => {
    const { result, status } = runAlone(`
      import weft from 'weft'
      const app = weft({ pluginTimeout: 50 })
      app.addHook('onReady', function stuck (done) {})
      app.ready().then(() => console.log('{"resolved":true}'), (err) => console.log(JSON.stringify({ code: err.code, message: err.message })))
    `)
    assert.equal(result?.code, 'FST_ERR_HOOK_TIMEOUT', `exit status ${status}, printed ${JSON.stringify(result)}`)
    assert.match(result.message, /onReady/)
  })
})
