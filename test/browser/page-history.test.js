// The live page reads observe's history in headless Chromium: two app processes, one after the other,
// write one history file; a third serves the page, whose run picker lists the live run and both kept
// runs (start time, request count), shows a kept run's requests and routes, opens its requests, and
// compares a request of one run with one of another (the added and no-longer-run operations exactly).
// Without history the page says nothing about runs. History needs node:sqlite (Node 22.5+).
// Screenshots go to test/browser/output/ (docs/page-history.png with WEFT_PAGE_SCREENSHOT_DOCS=1).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { findChromium, noChromium } from './fixtures.js'

const APP = fileURLToPath(new URL('./fixtures/history-app.mjs', import.meta.url))
const output = new URL('./output/', import.meta.url)
const executablePath = findChromium()
const hasSqlite = (() => { try { return process.getBuiltinModule?.('node:sqlite') !== undefined } catch { return false } })()
const noSqlite = `no node:sqlite on Node ${process.version} (history needs Node 22.5 or later; observe's history option refuses to register here)`

// what each run's GET /a does, and how many times it is asked: by construction
const RUN1 = { timers: 2, reads: 0, requests: 3 }
const RUN2 = { timers: 0, reads: 3, requests: 5 }
const LIVE = { timers: 1, reads: 1, requests: 1 }
// the operation a fs.promises readFile is: Node 26 reads a small file in one thread-pool job, which
// weft/async names fs.readFile; Node 20-24 chain promise requests around a FileHandle (src/async/node-support.ts)
const FS_NAME = Number(process.versions.node.split('.')[0]) >= 26 ? 'fs.readFile' : 'fs.promises'
const FS = 'fs ' + FS_NAME

/** Starts the fixture app (history in `file`, or none with '-') and sends GET /a `requests` times over real sockets. */
async function startApp (file, { timers, reads, requests }) {
  const spawnedAt = Date.now()
  const child = spawn(process.execPath, ['--no-warnings', APP, file, String(timers), String(reads)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c })
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  const line = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c) => { out += c; if (out.includes('\n')) resolve(out.split('\n')[0]) })
    child.on('exit', () => reject(new Error('the app exited before listening: ' + stderr)))
  })
  const listenedAt = Date.now()
  const { port, page } = JSON.parse(line)
  const origin = `http://127.0.0.1:${port}`
  for (let i = 0; i < requests; i++) assert.equal(await (await fetch(origin + '/a')).text(), 'a')
  const close = async () => {
    await (await fetch(origin + '/close', { method: 'POST' })).text()
    assert.equal(await exited, 0, stderr)
  }
  return { origin, page, token: new URL(page).searchParams.get('token'), spawnedAt, listenedAt, close, child }
}

/** `2026-12-07 21:40:01` in local time, as the page writes a run's start. */
function dateTime (epochMs) {
  const d = new Date(epochMs)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

async function launch () {
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
  page.setDefaultTimeout(10_000)
  const errors = []
  const apiCalls = []
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()) })
  page.on('pageerror', (err) => { errors.push(String(err)) })
  page.on('request', (r) => { if (r.url().includes('/api/v1/')) apiCalls.push(new URL(r.url()).pathname + new URL(r.url()).search) })
  return { browser, page, errors, apiCalls }
}

const rowRoutes = (page) => page.$$eval('#requests tbody tr', (rows) => rows.map((r) => r.children[2].textContent))
const waitRows = (page, n) => page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr').length === n, n)

