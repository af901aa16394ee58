// The live page against another page the same browser opens: a hostile page served on another port
// of this machine (same site as the page, so the browser sends the page's SameSite=Strict cookie)
// tries to hold the page's event streams, read its data, and frame it. Headless Chromium.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import weft from 'weft'
import { observe } from 'weft/observe'
import { findChromium, noChromium } from './fixtures.js'

const executablePath = findChromium()
const skip = executablePath === null ? noChromium : false
const CAP = 4

describe('a hostile page on another port of this machine', { skip }, () => {
  let browser, context, app, pageOrigin, hostile, hostileOrigin
  const opened = [] // every event stream the app started: the Sec-Fetch-Site of the request that got it
  const asked = [] // every request for an event stream: its Sec-Fetch-Site
  const writeHead = http.ServerResponse.prototype.writeHead

  before(async () => {
    const { chromium } = await import('playwright-core')
    app = weft()
    await app.register(observe, { page: { maxStreams: CAP } })
    app.addHook('onRequest', async (request) => {
      if (request.url.startsWith('/_weft/events')) asked.push(request.headers['sec-fetch-site'] ?? 'none')
    })
    // count in this process what a stream's start writes (the hub's writeHead(200, text/event-stream))
    http.ServerResponse.prototype.writeHead = function (status, ...rest) {
      if (status === 200 && this.req?.url?.startsWith('/_weft/events')) opened.push(this.req.headers['sec-fetch-site'] ?? 'none')
      return writeHead.call(this, status, ...rest)
    }
    const stderr = process.stderr.write
    process.stderr.write = function (chunk, ...rest) { return String(chunk).startsWith('weft: live activity page') ? true : stderr.call(this, chunk, ...rest) }
    try { await app.listen({ port: 0, host: '127.0.0.1' }) } finally { process.stderr.write = stderr }
    pageOrigin = `http://127.0.0.1:${app.server.address().port}`
    // the hostile page: same host, another port (same site: ports do not count)
    hostile = http.createServer((req, res) => {
      const streams = Array.from({ length: CAP + 2 }, (_, i) => `<img src="${pageOrigin}/_weft/events?i=${i}">`).join('')
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(`<!doctype html><title>hostile</title>${streams}
        <iframe id=framed src="${pageOrigin}/_weft"></iframe>
        <script src="${pageOrigin}/_weft/api/recent.json"></script>
        <script>
          window.results = {}
          fetch('${pageOrigin}/_weft/api/recent.json', { credentials: 'include' }).then((r) => r.text()).then((t) => { results.fetch = t }, (e) => { results.fetch = 'refused: ' + e.name })
          // a stream asked for as a no-cors fetch too (its answer is opaque, but it would hold a slot)
          fetch('${pageOrigin}/_weft/events', { mode: 'no-cors', credentials: 'include' }).catch(() => {})
          const es = new EventSource('${pageOrigin}/_weft/events', { withCredentials: true })
          es.onerror = () => { results.eventSource = 'error'; es.close() }
          es.onmessage = (e) => { results.eventSource = e.data }
        </script>`)
    })
    await new Promise((resolve) => hostile.listen(0, '127.0.0.1', resolve))
    hostileOrigin = `http://127.0.0.1:${hostile.address().port}`
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    context = await browser.newContext()
  })

  after(async () => {
    http.ServerResponse.prototype.writeHead = writeHead
    await browser?.close()
    hostile?.closeAllConnections()
    await new Promise((resolve) => hostile ? hostile.close(resolve) : resolve())
    await app?.close()
  })

  test('with the page open in the same browser, the hostile page cannot hold its streams, read its data or frame it', async () => {
    const owner = await context.newPage()
    await owner.goto(app.observe.page.url())
    await owner.waitForSelector('#status.live')
    const evil = await context.newPage()
    await evil.goto(hostileOrigin, { waitUntil: 'domcontentloaded' })
    await evil.waitForFunction(() => window.results && 'fetch' in window.results && 'eventSource' in window.results, null, { timeout: 15_000 })
    const results = await evil.evaluate(() => window.results)
    assert.match(results.fetch, /^refused/, 'no cross-origin read of the snapshots')
    assert.equal(results.eventSource, 'error', 'no cross-origin event stream')
    const framed = await evil.evaluate(() => { try { return document.getElementById('framed').contentDocument?.body?.textContent ?? null } catch (e) { return 'refused' } })
    assert.ok(framed === null || framed === 'refused' || framed === '', 'the page is not shown in its frame')

    // once the app has seen the hostile page's asks (images, no-cors fetch, EventSource), the owner's page
    // can open streams up to the cap: the hostile page holds none of them
    const hostileAsks = () => asked.filter((site) => site === 'same-site').length
    for (const end = Date.now() + 20_000; hostileAsks() < CAP + 3 && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.ok(hostileAsks() >= CAP + 3, `the app saw the hostile page's asks (${hostileAsks()})`)
    const statuses = await owner.evaluate(async (cap) => {
      const out = []
      for (let i = 0; i < cap - 1; i++) {
        const controller = new AbortController()
        const res = await fetch('/_weft/events', { signal: controller.signal })
        out.push(res.status)
        window['held' + i] = controller
      }
      for (let i = 0; i < cap - 1; i++) window['held' + i].abort()
      return out
    }, CAP)
    const refused = statuses.filter((s) => s !== 200).length
    assert.equal(refused, 0, `the owner's page was refused ${refused} of ${statuses.length} streams`)
    assert.deepEqual(opened.filter((site) => site !== 'same-origin' && site !== 'none'), [], 'no stream was started for another page')
    await evil.close()
    await owner.close()
  })
})
