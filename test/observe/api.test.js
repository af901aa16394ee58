// weft/observe's JSON API (api/v1) over real sockets: each resource answers what the requests made
// before it did, by construction, and every answer validates against the JSON Schema the API serves.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { Ajv } from 'ajv'
import weft from 'weft'
import { observe } from 'weft/observe'

const RESOURCES = ['requests', 'request', 'routes', 'process', 'startup', 'event', 'error']

function get (url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) }))
    }).on('error', reject)
  })
}

async function waitFor (what, check) {
  for (let i = 0; i < 500; i++) {
    const value = await check()
    if (value) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('timed out waiting for ' + what)
}

describe('the JSON API, version 1', () => {
  let app, origin, api, auth, validate
  // made below, in this order: 3 × GET /a, 1 × POST /login, 2 × GET /nowhere (404), 1 × GET /fail (500), 1 × GET /slow
  const made = []

  before(async () => {
    app = weft()
    await app.register(observe, { detail: 'resources', page: true })
    app.get('/a', async () => 'a')
    app.post('/login', async () => ({ ok: true }))
    app.get('/fail', async () => { throw new Error('down') })
    app.get('/slow', async () => { await new Promise((resolve) => setTimeout(resolve, 120)); return 'slow' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const page = new URL(app.observe.page.url())
    origin = page.origin
    api = `${page.origin}${page.pathname}/api/v1/`
    auth = { authorization: 'Bearer ' + app.observe.page.token }
    const call = async (method, path) => {
      const res = await fetch(origin + path, { method })
      await res.text()
      made.push({ method, path, status: res.status })
    }
    for (let i = 0; i < 3; i++) await call('GET', '/a')
    await call('POST', '/login')
    await call('GET', '/nowhere')
    await call('GET', '/nowhere')
    await call('GET', '/fail')
    await call('GET', '/slow')
    await waitFor('8 activities', () => app.observe.recentActivity().length === made.length)
    // the schemas as the API serves them
    const ajv = new Ajv({ allErrors: true })
    validate = {}
    for (const name of RESOURCES) {
      const res = await get(`${api}schema/${name}.json`, auth)
      assert.equal(res.status, 200, name)
      assert.match(res.headers['content-type'], /^application\/schema\+json/)
      validate[name] = ajv.compile(res.json())
    }
  })
  after(() => app.close())

  /** GETs an API resource with the token; asserts the status and that the body matches its schema. */
  async function resource (path, schema, status = 200) {
    const res = await get(api + path, auth)
    assert.equal(res.status, status, `${path}: ${res.body}`)
    assert.match(res.headers['content-type'], /^application\/json/)
    assert.equal(res.headers['weft-api-version'], '1')
    const body = res.json()
    assert.ok(validate[schema](body), `${path} against ${schema}.json: ${JSON.stringify(validate[schema].errors)}`)
    return body
  }

  test('requests lists every stored request, newest finished first, as summaries', async () => {
    const list = await resource('requests', 'requests')
    assert.equal(list.stored, made.length)
    assert.equal(list.matched, made.length)
    assert.equal(list.sort, 'recent')
    assert.deepEqual(list.requests.map((r) => `${r.method} ${r.url} ${r.statusCode}`), made.map((m) => `${m.method} ${m.path} ${m.status}`).reverse())
    const whole = app.observe.recentActivity()
    for (const [i, s] of list.requests.entries()) {
      assert.equal(s.id, whole[i].id)
      assert.equal(s.wallMs, whole[i].wallMs)
      assert.equal(s.operationCount, whole[i].operations.reduce((n, op) => n + op.count, 0))
      assert.equal(s.leakCount, whole[i].leaks.length)
    }
  })

  test('filters by route, status class or code, and minimum duration', async () => {
    const a = await resource('requests?route=' + encodeURIComponent('GET /a'), 'requests')
    assert.equal(a.matched, 3)
    assert.ok(a.requests.every((r) => r.method === 'GET' && r.route === '/a'))
    assert.equal((await resource('requests?route=/login', 'requests')).matched, 1)
    assert.equal((await resource('requests?route=' + encodeURIComponent('GET /login'), 'requests')).matched, 0)
    const none = await resource('requests?route=' + encodeURIComponent('(no route)'), 'requests')
    assert.deepEqual(none.requests.map((r) => r.url), ['/nowhere', '/nowhere'])
    assert.equal((await resource('requests?status=4xx', 'requests')).matched, 2)
    assert.equal((await resource('requests?status=5xx', 'requests')).requests[0].error, 'down')
    assert.equal((await resource('requests?status=404', 'requests')).matched, 2)
    assert.equal((await resource('requests?status=2xx', 'requests')).matched, 5)
    // ground truth from the store itself: the requests at or above the bound, whatever the machine's speed
    const all = app.observe.recentActivity()
    const bound = all.find((x) => x.url === '/slow').wallMs
    const slow = await resource(`requests?minMs=${bound}`, 'requests')
    assert.equal(slow.matched, all.filter((x) => x.wallMs >= bound).length)
    assert.ok(slow.requests.some((r) => r.url === '/slow'))
    assert.ok(slow.requests.every((r) => r.wallMs >= bound))
    const both = await resource(`requests?route=${encodeURIComponent('GET /a')}&status=2xx&minMs=0`, 'requests')
    assert.equal(both.matched, 3)
  })

  test('sort=slowest puts the slowest first; limit caps the list, not matched', async () => {
    const all = app.observe.recentActivity()
    const bySpeed = [...all].sort((x, y) => y.wallMs - x.wallMs)
    const list = await resource('requests?sort=slowest&limit=3', 'requests')
    assert.equal(list.sort, 'slowest')
    assert.equal(list.matched, made.length)
    assert.deepEqual(list.requests.map((r) => r.wallMs), bySpeed.slice(0, 3).map((x) => x.wallMs))
    assert.deepEqual(list.requests.map((r) => r.id), bySpeed.slice(0, 3).map((x) => x.id))
    // the slow route waits 120 ms on a timer (a cold first request on a loaded machine may take longer)
    assert.ok(all.find((x) => x.url === '/slow').wallMs >= 115)
    const two = await resource('requests?limit=2', 'requests')
    assert.equal(two.requests.length, 2)
    assert.equal(two.matched, made.length)
  })

  test('requests/:id answers the whole activity; an unknown id is a JSON 404', async () => {
    const login = app.observe.recentActivity().find((x) => x.url === '/login')
    const one = await resource('requests/' + encodeURIComponent(login.id), 'request')
    assert.deepEqual(one, JSON.parse(JSON.stringify(login)))
    assert.ok(one.phases.some((p) => p.name === 'handler'))
    const missing = await resource('requests/no-such-request', 'error', 404)
    assert.match(missing.message, /no stored request has id "no-such-request"/)
  })

  test('a wrong filter is a 400 naming its parameter', async () => {
    for (const [query, parameter] of [['status=9xx', 'status'], ['status=ok', 'status'], ['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=2.5', 'limit'],
      ['minMs=-1', 'minMs'], ['minMs=fast', 'minMs'], ['sort=fastest', 'sort'], ['route=users', 'route'], ['colour=red', 'colour'], ['status=2xx&status=5xx', 'status']]) {
      const body = await resource('requests?' + query, 'error', 400)
      assert.equal(body.parameter, parameter, query)
      assert.match(body.message, new RegExp(parameter), query)
    }
  })

  test('routes, process and startup answer what the app did', async () => {
    const { routes } = await resource('routes', 'routes')
    const count = (m, r) => routes.find((x) => x.method === m && x.route === r)?.count
    assert.equal(count('GET', '/a'), 3)
    assert.equal(count('POST', '/login'), 1)
    assert.equal(count('GET', '/fail'), 1)
    assert.equal(routes.find((x) => x.route === '/fail').errors, 1)
    const { startup } = await resource('startup', 'startup')
    assert.ok(startup.tree.routes.includes('GET /a'))
    assert.ok(startup.plugins.some((p) => p.name === 'weft-observe'))
    // the sampler takes one a second while the page is on
    const samples = await waitFor('a process sample', async () => {
      const { samples } = await resource('process', 'process')
      return samples.length > 0 && samples
    })
    assert.ok(samples[0].rssBytes > 0)
  })

  test('events streams a summary of each new request, in order', async () => {
    const frames = []
    let opened
    const openedP = new Promise((resolve) => { opened = resolve })
    const req = http.get(api + 'events', { headers: auth }, (res) => {
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
      opened()
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        buffer += chunk
        let end
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(frame)?.[1]
          const data = /^data: (.*)$/m.exec(frame)?.[1]
          if (event !== undefined) frames.push({ event, data: JSON.parse(data) })
        }
      })
    })
    await openedP
    for (const path of ['/a', '/slow', '/a']) await (await fetch(origin + path)).text()
    await waitFor('3 request events', () => frames.length >= 3)
    req.destroy()
    assert.deepEqual(frames.map((f) => `${f.event} ${f.data.url}`), ['request /a', 'request /slow', 'request /a'])
    for (const f of frames) assert.ok(validate.event(f.data), JSON.stringify(validate.event.errors))
    const stored = app.observe.recentActivity().slice(0, 3).reverse()
    assert.deepEqual(frames.map((f) => f.data.id), stored.map((x) => x.id))
  })

  test("the page's guard: no token is 403; the token as Bearer, ?token= or the cookie gets in; a proxy header does not", async () => {
    const refused = await get(api + 'requests')
    assert.equal(refused.status, 403)
    assert.match(refused.json().message, /token/)
    assert.equal((await get(api + 'routes?token=' + encodeURIComponent(app.observe.page.token))).status, 200)
    const withQuery = await get(api + 'requests?token=' + encodeURIComponent(app.observe.page.token))
    assert.equal(withQuery.status, 200, 'token is no filter parameter')
    const cookie = withQuery.headers['set-cookie'][0].split(';')[0]
    assert.equal((await get(api + 'startup', { cookie })).status, 200)
    assert.equal((await get(api + 'requests', { ...auth, 'x-forwarded-for': '203.0.113.9' })).status, 403)
    assert.equal((await get(api + 'schema/requests.json')).status, 403)
    assert.equal((await get(api + 'events')).status, 403)
  })

  test('an unknown resource or schema is a JSON 404 listing what exists', async () => {
    assert.match((await resource('request', 'error', 404)).message, /requests, requests\/:id, routes/)
    assert.match((await resource('schema/nope.json', 'error', 404)).message, /requests\.json/)
    assert.equal((await resource('schema/__proto__.json', 'error', 404)).statusCode, 404)
  })

  test("the API's own requests are not recorded", async () => {
    const before = app.observe.recentActivity().length
    for (let i = 0; i < 5; i++) await resource('routes', 'routes')
    await (await fetch(origin + '/a')).text()
    await waitFor('the /a activity', () => app.observe.recentActivity().length === before + 1)
    assert.equal(app.observe.recentActivity()[0].url, '/a')
  })
})