describe('the page reads history: a run picker, kept runs, compare across runs', { skip: executablePath === null ? noChromium : !hasSqlite ? noSqlite : false }, () => {
  let dir, file, run1, run2, live, browser, page, errors, apiCalls, runs

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-page-history-'))
    file = join(dir, 'history.db')
    run1 = await startApp(file, RUN1)
    await run1.close()
    run2 = await startApp(file, RUN2)
    await run2.close()
    live = await startApp(file, LIVE);
    ({ browser, page, errors, apiCalls } = await launch())
    await page.goto(live.page)
    await page.waitForSelector('#status.live')
    runs = await (await fetch(live.origin + '/_weft/api/v1/runs', { headers: { authorization: 'Bearer ' + live.token } })).json()
  })

  after(async () => {
    await browser?.close()
    if (live?.child.exitCode === null) await live.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  test('the picker lists the live run and each kept run with its start time and request count', async () => {
    const schema = await (await fetch(live.origin + '/_weft/api/v1/schema/runs.json', { headers: { authorization: 'Bearer ' + live.token } })).json()
    const validate = new Ajv({ allErrors: true }).compile(schema)
    assert.ok(validate(runs), JSON.stringify(validate.errors))
    assert.equal(runs.runs.length, 3)
    const [third, second, first] = runs.runs
    assert.equal(runs.current, third.run, 'the API names the run this process writes')
    assert.ok(first.run < second.run && second.run < third.run)
    // each run started between its process's spawn and its listening (ground truth by construction)
    for (const [r, app] of [[first, run1], [second, run2], [third, live]]) assert.ok(r.startedAt >= app.spawnedAt && r.startedAt <= app.listenedAt, `run ${r.run} started while its process booted`)
    await page.waitForFunction(() => document.querySelectorAll('#run-picker option').length === 3)
    const options = await page.$$eval('#run-picker option', (os) => os.map((o) => ({ value: o.value, text: o.textContent, ...o.dataset })))
    assert.deepEqual(options.map((o) => [o.value, o.run, o.requests, Number(o.startedAt)]), [
      ['live', String(third.run), String(LIVE.requests), third.startedAt],
      [String(second.run), String(second.run), String(RUN2.requests), second.startedAt],
      [String(first.run), String(first.run), String(RUN1.requests), first.startedAt]
    ])
    assert.deepEqual(options.map((o) => o.text), [
      `live run ${third.run} · started ${dateTime(third.startedAt)} · 1 request`,
      `run ${second.run} · started ${dateTime(second.startedAt)} · 5 requests`,
      `run ${first.run} · started ${dateTime(first.startedAt)} · 3 requests`
    ])
    assert.equal(await page.$eval('#run-picker', (s) => s.value), 'live')
    assert.equal(await page.$eval('body', (b) => b.dataset.run), 'live')
    assert.equal(await page.$eval('#run-note', (n) => n.hidden), true)
  })

  test("a kept run's requests and route summaries come from the history", async () => {
    const [, second, first] = runs.runs
    for (const [run, made] of [[first, RUN1], [second, RUN2]]) {
      await page.selectOption('#run-picker', String(run.run))
      await page.waitForFunction((r) => document.body.dataset.run === r, String(run.run))
      await waitRows(page, made.requests)
      assert.deepEqual(await rowRoutes(page), Array(made.requests).fill('/a'))
      assert.equal(await page.$eval('#request-count', (c) => c.textContent), `${made.requests} of ${made.requests} shown · run ${run.run}`)
      assert.equal(await page.$eval('#run-note', (n) => n.hidden), false, 'the page says Process and Startup stay live')
      await page.click('#tab-routes')
      await page.waitForFunction((n) => [...document.querySelectorAll('#routes tbody tr')].some((tr) => tr.children[1].textContent === '/a' && tr.children[2].textContent === String(n)), made.requests)
      const ops = await page.$eval('#routes tbody tr', (tr) => tr.children[10].textContent)
      assert.equal(ops, [made.timers > 0 ? `setTimeout ×${made.timers * made.requests}` : null, made.reads > 0 ? `${FS_NAME} ×${made.reads * made.requests}` : null].filter(Boolean).join(', '))
      await page.click('#tab-requests')
    }
    await page.selectOption('#run-picker', 'live')
    await page.waitForFunction(() => document.body.dataset.run === 'live')
    await waitRows(page, LIVE.requests)
    assert.match(await page.$eval('#request-count', (c) => c.textContent), /^1 of 1 shown$/)
  })

  /** Opens the first row of the run picked ('live' or a number) and returns the waterfall's operations as `kind name ×count`. */
  async function openFirst (value) {
    await page.selectOption('#run-picker', value)
    await page.waitForFunction((r) => document.body.dataset.run === r, value)
    await page.waitForSelector('#requests tbody tr')
    await page.click('#requests tbody tr')
    await page.waitForSelector('#waterfall[open]')
    return page.$$eval('#waterfall-operations tbody tr', (rows) => rows.map((r) => `${r.children[0].textContent} ${r.children[1].textContent} ×${r.children[2].textContent}`))
  }
  const facts = () => page.$$eval('#waterfall-facts div', (ds) => Object.fromEntries(ds.map((d) => [d.children[0].textContent, d.children[1].textContent])))
  const close = async () => { await page.click('#waterfall-close'); await page.waitForSelector('#waterfall:not([open])', { state: 'attached' }) }

  test('a request of one run compared with one of another names the operations added and no longer run', async () => {
    const [third, second, first] = runs.runs
    // a kept request opens from the history, with the operations it did
    assert.deepEqual(await openFirst(String(first.run)), ['timer setTimeout ×2'])
    assert.equal((await facts()).run, `${first.run} (kept in the history)`)
    await page.click('#compare-baseline')
    const baselineId = (await facts()).id
    assert.equal(await page.$eval('#compare-baseline-name', (n) => n.textContent), `baseline: GET /a (${baselineId}, run ${first.run})`)
    assert.equal(await page.$eval('#compare-run', (b) => b.hidden), true, 'no compare with itself')
    await close()

    assert.deepEqual(await openFirst(String(second.run)), [`${FS} ×3`])
    await page.click('#compare-run')
    await page.waitForSelector('#waterfall-compare:not([hidden])')
    const changes = await page.$$eval('#waterfall-compare-ops li', (ls) => ls.map((l) => [l.dataset.change, l.dataset.operation, Number(l.dataset.count)]))
    assert.deepEqual(changes, [['added', FS, RUN2.reads], ['removed', 'timer setTimeout', RUN1.timers]])
    const shownId = (await facts()).id
    assert.equal(await page.$eval('#waterfall-compare-title', (h) => h.textContent), `GET /a (${shownId}, run ${second.run}) compared with the baseline GET /a (${baselineId}, run ${first.run})`)
    const text = await page.$eval('#waterfall-compare-text', (p) => p.textContent)
    assert.ok(text.includes(`\nadded operations: ${FS} ×3 (`), text)
    assert.match(text, /^operations no longer run: timer setTimeout ×2 \(/m)
    assert.match(text, /deltas are the second minus the first/)
    mkdirSync(output, { recursive: true })
    const shot = await page.screenshot({ path: new URL('page-history.png', output).pathname })
    if (process.env.WEFT_PAGE_SCREENSHOT_DOCS === '1') writeFileSync(new URL('../../docs/page-history.png', import.meta.url), shot)
    await close()

    // the live run against the same kept baseline: the timers stay (2 → 1), the file read is new
    assert.deepEqual((await openFirst('live')).sort(), [`${FS} ×1`, 'timer setTimeout ×1'])
    assert.equal((await facts()).run, undefined, 'a live request names no kept run')
    await page.click('#compare-run')
    await page.waitForSelector('#waterfall-compare:not([hidden])')
    assert.deepEqual(await page.$$eval('#waterfall-compare-ops li', (ls) => ls.map((l) => [l.dataset.change, l.dataset.operation, Number(l.dataset.count)])), [['added', FS, LIVE.reads]])
    assert.ok(apiCalls.some((c) => c.includes('/api/v1/compare?') && c.includes(`aRun=${first.run}`) && c.includes('bStartedAt=')), apiCalls.join('\n'))
    await close()
    assert.equal(third.run, runs.current)
  })

  test('the compare resource takes a request of each run (aRun, bRun) and says what is wrong', async () => {
    const [, second, first] = runs.runs
    const headers = { authorization: 'Bearer ' + live.token }
    const api = (q) => fetch(`${live.origin}/_weft/api/v1/compare?${new URLSearchParams(q)}`, { headers })
    const idOf = async (run) => (await (await fetch(`${live.origin}/_weft/api/v1/requests?run=${run}&limit=1`, { headers })).json()).requests[0].id
    const res = await api({ a: await idOf(first.run), aRun: first.run, b: await idOf(second.run), bRun: second.run })
    assert.equal(res.status, 200)
    const { comparison } = await res.json()
    assert.deepEqual(comparison.operations.added.map((o) => [o.operation, o.count]), [[FS, 3]])
    assert.deepEqual(comparison.operations.removed.map((o) => [o.operation, o.count]), [['timer setTimeout', 2]])
    const bad = await api({ a: 'req-1', aRun: 'x', b: 'req-1' })
    assert.equal(bad.status, 400)
    assert.equal((await bad.json()).parameter, 'aRun')
    const gone = await api({ a: 'req-1', b: 'req-1', bRun: '999' })
    assert.equal(gone.status, 404)
    assert.deepEqual(await gone.json().then((e) => [e.parameter, /no run 999/.test(e.message)]), ['bRun', true])
    const missing = await api({ a: 'no-such-id', aRun: String(first.run), b: 'req-1' })
    assert.equal(missing.status, 404)
    assert.equal((await missing.json()).parameter, 'a')
  })

  test('no console errors', () => {
    assert.deepEqual(errors, [])
  })
})

describe('without history the page says nothing about runs', { skip: executablePath === null ? noChromium : false }, () => {
  let app, browser, page, errors, apiCalls

  before(async () => {
    // on Node 20 (no node:sqlite) observe refuses the history option, so this is the page there too
    app = await startApp('-', LIVE);
    ({ browser, page, errors, apiCalls } = await launch())
    await page.goto(app.page)
    await page.waitForSelector('#status.live')
    await page.waitForSelector('#requests tbody tr')
  })

  after(async () => {
    await browser?.close()
    await app?.close()
  })

  test('no picker, no word of runs, and the page never asks for them', async () => {
    // the first call to runs would come right after the first snapshot: wait past one refresh of the requests
    await page.waitForTimeout(500)
    assert.equal(await page.$('#run-picker'), null)
    assert.equal(await page.$eval('body', (b) => b.dataset.run), undefined)
    assert.doesNotMatch(await page.$eval('header', (h) => h.textContent), /\brun\b/i)
    assert.deepEqual(apiCalls.filter((c) => c.includes('/runs')), [])
    assert.equal(await page.$eval('meta[name="weft-page-history"]', (m) => m.content), 'off')
    // a request opens and compares as before, with no run named
    await page.click('#requests tbody tr')
    await page.waitForSelector('#waterfall[open]')
    await page.click('#compare-baseline')
    assert.doesNotMatch(await page.$eval('#compare-baseline-name', (n) => n.textContent), /run/)
    const headers = { authorization: 'Bearer ' + app.token }
    const runs = await fetch(app.origin + '/_weft/api/v1/runs', { headers })
    assert.equal(runs.status, 404)
    const compare = await fetch(app.origin + '/_weft/api/v1/compare?a=req-1&aRun=1&b=req-1', { headers })
    assert.equal(compare.status, 404)
    assert.match((await compare.json()).message, /history option is off/)
    assert.deepEqual(errors, [])
  })
})
