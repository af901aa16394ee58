// Helpers of the CLI suites: `bin/weft.js` run as a user runs it (a child process of the Node running
// the tests), and the demo app with requests made to it over real sockets.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startDemo } from './fixtures/demo-app.mjs'

export const WEFT = fileURLToPath(new URL('../../bin/weft.js', import.meta.url))

/** Runs `weft <args>` to its end: `{ code, stdout, stderr }`. Colour settings of the test's environment are dropped unless `env` sets them. */
export function weft (args, { env = {}, nodeArgs = [] } = {}) {
  const base = { ...process.env }
  delete base.FORCE_COLOR
  delete base.NO_COLOR
  delete base.WEFT_URL
  const child = spawn(process.execPath, [...nodeArgs, WEFT, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c })
  child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c })
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return Object.assign(done, { child, output: () => ({ stdout, stderr }) })
}

/** The demo app listening, and `call(method, path)` over a real socket that resolves once its activity is stored. */
export async function demo (t) {
  const app = await startDemo()
  t.after(() => app.close())
  const origin = `http://127.0.0.1:${app.server.address().port}`
  const call = async (method, path) => {
    const before = app.observe.routes().reduce((n, r) => n + r.count, 0)
    const res = await fetch(origin + path, { method })
    await res.text()
    // a login also calls GET /b: wait for every activity it caused
    const expected = before + (path === '/login' ? 2 : 1)
    for (let i = 0; i < 500 && app.observe.routes().reduce((n, r) => n + r.count, 0) < expected; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    return res.status
  }
  return { app, origin, url: app.observe.page.url(), call }
}

export async function waitFor (what, check) {
  for (let i = 0; i < 1000; i++) {
    const value = await check()
    if (value) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('timed out waiting for ' + what)
}

/** Made in this order: 3 × GET /a, POST /login (which calls GET /b), GET /fail (500). */
export async function madeRequests (t) {
  const d = await demo(t)
  for (let i = 0; i < 3; i++) await d.call('GET', '/a')
  assert.equal(await d.call('POST', '/login'), 200)
  assert.equal(await d.call('GET', '/fail'), 500)
  return d
}
