// The live page fed data JSON cannot carry, over real sockets: an app whose errors have a BigInt, an
// object with a cycle or nothing as their message, and a source of one's own handing over such values.
// The process must live on, the page's snapshots must load and its stream must go on (saying what it missed).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { observe } from 'weft/observe'
import { TestSource, makeActivity, openStream, registerActivityPage, until } from './fixtures.js'


/** The frames of a stream's text: [{ event, data }]. */
function frames (text) {
  return text.split('\n\n').filter((f) => f.includes('event: ')).map((f) => ({
    event: /^event: (.*)$/m.exec(f)[1],
    data: JSON.parse(/^data: (.*)$/m.exec(f)[1])
  }))
}

const quiet = (app) => { app.log.level = 'silent' }

describe('the page fed values JSON cannot carry', () => {
  test('errors whose message is a BigInt, an object with a cycle or a null-prototype object: the app lives, the page shows them as text', async (t) => {
    const uncaught = []
    const onUncaught = (err) => { uncaught.push(err) }
    process.on('uncaughtException', onUncaught)
    t.after(() => process.off('uncaughtException', onUncaught))
    const app = weft()
    await app.register(observe, { page: { token: 'data-test-token-0123456789', flushMs: 20 } })
    const cycle = {}
    cycle.self = cycle
    const thrown = {
      '/bigint': () => { const e = new Error('x'); e.message = 10n; return e },
      '/cycle': () => { const e = new Error('x'); e.message = cycle; return e },
      '/bare': () => Object.create(null)
    }
    for (const [path, make] of Object.entries(thrown)) app.get(path, async () => { throw make() })
    t.after(() => app.close())
    quiet(app)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${app.server.address().port}`
    const headers = { authorization: 'Bearer data-test-token-0123456789' }
    const stream = await openStream(base, headers)
    t.after(() => stream.req.destroy())
    for (const path of Object.keys(thrown)) assert.equal((await fetch(base + path)).status, 500, path)
    await until(() => frames(stream.text()).filter((f) => f.event === 'activity').length === 3, 'three activities on the stream')
    const streamed = frames(stream.text()).filter((f) => f.event === 'activity').map((f) => [f.data.url, f.data.error])
    const expected = [['/bigint', '10'], ['/cycle', '[object Object]'], ['/bare', '(an error that has no text)']]
    assert.deepEqual(streamed, expected, 'each error message as text')
    const recent = await fetch(base + '/_weft/api/recent.json', { headers })
    assert.equal(recent.status, 200)
    assert.equal(recent.headers.get('x-content-type-options'), 'nosniff')
    assert.deepEqual((await recent.json()).map((a) => [a.url, a.error]).reverse(), expected)
    assert.deepEqual(uncaught, [], 'nothing was thrown into the process')
  })

  test('a source handing over an activity JSON cannot carry: left out of the snapshot, missed and said so on the stream, the next one arrives', async (t) => {
    const uncaught = []
    const onUncaught = (err) => { uncaught.push(err) }
    process.on('uncaughtException', onUncaught)
    t.after(() => process.off('uncaughtException', onUncaught))
    const source = new TestSource()
    const app = weft()
    registerActivityPage(app, source, { token: 'data-test-token-0123456789', flushMs: 20 })
    t.after(() => app.close())
    quiet(app)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${app.server.address().port}`
    const headers = { authorization: 'Bearer data-test-token-0123456789' }
    const stream = await openStream(base, headers)
    t.after(() => stream.req.destroy())
    const good = makeActivity()
    const bad = { ...makeActivity(), wallMs: 12n }
    const cyclic = makeActivity()
    cyclic.spans[0].attributes.self = cyclic
    const throwing = { ...makeActivity(), toJSON () { throw new Error('no') } }
    source.push(good)
    source.push(bad)
    source.push(cyclic)
    source.push(throwing)
    await until(() => frames(stream.text()).some((f) => f.event === 'dropped'), 'the dropped frame')
    const after = makeActivity()
    source.push(after)
    await until(() => frames(stream.text()).filter((f) => f.event === 'activity').length === 2, 'the next activity')
    const got = frames(stream.text())
    assert.deepEqual(got.map((f) => f.event === 'activity' ? f.data.id : `dropped ${f.data.count}`), ['dropped 3', good.id, after.id])
    const recent = await fetch(base + '/_weft/api/recent.json', { headers })
    assert.equal(recent.status, 200)
    assert.deepEqual((await recent.json()).map((a) => a.id), [after.id, good.id])
    source.startupView = { plugins: [], hooks: [], tree: { name: 10n } }
    const startup = await fetch(base + '/_weft/api/startup.json', { headers })
    assert.equal(startup.status, 200)
    assert.equal(await startup.text(), 'null')
    assert.deepEqual(uncaught, [], 'nothing was thrown into the process')
  })
})
