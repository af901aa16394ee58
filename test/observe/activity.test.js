// weft/observe: each request is an operation. Ground truth by construction: requests that do a
// known amount of known work (hooks that sleep, N file reads, one outgoing call, a busy loop, a
// forgotten interval) report exactly that, in request.activity, onActivity and Server-Timing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import weft from 'weft'
import { observe } from 'weft/observe'

const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Busy for `ms` of CPU on the clock of `cpuMs` (thread CPU where Node has it: ground truth on a loaded machine). */
function spin (ms) {
  const cpu = typeof process.threadCpuUsage === 'function' ? () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000 } : () => performance.now()
  const end = cpu() + ms
  const endWall = performance.now() + ms
  while (cpu() < end || performance.now() < endWall) { /* busy */ }
}

/** A local upstream on 127.0.0.1, closed when the test ends. */
async function upstream (t) {
  const server = http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"up":true}') })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${server.address().port}`
}

function get (url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
}

/** The app's recent activities once there are `n` of them (delivery can wait a turn or two). */
async function activities (app, n) {
  for (let i = 0; i < 200; i++) {
    const recent = app.observe.recentActivity()
    if (recent.length >= n) return recent
    await sleep(10)
  }
  throw new Error(`${n} activities did not arrive within 2 s`)
}

async function observed (t, options, routes) {
  const app = weft()
  t.after(() => app.close())
  await app.register(observe, options)
  routes(app)
  return app
}

describe('phases and hooks', () => {
  test('request.activity in onResponse has each phase, each hook function by name, the route and status', async (t) => {
    let seen
    const app = await observed(t, { detail: 'timing' }, (app) => {
      app.addHook('onRequest', async function auth () { await sleep(20) })
      app.addHook('preHandler', function loadUser (request, reply, done) { setTimeout(done, 10) })
      app.addHook('onResponse', async (request) => { seen = request.activity })
      app.get('/users/:id', async () => { await sleep(15); return { ok: true } })
    })
    const res = await app.inject('/users/7')
    assert.equal(res.statusCode, 200)
    await sleep(5)
    assert.ok(seen, 'request.activity is set when onResponse runs')
    assert.equal(seen.route, '/users/:id')
    assert.equal(seen.url, '/users/7')
    assert.equal(seen.statusCode, 200)
    assert.equal(seen.detail, 'timing')
    const names = seen.phases.map((p) => p.name)
    // hook phases show when their hooks ran, the handler always; the rest when they took measurable time
    for (const name of ['onRequest', 'preHandler', 'handler']) assert.ok(names.includes(name), `phase ${name} in ${names}`)
    assert.ok(!names.includes('preParsing') && !names.includes('onSend'), `no phase for hooks that were never added: ${names}`)
    assert.ok(names.indexOf('onRequest') < names.indexOf('preHandler') && names.indexOf('preHandler') < names.indexOf('handler'))
    const onRequest = seen.phases.find((p) => p.name === 'onRequest')
    assert.deepEqual(onRequest.hooks.map((h) => h.name), ['auth'])
    assert.ok(onRequest.hooks[0].wallMs >= 19, `auth took ${onRequest.hooks[0].wallMs} ms`)
    assert.deepEqual(seen.phases.find((p) => p.name === 'preHandler').hooks.map((h) => h.name), ['loadUser'])
    assert.ok(seen.phases.find((p) => p.name === 'handler').wallMs >= 14)
    assert.ok(seen.wallMs >= 45)
    assert.equal(seen.cpuMs, null) // no async_hooks at timing
  })

  test('onActivity gets every request once, after the response; its error never reaches the request', async (t) => {
    const got = []
    const app = await observed(t, { onActivity: (activity, request) => { got.push([activity.url, request.id === activity.id]); throw new Error('sink down') } }, (app) => {
      app.get('/', async () => 'ok')
    })
    for (let i = 0; i < 3; i++) assert.equal((await app.inject('/?n=' + i)).statusCode, 200)
    await activities(app, 3)
    assert.deepEqual(got, [['/?n=0', true], ['/?n=1', true], ['/?n=2', true]])
    assert.equal(app.observe.internalErrors, 3)
  })

  test('a 404 has route null; an error answer carries its status', async (t) => {
    const app = await observed(t, {}, (app) => { app.get('/boom', async () => { throw new Error('x') }) })
    await app.inject('/nope')
    await app.inject('/boom')
    const [boom, nope] = await activities(app, 2)
    assert.deepEqual([nope.route, nope.statusCode], [null, 404])
    assert.deepEqual([boom.route, boom.statusCode], ['/boom', 500])
    assert.ok(boom.phases.some((p) => p.name === 'errorHandler'))
  })
})

