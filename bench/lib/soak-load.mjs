// The soak's load: `concurrency` loops over one keep-alive node:http agent, each sending the next
// high-cardinality URL (random ids, query strings, random 404 paths) as soon as the last answered.
// Counts answers by status and checks each against the status its URL must get.
import http from 'node:http'

const words = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'kappa', 'sigma', 'zeta']
const rand = (n) => Math.floor(Math.random() * n)
const token = () => Math.random().toString(36).slice(2, 10)

/** One URL and the status it must be answered with; about one in five is a 404 of a path never seen before. */
export function nextUrl () {
  const r = rand(100)
  if (r < 25) return { path: `/users/${rand(1e9)}`, status: 200 }
  if (r < 45) return { path: `/search?q=${token()}&page=${rand(500)}&${token()}=${token()}`, status: 200 }
  if (r < 60) return { path: `/items/${words[rand(words.length)]}-${rand(1e6)}/${rand(1e9)}?sort=${token()}`, status: 200 }
  if (r < 80) return { path: `/work/${rand(1e6)}?trace=${token()}`, status: 200 }
  return { path: `/${token()}/${token()}/${rand(1e9)}?miss=${token()}`, status: 404 }
}

/** Runs until stop(); `counts` is live (requests, by status, unexpected answers, socket errors). */
export function startLoad ({ port, concurrency }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const counts = { requests: 0, ok: 0, notFound: 0, unexpected: 0, errors: 0, firstProblem: null }
  let running = true
  const one = () => new Promise((resolve) => {
    const { path, status } = nextUrl()
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => {
        counts.requests++
        if (res.statusCode === 200) counts.ok++
        else if (res.statusCode === 404) counts.notFound++
        if (res.statusCode !== status) {
          counts.unexpected++
          counts.firstProblem ??= `${path} answered ${res.statusCode}, expected ${status}`
        }
        resolve()
      })
      res.on('error', (err) => { counts.errors++; counts.firstProblem ??= `${path}: ${err.message}`; resolve() })
    })
    req.on('error', (err) => { counts.errors++; counts.firstProblem ??= `${path}: ${err.message}`; resolve() })
  })
  const loops = Array.from({ length: concurrency }, async () => { while (running) await one() })
  return {
    counts,
    async stop () {
      running = false
      await Promise.all(loops)
      agent.destroy()
    }
  }
}

/** Sends `n` requests one after another on fresh connections; resolves the slowest answer's milliseconds and any failure. */
export async function probe (port, n) {
  let slowest = 0
  const failures = []
  for (let i = 0; i < n; i++) {
    const { path, status } = nextUrl()
    const begun = performance.now()
    const got = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
        res.resume()
        res.on('end', () => { resolve(res.statusCode) })
      })
      req.on('timeout', () => { req.destroy(new Error('no answer in 10 s')) })
      req.on('error', (err) => { resolve(err.message) })
    })
    slowest = Math.max(slowest, performance.now() - begun)
    if (got !== status) failures.push(`${path}: ${got}`)
  }
  return { slowest, failures }
}
