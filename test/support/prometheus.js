// A real Prometheus server for tests (Debian's `prometheus` package): started on a free loopback
// port in a temp dir, scraping the given targets every second; PromQL over its HTTP API; stopped
// (and its dir removed) at the end.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'

function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The prometheus binary's path, or null when it is not installed. */
export function prometheusBinary () {
  const r = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null
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
  const child = spawn(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let exited = null
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  child.on('exit', (code, signal) => { exited = `exited with ${code ?? signal}` })
  const url = `http://127.0.0.1:${port}`
  const stop = () => new Promise((resolve) => {
    const done = () => { rmSync(dir, { recursive: true, force: true }); resolve() }
    if (child.exitCode !== null || child.signalCode !== null) { done(); return }
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
    child.once('exit', () => { clearTimeout(timer); done() })
    child.kill('SIGTERM')
  })

  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (exited !== null) { await stop(); throw new Error(`prometheus ${exited}: ${output.slice(-800)}`) }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break
    } catch {}
    if (Date.now() > deadline) { await stop(); throw new Error(`prometheus not ready within ${timeoutMs} ms: ${output.slice(-800)}`) }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }

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
  return { url, query, targets: activeTargets, stop, output: () => output }
}
