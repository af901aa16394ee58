// An async onRoute or onRegister hook that rejects (issue 16's fault matrix found the rejection
// escaping as an unhandledRejection, in Fastify too): Weft does not wait for it (the two hooks are
// synchronous) but logs it at error level, and the app boots and serves.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import weft from 'weft'

function logLines () {
  const lines = []
  return { lines, stream: { write (line) { lines.push(JSON.parse(line)) } } }
}

async function served (app) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(`http://127.0.0.1:${app.server.address().port}/`, { signal: AbortSignal.timeout(5000) })
  return { status: res.status, body: await res.text() }
}

function watchEscapes () {
  const escapes = []
  const record = (e) => { escapes.push(e) }
  process.on('unhandledRejection', record)
  return { escapes, stop: () => process.removeListener('unhandledRejection', record) }
}

describe('an async onRoute or onRegister hook that rejects', () => {
  for (const [hook, install] of [
    ['onRoute', (app, fn) => { app.addHook('onRoute', fn) }],
    ['onRegister', (app, fn) => { app.addHook('onRegister', fn); app.register(async function child () {}) }]
  ]) {
    test(`${hook}: each rejection is logged once at error level, none escapes, the app serves`, async () => {
      const { lines, stream } = logLines()
      const app = weft({ logger: { level: 'error', stream } })
      const watch = watchEscapes()
      let calls = 0
      try {
        install(app, async function faulty () { calls++; throw new Error(`${hook} failed on purpose`) })
        app.get('/', () => ({ ok: true }))
        const answer = await served(app)
        await new Promise((resolve) => setImmediate(resolve))
        assert.deepEqual(answer, { status: 200, body: '{"ok":true}' })
        assert.deepEqual(watch.escapes, [])
        const logged = lines.filter((l) => l.msg === `${hook} hook failed`)
        assert.ok(calls > 0)
        assert.equal(logged.length, calls, 'one line per rejected call')
        for (const l of logged) {
          assert.equal(l.level, 50)
          assert.equal(l.err.message, `${hook} failed on purpose`)
        }
      } finally {
        watch.stop()
        await app.close()
      }
    })
  }

  test('a rejection without a reason is logged too', async () => {
    const { lines, stream } = logLines()
    const app = weft({ logger: { level: 'error', stream } })
    const watch = watchEscapes()
    try {
      app.addHook('onRoute', async () => { throw undefined }) // eslint-disable-line no-throw-literal
      app.get('/', () => ({ ok: true }))
      assert.equal((await served(app)).status, 200)
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(watch.escapes, [])
      // GET / and its automatic HEAD route: two onRoute calls
      assert.equal(lines.filter((l) => l.msg === 'onRoute hook failed').length, 2)
    } finally {
      watch.stop()
      await app.close()
    }
  })
})
