// A real Prometheus server for tests (Debian's `prometheus` package): started on a free loopback
// port in a temp dir, scraping the given targets every second; PromQL over its HTTP API; stopped
// (and its dir removed) at the end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { freePort, startServer, stopServer, which } from './servers.js'

/** The prometheus binary's path, or null when it is not installed. */
export function prometheusBinary () {
  return which('prometheus') || null
}

/**
 * Starts Prometheus scraping `targets` ('127.0.0.1:PORT') at `metricsPath` every second.
 * Returns { url, query(promql), targets(), stop() }; throws with its output when it cannot start.
 */
export async function startPrometheus ({ targets, metricsPath = '/metrics', timeoutMs = 30_000 }) {
  const binary = prometheusBinary()
  if (binary === null) throw new Error('no `prometheus` binary (apt-get install prometheus)')
  const dir = mkdtempSync(join(os.tmpdir(), 'weft-prometheus-'))
  const port = await freePort()
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: weft',
    `    metrics_path: ${JSON.stringify(metricsPath)}`,
    '    static_configs:',
    `      - targets: ${JSON.stringify(targets)}`,
    ''
  ].join('\n')
  writeFileSync(join(dir, 'prometheus.yml'), config)
  const url = `http://127.0.0.1:${port}`
  const ready = async () => {
    try { return (await fetch(`${url}/-/ready`)).ok } catch { return false }
  }
  let server
  try {
    server = await startServer(binary, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn'
    ], ready, timeoutMs)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const stop = async () => { await stopServer(server.child); rmSync(dir, { recursive: true, force: true }) }

  /** An instant PromQL query: its result vector, each { metric, value: number }. */
  const query = async (promql) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`)
    const body = await response.json()
    if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error ?? response.status}`)
    return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }))
  }
  /** The active scrape targets: { scrapeUrl, health, lastScrape (epoch ms), lastError }. */
  const activeTargets = async () => {
    const body = await (await fetch(`${url}/api/v1/targets?state=active`)).json()
    return body.data.activeTargets.map((t) => ({ scrapeUrl: t.scrapeUrl, health: t.health, lastScrape: Date.parse(t.lastScrape), lastError: t.lastError }))
  }
  return { url, query, targets: activeTargets, stop, output: server.output }
}
