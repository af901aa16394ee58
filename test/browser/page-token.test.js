// The live page's guard over real sockets: a random per-process token on top of loopback (a local
// proxy that adds no forwarding header no longer opens it), the cookie it sets, the startup line,
// the token and allow options; and its event streams: capped, batched per tick.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import weft from 'weft'
import { observe } from 'weft/observe'
import { TestSource, makeActivity, openStream, registerActivityPage, until } from './fixtures.js'

async function listening (app) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${app.server.address().port}`
}

/** A reverse proxy on this machine as nginx's default proxy_pass is: it adds no forwarding header. */
async function plainProxy (t, target) {
  const { port } = new URL(target)
  const proxy = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers)
      r.pipe(res)
    })
    req.pipe(upstream)
  })
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => proxy.close(resolve)))
  return `http://127.0.0.1:${proxy.address().port}`
}

/** What the page prints to stderr while the logger is off. */
function captureStderr (t) {
  const lines = []
  const write = process.stderr.write
  process.stderr.write = function (chunk, ...rest) {
    if (String(chunk).startsWith('weft: live activity page')) { lines.push(String(chunk)); return true }
    return write.call(this, chunk, ...rest)
  }
  t.after(() => { process.stderr.write = write })
  return lines
}

describe('the page token', () => {
  test('loopback alone is not enough; ?token= opens it and sets an HttpOnly SameSite=Strict cookie that the page calls carry', async (t) => {
    captureStderr(t)
    const app = weft()
    const access = registerActivityPage(app, new TestSource())
    t.after(() => app.close())
    const base = await listening(app)
    assert.equal(access.path, '/_weft')
    assert.match(access.token, /^[A-Za-z0-9_-]{32}$/, '192 random bits, base64url')
    for (const path of ['/_weft', '/_weft/assets/page.js', '/_weft/api/recent.json', '/_weft/events']) {
      const res = await fetch(base + path)
      assert.equal(res.status, 403, path)
      assert.match((await res.json()).message, /needs its token/)
    }
    assert.equal((await fetch(base + '/_weft?token=' + 'x'.repeat(32))).status, 403, 'a wrong token')
    assert.equal((await fetch(base + '/_weft?token=' + access.token.slice(0, -1))).status, 403, 'a prefix of the token')

    const page = await fetch(access.url())
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<html/)
    const cookie = page.headers.get('set-cookie')
    assert.match(cookie, /^weft_page_[0-9a-f]{12}=[\w-]{32}; Path=\/_weft; HttpOnly; SameSite=Strict$/)
    const jar = cookie.split(';')[0]
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer')
    for (const path of ['/_weft/assets/page.js', '/_weft/api/recent.json', '/_weft/api/process.json']) {
      const res = await fetch(base + path, { headers: { cookie: `other=1; ${jar}` } })
      assert.equal(res.status, 200, path)
      assert.equal(res.headers.get('set-cookie'), null, 'the cookie is set only when the token came in the URL')
    }
    const bearer = await fetch(base + '/_weft/api/routes.json', { headers: { authorization: 'Bearer ' + access.token } })
    assert.equal(bearer.status, 200)
    const events = await fetch(base + '/_weft/events', { headers: { cookie: jar } })
    assert.equal(events.status, 200)
    assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8')
    await events.body.cancel()
  })

  test('a proxy on this machine that adds no forwarding header no longer opens the page to everyone', async (t) => {
    captureStderr(t)
    const app = weft()
    const access = registerActivityPage(app, new TestSource())
    t.after(() => app.close())
    const proxy = await plainProxy(t, await listening(app))
    assert.equal((await fetch(proxy + '/_weft')).status, 403)
    assert.equal((await fetch(proxy + '/_weft/api/recent.json')).status, 403)
    assert.equal((await fetch(proxy + '/_weft?token=' + access.token)).status, 200, 'who has the printed URL gets in')
  })

  test('once the server listens the full URL is printed (stderr with the logger off, the log with it on)', async (t) => {
    const lines = captureStderr(t)
    const app = weft()
    const access = registerActivityPage(app, new TestSource())
    t.after(() => app.close())
    assert.equal(access.url(), null, 'no URL before listening')
    const base = await listening(app)
    assert.equal(access.url(), `${base}/_weft?token=${access.token}`)
    assert.deepEqual(lines, [`weft: live activity page at ${access.url()}\n`])

    const logged = []
    const stream = { write (line) { logged.push(JSON.parse(line)) } }
    const withLogger = weft({ logger: { level: 'info', stream } })
    await withLogger.register(observe, { page: true })
    t.after(() => withLogger.close())
    await withLogger.listen({ port: 0, host: '127.0.0.1' })
    const url = withLogger.observe.page.url()
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/_weft\?token=[\w-]{32}$/)
    assert.deepEqual(logged.filter((l) => /live activity page/.test(l.msg)).map((l) => l.url), [url])
    assert.equal((await fetch(url)).status, 200)
    assert.equal(lines.length, 1, 'nothing more on stderr')
  })

  test('token: a value of the user (e.g. from an env var) works and is not printed; unset, a random one is used', async (t) => {
    const lines = captureStderr(t)
    const mine = 'a-token-from-the-environment-42'
    const app = weft()
    const access = registerActivityPage(app, new TestSource(), { token: mine })
    t.after(() => app.close())
    const base = await listening(app)
    assert.equal(access.token, mine)
    assert.equal((await fetch(`${base}/_weft?token=${mine}`)).status, 200)
    assert.equal((await fetch(`${base}/_weft`)).status, 403)
    assert.deepEqual(lines, [`weft: live activity page at ${base}/_weft?token=<your token option>\n`])

    const other = weft()
    const generated = registerActivityPage(other, new TestSource(), { token: process.env.WEFT_TEST_UNSET_PAGE_TOKEN })
    t.after(() => other.close())
    assert.match(generated.token, /^[\w-]{32}$/)
    assert.notEqual(generated.token, access.token)
  })

  test('token: false needs allow, which then alone decides (no loopback pass)', async (t) => {
    assert.throws(() => registerActivityPage(weft(), new TestSource(), { token: false }), { code: 'WEFT_ERR_PAGE_INVALID_OPTION' })
    const app = weft()
    const access = registerActivityPage(app, new TestSource(), { token: false, allow: (request) => request.headers['x-ops'] === 'yes' })
    t.after(() => app.close())
    const base = await listening(app)
    assert.equal(access.token, null)
    assert.equal(access.url(), `${base}/_weft`)
    assert.equal((await fetch(`${base}/_weft`)).status, 403)
    assert.equal((await fetch(`${base}/_weft`, { headers: { 'x-ops': 'yes' } })).status, 200)
  })

  test('two apps on one host keep separate cookies (cookies ignore ports)', async (t) => {
    const names = []
    for (let i = 0; i < 2; i++) {
      const app = weft()
      const access = registerActivityPage(app, new TestSource())
      t.after(() => app.close())
      const res = await app.inject({ url: '/_weft?token=' + access.token })
      assert.equal(res.statusCode, 200)
      names.push(res.headers['set-cookie'].split('=')[0])
    }
    assert.notEqual(names[0], names[1])
  })
})

