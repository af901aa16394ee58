// The rules LIFECYCLE.md ("Request/reply hooks") says all request hooks share: how a hook continues
// or fails the chain, replying early, `this`, route-level hooks and when hooks are bound.
// Each rule is checked in both hook styles (callback `done` and async) through inject().
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { deferred, newApp, within } from './helpers.js'

const styles = ['callback', 'async']

/** The hooks that sit in the chain of a successful request, in order. */
const chain = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend']
/** The hooks that run before the handler: the ones that can reply early. */
const beforeHandler = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
/** Hooks whose callback form has a value argument before `done`. */
const withValue = new Set(['preParsing', 'preSerialization', 'onSend', 'onError'])

/**
 * A hook for `name` in `style`. `fn(req, reply, value)` does the work; callback style hands its
 * result to `done(null, result)` (or `done(err)` when it throws), async style returns it.
 */
function hook (name, style, fn) {
  if (style === 'async') {
    return withValue.has(name)
      ? async function (req, reply, value) { return fn.call(this, req, reply, value) }
      : async function (req, reply) { return fn.call(this, req, reply) }
  }
  const finish = (done, run) => {
    let result
    try { result = run() } catch (err) { done(err); return }
    done(null, result)
  }
  return withValue.has(name)
    ? function (req, reply, value, done) { finish(done, () => fn.call(this, req, reply, value)) }
    : function (req, reply, done) { finish(done, () => fn.call(this, req, reply)) }
}

/** A callback-style hook that hands `done` to `fn(req, reply, done)`, value argument included when the hook has one. */
function callbackHook (name, fn) {
  return withValue.has(name)
    ? function (req, reply, value, done) { return fn.call(this, req, reply, done, value) }
    : function (req, reply, done) { return fn.call(this, req, reply, done) }
}

/** An async-style hook running `fn(req, reply, value)`. */
function asyncHook (name, fn) {
  return withValue.has(name)
    ? async function (req, reply, value) { return fn.call(this, req, reply, value) }
    : async function (req, reply) { return fn.call(this, req, reply) }
}

/** A promise-style hook that is not an `async function`: a plain function returning a promise, without `done`. */
function promiseHook (name, fn) {
  return withValue.has(name)
    ? function (req, reply, value) { return fn.call(this, req, reply, value) }
    : function (req, reply) { return fn.call(this, req, reply) }
}




/**
 * An app whose POST / answers { ok: true }, with `failing` installed as hook `name` and a second
 * `name` hook recording that it ran. Returns the app and the list of what ran.
 */
function appWithFailingHook (t, name, failing) {
  const app = newApp(t)
  const ran = []
  app.addHook(name, failing)
  app.addHook(name, hook(name, 'callback', (req, reply) => { ran.push(`next ${name} at ${reply.statusCode}`) }))
  app.post('/', async () => { ran.push('handler'); return { ok: true } })
  return { app, ran }
}

/** The failure reaches the client as the standard error body; nothing after the failing hook ran on the success path. */
async function assertStopped (app, ran, name, status, message) {
  const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
  assert.equal(res.statusCode, status)
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  assert.equal(res.json().statusCode, status)
  assert.equal(res.json().message, message)
  assert.equal(ran.includes(`next ${name} at 200`), false, 'the next hook of the same name did not run')
  if (beforeHandler.includes(name)) assert.equal(ran.includes('handler'), false, 'the handler did not run')
}

/** onSend also runs for the error response: a failing onSend fails only the first (200) pass. */
const onlyFirstPass = (name, reply) => name !== 'onSend' || reply.statusCode === 200

describe('a hook continues the chain by calling done() or by resolving', () => {
  for (const name of chain) {
    test(`${name}: done() called later continues (callback)`, async (t) => {
      const app = newApp(t)
      const ran = []
      app.addHook(name, callbackHook(name, (req, reply, done) => { setTimeout(() => { ran.push(name); done() }, 5) }))
      app.post('/', async () => { ran.push('handler'); return { ok: true } })

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { ok: true })
      assert.deepEqual(ran, chain.indexOf(name) < 4 ? [name, 'handler'] : ['handler', name])
    })

    test(`${name}: resolving after an await continues (async)`, async (t) => {
      const app = newApp(t)
      const ran = []
      app.addHook(name, asyncHook(name, async () => { await new Promise((resolve) => setTimeout(resolve, 5)); ran.push(name) }))
      app.post('/', async () => { ran.push('handler'); return { ok: true } })

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { ok: true })
      assert.deepEqual(ran, chain.indexOf(name) < 4 ? [name, 'handler'] : ['handler', name])
    })
  }
})

