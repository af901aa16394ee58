// app.startupTimeline(): each plugin's load time (nested), each application hook's duration,
// onRoute calls, and the times to ready and to listening; printed at debug level once ready.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import fp from 'fastify-plugin'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('app.startupTimeline()', () => {
  test('plugins are listed in load order with their depth; a parent\'s time includes its children\'s', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.register(async function outer (instance) {
      await sleep(20)
      instance.register(async function inner () { await sleep(30) })
    })
    app.register(fp(async function shared () {}, { name: 'shared' }))
    await app.ready()
    const { plugins, readyMs } = app.startupTimeline()
    assert.deepEqual(plugins.map((p) => [p.name, p.depth]), [['outer', 1], ['inner', 2], ['shared', 1]])
    const [outer, inner] = plugins
    assert.ok(inner.wallMs >= 29, `inner took ${inner.wallMs} ms`)
    assert.ok(outer.wallMs >= 20 + inner.wallMs - 1, `outer (${outer.wallMs} ms) includes inner (${inner.wallMs} ms)`)
    assert.ok(inner.startMs >= outer.startMs + 19)
    assert.ok(readyMs >= outer.startMs + outer.wallMs)
  })

  test('application hooks are timed by name; onRoute is counted', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.addHook('onRoute', function countRoutes () {})
    app.addHook('onRegister', function seeRegister () {})
    app.addHook('onReady', async function warmCache () { await sleep(15) })
    app.addHook('onListen', function announce (done) { done() })
    app.get('/a', async () => 'a')
    app.register(async (child) => { child.get('/b', async () => 'b') })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const view = app.startupTimeline()
    // two GET routes and their automatic HEAD routes
    assert.equal(view.onRoute.calls, 4)
    const byName = Object.fromEntries(view.hooks.map((h) => [h.hook + ' ' + h.name, h]))
    assert.ok(byName['onReady warmCache'].wallMs >= 14)
    assert.ok(byName['onRegister seeRegister'])
    assert.ok(byName['onListen announce'])
    assert.ok(view.listenMs >= view.readyMs)
  })

  test('the timeline is not logged, even at trace (Fastify logs nothing at ready): startupTimeline() has it', async (t) => {
    const lines = []
    const app = weft({ logger: { level: 'trace', stream: { write (line) { lines.push(JSON.parse(line)) } } } })
    t.after(() => app.close())
    app.register(async function loadsData () {})
    await app.ready()
    assert.deepEqual(lines.map((l) => l.msg), [])
    assert.deepEqual(app.startupTimeline().plugins.map((p) => p.name), ['loadsData'])
  })
})
