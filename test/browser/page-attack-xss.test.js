// The live page under attack in headless Chromium: a real Weft app whose routes, plugin, hook and
// decorator names, error messages, log lines, request ids, URLs and query strings carry XSS payloads.
// Every payload calls a binding if it runs; none may, in any view, and each shows as text.
import { after, before, describe, test } from 'node:test'
import { mkdirSync } from 'node:fs'
import assert from 'node:assert/strict'
import net from 'node:net'
import weft from 'weft'
import { observe } from 'weft/observe'
import fp from 'fastify-plugin'
import { findChromium, noChromium } from './fixtures.js'

const output = new URL('./output/', import.meta.url)
const shot = (page, name) => page.screenshot({ path: new URL(name, output).pathname })
const executablePath = findChromium()
const skip = executablePath === null ? noChromium : false

/**
 * Each payload calls `__pwn(name)` if it ever runs as script. `route: false` for those a route
 * pattern cannot hold (a `:` starts a parameter, a line break is no path).
 */
const PAYLOADS = [
  { name: 'script', text: `<script>__pwn('script')</script>` },
  { name: 'img', text: `<img src=x onerror="__pwn('img')">` },
  { name: 'svg', text: `"><svg onload=__pwn('svg')>` },
  { name: 'js-url', text: `javascript:__pwn('js-url')//`, route: false },
  { name: 'attr', text: `' onmouseover='__pwn("attr")' autofocus onfocus='__pwn("attr")' x='` },
  { name: 'template', text: '${__pwn("template")}{{constructor.constructor("__pwn(1)")()}}' },
  { name: 'breakout', text: `</title></style></textarea></script></svg><script>__pwn('breakout')</script>` },
  { name: 'iframe', text: `<iframe srcdoc="<script>parent.__pwn('iframe')</script>"></iframe>` },
  { name: 'link', text: `<a href="javascript:__pwn('link')" id=pwnlink>click</a>`, route: false },
  { name: 'rtl', text: '\u202Egnp.exe\u202C<b onclick=__pwn("rtl")>x</b>' },
  { name: 'zero-width', text: 'a\u200Bb\u200D\uFEFF<img src=x onerror=__pwn("zw")>' },
  { name: 'long', text: 'L'.repeat(3000) + `<img src=x onerror=__pwn('long')>` },
  { name: 'sse-frame', text: 'x\n\nevent: activity\ndata: {"id":"forged"}\n\r\n\u2028<img src=x onerror=__pwn("sse")>', route: false }
]

/**
 * What the page draws for a text: characters that change how text reads without showing themselves
 * (bidi overrides, embeddings and isolates, zero-width ones) appear as ⟨U+202E⟩ (docs/page.md).
 */
