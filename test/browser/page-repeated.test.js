// The live page flags a request that ran one database statement again and again (N+1): a mark on
// its row in the requests table, and a note in its request view naming the statement, the count
// and the time. A request without repeated statements has neither.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { findChromium, noChromium, TestSource, makeActivity, registerActivityPage } from './fixtures.js'

const executablePath = findChromium()
const skip = executablePath === null ? noChromium : false

/** An activity whose handler ran one list query, then the same query once per project (4). */
function nPlusOne () {
  const a = makeActivity({ route: '/projects' })
  const queries = [{ startMs: 5, wallMs: 2, name: 'SELECT projects' }, ...[0, 1, 2, 3].map((i) => ({ startMs: 8 + i * 3, wallMs: 2.5, name: 'SELECT tasks' }))]
  a.spans = queries.map((q) => ({ kind: 'db', name: q.name, startMs: q.startMs, wallMs: q.wallMs, attributes: { 'db.system.name': 'postgresql' } }))
  a.operations = [{ kind: 'db', name: 'SELECT tasks', count: 4, active: 0, wallMs: 10, cpuMs: null, maxBlockMs: null },
    { kind: 'db', name: 'SELECT projects', count: 1, active: 0, wallMs: 2, cpuMs: null, maxBlockMs: null }]
  a.leaks = []
  a.repeated = [{ summary: 'SELECT tasks', statement: 'SELECT id, title FROM tasks WHERE project_id = $1', count: 4, wallMs: 10 }]
  return a
}

describe('the page flags repeated queries (N+1)', { skip }, () => {
  let browser, page, app, source
  const consoleErrors = []

  before(async () => {
    const { chromium } = await import('playwright-core')
    source = new TestSource()
    app = weft()
    const access = registerActivityPage(app, source)
    await app.listen({ port: 0, host: '127.0.0.1' })
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    page.setDefaultTimeout(10_000)
    page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()) })
    page.on('pageerror', (err) => { consoleErrors.push(String(err)) })
    await page.goto(access.url()) // with the page's token
    await page.waitForSelector('#status.live')
  })

  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('the row of an N+1 request carries a visible flag; a plain request\'s does not', async () => {
    const plain = makeActivity()
    const flagged = nPlusOne()
    source.push(plain)
    source.push(flagged)
    await page.waitForSelector(`#requests tr[data-id="${flagged.id}"] .repeated-flag`)
    const flag = await page.$(`#requests tr[data-id="${flagged.id}"] .repeated-flag`)
    assert.equal(await flag.textContent(), 'N+1')
    assert.equal(await flag.getAttribute('title'), 'SELECT tasks ×4')
    assert.ok(await flag.isVisible())
    assert.equal(await page.$(`#requests tr[data-id="${plain.id}"] .repeated-flag`), null)
  })

  test('its request view names the repeated statement, how often and how long', async () => {
    const flagged = source.activities[0]
    await page.click(`#requests tr[data-id="${flagged.id}"]`)
    await page.waitForSelector('#waterfall[open] #waterfall-repeated:not([hidden])')
    const items = await page.$$eval('#waterfall-repeated-list li', (lis) => lis.map((li) => li.textContent))
    assert.equal(items.length, 1)
    assert.match(items[0], /^SELECT tasks ×4 \(10(\.0)? ?ms in all\)SELECT id, title FROM tasks WHERE project_id = \$1$/)
    assert.ok(await page.isVisible('#waterfall-repeated'))
    await page.keyboard.press('Escape')
    await page.waitForSelector('#waterfall', { state: 'hidden' })
  })

  test('a request without repeated statements shows no note', async () => {
    const plain = source.activities[1]
    await page.click(`#requests tr[data-id="${plain.id}"]`)
    await page.waitForSelector('#waterfall[open]')
    assert.equal(await page.isVisible('#waterfall-repeated'), false)
    await page.keyboard.press('Escape')
    await page.waitForSelector('#waterfall', { state: 'hidden' })
  })

  test('the page logs no console errors', () => {
    assert.deepEqual(consoleErrors, [])
  })
})
