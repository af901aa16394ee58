// keepSlowest: the K slowest requests of each route stay readable whole after the recent ring moved
// on, over real sockets through the API; the memory they hold is bounded and shown in sizes().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import weft from 'weft'
import { observe } from 'weft/observe'

const TOKEN = 'sampling-test-token-12345'

test('keepSlowest: 2 keeps the two slowest of each route whole once the recent ring has moved on', async (t) => {
  const app = weft()
  await app.register(observe, { detail: 'resources', recent: 2, keepSlowest: 2, page: { token: TOKEN } })
  app.get('/w/:ms', async (request) => { await new Promise((resolve) => setTimeout(resolve, Number(request.params.ms))); return 'w' })
  app.get('/other', async () => 'o')
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${app.server.address().port}`
  // two slow ones (300 and 200 ms of timer), then five with none: the ring keeps only the last two
  const delays = [300, 0, 200, 0, 0, 0, 0, 0]
  for (const ms of delays) assert.equal(await (await fetch(`${origin}/w/${ms}`)).text(), 'w')
  for (let i = 0; i < 3; i++) await (await fetch(`${origin}/other`)).text()
  for (let w = 0; w < 500 && app.observe.routes().reduce((n, r) => n + r.count, 0) < delays.length + 3; w++) await new Promise((resolve) => setTimeout(resolve, 10))

  const kept = app.observe.slowestActivity()
  const slowW = kept.filter((a) => a.route === '/w/:ms')
  assert.deepEqual(slowW.map((a) => a.url), ['/w/300', '/w/200'])
  assert.equal(kept.filter((a) => a.route === '/other').length, 2)
  assert.ok(slowW[0].wallMs >= 290 && slowW[1].wallMs >= 190, 'each took at least its timer')
  // kept whole: the timer that made it slow is its operation, at the level it was recorded at
  assert.equal(slowW[0].detail, 'resources')
  assert.equal(slowW[0].operations.filter((o) => o.kind === 'timer').reduce((n, o) => n + o.count, 0), 1)
  assert.deepEqual(app.observe.sizes().slowest, { size: 4, cap: 2 * 500 })
  assert.equal(app.observe.sizes().recent.size, 2)

  // the API lists them (the ring alone no longer holds them) and serves each by id
  const headers = { authorization: `Bearer ${TOKEN}` }
  const list = await (await fetch(`${origin}/_weft/api/v1/requests?route=/w/:ms&sort=slowest&limit=2`, { headers })).json()
  assert.deepEqual(list.requests.map((r) => r.url), ['/w/300', '/w/200'])
  const one = await fetch(`${origin}/_weft/api/v1/requests/${encodeURIComponent(slowW[0].id)}`, { headers })
  assert.equal(one.status, 200)
  assert.equal((await one.json()).url, '/w/300')
})

test('keepSlowest is off by default and refuses what is not a whole number', async () => {
  const app = weft()
  await app.register(observe, {})
  await app.ready()
  assert.deepEqual(app.observe.sizes().slowest, { size: 0, cap: 0 })
  assert.deepEqual(app.observe.slowestActivity(), [])
  await app.close()
  const bad = weft()
  await assert.rejects(bad.register(observe, { keepSlowest: 1.5 }).ready(), (err) => err.code === 'WEFT_ERR_OBSERVE_OPTION' && err.message.includes('keepSlowest'))
})

test('api/v1/compare: b against the baseline a, operation by operation, as the page asks for it', async (t) => {
  const app = weft()
  await app.register(observe, { detail: 'resources', page: { token: TOKEN } })
  // n timers: 1 then 3, so the second adds two timer runs to the same operation
  app.get('/t/:n', async (request) => {
    for (let i = 0; i < Number(request.params.n); i++) await new Promise((resolve) => setTimeout(resolve, 1))
    return 't'
  })
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${app.server.address().port}`
  await (await fetch(`${origin}/t/1`)).text()
  await (await fetch(`${origin}/t/3`)).text()
  for (let w = 0; w < 500 && app.observe.recentActivity().length < 2; w++) await new Promise((resolve) => setTimeout(resolve, 10))
  const [b, a] = app.observe.recentActivity()
  const headers = { authorization: `Bearer ${TOKEN}` }
  const res = await fetch(`${origin}/_weft/api/v1/compare?a=${encodeURIComponent(a.id)}&b=${encodeURIComponent(b.id)}`, { headers })
  assert.equal(res.status, 200)
  const { comparison, text } = await res.json()
  assert.deepEqual([comparison.a.url, comparison.b.url], ['/t/1', '/t/3'])
  const timers = [...comparison.operations.same, ...comparison.operations.slower, ...comparison.operations.faster].filter((o) => o.operation.startsWith('timer '))
  assert.deepEqual([timers.reduce((n, o) => n + o.countA, 0), timers.reduce((n, o) => n + o.countB, 0)], [1, 3])
  assert.match(text, /deltas are the second minus the first/)
  const missing = await fetch(`${origin}/_weft/api/v1/compare?a=nope&b=${encodeURIComponent(b.id)}`, { headers })
  assert.equal(missing.status, 404)
  assert.equal((await missing.json()).parameter, 'a')
})
