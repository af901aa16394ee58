// The live page's server side: who may see it, its snapshots, and its event stream (bounded,
// with a heartbeat, costing nothing while no page is open, ended when the app closes).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import weft from 'weft'
import { TestSource, makeActivity, registerActivityPage } from './fixtures.js'

/** The tests below set the page's token; test/browser/page-token.test.js covers the generated one. */
const TOKEN = 'page-server-test-token-0123'
const auth = { authorization: 'Bearer ' + TOKEN }
const pageRoutes = ['/_weft', '/_weft/assets/page.js', '/_weft/api/recent.json', '/_weft/api/routes.json', '/_weft/api/process.json', '/_weft/api/startup.json', '/_weft/events']

function appWithPage (options, source = new TestSource()) {
  const app = weft()
  registerActivityPage(app, source, { token: TOKEN, ...options })
  return { app, source }
}

/** Opens the event stream with a plain HTTP client; `frames()` is what arrived so far. */
function openStream (port, path = '/_weft/events') {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: auth }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      resolve({ req, res, text: () => text, ended: new Promise((r) => res.on('close', r)) })
    })
    req.on('error', reject)
  })
}

async function until (check, what) {
  for (let i = 0; i < 500; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.fail('timed out waiting for ' + what)
}

describe('the page answers only clients on this machine that bring its token', () => {
  test('a non-loopback client gets 403 on every page route, even with the token', async () => {
    const { app } = appWithPage()
    for (const url of pageRoutes) {
      const res = await app.inject({ url, remoteAddress: '10.0.0.1', headers: auth })
      assert.equal(res.statusCode, 403, url)
      assert.match(res.json().message, /needs its token .* from this machine/)
    }
    await app.close()
  })

  test('a loopback client with the token gets the page, its assets and snapshots', async () => {
    const { app, source } = appWithPage()
    const a = makeActivity()
    source.push(a)
    const page = await app.inject({ url: '/_weft', headers: auth })
    assert.equal(page.statusCode, 200)
    assert.match(page.headers['content-type'], /^text\/html/)
    assert.match(page.body, /src="\/_weft\/assets\/page\.js"/)
    assert.match(page.headers['content-security-policy'], /default-src 'none'/)
    for (const [file, type] of [['page.js', /javascript/], ['page.css', /css/], ['uPlot.iife.min.js', /javascript/], ['uPlot.min.css', /css/]]) {
      const res = await app.inject({ url: '/_weft/assets/' + file, remoteAddress: '::1', headers: auth })
      assert.equal(res.statusCode, 200, file)
      assert.match(res.headers['content-type'], type)
    }
    assert.equal((await app.inject({ url: '/_weft/assets/../../package.json', headers: auth })).statusCode, 404)
    assert.equal((await app.inject({ url: '/_weft/assets/nothing.js', headers: auth })).statusCode, 404)
    assert.deepEqual((await app.inject({ url: '/_weft/api/recent.json', headers: auth })).json(), [a])
    assert.deepEqual((await app.inject({ url: '/_weft/api/routes.json', headers: auth })).json(), source.routes())
    assert.equal((await app.inject({ url: '/_weft/api/startup.json', headers: auth })).json(), null)
    await app.close()
  })

  test('a loopback request forwarded by a proxy is refused', async () => {
    const { app } = appWithPage()
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via', 'x-forwarded-host', 'true-client-ip', 'cf-connecting-ip']) {
      const res = await app.inject({ url: '/_weft', headers: { ...auth, [header]: '203.0.113.9' } })
      assert.equal(res.statusCode, 403, header)
    }
    await app.close()
  })

  test('allow(request) lets other clients in', async () => {
    const seen = []
    const { app } = appWithPage({ allow: (request) => { seen.push(request.ip); return request.headers['x-page-token'] === 'secret' } })
    assert.equal((await app.inject({ url: '/_weft', remoteAddress: '10.0.0.1' })).statusCode, 403)
    assert.equal((await app.inject({ url: '/_weft', remoteAddress: '10.0.0.1', headers: { 'x-page-token': 'secret' } })).statusCode, 200)
    assert.deepEqual(seen, ['10.0.0.1', '10.0.0.1'])
    // allow adds a way in; it does not let a loopback client without the token through
    assert.equal((await app.inject({ url: '/_weft' })).statusCode, 403)
    await app.close()
  })

  test('the path option moves the page', async () => {
    const { app } = appWithPage({ path: '/ops/activity/' })
    assert.equal((await app.inject({ url: '/_weft', headers: auth })).statusCode, 404)
    const res = await app.inject({ url: '/ops/activity', headers: auth })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /src="\/ops\/activity\/assets\/page\.js"/)
    assert.equal((await app.inject({ url: '/ops/activity/api/recent.json', headers: auth })).statusCode, 200)
    await app.close()
  })

  test('bad options throw WEFT_ERR_PAGE_INVALID_OPTION', () => {
    const app = weft()
    const bad = [[new TestSource(), { path: 'no-slash' }], [new TestSource(), { allow: true }], [new TestSource(), { heartbeatMs: 0 }], [{ recent () {} }, {}],
      [new TestSource(), { maxStreams: 0 }], [new TestSource(), { flushMs: 1.5 }], [new TestSource(), { token: 'short' }], [new TestSource(), { token: false }],
      [new TestSource(), { token: 'has spaces and ; in it!' }], [new TestSource(), { allwo: () => true }]]
    for (const [source, options] of bad) {
      assert.throws(() => registerActivityPage(app, source, options), (err) =>
        err instanceof TypeError && err.code === 'WEFT_ERR_PAGE_INVALID_OPTION' && /^The activity page option '[\w.]+' must be /.test(err.message))
    }
  })
})

