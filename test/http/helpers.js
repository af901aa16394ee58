// Small helpers shared by the request-lifecycle suites.
import weft from 'weft'

/** A promise and the function that resolves it. */
export function deferred () {
  let resolve
  const promise = new Promise((r) => { resolve = r })
  return { promise, resolve }
}

/** Fails instead of hanging when something the test waits for never happens. */
export function within (promise, what, ms = 200) {
  let timer
  const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** An app closed when the test ends. */
export function newApp (t, opts) {
  const app = weft(opts)
  t.after(() => app.close())
  return app
}

/** Fails the test if an exception escapes to the process while `fn` runs and for a few turns after. */
export async function noUncaught (fn) {
  const escaped = []
  const onUncaught = (err) => { escaped.push(err) }
  process.on('uncaughtException', onUncaught)
  try {
    await fn()
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.removeListener('uncaughtException', onUncaught)
  }
  if (escaped.length > 0) throw new Error(`escaped to the process: ${escaped.map((e) => e?.message ?? e).join('; ')}`)
}
