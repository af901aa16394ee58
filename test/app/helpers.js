// Shared helpers for the application lifecycle tests: hooks written in either style, real
// HTTP requests against a listening app, a logger that records, and a fresh-process runner.
import { spawnSync } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

/** The two ways every application hook can be written. */
export const STYLES = ['callback', 'async']

/**
 * An application hook (onReady, onListen, preClose: `(done)` / `async ()`; onClose:
 * `(instance, done)` / `async (instance)`) whose work is `body`. `body` runs with the hook's
 * `this`; it may throw, or return a promise. Callback style reports a throw or a rejection
 * through `done(err)`; async style throws / rejects.
 */
export function appHook (style, name, body = () => {}) {
  if (style === 'async') {
    return name === 'onClose'
      ? async function (instance) { await body.call(this, instance) }
      : async function () { await body.call(this) }
  }
  const settle = (self, args, done) => {
    let result
    try {
      result = body.apply(self, args)
    } catch (err) {
      done(err)
      return
    }
    if (result !== null && typeof result?.then === 'function') result.then(() => done(), done)
    else done()
  }
  return name === 'onClose'
    ? function (instance, done) { settle(this, [instance], done) }
    : function (done) { settle(this, [], done) }
}

/** A hook in the given style that never finishes (never calls done / never settles). */
export function stuckHook (style, name) {
  if (style === 'async') {
    return name === 'onClose'
      ? async function stuck (instance) { await new Promise(() => {}) }
      : async function stuck () { await new Promise(() => {}) }
  }
  return name === 'onClose'
    ? function stuck (instance, done) {}
    : function stuck (done) {}
}

/** Marks a plugin the way the fastify-plugin package does: it registers into its parent scope. */
export function skipOverride (fn) {
  fn[Symbol.for('skip-override')] = true
  return fn
}

export function deferred () {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** Listens on an ephemeral port of 127.0.0.1, closes the app when the test ends, returns the port. */
export async function listenOn (t, app) {
  t.after(() => app.close().catch(() => {}))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

/** A real HTTP request; resolves with status, headers and the body as text. */
export function request (port, path = '/', { method = 'GET', agent = false, headers } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** A pino-like logger that records every call, for `weft({ loggerInstance })`. */
export function recordingLogger () {
  const entries = []
  const logger = { level: 'info' }
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) {
    logger[level] = (...args) => { entries.push({ level, args }) }
  }
  logger.child = () => logger
  /** true when `err` was logged at error level, as the object itself or as `{ err }`. */
  const loggedError = (err) => entries.some(e => e.level === 'error' && e.args.some(a => a === err || a?.err === err))
  return { logger, entries, loggedError }
}

/** Waits until everything queued on the event loop so far has run. */
export function tick () {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Keeps the event loop busy until the test ends, the way a real app's open handles (database
 * connections, servers) do; a test about a timeout uses it so that only the timeout is tested.
 */
export function keepProcessBusy (t) {
  const timer = setInterval(() => {}, 1000)
  t.after(() => clearInterval(timer))
}

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Runs an ESM `script` (which may `import weft from 'weft'`) in a fresh Node process with
 * nothing else to do, and returns the JSON it printed last (or null) with its exit status.
 */
export function runAlone (script, timeout = 10000) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout })
  const lines = (r.stdout ?? '').trim().split('\n').filter(Boolean)
  let result = null
  try { result = lines.length > 0 ? JSON.parse(lines[lines.length - 1]) : null } catch {}
  return { result, status: r.status, stderr: r.stderr }
}