describe('a failing hook stops the chain and sends the error', () => {
  for (const name of chain) {
    test(`${name}: a sync throw sends the error with its statusCode (callback)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, callbackHook(name, (req, reply, done) => {
        if (!onlyFirstPass(name, reply)) { done(); return }
        throw Object.assign(new Error(`${name} threw`), { statusCode: 418 })
      }))
      await assertStopped(app, ran, name, 418, `${name} threw`)
    })

    test(`${name}: done(err) sends the error with its statusCode (callback)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, callbackHook(name, (req, reply, done) => {
        if (!onlyFirstPass(name, reply)) { done(); return }
        done(Object.assign(new Error(`${name} failed`), { statusCode: 403 }))
      }))
      await assertStopped(app, ran, name, 403, `${name} failed`)
    })

    test(`${name}: done(err) without a statusCode answers 500 (callback)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, callbackHook(name, (req, reply, done) => {
        if (!onlyFirstPass(name, reply)) { done(); return }
        setImmediate(() => done(new Error(`${name} failed later`)))
      }))
      await assertStopped(app, ran, name, 500, `${name} failed later`)
    })

    test(`${name}: a rejection sends the error with its statusCode (async)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, asyncHook(name, async (req, reply) => {
        if (!onlyFirstPass(name, reply)) return
        throw Object.assign(new Error(`${name} rejected`), { statusCode: 401 })
      }))
      await assertStopped(app, ran, name, 401, `${name} rejected`)
    })

    test(`${name}: a rejection without a statusCode answers 500 (async)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, asyncHook(name, async (req, reply) => {
        if (!onlyFirstPass(name, reply)) return
        await null
        throw new Error(`${name} rejected`)
      }))
      await assertStopped(app, ran, name, 500, `${name} rejected`)
    })

    test(`${name}: a rejection with no value is still an error, 500 (async)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, asyncHook(name, async (req, reply) => {
        if (!onlyFirstPass(name, reply)) return
        throw undefined // eslint-disable-line no-throw-literal
      }))
      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 500)
      assert.equal(res.json().statusCode, 500)
      assert.equal(ran.includes(`next ${name} at 200`), false)
      if (beforeHandler.includes(name)) assert.equal(ran.includes('handler'), false)
    })

    test(`${name}: a plain function returning a rejected promise is an error too (promise style)`, async (t) => {
      const { app, ran } = appWithFailingHook(t, name, promiseHook(name, (req, reply) => {
        if (!onlyFirstPass(name, reply)) return Promise.resolve()
        return Promise.reject(Object.assign(new Error(`${name} rejected`), { statusCode: 409 }))
      }))
      await assertStopped(app, ran, name, 409, `${name} rejected`)
    })
  }

  for (const style of styles) {
    test(`the error goes through onError and the scope's error handler (${style})`, async (t) => {
      const app = newApp(t)
      const seen = []
      app.addHook('preHandler', hook('preHandler', style, () => { throw Object.assign(new Error('nope'), { statusCode: 400 }) }))
      app.addHook('onError', hook('onError', style, (req, reply, err) => { seen.push(`onError ${err.message}`) }))
      app.setErrorHandler((err, req, reply) => { seen.push('errorHandler'); reply.code(err.statusCode).send({ custom: err.message }) })
      app.get('/', async () => 'never')

      const res = await app.inject('/')
      assert.equal(res.statusCode, 400)
      assert.deepEqual(res.json(), { custom: 'nope' })
      assert.deepEqual(seen, ['onError nope', 'errorHandler'])
    })
  }
})