describe('the stored requests the API reads', () => {
  test('the recent option keeps 10 000 requests, and the API finds the oldest by id', async () => {
    const app = weft()
    await app.register(observe, { recent: 10_000, page: { token: 'a-test-token-of-16+' } })
    app.get('/n/:i', async () => 'n')
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
      const port = app.server.address().port
      let next = 0
      const total = 10_050
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < total) {
          const i = next++
          await new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/n/' + i, agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject))
        }
      }))
      agent.destroy()
      await waitFor('10 000 stored', () => app.observe.routes()[0]?.count === total)
      const headers = { authorization: 'Bearer a-test-token-of-16+' }
      const list = (await get(`http://127.0.0.1:${port}/_weft/api/v1/requests?limit=1000&sort=slowest`, headers)).json()
      assert.equal(list.stored, 10_000)
      assert.equal(list.requests.length, 1000)
      const oldest = app.observe.recentActivity().at(-1)
      const one = await get(`http://127.0.0.1:${port}/_weft/api/v1/requests/${oldest.id}`, headers)
      assert.equal(one.status, 200)
      assert.equal(one.json().url, oldest.url)
    } finally {
      await app.close()
    }
  })
})

describe('the API event stream is bounded as the page\'s is', () => {
  test('beyond maxStreams a new stream gets a JSON 503 naming the option; closing one makes room', async () => {
    const app = weft()
    await app.register(observe, { page: { maxStreams: 1 } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const page = new URL(app.observe.page.url())
      const events = `${page.origin}${page.pathname}/api/v1/events`
      const headers = { authorization: 'Bearer ' + app.observe.page.token }
      const first = await new Promise((resolve, reject) => http.get(events, { headers }, resolve).on('error', reject))
      assert.equal(first.statusCode, 200)
      const second = await get(events, headers)
      assert.equal(second.status, 503)
      assert.equal(second.headers['weft-api-version'], '1')
      assert.match(second.json().message, /already has 1 open event streams \(the page's maxStreams option\)/)
      first.destroy()
      await waitFor('room for a stream', async () => {
        const again = await new Promise((resolve, reject) => http.get(events, { headers }, resolve).on('error', reject))
        again.destroy()
        return again.statusCode === 200
      })
    } finally {
      await app.close()
    }
  })
})

describe('the API with a source of its own', () => {
  test('an activity the API cannot summarize is told to stream clients as dropped, and the app keeps serving', async () => {
    const { registerActivityPage } = await import('weft/observe')
    const listeners = new Set()
    const source = {
      recent: () => [],
      routes: () => [],
      processSamples: () => [],
      startup: () => null,
      subscribe (l) { listeners.add(l); return () => listeners.delete(l) }
    }
    const app = weft()
    const access = registerActivityPage(app, source, { token: 'a-test-token-of-16+', flushMs: 10 })
    app.get('/ok', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const url = new URL(access.url())
      let text = ''
      const res = await new Promise((resolve, reject) => http.get(`${url.origin}/_weft/api/v1/events`, { headers: { authorization: 'Bearer a-test-token-of-16+' } }, resolve).on('error', reject))
      res.setEncoding('utf8').on('data', (c) => { text += c })
      await waitFor('the stream to be subscribed', () => listeners.size > 0)
      for (const l of listeners) l({ type: 'activity', activity: { id: 'broken' } }) // no operations, leaks, logs
      await waitFor('the dropped event', () => text.includes('event: dropped'))
      assert.match(text, /event: dropped\ndata: \{"count":1\}/)
      assert.equal(await (await fetch(url.origin + '/ok')).text(), 'ok')
      res.destroy()
    } finally {
      await app.close()
    }
  })
})

test('requests/:id finds a client-chosen id however long, with a slash, and tells repeated ids apart by startedAt', async () => {
  const app = weft({ requestIdHeader: 'x-request-id' })
  await app.register(observe, { detail: 'timing', page: true })
  app.get('/r/:n', async (request) => ({ n: request.params.n }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    const page = new URL(app.observe.page.url())
    const api = `${page.origin}${page.pathname}/api/v1/`
    const auth = { authorization: 'Bearer ' + app.observe.page.token }
    const long = 'a/' + 'x'.repeat(300) // past find-my-way's default maxParamLength (100), and a slash
    for (const [id, n] of [[long, 1], ['same', 2], ['same', 3]]) {
      const res = await fetch(`${page.origin}/r/${n}`, { headers: { 'x-request-id': id } })
      await res.text()
    }
    await waitFor('3 activities', () => app.observe.recentActivity().length === 3)
    const one = await get(api + 'requests/' + encodeURIComponent(long), auth)
    assert.equal(one.status, 200, one.body)
    assert.equal(one.json().url, '/r/1')
    const both = app.observe.recentActivity().filter((a) => a.id === 'same')
    assert.equal(both.length, 2)
    for (const a of both) {
      const res = await get(`${api}requests/same?startedAt=${a.startedAt}`, auth)
      assert.equal(res.status, 200, res.body)
      assert.equal(res.json().url, a.url)
    }
    const latest = await get(api + 'requests/same', auth)
    assert.equal(latest.json().url, '/r/3', 'without startedAt the latest request with the id')
    const bad = await get(api + 'requests/same?startedAt=soon', auth)
    assert.equal(bad.status, 400)
    assert.match(bad.json().message, /startedAt/)
  } finally {
    await app.close()
  }
})
