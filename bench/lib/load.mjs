// Load-generator helpers shared by the benchmarks.
//
//   findLoadGenerator()  -> { name: 'wrk' | 'autocannon', bin, version }
//   runLoad({ url, duration, connections, cpu }) -> { rps, latencyMs: { avg, p50, p99, max }, ... }
//   cpuPlan()            -> { taskset: boolean, cpus: number[], server, load }
//   pinned(cmd, args, cpu) -> [cmd, args] wrapped in `taskset -c <cpu>` when pinning works
//   processCpuMs(pid)    -> user + system CPU time a process has used so far (Linux), or null
//
// wrk is preferred (a C load generator costs far less CPU per request than a Node one);
// when it is missing, findLoadGenerator() tries `apt-get install -y wrk` (root only) and
// falls back to the autocannon installed in node_modules.
// Every child spawned here is bounded in time and is killed when the process exits.

import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { availableParallelism } from 'node:os'

export const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..')

// ---------------------------------------------------------------- children bookkeeping

const live = new Set()

/** Kill (SIGKILL) every child spawned by this module that is still running. */
export function killLoadChildren () {
  for (const child of live) {
    try { child.kill('SIGKILL') } catch {}
  }
  live.clear()
}
process.on('exit', killLoadChildren)

// ---------------------------------------------------------------- lookup helpers

/** Absolute path of an executable found on PATH, or null. */
export function which (cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, cmd)
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {}
  }
  return null
}

function parseCpuList (text) {
  const cpus = []
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (!m) continue
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    for (let i = a; i <= b; i++) cpus.push(i)
  }
  return cpus
}

let plan
/**
 * Which CPUs the server and the load generator get. Uses taskset when it exists, works
 * here (a container may refuse sched_setaffinity) and at least two CPUs are allowed:
 * server on the first allowed CPU, load generator on the second.
 */
export function cpuPlan () {
  if (plan) return plan
  plan = { taskset: false, cpus: [], server: null, load: null, reason: '' }
  const bin = which('taskset')
  if (!bin) { plan.reason = 'taskset not found'; return plan }
  const q = spawnSync(bin, ['-cp', String(process.pid)], { encoding: 'utf8', timeout: 5000 })
  const m = /list:\s*([\d,\s-]+)$/m.exec(q.stdout ?? '')
  const cpus = m ? parseCpuList(m[1]) : []
  plan.cpus = cpus
  if (cpus.length < 2) {
    plan.reason = `only ${cpus.length || availableParallelism()} CPU(s) allowed`
    return plan
  }
  const t = spawnSync(bin, ['-c', String(cpus[0]), 'true'], { timeout: 5000 })
  if (t.status !== 0) { plan.reason = 'taskset refused here'; return plan }
  plan.taskset = true
  plan.server = cpus[0]
  plan.load = cpus[1]
  return plan
}

/** [cmd, args] wrapped in `taskset -c cpu` when cpu is a number and pinning works. */
export function pinned (cmd, args, cpu) {
  if (cpu == null || !cpuPlan().taskset) return [cmd, args]
  return ['taskset', ['-c', String(cpu), cmd, ...args]]
}

let clkTck
/**
 * CPU time (user + system, ms) used so far by process `pid`, from /proc/<pid>/stat; null where
 * that is unavailable. Sampled before and after a run it gives the server's CPU cost per
 * request, which other processes competing for the CPU disturb far less than req/s.
 */
export function processCpuMs (pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields[0] is the state
    if (clkTck === undefined) {
      const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 })
      clkTck = Number(r.stdout) > 0 ? Number(r.stdout) : 100
    }
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck
  } catch {
    return null
  }
}

// ---------------------------------------------------------------- load generator

function aptGet (args, log) {
  log(`# apt-get ${args.join(' ')}`)
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  if (r.status !== 0) log(`# apt-get ${args[0]} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`)
  return r.status === 0
}

function tryInstallWrk (log) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot || !which('apt-get')) return false
  log('# wrk not found on PATH: trying apt-get install -y wrk')
  if (aptGet(['install', '-y', '-q', 'wrk'], log)) return true
  return aptGet(['update', '-q'], log) && aptGet(['install', '-y', '-q', 'wrk'], log)
}

function wrkVersion (bin) {
  // `wrk -v` prints its banner and exits non-zero; the version is in the first line.
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 })
  const m = /wrk\s+(\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)
  return m ? m[1] : 'unknown'
}

let found
/**
 * Pick the load generator: wrk (installing it with apt-get when possible), else autocannon.
 * @param {{ prefer?: 'wrk' | 'autocannon', install?: boolean, log?: (s: string) => void }} [opts]
 */
