// The live page in headless Chromium (Debian's `chromium`, driven by playwright-core): the requests
// table fills live, a request's waterfall matches its activity, charts draw and update, keyboard
// use, no console errors. Screenshots go to test/browser/output/ (docs/ with WEFT_PAGE_SCREENSHOT_DOCS=1).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import weft from 'weft'
import { findChromium, noChromium, TestSource, expectedBars, makeActivity, makeSample, registerActivityPage, startupView } from './fixtures.js'

const output = new URL('./output/', import.meta.url)
const docs = new URL('../../docs/', import.meta.url)

const executablePath = findChromium()
const skip = executablePath === null ? noChromium : false

describe('the live page in a browser', { skip }, () => {
  let browser, page, app, source, url, opened
  const consoleErrors = []

  before(async () => {
    const { chromium } = await import('playwright-core')
    mkdirSync(output, { recursive: true })
    source = new TestSource()
    source.startupView = startupView
    for (let i = 0; i < 20; i++) source.samples.push(makeSample(i))
    app = weft()
    app.get('/users/:id', async () => ({ ok: true }))
    const access = registerActivityPage(app, source)
    await app.listen({ port: 0, host: '127.0.0.1' })
    // the URL printed at startup: the generated token once, then the cookie it sets carries it
    url = access.url()
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/_weft\?token=[\w-]{32}$/)
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    page.setDefaultTimeout(10_000)
    page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()) })
    page.on('pageerror', (err) => { consoleErrors.push(String(err)) })
    await page.goto(url)
    await page.waitForSelector('#status.live')
  })

  after(async () => {
    await browser?.close()
    await app?.close()
  })

  const rowIds = () => page.$$eval('#requests tbody tr', (rows) => rows.map((r) => r.dataset.id))
  /** The table redraws on the next animation frame: wait for the expected rows, then compare. */
  async function assertRows (expected, message) {
    await page.waitForFunction((ids) => [...document.querySelectorAll('#requests tbody tr')].map((r) => r.dataset.id).join() === ids.join(), expected, { timeout: 3000 }).catch(() => {})
    assert.deepEqual(await rowIds(), expected, message)
  }

  test('the token leaves the address bar once the cookie holds it', async () => {
    assert.equal(new URL(page.url()).searchParams.has('token'), false)
    const cookies = await page.context().cookies()
    assert.equal(cookies.length, 1)
    assert.deepEqual([cookies[0].httpOnly, cookies[0].sameSite, cookies[0].path], [true, 'Strict', '/_weft'])
  })

  test('the requests table fills live as requests finish', async () => {
    const first = makeActivity({ scale: 1 })
    source.push(first)
    await page.waitForSelector(`#requests tr[data-id="${first.id}"]`)
    const cells = await page.$$eval(`#requests tr[data-id="${first.id}"] td`, (tds) => tds.map((td) => td.textContent))
    assert.deepEqual(cells.slice(1), ['GET', '/users/:id', '200', '40.0 ms', '6.0 ms', '3', '1'])
    opened = makeActivity({ scale: 3 })
    const more = [opened, makeActivity({ route: '/orders', method: 'POST', statusCode: 503, scale: 0.5 }), makeActivity({ scale: 2 }), makeActivity({ route: null, statusCode: 404, scale: 0.2 })]
    for (const a of more) source.push(a)
    await page.waitForSelector(`#requests tr[data-id="${more.at(-1).id}"]`)
    await assertRows([...more].reverse().concat(first).map((a) => a.id), 'newest first')
  })

  test('filters by route and status, and sorts slowest first', async () => {
    const all = source.activities
    await page.selectOption('#filter-status', '5')
    await assertRows(all.filter((a) => a.statusCode >= 500).map((a) => a.id))
    await page.selectOption('#filter-status', '')
    await page.selectOption('#filter-route', '/users/:id')
    await assertRows(all.filter((a) => a.route === '/users/:id').map((a) => a.id))
    await page.check('#sort-slowest')
    await assertRows(all.filter((a) => a.route === '/users/:id').sort((x, y) => y.wallMs - x.wallMs).map((a) => a.id))
    await page.screenshot({ path: new URL('requests-filtered.png', output).pathname })
    await page.selectOption('#filter-route', '')
    await page.uncheck('#sort-slowest')
    await assertRows(all.map((a) => a.id))
    await page.screenshot({ path: new URL('requests.png', output).pathname })
  })

  test("a request's waterfall draws its phases, hooks and operations as bars on one time axis", async () => {
    const a = opened
    await page.click(`#requests tr[data-id="${a.id}"]`)
    await page.waitForSelector('#waterfall[open] #waterfall-chart svg')
    const bars = await page.$$eval('#waterfall-chart rect[data-kind]', (rects) => rects.map((r) => ({
      kind: r.dataset.kind, startMs: r.dataset.startMs === undefined ? null : Number(r.dataset.startMs), wallMs: Number(r.dataset.wallMs),
      x: Number(r.getAttribute('x')), width: Number(r.getAttribute('width')), leaked: r.classList.contains('leaked')
    })))
    const expected = expectedBars(a)
    assert.deepEqual(bars.map(({ kind, startMs, wallMs }) => ({ kind, startMs, wallMs })), expected, 'one bar per phase, hook and span, in order')
    // widths are proportional to durations and positions to start times, on one scale
    const pxPerMs = bars[0].width / a.wallMs
    const x0 = bars[0].x
    for (const bar of bars) {
      assert.ok(Math.abs(bar.width - bar.wallMs * pxPerMs) < 0.01, `${bar.kind} width`)
      if (bar.startMs !== null) assert.ok(Math.abs(bar.x - (x0 + bar.startMs * pxPerMs)) < 0.01, `${bar.kind} position`)
    }
    // the wait for the event loop is a band of the waiting, on the same scale, right after the CPU
    const [loop] = await page.$$eval('#waterfall-chart rect.loop-wait', (rects) => rects.map((r) => ({ x: Number(r.getAttribute('x')), width: Number(r.getAttribute('width')), ms: Number(r.dataset.loopWaitMs) })))
    assert.equal(loop.ms, a.loopWaitMs)
    assert.ok(Math.abs(loop.width - a.loopWaitMs * pxPerMs) < 0.01 && Math.abs(loop.x - (x0 + a.cpuMs * pxPerMs)) < 0.01, 'loop wait band')
    const facts = await page.$eval('#waterfall-facts', (dl) => dl.textContent)
    assert.match(facts, /CPU[\d.]+ ms \(thread CPU\)/)
    assert.match(facts, /waiting for the loop[\d.]+ ms/)
    // the outgoing call was still open when the response finished: its bar is marked leaked
    assert.deepEqual(bars.filter((b) => b.leaked).map((b) => b.wallMs), [a.spans[0].wallMs])
    assert.equal(await page.$$eval('#waterfall-chart [data-kind="leak"]', (marks) => marks.length), a.leaks.length)
    // one mark per log line, where it was logged, on the same scale
    const logMarks = await page.$$eval('#waterfall-chart [data-kind="log"]', (marks) => marks.map((m) => ({ timeMs: Number(m.dataset.timeMs), d: m.getAttribute('d') })))
    assert.deepEqual(logMarks.map((m) => m.timeMs), a.logs.map((l) => l.timeMs))
    for (const m of logMarks) assert.ok(Math.abs(Number(m.d.slice(1).split(',')[0]) - (x0 + m.timeMs * pxPerMs)) < 0.01, `log mark at ${m.timeMs} ms`)
    assert.equal(await page.$$eval('#waterfall-operations tbody tr', (rows) => rows.length), a.operations.length)
    const shot = await page.screenshot({ path: new URL('waterfall.png', output).pathname })
    if (process.env.WEFT_PAGE_SCREENSHOT_DOCS === '1') {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(new URL('page-waterfall.png', docs), shot)
    }
  })

  test('keyboard: Escape closes the waterfall, Enter on a row opens it, Tab reaches the rows', async () => {
    await page.keyboard.press('Escape')
    await page.waitForSelector('#waterfall', { state: 'hidden' })
    await page.waitForFunction(() => document.activeElement.dataset.id !== undefined, null, { timeout: 3000 }).catch(() => {})
    assert.equal(await page.evaluate(() => document.activeElement.dataset.id), opened.id, 'focus returns to the request row')
    // focus may still be coming back to the row from the closed dialog: let it land, then move it to
    // the filter and wait until the filter has it
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
    await page.focus('#sort-slowest')
    await page.waitForFunction(() => document.activeElement?.id === 'sort-slowest' || (document.getElementById('sort-slowest').focus(), false), null, { timeout: 3000 })
    await page.keyboard.press('Tab')
    const [rowId, firstId] = await page.evaluate(() => [document.activeElement.dataset.id, document.querySelector('#requests tbody tr')?.dataset.id])
    assert.equal(rowId, firstId, 'Tab goes from the filters to the first request row')
    const first = source.activities.find((a) => a.id === rowId)
    assert.ok(first, 'the row is one of the requests')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#waterfall[open]')
    assert.equal(await page.textContent('#waterfall-title'), `${first.method} ${first.url}`)
    await page.keyboard.press('Escape')
    await page.waitForSelector('#waterfall', { state: 'hidden' })
  })

  test('the routes table shows count, error rate and percentiles per route', async () => {
    await page.click('#tab-routes')
    await page.waitForSelector('#routes tbody tr')
    const rows = await page.$$eval('#routes tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)))
    const summaries = source.routes()
    assert.equal(rows.length, summaries.length)
    const orders = rows.find((r) => r[1] === '/orders')
    assert.deepEqual(orders.slice(0, 5), ['POST', '/orders', '1', '100.0%', '20.0'])
    const users = rows.find((r) => r[1] === '/users/:id')
    const usersSummary = summaries.find((s) => s.route === '/users/:id')
    assert.equal(users[2], String(usersSummary.count))
    assert.equal(users[6], usersSummary.wallMs.p99.toFixed(0), 'p99 duration')
    assert.match(users[10], /GET 127\.0\.0\.1:5001 ×\d+/)
    await page.screenshot({ path: new URL('routes.png', output).pathname })
  })

  test('the process charts draw the samples and update live', async () => {
    await page.click('#tab-process')
    await page.waitForSelector('.chart[data-points="20"] canvas')
    assert.deepEqual(await page.$$eval('.chart', (charts) => charts.map((c) => c.dataset.chart)), ['cpu', 'rss', 'heap', 'elu', 'delay', 'handles'])
    source.pushSample(makeSample(20, { cpuPercent: 73.5, rssMb: 123 }))
    await page.waitForSelector('.chart[data-chart="cpu"][data-points="21"]')
    assert.equal(await page.textContent('.chart[data-chart="cpu"] .latest'), '73.5 %')
    assert.equal(await page.textContent('.chart[data-chart="rss"] .latest'), '123 MB')
    // active handles: the total charted, each kind listed, largest first
    assert.equal(await page.textContent('.chart[data-chart="handles"] .latest'), '5')
    assert.equal(await page.textContent('.chart[data-chart="handles"] .kinds'), 'TCPSocketWrap 3 · Timeout 2')
    // the canvas has something drawn on it
    const inked = await page.$eval('.chart[data-chart="cpu"] canvas', (canvas) => {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
      let n = 0
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++
      return n
    })
    assert.ok(inked > 100, 'the chart canvas is drawn on')
    await page.screenshot({ path: new URL('process.png', output).pathname })
  })

  test('the startup view draws each plugin and application hook and the plugin tree', async () => {
    await page.click('#tab-startup')
    await page.waitForSelector('#startup-timeline svg')
    assert.equal(await page.$$eval('#startup-timeline rect[data-kind="plugin"]', (r) => r.length), startupView.plugins.length)
    assert.equal(await page.$$eval('#startup-timeline rect[data-kind="app-hook"]', (r) => r.length), startupView.hooks.length)
    assert.deepEqual(await page.$$eval('#plugin-tree summary', (s) => s.map((x) => x.textContent)), ['root', 'auth', 'users-routes'])
    await page.screenshot({ path: new URL('startup.png', output).pathname })
  })

  test('reads in dark mode too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.click('#tab-requests')
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.equal(bg, 'rgb(21, 24, 28)')
    await page.click(`#requests tr[data-id="${source.activities[1].id}"]`)
    await page.waitForSelector('#waterfall[open] svg')
    await page.screenshot({ path: new URL('waterfall-dark.png', output).pathname })
    await page.keyboard.press('Escape')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  test('the page logs no console errors', () => {
    assert.deepEqual(consoleErrors, [])
  })

  test("the app's close() does not wait for the open page", async () => {
    await app.close()
    await page.waitForSelector('#status.down')
  })
})
