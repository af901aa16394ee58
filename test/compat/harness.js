// The side-by-side harness: one case, written once against a factory, runs on Fastify (the ground
// truth, never todo) and on Weft; every app a case makes is closed, and every wait is bounded.
import http from 'node:http'
import { test } from 'node:test'
import Fastify from 'fastify'
import weft from 'weft'

export const frameworks = [
  { name: 'fastify', factory: Fastify },
  { name: 'weft', factory: weft }
]

const CASE_MS = 4000
const CLOSE_MS = 1000

/** Rejects with a named timeout unless `promise` settles within `ms`; leaves no timer behind. */
export function within (promise, what, ms = 2000) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** `app.inject(opts)` that fails after 2 s instead of hanging. */
export function inject (app, opts) {
  const what = typeof opts === 'string' ? `inject GET ${opts}` : `inject ${opts.method ?? 'GET'} ${opts.url ?? opts.path}`
  return within(app.inject(opts), what)
}

/**
 * Sends `method path` with `headers` and `body` (a string, or undefined for none) over a real socket,
 * no agent, to a listening app; resolves { status, headers, text } once the answer ended.
 */
export function request (app, method, path, { headers = {}, body } = {}) {
  const { port } = app.server.address()
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A promise and the functions that settle it. */
export function deferred () {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** Lets queued callbacks run: `n` turns of the event loop. */
export async function turns (n = 1) {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** A pino destination recording each line as an object. */
export function logLines () {
  const lines = []
  return { lines, stream: { write (line) { lines.push(JSON.parse(line)) } } }
}

/**
 * Registers `fastify: name` and `weft: name`. `fn(factory, framework)` gets a factory that makes an
 * app (same arguments as Fastify()) closed when the case ends. `weftTodo` marks the Weft variant
 * as a known difference ('differs: ...'); a todo variant that passes says so in a diagnostic.
 */
export function both (name, fn, { weftTodo, ms = CASE_MS } = {}) {
  for (const framework of frameworks) {
    const todo = framework.name === 'weft' && weftTodo ? `differs: ${weftTodo}` : undefined
    test(`${framework.name}: ${name}`, { todo }, async (t) => {
      const apps = []
      const factory = (...args) => {
        const app = framework.factory(...args)
        apps.push(app)
        return app
      }
      try {
        await within(Promise.resolve().then(() => fn(factory, framework)), `case '${name}'`, ms)
        // Rejections left unhandled by the case surface after the microtask queue drains.
        await turns(2)
        if (todo) t.diagnostic(`weft now matches fastify here: remove the todo '${weftTodo}'`)
      } finally {
        for (const app of apps) {
          await within(Promise.resolve().then(() => app.close()), `close() of a ${framework.name} app`, CLOSE_MS)
            .catch((err) => t.diagnostic(`close() failed: ${err.message}`))
        }
      }
    })
  }
}