describe('Server-Timing', () => {
  test('lists the phases with hook names and the total', async (t) => {
    const app = await observed(t, { serverTiming: true }, (app) => {
      app.addHook('onRequest', async function auth () { await sleep(5) })
      app.get('/', async () => 'ok')
    })
    const header = (await app.inject('/')).headers['server-timing']
    assert.match(header, /(^|, )onRequest;dur=\d+(\.\d)?;desc="auth"/)
    assert.match(header, /(^|, )handler;dur=/)
    assert.match(header, /(^|, )total;dur=\d+(\.\d)?$/)
  })

  test('only when the predicate says so', async (t) => {
    const app = await observed(t, { serverTiming: { when: (request) => request.headers['x-debug'] === '1' } }, (app) => {
      app.get('/', async () => 'ok')
    })
    assert.equal((await app.inject('/')).headers['server-timing'], undefined)
    assert.ok((await app.inject({ url: '/', headers: { 'x-debug': '1' } })).headers['server-timing'])
  })
})

describe('observe\'s own work is no phase of the request', () => {
  for (const detail of ['timing', 'resources']) {
    test(`observe's work while the answer is written (here a 30 ms Server-Timing predicate) is observeMs, not the write phase (${detail})`, async (t) => {
      const app = await observed(t, { detail, serverTiming: { when: () => { spin(30); return true } } }, (app) => {
        app.get('/', async () => 'ok')
      })
      await app.listen({ port: 0, host: '127.0.0.1' })
      assert.equal(await get(`http://127.0.0.1:${app.server.address().port}/`), 200)
      const [activity] = await activities(app, 1)
      const write = activity.phases.find((p) => p.name === 'write')
      assert.ok(write, JSON.stringify(activity.phases))
      assert.ok(write.wallMs < 25, `write phase ${write.wallMs} ms holds observe's 30 ms`)
      assert.ok(activity.observeMs >= 29, `observeMs ${activity.observeMs}`)
      assert.ok(activity.observeMs <= activity.wallMs)
      // the phases and observe's own time do not overlap: together they fit in the wall time (plus
      // the report's making once the response finished, well under 2 ms)
      const phases = activity.phases.filter((p) => p.name !== 'onResponse')
      const sum = phases.reduce((total, p) => total + p.wallMs, 0)
      assert.ok(sum + activity.observeMs <= activity.wallMs + 2, `phases ${sum} + observe ${activity.observeMs} > wall ${activity.wallMs}`)
      assert.equal(activity.toJSON().observeMs, activity.observeMs)
    })
  }
})

