// End to end: two Weft processes with observe metrics, scraped by a real Prometheus server (Debian's
// `prometheus`, started here on loopback); PromQL gives each route's count, rate and p99 across both.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { prometheusBinary, startPrometheus } from '../support/prometheus.js'

const fixture = fileURLToPath(new URL('./fixtures/metrics-app.mjs', import.meta.url))
const SLOW_MS = 600

function startApp () {
  return new Promise((resolve, reject) => {
    const child = fork(fixture, [], { env: { ...process.env, SLOW_MS: String(SLOW_MS) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`metrics app exited with ${code}`)))
    child.once('message', ({ port }) => resolve({ child, origin: `http://127.0.0.1:${port}`, target: `127.0.0.1:${port}` }))
  })
}

function stopApp (app) {
  return new Promise((resolve) => {
    if (app.child.exitCode !== null) { resolve(); return }
    const timer = setTimeout(() => app.child.kill('SIGKILL'), 10_000)
    app.child.removeAllListeners('exit')
    app.child.once('exit', () => { clearTimeout(timer); resolve() })
    app.child.send('close')
  })
}

const noPrometheus = prometheusBinary() === null ? 'no `prometheus` binary (Debian package prometheus)' : false

describe('two processes scraped by Prometheus', { skip: noPrometheus }, () => {
  let apps = []
  let prometheus
  before(async () => {
    apps = await Promise.all([startApp(), startApp()])
    prometheus = await startPrometheus({ targets: apps.map((a) => a.target) })
  })
  after(async () => {
    await prometheus?.stop()
    await Promise.all(apps.map(stopApp))
  })

  /** Waits until Prometheus scraped both instances after `time`. */
  async function scrapedAfter (time) {
    const deadline = Date.now() + 30_000
    for (;;) {
      const targets = await prometheus.targets()
      if (targets.length === 2 && targets.every((t) => t.health === 'up' && t.lastScrape > time + 50)) return
      if (Date.now() > deadline) assert.fail(`targets not scraped after the requests: ${JSON.stringify(targets)}\n${prometheus.output().slice(-800)}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }

  test('PromQL: each route\'s count and rate summed over both instances, and its p99 in the bucket its requests took', async () => {
    // by construction: instance 0 gets 3 slow + 5 fast, instance 1 gets 2 slow + 4 fast, plus one 404
    // each; in two rounds with a scrape between, so that rate() sees the counters grow
    const rounds = [[{ slow: 1, fast: 1 }, { slow: 1, fast: 1 }], [{ slow: 2, fast: 4 }, { slow: 1, fast: 3 }]]
    for (const round of rounds) {
      await Promise.all(apps.map(async (app, i) => {
        const slow = Array.from({ length: round[i].slow }, (_, k) => fetch(`${app.origin}/slow/${k}`).then((r) => r.text()))
        for (let k = 0; k < round[i].fast; k++) await (await fetch(`${app.origin}/fast`)).text()
        if (round === rounds[1]) assert.equal((await fetch(`${app.origin}/missing`)).status, 404)
        await Promise.all(slow)
      }))
      await scrapedAfter(Date.now())
    }

    const byRoute = (result) => Object.fromEntries(result.map((r) => [r.metric.http_route ?? '(none)', r.value]))
    const counts = byRoute(await prometheus.query('sum by (http_route) (http_server_request_duration_count{job="weft"})'))
    assert.deepEqual(counts, { '/slow/:id': 5, '/fast': 9, '(none)': 2 })
    const perInstance = await prometheus.query('sum by (instance) (http_server_request_duration_count{http_route="/fast"})')
    assert.deepEqual(Object.fromEntries(perInstance.map((r) => [r.metric.instance, r.value])), { [apps[0].target]: 5, [apps[1].target]: 4 })

    const rates = byRoute(await prometheus.query('sum by (http_route) (rate(http_server_request_duration_count[1m]))'))
    assert.ok(rates['/fast'] > 0 && rates['/slow/:id'] > 0, `rates ${JSON.stringify(rates)}`)

    const p99 = byRoute(await prometheus.query('histogram_quantile(0.99, sum by (le, http_route) (http_server_request_duration_bucket))'))
    // every /slow request took at least 600 ms: its p99 lies in the (0.5, 0.75] bucket or above
    assert.ok(p99['/slow/:id'] > 0.5 && p99['/slow/:id'] <= 5, `p99 of /slow ${p99['/slow/:id']} s`)
    assert.ok(p99['/fast'] < p99['/slow/:id'] && p99['/fast'] <= 0.25, `p99 of /fast ${p99['/fast']} s`)

    const p99Rate = byRoute(await prometheus.query('histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_bucket[1m])))'))
    assert.ok(p99Rate['/slow/:id'] > 0.5, `p99 over the rate of /slow ${p99Rate['/slow/:id']} s`)
  })
})