describe('replying early from a hook', () => {
  const stagesAfter = (name) => [...beforeHandler.slice(beforeHandler.indexOf(name) + 1), 'handler']

  for (const name of beforeHandler) {
    test(`${name}: reply.send() without calling done ends the chain; later stages are skipped, onSend runs (callback)`, async (t) => {
      const app = newApp(t)
      const ran = []
      for (const other of beforeHandler) {
        if (other !== name) app.addHook(other, hook(other, 'callback', () => { ran.push(other) }))
      }
      app.addHook(name, callbackHook(name, (req, reply) => { ran.push(name); reply.code(202).send({ early: name }) }))
      app.addHook(name, hook(name, 'callback', () => { ran.push(`second ${name}`) }))
      app.addHook('onSend', hook('onSend', 'callback', (req, reply, payload) => { ran.push(`onSend ${payload}`) }))
      app.post('/', async () => { ran.push('handler'); return 'handler' })

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 202)
      assert.deepEqual(res.json(), { early: name })
      assert.equal(ran.includes(`second ${name}`), false)
      for (const later of stagesAfter(name)) assert.equal(ran.includes(later), false, `${later} was skipped`)
      assert.equal(ran.at(-1), `onSend {"early":"${name}"}`)
    })

    test(`${name}: reply.send() then return reply ends the chain; later stages are skipped, onSend runs (async)`, async (t) => {
      const app = newApp(t)
      const ran = []
      for (const other of beforeHandler) {
        if (other !== name) app.addHook(other, hook(other, 'async', () => { ran.push(other) }))
      }
      app.addHook(name, asyncHook(name, async (req, reply) => { ran.push(name); reply.code(202).send({ early: name }); return reply }))
      app.addHook(name, hook(name, 'async', () => { ran.push(`second ${name}`) }))
      app.addHook('onSend', hook('onSend', 'async', (req, reply, payload) => { ran.push(`onSend ${payload}`) }))
      app.post('/', async () => { ran.push('handler'); return 'handler' })

      const res = await app.inject({ method: 'POST', url: '/', payload: { a: 1 } })
      assert.equal(res.statusCode, 202)
      assert.deepEqual(res.json(), { early: name })
      assert.equal(ran.includes(`second ${name}`), false)
      for (const later of stagesAfter(name)) assert.equal(ran.includes(later), false, `${later} was skipped`)
      assert.equal(ran.at(-1), `onSend {"early":"${name}"}`)
    })
  }

  for (const style of styles) {
    test(`onResponse still runs after an early reply (${style})`, async (t) => {
      const app = newApp(t)
      const responded = deferred()
      app.addHook('onRequest', style === 'callback'
        ? function (req, reply, done) { reply.send('early') }
        : async function (req, reply) { reply.send('early'); return reply })
      app.addHook('onResponse', hook('onResponse', style, (req, reply) => { responded.resolve(reply.statusCode) }))
      app.get('/', async () => 'handler')

      const res = await app.inject('/')
      assert.equal(res.body, 'early')
      assert.equal(await within(responded.promise, 'onResponse'), 200)
    })
  }

  for (const style of styles) {
    test(`an early reply with a slow onSend hook sends the hook's payload and logs no warning (${style})`, async (t) => {
      const lines = []
      const app = newApp(t, { logger: { level: 'warn', stream: { write: (l) => { lines.push(JSON.parse(l)) } } } })
      app.addHook('onSend', async (req, reply, payload) => { await new Promise((resolve) => setTimeout(resolve, 5)); return payload + '!' })
      app.addHook('preHandler', style === 'callback'
        ? function (req, reply, done) { reply.send('early') }
        : async function (req, reply) { reply.send('early'); return reply })
      app.get('/', async () => 'handler')

      const res = await app.inject('/')
      assert.equal(res.body, 'early!')
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(lines.map((l) => l.msg), [])
    })
  }

  for (const style of styles) {
    test(`an early reply sent later (after an await / a timer) still ends the chain (${style})`, async (t) => {
      const app = newApp(t)
      let handled = false
      app.addHook('preHandler', style === 'callback'
        ? function (req, reply, done) { setTimeout(() => reply.send('later'), 5) }
        : async function (req, reply) { await new Promise((resolve) => setTimeout(resolve, 5)); reply.send('later'); return reply })
      app.get('/', async () => { handled = true; return 'handler' })

      const res = await app.inject('/')
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, 'later')
      assert.equal(handled, false)
    })
  }
})