export function findLoadGenerator ({ prefer, install = true, log = (s) => console.error(s) } = {}) {
  if (found && (!prefer || found.name === prefer)) return found
  if (prefer !== 'autocannon') {
    let bin = which('wrk')
    if (!bin && install && tryInstallWrk(log)) bin = which('wrk')
    if (bin) return (found = { name: 'wrk', bin, version: wrkVersion(bin) })
    if (prefer === 'wrk') throw new Error('wrk was asked for but is not available')
    log('# wrk unavailable: falling back to autocannon (a Node load generator; it may saturate before fast servers do)')
  }
  const bin = join(root, 'node_modules', '.bin', 'autocannon')
  if (!existsSync(bin)) throw new Error('no load generator: neither wrk nor node_modules/.bin/autocannon')
  let version = 'unknown'
  try {
    const r = spawnSync(process.execPath, ['-p', "require('autocannon/package.json').version"], { cwd: root, encoding: 'utf8', timeout: 5000 })
    if (r.status === 0) version = r.stdout.trim()
  } catch {}
  return (found = { name: 'autocannon', bin, version })
}

// ---------------------------------------------------------------- running load

function run (cmd, args, { timeoutMs, signal }) {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'))
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(child)
    let out = ''
    let err = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d })
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d })
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
    const onAbort = () => child.kill('SIGKILL')
    signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (e) => { clearTimeout(timer); live.delete(child); reject(e) })
    child.on('close', (code, sig) => {
      clearTimeout(timer)
      live.delete(child)
      signal?.removeEventListener('abort', onAbort)
      if (signal?.aborted) return reject(new Error('aborted'))
      if (timedOut) return reject(new Error(`${cmd} did not finish within ${timeoutMs} ms`))
      resolvePromise({ code, sig, out, err })
    })
  })
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
function wrkTime (s) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s)
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN
}

/** Parse wrk's text report (run with --latency). */
export function parseWrk (text) {
  const num = (re) => { const m = re.exec(text); return m ? Number(m[1]) : NaN }
  const time = (re) => { const m = re.exec(text); return m ? wrkTime(m[1]) : NaN }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const rps = num(/Requests\/sec:\s+([\d.]+)/)
  if (!Number.isFinite(rps)) throw new Error(`could not parse wrk output:\n${text}`)
  return {
    rps,
    requests: num(/(\d+) requests in /),
    latencyMs: {
      avg: time(/Latency\s+([\d.]+\w+)/),
      p50: time(/^\s*50%\s+([\d.]+\w+)/m),
      p99: time(/^\s*99%\s+([\d.]+\w+)/m),
      max: time(/Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+\w+)/)
    },
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
    errors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0
  }
}

/** Pick the numbers we use out of autocannon's --json result. */
export function parseAutocannon (text) {
  const line = text.trim().split('\n').filter((l) => l.startsWith('{')).pop()
  if (!line) throw new Error(`could not parse autocannon output:\n${text}`)
  const j = JSON.parse(line)
  return {
    rps: j.requests.average,
    requests: j.requests.total,
    latencyMs: { avg: j.latency.average, p50: j.latency.p50, p99: j.latency.p99, max: j.latency.max },
    non2xx: j.non2xx ?? 0,
    errors: (j.errors ?? 0) + (j.timeouts ?? 0)
  }
}

/**
 * Drive `url` with keep-alive GET requests for `duration` seconds over `connections`
 * connections, the load generator pinned to `cpu` when given and pinning works.
 * Bounded: the generator is killed at duration + 15 s, or when `signal` aborts.
 * @param {{ url: string, duration?: number, connections?: number, cpu?: number | null,
 *           generator?: { name: string, bin: string }, threads?: number, signal?: AbortSignal }} opts
 * @returns {Promise<{ rps: number, latencyMs: { avg: number, p50: number, p99: number, max: number },
 *           requests: number, non2xx: number, errors: number, generator: string }>}
 */
export async function runLoad ({ url, duration = 5, connections = 50, cpu = null, generator, threads = 1, signal } = {}) {
  const gen = generator ?? findLoadGenerator()
  const secs = Math.max(1, Math.round(duration))
  let cmd, args
  if (gen.name === 'wrk') {
    [cmd, args] = pinned(gen.bin, [`-t${threads}`, `-c${connections}`, `-d${secs}s`, '--latency', '--timeout', '2s', url], cpu)
  } else {
    [cmd, args] = pinned(gen.bin, ['-c', String(connections), '-d', String(secs), '-t', '2', '--json', '--no-progress', url], cpu)
  }
  const r = await run(cmd, args, { timeoutMs: (secs + 15) * 1000, signal })
  if (r.code !== 0) throw new Error(`${gen.name} exited with ${r.code ?? r.sig}: ${(r.err || r.out).trim().slice(-500)}`)
  const res = gen.name === 'wrk' ? parseWrk(r.out) : parseAutocannon(r.out)
  return { ...res, generator: gen.name }
}