describe('the event stream', () => {
  test('sends each activity and process sample as it happens, and a heartbeat', async () => {
    const { app, source } = appWithPage({ heartbeatMs: 30 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const stream = await openStream(app.server.address().port)
    assert.equal(stream.res.headers['content-type'], 'text/event-stream; charset=utf-8')
    await until(() => source.listeners.size === 1, 'the subscription')
    const a = makeActivity()
    source.push(a)
    source.pushSample({ time: 1, cpuPercent: 3 })
    await until(() => stream.text().includes('event: process'), 'the sample')
    assert.ok(stream.text().includes(`event: activity\ndata: ${JSON.stringify(a)}\n\n`))
    assert.ok(stream.text().includes('event: process\ndata: {"time":1,"cpuPercent":3}\n\n'))
    await until(() => stream.text().includes(': heartbeat\n\n'), 'a heartbeat')
    stream.req.destroy()
    await app.close()
  })

  test('listens to the source only while a page is open', async () => {
    const { app, source } = appWithPage()
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.equal(source.listeners.size, 0)
    const first = await openStream(app.server.address().port)
    const second = await openStream(app.server.address().port)
    await until(() => source.listeners.size === 1, 'one subscription for both pages')
    first.req.destroy()
    second.req.destroy()
    await until(() => source.listeners.size === 0, 'the unsubscription')
    await app.close()
  })

  test('drops events for a client that stops reading, and says how many it missed', async () => {
    const { app, source } = appWithPage({ maxBufferedBytes: 64 * 1024, flushMs: 5 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const stream = await openStream(app.server.address().port)
    await until(() => source.listeners.size === 1, 'the subscription')
    stream.res.pause()
    // 30 batches of 100 events of 8 KiB: far more than the socket holds while the client does not read
    const pushed = 3000
    const padding = 'x'.repeat(8 * 1024)
    for (let batch = 0; batch < 30; batch++) {
      for (let i = 0; i < 100; i++) source.push({ ...makeActivity(), error: padding })
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
    stream.res.resume()
    const count = (text) => (text.match(/event: activity\n/g) ?? []).length
    const dropped = (text) => [...text.matchAll(/event: dropped\ndata: \{"count":(\d+)\}/g)].reduce((n, m) => n + Number(m[1]), 0)
    await until(() => count(stream.text()) + dropped(stream.text()) === pushed, 'every event sent or counted as dropped')
    assert.ok(dropped(stream.text()) > 0, 'some events were dropped instead of buffered')
    stream.req.destroy()
    await app.close()
  })

  test('HEAD answers without opening a stream', async () => {
    const { app, source } = appWithPage()
    const res = await app.inject({ method: 'HEAD', url: '/_weft/events', headers: auth })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.equal(source.listeners.size, 0)
    await app.close()
  })

  test("the app's close() ends open streams and refuses new ones", async () => {
    const { app, source } = appWithPage()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const stream = await openStream(app.server.address().port)
    await until(() => source.listeners.size === 1, 'the subscription')
    await app.close()
    await stream.ended
    assert.equal(source.listeners.size, 0)
    // once closed the app takes no request at all (inject() rejects, as on Fastify)
    await assert.rejects(app.inject({ url: '/_weft/events', headers: auth }), { code: 'FST_ERR_REOPENED_CLOSE_SERVER' })
  })
})