describe('`this` inside a request hook is the scope (instance) of the route', () => {
  const names = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onError']

  /** A plugin that decorates its instance and declares POST /ok and POST /fail; hooks record `this.where`. */
  function build (t, style, addHooksAt) {
    const app = newApp(t)
    const seen = {}
    const record = (name) => hook(name, style, function () { seen[name] = this.where })
    if (addHooksAt === 'root') for (const name of names) app.addHook(name, record(name))
    app.register(async (child) => {
      child.decorate('where', 'plugin')
      if (addHooksAt === 'plugin') for (const name of names) child.addHook(name, record(name))
      child.post('/ok', async () => ({ ok: true }))
      child.post('/fail', async () => { throw new Error('fail') })
    })
    return { app, seen }
  }

  for (const style of styles) {
    test(`hooks the plugin added see the plugin's decorators (${style})`, async (t) => {
      const { app, seen } = build(t, style, 'plugin')
      assert.equal((await app.inject({ method: 'POST', url: '/ok', payload: {} })).statusCode, 200)
      assert.equal((await app.inject({ method: 'POST', url: '/fail', payload: {} })).statusCode, 500)
      assert.deepEqual(seen, Object.fromEntries(names.map((n) => [n, 'plugin'])))
    })

    test(`hooks inherited from the root see the route's plugin, not the root (${style})`, async (t) => {
      const { app, seen } = build(t, style, 'root')
      assert.equal((await app.inject({ method: 'POST', url: '/ok', payload: {} })).statusCode, 200)
      assert.equal((await app.inject({ method: 'POST', url: '/fail', payload: {} })).statusCode, 500)
      assert.deepEqual(seen, Object.fromEntries(names.map((n) => [n, 'plugin'])))
    })

    test(`route-level hooks see the route's plugin (${style})`, async (t) => {
      const app = newApp(t)
      const seen = {}
      app.register(async (child) => {
        child.decorate('where', 'plugin')
        const opts = {}
        for (const name of names) opts[name] = hook(name, style, function () { seen[name] = this.where })
        child.post('/ok', opts, async () => ({ ok: true }))
        child.post('/fail', opts, async () => { throw new Error('fail') })
      })
      assert.equal((await app.inject({ method: 'POST', url: '/ok', payload: {} })).statusCode, 200)
      assert.equal((await app.inject({ method: 'POST', url: '/fail', payload: {} })).statusCode, 500)
      assert.deepEqual(seen, Object.fromEntries(names.map((n) => [n, 'plugin'])))
    })
  }
})

describe('route-level hooks', () => {
  const names = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onError']

  for (const style of styles) {
    for (const name of names) {
      test(`${name} as a function runs after the scope's ${name} hooks (${style})`, async (t) => {
        const app = newApp(t)
        const ran = []
        app.addHook(name, hook(name, style, () => { ran.push('scope 1') }))
        app.addHook(name, hook(name, style, () => { ran.push('scope 2') }))
        app.post('/', { [name]: hook(name, style, () => { ran.push('route') }) },
          async () => { if (name === 'onError') throw new Error('fail'); return { ok: true } })
        app.post('/other', async () => ({ other: true }))

        const res = await app.inject({ method: 'POST', url: '/', payload: {} })
        assert.equal(res.statusCode, name === 'onError' ? 500 : 200)
        assert.deepEqual(ran, ['scope 1', 'scope 2', 'route'])
        ran.length = 0
        await app.inject({ method: 'POST', url: '/other', payload: {} })
        assert.equal(ran.includes('route'), false, 'a route hook belongs to its route only')
      })

      test(`${name} as an array runs in order after the scope's hooks (${style})`, async (t) => {
        const app = newApp(t)
        const ran = []
        app.addHook(name, hook(name, style, () => { ran.push('scope') }))
        app.post('/', {
          [name]: [hook(name, style, () => { ran.push('route 1') }), hook(name, style, () => { ran.push('route 2') })]
        }, async () => { if (name === 'onError') throw new Error('fail'); return { ok: true } })

        await app.inject({ method: 'POST', url: '/', payload: {} })
        assert.deepEqual(ran, ['scope', 'route 1', 'route 2'])
      })
    }

    test(`onResponse as a route option runs after the scope's onResponse (${style})`, async (t) => {
      const app = newApp(t)
      const ran = []
      const done = deferred()
      app.addHook('onResponse', hook('onResponse', style, () => { ran.push('scope') }))
      app.get('/', { onResponse: [hook('onResponse', style, () => { ran.push('route'); done.resolve() })] }, async () => 'ok')

      await app.inject('/')
      await within(done.promise, 'onResponse')
      assert.deepEqual(ran, ['scope', 'route'])
    })

    test(`a route-level hook that is not a function, or mixes styles, is rejected (${style})`, async (t) => {
      const invalid = [
        [{ onRequest: 'nope' }, 'FST_ERR_HOOK_INVALID_HANDLER'],
        [{ preHandler: [hook('preHandler', style, () => {}), null] }, 'FST_ERR_HOOK_INVALID_HANDLER'],
        [{ onRequest: [async (req, reply, done) => { done() }] }, 'FST_ERR_HOOK_INVALID_ASYNC_HANDLER']
      ]
      for (const [opts, code] of invalid) {
        const app = newApp(t)
        // rejected when the route is declared, or at the latest when the app becomes ready
        await assert.rejects(async () => { app.get('/', opts, async () => 'x'); await app.ready() }, { code })
      }
    })

    test(`a failing route-level hook stops the chain like a scope hook (${style})`, async (t) => {
      const app = newApp(t)
      let handled = false
      app.get('/', { preHandler: hook('preHandler', style, () => { throw Object.assign(new Error('denied'), { statusCode: 403 }) }) },
        async () => { handled = true; return 'ok' })

      const res = await app.inject('/')
      assert.equal(res.statusCode, 403)
      assert.equal(res.json().message, 'denied')
      assert.equal(handled, false)
    })

    test(`route-level hooks of a plugin route run after the parent's and the plugin's hooks (${style})`, async (t) => {
      const app = newApp(t)
      const ran = []
      app.addHook('onRequest', hook('onRequest', style, () => { ran.push('root') }))
      app.register(async (child) => {
        child.addHook('onRequest', hook('onRequest', style, () => { ran.push('plugin') }))
        child.get('/', { onRequest: hook('onRequest', style, () => { ran.push('route') }) }, async () => 'ok')
      }, { prefix: '/p' })

      assert.equal((await app.inject('/p')).statusCode, 200)
      assert.deepEqual(ran, ['root', 'plugin', 'route'])
    })
  }
})