const shown = (text) => text.replace(/[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g,
  (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`)

/** A request target as an attacker sends it: printable ASCII raw, anything else percent-encoded. */
function onTheWire (text) {
  let out = ''
  for (const ch of text) out += /[!-~]/.test(ch) && ch !== '#' && ch !== '%' ? ch : encodeURIComponent(ch)
  return out
}

/** One request over a raw socket (no client-side escaping): the status and the request id it carried. */
function send (port, target, headers) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let reply = ''
    socket.setEncoding('latin1')
    socket.on('data', (d) => { reply += d })
    socket.on('error', reject)
    socket.on('end', () => resolve(Number(reply.slice(9, 12))))
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n', 'latin1')
  })
}

/** The names of functions are payloads too. */
const named = (name, fn) => Object.defineProperty(fn, 'name', { value: name })

describe('the live page shows hostile text as text, in every view', { skip }, () => {
  let browser, page, app, port, pageUrl
  const ran = []
  const dialogs = []
  const sent = [] // { payload, target, id, status, route }
  const routePayloads = PAYLOADS.filter((p) => p.route !== false)
  const longHook = PAYLOADS.find((p) => p.name === 'long')

  async function sendAll (round) {
    for (const [i, p] of PAYLOADS.entries()) {
      // what the server reads: the id's UTF-8 bytes as latin1 (Node's reading of header bytes)
      const id = onTheWireHeader(`${round}${i}~${p.text}`)
      const headers = { 'x-request-id': id, 'user-agent': onTheWireHeader(p.text.slice(-200)), referer: onTheWireHeader(p.text.slice(-200)) }
      if (p.route !== false) {
        const target = onTheWire(`/xss/${PAYLOADS.indexOf(p)}/${p.text}`)
        sent.push({ payload: p, target, id, route: `/xss/${PAYLOADS.indexOf(p)}/${p.text}`, status: await send(port, target, headers) })
      }
      const target = onTheWire(`/nowhere/${p.text}`) + '?q=' + onTheWire(p.text)
      sent.push({ payload: p, target, id: id + '~404', route: null, status: await send(port, target, { ...headers, 'x-request-id': id + '~404' }) })
    }
  }
  /** Header values: no line breaks; non-ASCII goes as its UTF-8 bytes (Node reads them as latin1). */
  const onTheWireHeader = (text) => Buffer.from(text.replace(/[\r\n]/g, ' ')).toString('latin1')

  before(async () => {
    const { chromium } = await import('playwright-core')
    app = weft({ logger: { level: 'info', stream: { write () {} } }, requestIdHeader: 'x-request-id' })
    await app.register(observe, { detail: 'resources', page: { flushMs: 50 } })
    // plugin names: fastify-plugin's meta name and a plain function's name
    await app.register(fp(async function () {}, { name: PAYLOADS[0].text }))
    await app.register(named(PAYLOADS[2].text, async (scope) => { scope.decorate(PAYLOADS[1].text, 1) }))
    await app.register(named(PAYLOADS[7].text, async () => {}))
    await app.register(named(PAYLOADS[9].text, async () => {}))
    // hook names: every request runs these
    for (const p of [PAYLOADS[1], PAYLOADS[4], longHook]) app.addHook('onRequest', named(p.text, async () => {}))
    app.addHook('onReady', named(PAYLOADS[6].text, async () => {}))
    for (const p of routePayloads) {
      app.get(`/xss/${PAYLOADS.indexOf(p)}/${p.text}`, async (request) => {
        request.log.info(p.text)
        const error = new Error(p.text)
        error.code = p.text
        error.name = p.text
        throw error
      })
    }
    app.setNotFoundHandler(async (request, reply) => {
      request.log.warn(PAYLOADS.at(-1).text)
      return reply.code(404).send({ message: PAYLOADS.at(-1).text })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = app.server.address().port
    pageUrl = app.observe.page.url()
    await sendAll('a') // before the page loads: they come in the snapshot

    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    page.setDefaultTimeout(15_000)
    await page.exposeFunction('__pwn', (name) => { ran.push(String(name)) })
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}) })
    page.on('popup', () => { ran.push('popup') })
    await page.goto(pageUrl)
    await page.waitForSelector('#status.live')
    await sendAll('b') // while it is open: they come over the event stream
  }, { timeout: 120_000 })

  after(async () => {
    await browser?.close()
    await app?.close()
  })

  /** Nothing ran, and nothing hostile is in the document: no handler attribute, no foreign element. */
  async function assertInert (where) {
    assert.deepEqual(ran, [], `no payload ran (${where})`)
    assert.deepEqual(dialogs, [], `no dialog (${where})`)
    const dom = await page.evaluate(() => {
      const handlers = []
      for (const node of document.querySelectorAll('*')) {
        for (const attr of node.attributes) {
          if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value) && /^(href|src|action|formaction|xlink:href)$/i.test(attr.name)) handlers.push(`${node.tagName} ${attr.name}`)
        }
      }
      return {
        handlers,
        scripts: [...document.scripts].map((s) => new URL(s.src).pathname),
        foreign: [...document.querySelectorAll('img, iframe, object, embed, a, b, base, form:not(#filters), meta[http-equiv], #pwnlink')].map((n) => n.outerHTML.slice(0, 120)),
        pwned: window.__pwned === undefined
      }
    })
    assert.deepEqual(dom.handlers, [], `no event-handler attribute or javascript: URL (${where})`)
    assert.deepEqual(dom.scripts, ['/_weft/assets/uPlot.iife.min.js', '/_weft/assets/page.js'], `only the page's two scripts (${where})`)
    assert.deepEqual(dom.foreign, [], `no element a payload would make (${where})`)
  }

  test('every request reached the app over a raw socket, hostile bytes and all', () => {
    assert.equal(sent.length, 2 * (routePayloads.length + PAYLOADS.length))
    for (const s of sent) assert.equal(s.status, s.route === null ? 404 : 500, s.target.slice(0, 80))
  })

  test('requests view: every row is there and each route (or URL) reads literally', async () => {
    await page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr').length >= n, sent.length)
    const rows = await page.$$eval('#requests tbody tr', (trs) => trs.map((tr) => ({ id: tr.dataset.id, route: tr.querySelector('td.route').textContent, title: tr.querySelector('td.route').title })))
    assert.equal(rows.length, sent.length, 'one row per request, none hidden or forged')
    for (const s of sent) {
      const row = rows.find((r) => r.id === s.id)
      assert.ok(row, `a row for ${s.id.slice(0, 60)}`)
      assert.equal(row.route, shown(s.route ?? `(no route) ${s.target}`), s.payload.name)
      assert.equal(row.title, s.target)
    }
    mkdirSync(output, { recursive: true })
    await shot(page, 'attack-requests.png')
    await assertInert('requests')
  })

  // 46 waterfalls opened and closed: about 20 s on a loaded machine, more than the suite's default allows on a slower one
  test("waterfall: each request's title, route, error, hooks and log lines read literally", { timeout: 180_000 }, async () => {
    for (const s of sent) {
      await page.click(`#requests tbody tr[data-id="${await page.evaluate((id) => CSS.escape(id), s.id)}"] td.route`)
      await page.waitForSelector('#waterfall[open] #waterfall-chart svg')
      const view = await page.evaluate(() => ({
        title: document.getElementById('waterfall-title').textContent,
        facts: Object.fromEntries([...document.querySelectorAll('#waterfall-facts > div')].map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])),
        titles: [...document.querySelectorAll('#waterfall-chart title')].map((t) => t.textContent)
      }))
      if (s.payload.name === 'long' && s.route !== null) await shot(page, 'attack-waterfall-long.png')
      await page.keyboard.press('Escape')
      await page.waitForSelector('#waterfall', { state: 'hidden' })
      assert.equal(view.title, `GET ${s.target}`)
      assert.equal(view.facts.id, s.id)
      assert.equal(view.facts.route, shown(s.route ?? '(no route)'))
      if (s.route !== null) {
        assert.equal(view.facts.error, shown(s.payload.text), `the error message of ${s.payload.name}`)
        assert.ok(view.titles.some((t) => t.startsWith(`info ${shown(s.payload.text)} at `)), `the log line of ${s.payload.name}`)
      } else {
        assert.ok(view.titles.some((t) => t.startsWith(`warn ${PAYLOADS.at(-1).text} at `)), 'the 404 handler\'s log line')
      }
      for (const hook of [PAYLOADS[1], PAYLOADS[4], longHook]) {
        assert.ok(view.titles.some((t) => t.startsWith(`onRequest hook ${shown(hook.text)}: `)), `the hook named ${hook.name}`)
      }
    }
    await assertInert('waterfall')
  })

  test('filters: each hostile route is an option that reads literally and selects only its rows', async () => {
    const options = await page.$$eval('#filter-route option', (os) => os.map((o) => ({ value: o.value, text: o.textContent })))
    for (const p of routePayloads) {
      const route = `/xss/${PAYLOADS.indexOf(p)}/${p.text}`
      const option = options.find((o) => o.value === route)
      assert.ok(option, `an option for ${p.name}`)
      assert.equal(option.text, shown(route))
      await page.selectOption('#filter-route', route)
      const want = sent.filter((s) => s.route === route).map((s) => s.id).sort()
      await page.waitForFunction((ids) => [...document.querySelectorAll('#requests tbody tr')].map((tr) => tr.dataset.id).sort().join('\n') === ids.join('\n'), want).catch(() => {})
      assert.deepEqual((await page.$$eval('#requests tbody tr', (trs) => trs.map((tr) => tr.dataset.id))).sort(), want)
    }
    await page.selectOption('#filter-route', '')
    await page.selectOption('#filter-status', '4')
    await page.check('#sort-slowest')
    await page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr').length === n, sent.filter((s) => s.status === 404).length)
    await page.uncheck('#sort-slowest')
    await page.selectOption('#filter-status', '')
    await assertInert('filters')
  })

  test('text that hides itself or runs long neither disguises nor pushes away what the page shows', async () => {
    await page.click('#tab-requests')
    // no bidi override or zero-width character reaches the document's text or its titles: each shows as ⟨U+…⟩
    const hidden = await page.evaluate(() => {
      const re = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/
      const out = []
      if (re.test(document.body.textContent)) out.push('body text')
      for (const node of document.querySelectorAll('[title], [aria-label], option')) {
        for (const v of [node.getAttribute('title'), node.getAttribute('aria-label'), node.tagName === 'OPTION' ? node.textContent : null]) if (v && re.test(v)) out.push(node.tagName)
      }
      return out
    })
    assert.deepEqual(hidden, [])
    const rtl = sent.find((s) => s.payload.name === 'rtl' && s.route !== null)
    const cell = await page.$eval(`#requests tbody tr[data-id="${await page.evaluate((id) => CSS.escape(id), rtl.id)}"] td.route`, (td) => td.textContent)
    assert.equal(cell, `/xss/${PAYLOADS.indexOf(rtl.payload)}/⟨U+202E⟩gnp.exe⟨U+202C⟩<b onclick=__pwn("rtl")>x</b>`)
    // a 3 000-character route is an option of the route filter: the other filters stay on screen
    const width = page.viewportSize().width
    for (const id of ['#filter-route', '#filter-status', '#sort-slowest']) {
      const box = await page.locator(id).boundingBox()
      assert.ok(box !== null && box.x + box.width <= width, `${id} within the ${width}px window: ${JSON.stringify(box)}`)
    }
    // and in its waterfall every fact stays inside the dialog
    const long = sent.find((s) => s.payload.name === 'long' && s.route !== null)
    await page.click(`#requests tbody tr[data-id="${await page.evaluate((id) => CSS.escape(id), long.id)}"] td.route`)
    await page.waitForSelector('#waterfall[open] #waterfall-chart svg')
    const outside = await page.evaluate(() => {
      const right = document.getElementById('waterfall').getBoundingClientRect().right
      return [...document.querySelectorAll('#waterfall-facts dd')].filter((dd) => dd.getBoundingClientRect().right > right + 1).map((dd) => dd.previousElementSibling.textContent)
    })
    await page.keyboard.press('Escape')
    await page.waitForSelector('#waterfall', { state: 'hidden' })
    assert.deepEqual(outside, [], 'facts that run out of the dialog')
    await assertInert('hidden and long text')
  })

  test('routes view: each hostile pattern reads literally', async () => {
    await page.click('#tab-routes')
    await page.waitForFunction((n) => document.querySelectorAll('#routes tbody tr').length >= n, routePayloads.length)
    const cells = await page.$$eval('#routes tbody td.route', (tds) => tds.map((td) => td.textContent))
    for (const p of routePayloads) assert.ok(cells.includes(shown(`/xss/${PAYLOADS.indexOf(p)}/${p.text}`)), p.name)
    await assertInert('routes')
  })

  test('startup view: hostile plugin, hook and decorator names read literally', async () => {
    await page.click('#tab-startup')
    await page.waitForSelector('#startup-timeline svg')
    const view = await page.evaluate(() => ({
      texts: [...document.querySelectorAll('#startup-timeline text')].map((t) => t.textContent),
      bars: [...document.querySelectorAll('#startup-timeline rect title')].map((t) => t.textContent),
      summaries: [...document.querySelectorAll('#plugin-tree summary')].map((s) => s.textContent),
      facts: [...document.querySelectorAll('#plugin-tree .facts-line')].map((d) => d.textContent)
    }))
    // a label fits its column (28 characters), the bar's title holds the whole name
    for (const p of [PAYLOADS[0], PAYLOADS[2], PAYLOADS[7], PAYLOADS[9]]) {
      assert.ok(view.bars.some((t) => t.startsWith(`${shown(p.text)}: `)), `the plugin named ${p.name} on the timeline`)
      const label = shown(p.text).length > 28 ? shown(p.text).slice(0, 27) + '…' : shown(p.text)
      assert.ok(view.texts.includes(label), `its label: ${label}`)
    }
    // fastify-plugin's plugin adds no scope of its own: the others are scopes of the tree
    for (const p of [PAYLOADS[2], PAYLOADS[7], PAYLOADS[9]]) assert.ok(view.summaries.includes(shown(p.text)), `the plugin named ${p.name} in the tree`)
    await shot(page, 'attack-startup.png')
    assert.ok(view.bars.some((t) => t.startsWith(`onReady ${PAYLOADS[6].text}: `)), 'the onReady hook named by a payload')
    assert.ok(view.facts.includes(`decorators: ${PAYLOADS[1].text}`), 'the decorator named by a payload')
    for (const p of routePayloads) assert.ok(view.facts.some((f) => f.includes(shown(`GET /xss/${PAYLOADS.indexOf(p)}/${p.text}`))), `the route of ${p.name} in the tree`)
    await assertInert('startup')
  })

  test('process view draws, and the page is still inert', async () => {
    await page.click('#tab-process')
    await page.waitForSelector('#charts .chart')
    await page.click('#tab-requests')
    // hovering and focusing every row would fire an onmouseover/onfocus a payload planted
    for (const row of (await page.$$('#requests tbody tr')).slice(0, 10)) { await row.hover(); await row.focus() }
    await assertInert('process')
  })

  test('a client cannot hide its requests by reusing an X-Request-Id: each request gets its own row and waterfall', async () => {
    // with requestIdHeader on, the id is the client's to choose: three requests share one
    await page.click('#tab-requests')
    const before = await page.$$eval('#requests tbody tr', (trs) => trs.length)
    const id = sent[0].id
    const targets = ['/nowhere/dup-1', '/nowhere/dup-2', '/nowhere/dup-3']
    for (const target of targets) assert.equal(await send(port, target, { 'x-request-id': id }), 404)
    await page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr').length >= n, before + targets.length).catch(() => {})
    const rows = await page.$$eval('#requests tbody tr', (trs) => trs.map((tr) => ({ id: tr.dataset.id, route: tr.querySelector('td.route').textContent })))
    const dups = rows.filter((r) => r.route.includes('/dup-'))
    assert.ok(dups.every((r) => r.id === id))
    assert.deepEqual(dups.map((r) => r.route).sort(), targets.map((t) => `(no route) ${t}`), 'one row per request, whatever its id')
    assert.equal(await page.$$eval('#requests tbody tr', (trs) => trs.length), before + targets.length)
    // each opens its own waterfall
    for (const target of targets) {
      await page.click(`#requests tbody tr td.route[title="${target}"]`)
      await page.waitForSelector('#waterfall[open]')
      assert.equal(await page.textContent('#waterfall-title'), `GET ${target}`)
      await page.keyboard.press('Escape')
      await page.waitForSelector('#waterfall', { state: 'hidden' })
    }
    await assertInert('shared ids')
  })

  test('the CSP the page is sent allows only its own scripts (no inline, no eval); an injected script and handlers are blocked', async () => {
    const res = await fetch(pageUrl)
    const csp = Object.fromEntries(res.headers.get('content-security-policy').split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]))
    assert.deepEqual(csp['default-src'], ["'none'"])
    assert.deepEqual(csp['script-src'], ["'self'"], 'no unsafe-inline, no unsafe-eval, no other origin')
    assert.deepEqual(csp['connect-src'], ["'self'"])
    assert.deepEqual(csp['base-uri'], ["'none'"])
    assert.deepEqual(csp['frame-ancestors'], ["'none'"])
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    await res.body?.cancel()
    // what an injection would do if the page ever put a payload into markup: CSP stops it
    const outcome = await page.evaluate(async () => {
      const violations = []
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective))
      const s = document.createElement('script')
      s.textContent = "__pwn('inline-script')"
      document.body.append(s)
      const holder = document.createElement('div')
      holder.innerHTML = `<img src="data:," onerror="__pwn('inline-handler')"><img src="/nope" onerror="__pwn('inline-handler2')">`
      document.body.append(holder)
      await new Promise((resolve) => setTimeout(resolve, 300))
      holder.remove()
      s.remove()
      return { violations }
    })
    assert.ok(outcome.violations.some((v) => v.startsWith('script-src')), `a script-src violation was reported: ${outcome.violations}`)
    assert.deepEqual(ran, [], 'the injected script and handlers did not run')
  })
})
