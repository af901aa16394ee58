// The live page reads the JSON API (api/v1): a real observed app, requests made before the page is
// opened (so its rows are summaries), then one row opened in headless Chromium: the page fetches
// that request whole from requests/:id and draws its waterfall. Skipped without a chromium binary.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { observe } from 'weft/observe'
import { findChromium, noChromium } from '../browser/fixtures.js'

const executablePath = findChromium()

describe('the page on the JSON API', { skip: executablePath === null ? noChromium : false }, () => {
  let app, browser, page, origin
  const fetched = []
  const consoleErrors = []

  before(async () => {
    app = weft()
    await app.register(observe, { detail: 'resources', page: true })
    app.get('/a', async () => 'a')
    app.get('/timer', async () => {
      setTimeout(() => {}, 30_000).unref() // left running: one leak
      await new Promise((resolve) => setTimeout(resolve, 5))
      return 'timer'
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${app.server.address().port}`
    for (const path of ['/a', '/timer', '/a']) await (await fetch(origin + path)).text()
    for (let i = 0; i < 300 && app.observe.recentActivity().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const { chromium } = await import('playwright-core')
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    page.setDefaultTimeout(10_000)
    page.on('request', (r) => { fetched.push(new URL(r.url()).pathname) })
    page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()) })
    page.on('pageerror', (err) => { consoleErrors.push(String(err)) })
    await page.goto(app.observe.page.url())
    await page.waitForSelector('#status.live')
  })

  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('the first rows come from api/v1/requests as summaries, with their operation and leak counts', async () => {
    // the page shows them newest started first
    const stored = [...app.observe.recentActivity()].sort((x, y) => y.startedAt - x.startedAt)
    await page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr').length === n, stored.length)
    const rows = await page.$$eval('#requests tbody tr', (trs) => trs.map((tr) => ({ id: tr.dataset.id, cells: [...tr.cells].map((c) => c.textContent) })))
    assert.deepEqual(rows.map((r) => r.id), stored.map((a) => a.id))
    for (const [i, a] of stored.entries()) {
      assert.equal(rows[i].cells[6], String(a.operations.reduce((n, op) => n + op.count, 0)), `${a.url} operations`)
      assert.equal(rows[i].cells[7], String(a.leaks.length), `${a.url} leaks`)
    }
    assert.ok(fetched.some((p) => p.endsWith('/api/v1/requests')))
    assert.ok(fetched.some((p) => p.endsWith('/api/v1/process')))
    assert.ok(!fetched.some((p) => p.endsWith('.json')), 'no unversioned snapshot: ' + fetched.join(' '))
  })

  test('opening a summary row fetches the request whole and draws its waterfall', async () => {
    const timer = app.observe.recentActivity().find((a) => a.url === '/timer')
    await page.click(`#requests tbody tr[data-id="${timer.id}"]`)
    await page.waitForSelector('#waterfall[open] #waterfall-chart svg')
    assert.ok(fetched.includes(`/_weft/api/v1/requests/${timer.id}`))
    assert.equal(await page.$$eval('#waterfall-chart rect[data-kind="phase"]', (r) => r.length), timer.phases.length)
    assert.equal(await page.$$eval('#waterfall-chart [data-kind="leak"]', (m) => m.length), timer.leaks.length)
    assert.equal(timer.leaks.length, 1)
    assert.equal(await page.$$eval('#waterfall-operations tbody tr', (r) => r.length), timer.operations.length)
    await page.keyboard.press('Escape')
  })

  test('the routes and startup tabs read api/v1 too', async () => {
    await page.click('#tab-routes')
    await page.waitForFunction(() => document.querySelectorAll('#routes tbody tr').length === 2)
    const counts = await page.$$eval('#routes tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[1].textContent, tr.cells[2].textContent])))
    assert.deepEqual(counts, { '/a': '2', '/timer': '1' })
    await page.click('#tab-startup')
    await page.waitForSelector('#startup-timeline svg')
    assert.ok(fetched.some((p) => p.endsWith('/api/v1/routes')))
    assert.ok(fetched.some((p) => p.endsWith('/api/v1/startup')))
    assert.deepEqual(consoleErrors, [])
  })
})