describe('hooks are bound when the app becomes ready', () => {
  for (const style of styles) {
    test(`a scope hook added after the route was declared still applies to it (${style})`, async (t) => {
      const app = newApp(t)
      const ran = []
      app.get('/', { onRequest: hook('onRequest', style, () => { ran.push('route') }) }, async () => 'ok')
      app.addHook('onRequest', hook('onRequest', style, () => { ran.push('scope, added later') }))
      app.addHook('preHandler', hook('preHandler', style, () => { ran.push('preHandler, added later') }))

      assert.equal((await app.inject('/')).statusCode, 200)
      assert.deepEqual(ran, ['scope, added later', 'route', 'preHandler, added later'])
    })

    test(`a root hook added after a plugin was loaded applies to the plugin's routes: root A, child B, root C run A, B, C (${style})`, async (t) => {
      const app = newApp(t)
      const ran = []
      app.addHook('onRequest', hook('onRequest', style, () => { ran.push('A') }))
      await app.register(async (child) => {
        child.addHook('onRequest', hook('onRequest', style, () => { ran.push('B') }))
        child.get('/child', async () => 'ok')
      })
      app.addHook('onRequest', hook('onRequest', style, () => { ran.push('C') }))
      app.get('/root', async () => 'ok')

      assert.equal((await app.inject('/child')).statusCode, 200)
      assert.deepEqual(ran, ['A', 'B', 'C'])
      ran.length = 0
      assert.equal((await app.inject('/root')).statusCode, 200)
      assert.deepEqual(ran, ['A', 'C'], 'the plugin\'s hook stays in the plugin')
    })
  }

  for (const style of styles) {
    test(`hooks a plugin's onRoute pushes into routeOptions.onRequest run (${style})`, async (t) => {
      const app = newApp(t)
      const ran = []
      const added = (label) => hook('onRequest', style, (req) => { ran.push(`${label} ${req.url}`) })
      function addOnRequest (routeOptions) {
        const fn = added('onRoute')
        if (routeOptions.onRequest === undefined) routeOptions.onRequest = [fn]
        else if (Array.isArray(routeOptions.onRequest)) routeOptions.onRequest.push(fn)
        else routeOptions.onRequest = [routeOptions.onRequest, fn]
      }
      const plugin = async (instance) => { instance.addHook('onRoute', addOnRequest) }
      plugin[Symbol.for('skip-override')] = true
      app.register(plugin)
      // POST routes: a GET route's automatic HEAD route goes through onRoute too and shares the options' arrays
      app.register(async (instance) => {
        instance.post('/none', async () => 'ok')
        instance.post('/fn', { onRequest: added('route') }, async () => 'ok')
        instance.post('/array', { onRequest: [added('route')] }, async () => 'ok')
      })

      for (const url of ['/none', '/fn', '/array']) assert.equal((await app.inject({ method: 'POST', url })).statusCode, 200, url)
      assert.deepEqual(ran, ['onRoute /none', 'route /fn', 'onRoute /fn', 'route /array', 'onRoute /array'])
    })
  }
})
