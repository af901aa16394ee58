// Each `done` belongs to one hook call: a hook that calls it twice (or late) does not move another
// hook's chain on (issue 16.1). Over a real socket, on Fastify (the reference) and on Weft.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import weft from 'weft'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** debug lines of the app's logger, as objects */
function debugLines () {
  const lines = []
  return { lines, stream: { write (line) { const o = JSON.parse(line); if (o.level === 20) lines.push(o) } } }
}

for (const [name, factory] of [['fastify', Fastify], ['weft', weft]]) {
  test(`${name}: a second done() from an onRequest hook does not end a later preHandler's wait`, async (t) => {
    const log = debugLines()
    const app = factory({ logger: { level: 'debug', stream: log.stream } })
    t.after(() => app.close())
    let handlerRan = false
    let lateDone
    const lateCalled = new Promise((resolve) => { lateDone = resolve })
    app.addHook('onRequest', (req, reply, done) => {
      done()
      setTimeout(() => { done(); lateDone() }, 20)
    })
    app.addHook('preHandler', async (req, reply) => {
      await sleep(100)
      reply.code(401)
      throw new Error('not allowed')
    })
    app.get('/', async () => { handlerRan = true; return 'secret' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/`)
    assert.equal(res.status, 401)
    await res.text()
    await lateCalled
    assert.equal(handlerRan, false)
    if (name === 'weft') assert.ok(log.lines.some((l) => /done\(\) again or too late/.test(l.msg)), 'the ignored call is logged at debug')
  })

  test(`${name}: a callback preHandler calling done again later does not move on for the next preHandler`, async (t) => {
    const app = factory({ logger: false })
    t.after(() => app.close())
    const calls = { second: 0, handler: 0 }
    app.addHook('preHandler', (req, reply, done) => { done(); setTimeout(done, 10) })
    app.addHook('preHandler', (req, reply, done) => { calls.second++; setTimeout(done, 30) })
    app.get('/', async () => { calls.handler++; return 'ok' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/`)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'ok')
    await sleep(50)
    assert.deepEqual(calls, { second: 1, handler: 1 })
  })
}