/** Opens an event stream; `text()` is what arrived so far. */

describe('the event streams are bounded', () => {
  const TOKEN = 'stream-test-token-0123456789'
  const headers = { authorization: 'Bearer ' + TOKEN }

  test('beyond maxStreams a new stream gets 503 with a clear message; closing one makes room', async (t) => {
    const source = new TestSource()
    const app = weft()
    registerActivityPage(app, source, { token: TOKEN, maxStreams: 2 })
    t.after(() => app.close())
    const base = await listening(app)
    const first = await openStream(base, headers)
    const second = await openStream(base, headers)
    assert.deepEqual([first.res.statusCode, second.res.statusCode], [200, 200])
    const third = await fetch(base + '/_weft/events', { headers })
    assert.equal(third.status, 503)
    assert.match((await third.json()).message, /already has 2 open event streams \(its maxStreams option\)/)
    first.req.destroy()
    await until(() => source.listeners.size === 1 && second.res.statusCode === 200, 'the first stream to go')
    let again
    for (let i = 0; i < 100; i++) {
      again = await fetch(base + '/_weft/events', { headers })
      if (again.status === 200) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.equal(again.status, 200)
    await again.body.cancel()
    second.req.destroy()
  })

  test('N requests with S pages open: every page gets all N, in far fewer than N × S writes', async (t) => {
    const streams = 8
    const requests = 300
    const app = weft()
    await app.register(observe, { page: { token: TOKEN, maxStreams: streams, flushMs: 100 } })
    app.get('/work', async () => 'ok')
    t.after(() => app.close())
    const base = await listening(app)
    // count the writes the server makes on event-stream responses (same process, real sockets)
    let writes = 0
    const write = http.ServerResponse.prototype.write
    http.ServerResponse.prototype.write = function (...args) {
      if (this.req?.url?.startsWith('/_weft/events')) writes++
      return write.apply(this, args)
    }
    t.after(() => { http.ServerResponse.prototype.write = write })
    const open = []
    for (let i = 0; i < streams; i++) open.push(await openStream(base, headers))
    const opened = writes
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
    t.after(() => agent.destroy())
    await Promise.all(Array.from({ length: requests }, () => new Promise((resolve, reject) => {
      http.get(base + '/work', { agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject)
    })))
    const activities = (s) => (s.text().match(/event: activity\n/g) ?? []).length
    await until(() => open.every((s) => activities(s) === requests), `${requests} activities on each of ${streams} pages`)
    const batched = writes - opened
    // one write per page per tick (plus a process sample now and then): far below one per request per page
    assert.ok(batched < requests * streams / 10, `${batched} writes for ${requests} requests × ${streams} pages`)
    assert.ok(batched >= streams, 'each page was written to')
    for (const s of open) s.req.destroy()
  })
})
