#!/usr/bin/env node
// Draws docs/page-waterfall.png (the README's picture) from a real run of the demo: starts
// `examples/observe-demo.js` on a free port, sends it real requests (a JSON login, the N+1 route,
// file reads, an outgoing call), opens the live page (with its token) in Debian's chromium and
// photographs one request's waterfall. Usage: node scripts/demo-screenshot.mjs [route, default /login]
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const route = process.argv[2] ?? '/login'
const out = new URL('../docs/page-waterfall.png', import.meta.url)

const demo = spawn(process.execPath, ['examples/observe-demo.js'], { cwd: root, env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] })
const stop = () => { if (demo.exitCode === null) demo.kill('SIGTERM') }
process.on('exit', stop)

try {
  const pageUrl = await new Promise((resolve, reject) => {
    let text = ''
    demo.stdout.on('data', (chunk) => {
      text += chunk
      const found = /live page:\s+(\S+)/.exec(text)
      if (found !== null) resolve(found[1])
    })
    demo.on('exit', (code) => { reject(new Error(`the demo exited (${code}) before it printed its page URL:\n${text}`)) })
  })
  const origin = new URL(pageUrl).origin
  const send = (path, init) => fetch(origin + path, init).then((res) => res.arrayBuffer())
  const login = () => send('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: 'weft' }) })
  // warm up, then the requests the picture is made of
  for (const path of ['/tasks', '/files', '/upstream']) await send(path)
  await login()
  await Promise.all([send('/tasks'), send('/tasks/slow'), send('/files'), send('/upstream'), send('/zip'), send('/wait')])
  await login()

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 })
    await page.goto(pageUrl)
    await page.waitForSelector('#status.live')
    const row = `#requests tr:has(td:text-is("${route}"))`
    await page.waitForSelector(row)
    await page.click(row)
    await page.waitForSelector('#waterfall[open] #waterfall-chart svg')
    await page.waitForTimeout(300)
    writeFileSync(out, await page.screenshot())
    console.log(`wrote ${fileURLToPath(out)} (the waterfall of ${route} in a real run of the demo)`)
  } finally {
    await browser.close()
  }
} finally {
  stop()
}