describe('async work of a request (resources)', () => {
  test('exactly N file reads and one outgoing call show as exactly those operations', async (t) => {
    const base = await upstream(t)
    const app = await observed(t, { detail: 'resources' }, (app) => {
      app.get('/work', async () => {
        for (let i = 0; i < 3; i++) await readFile(here)
        await get(base + '/x')
        return 'done'
      })
    })
    assert.equal((await app.inject('/work')).statusCode, 200)
    const [activity] = await activities(app, 1)
    const fs = activity.operations.filter((o) => o.kind === 'fs')
    assert.equal(fs.reduce((n, o) => n + o.count, 0), 3, JSON.stringify(activity.operations))
    const client = activity.operations.filter((o) => o.kind === 'http.client')
    assert.equal(client.reduce((n, o) => n + o.count, 0), 1, JSON.stringify(activity.operations))
    assert.equal(activity.leaks.length, 0)
  })

  for (const [detail, handler, when] of [
    ['resources', async () => { spin(30); await sleep(1); return 'spun' }, 'before an await'],
    // after an await the spin runs in a promise continuation: a callback at `promises`, the tail of
    // the timer's callback at `resources`
    ['resources', async () => { await sleep(1); spin(30); return 'spun' }, 'after an await'],
    ['promises', async () => { await sleep(1); spin(30); return 'spun' }, 'after an await']
  ]) {
  test(`a request that spins 30 ms shows ≥ 30 ms of CPU; its concurrent neighbour does not (${detail}, ${when})`, async (t) => {
    const app = await observed(t, { detail }, (app) => {
      app.get('/spin', handler)
      app.get('/wait', async () => { await sleep(40); return 'waited' })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${app.server.address().port}`
    await Promise.all([get(base + '/spin'), get(base + '/wait')])
    const byRoute = Object.fromEntries((await activities(app, 2)).map((a) => [a.route, a]))
    assert.ok(byRoute['/spin'].cpuMs >= 30, `spin cpu ${byRoute['/spin'].cpuMs}`)
    assert.ok(byRoute['/spin'].maxBlockMs >= 30)
    assert.ok(byRoute['/wait'].cpuMs < 10, `wait cpu ${byRoute['/wait'].cpuMs}`)
    assert.ok(byRoute['/wait'].waitMs >= 35)
  })
  }

  test('an interval left running is the request\'s leak, and its route is warned about once', async (t) => {
    const intervals = []
    t.after(() => { for (const i of intervals) clearInterval(i) })
    const lines = []
    const app = weft({ logger: { level: 'warn', stream: { write (line) { lines.push(JSON.parse(line)) } } } })
    t.after(() => app.close())
    await app.register(observe, { detail: 'stacks' })
    app.get('/leaky', async () => { intervals.push(setInterval(() => {}, 1000)); return 'ok' })
    await app.inject('/leaky')
    await app.inject('/leaky')
    const [activity] = await activities(app, 2)
    assert.deepEqual(activity.leaks.map((l) => l.kind), ['timer'])
    assert.match(activity.leaks[0].callSite ?? '', /activity\.test\.js/)
    const warnings = lines.filter((l) => l.level === 40)
    assert.equal(warnings.length, 1)
    assert.equal(warnings[0].route, 'GET /leaky')
    assert.match(warnings[0].msg, /requests to GET \/leaky leave a timer resource/)
  })
})

describe('bounded memory', () => {
  test('recent activity keeps the last N; routes aggregate every request with percentiles', async (t) => {
    const app = await observed(t, { recent: 5 }, (app) => {
      app.get('/a/:n', async () => 'a')
      app.get('/b', async () => 'b')
    })
    for (let i = 0; i < 20; i++) await app.inject('/a/' + i)
    await app.inject('/b')
    const recent = await activities(app, 5)
    assert.equal(recent.length, 5)
    assert.equal(recent[0].url, '/b')
    const routes = app.observe.routes()
    const a = routes.find((r) => r.route === '/a/:n')
    assert.equal(a.count, 20)
    assert.ok(a.wallMs.p50 > 0 && a.wallMs.p99 >= a.wallMs.p50)
    assert.equal(routes.find((r) => r.route === '/b').count, 1)
  })

  test('past maxRoutes, further routes share one aggregate', async (t) => {
    const app = await observed(t, { maxRoutes: 2 }, (app) => {
      for (const name of ['a', 'b', 'c', 'd']) app.get('/' + name, async () => name)
    })
    for (const name of ['a', 'b', 'c', 'd', 'd']) await app.inject('/' + name)
    await activities(app, 5)
    const routes = app.observe.routes()
    assert.deepEqual(routes.map((r) => [r.method, r.route, r.count]), [['*', '(other routes)', 3], ['GET', '/a', 1], ['GET', '/b', 1]])
  })

  test('weft({ observe }) registers it too', async (t) => {
    const app = weft({ observe: { detail: 'timing', serverTiming: true } })
    t.after(() => app.close())
    app.get('/', async () => 'ok')
    const res = await app.inject('/')
    assert.ok(res.headers['server-timing'])
    assert.ok(app.hasPlugin('weft-observe'))
  })
})

// the file this test reads is real: make sure the fixture exists
readFileSync(here)

describe('leaks users can trust', () => {
  test('a request that fetches from a keep-alive upstream leaves no leak (the pooled socket is unref\'d once idle)', async (t) => {
    const base = await upstream(t)
    const lines = []
    const app = weft({ logger: { level: 'warn', stream: { write (line) { lines.push(JSON.parse(line)) } } } })
    t.after(() => app.close())
    await app.register(observe, { detail: 'resources' })
    app.get('/up', async () => { const res = await fetch(base + '/y'); return res.json() })
    for (let i = 0; i < 3; i++) assert.equal((await app.inject('/up')).statusCode, 200)
    const recent = await activities(app, 3)
    assert.deepEqual(recent.map((a) => a.leaks.length), [0, 0, 0], JSON.stringify(recent.map((a) => a.leaks)))
    assert.deepEqual(lines.filter((l) => l.level === 40), [])
  })
})

describe('timing: no async_hooks, outgoing calls from diagnostics_channel', () => {
  test('a request making 2 http.get and 1 fetch calls shows exactly those, as operations and as spans', async (t) => {
    const base = await upstream(t)
    const app = await observed(t, { detail: 'timing' }, (app) => {
      app.get('/calls', async () => {
        await get(base + '/a')
        await get(base + '/b')
        await (await fetch(base + '/c')).text()
        return 'ok'
      })
    })
    assert.equal((await app.inject('/calls')).statusCode, 200)
    const [activity] = await activities(app, 1)
    const client = activity.operations.filter((o) => o.kind === 'http.client')
    assert.equal(client.reduce((n, o) => n + o.count, 0), 3, JSON.stringify(activity.operations))
    const spans = activity.spans.filter((s) => s.kind === 'http.client')
    assert.equal(spans.length, 3)
    assert.ok(spans.every((s) => s.name.startsWith('GET 127.0.0.1:') && s.attributes?.['http.response.status_code'] === 200), JSON.stringify(spans))
    // in start order, inside the request
    assert.ok(spans[0].startMs <= spans[1].startMs && spans[1].startMs <= spans[2].startMs)
    assert.ok(spans[2].startMs + spans[2].wallMs <= activity.wallMs + 1)
    assert.equal(activity.cpuMs, null)
  })
})

describe('keep-alive connections', () => {
  test('routing and onRequest of a request on a reused connection are the request\'s, not the connection\'s', async (t) => {
    const app = await observed(t, { detail: 'resources' }, (app) => {
      app.addHook('onRequest', function busyAuth (request, reply, done) { if (request.url === '/busy') spin(25); done() })
      app.get('/busy', async () => 'busy')
      app.get('/idle', async () => 'idle')
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    t.after(() => agent.destroy())
    const base = `http://127.0.0.1:${app.server.address().port}`
    const once = (path) => new Promise((resolve, reject) => {
      http.get(base + path, { agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject)
    })
    await once('/idle')
    await once('/busy') // the same socket: its callback starts this request
    await once('/idle')
    const byUrl = (await activities(app, 3)).reduce((m, a) => { (m[a.url] ??= []).push(a); return m }, {})
    assert.ok(byUrl['/busy'][0].cpuMs >= 25, `busy cpu ${byUrl['/busy'][0].cpuMs}`)
    for (const idle of byUrl['/idle']) assert.ok(idle.cpuMs < 10, `idle cpu ${idle.cpuMs}`)
    assert.deepEqual(byUrl['/busy'][0].phases.find((p) => p.name === 'onRequest').hooks.map((h) => h.name), ['busyAuth'])
  })
})
