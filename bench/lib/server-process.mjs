// Benchmark servers as child processes: start one and wait for its `PORT <n>` line, stop it
// (stdin closed, then SIGTERM, SIGKILL after a while), and how busy the machine is. Shared by
// bench/http.mjs and bench/observe.mjs (with their cleanup on exit, the Node version and medians);
// `children` is the caller's set of live processes.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { root } from './load.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Spawns `cmd args` (env added to the process's own); resolves { child, port } once it printed `PORT <n>`. */
export function startServerProcess (children, { cmd, args, env = {}, timeoutMs = 20_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env, NODE_ENV: 'production', BENCH_EXIT_ON_STDIN_END: '1' }
    })
    children.add(child)
    let out = ''
    let err = ''
    let settled = false
    const fail = (msg) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      children.delete(child)
      const tail = err.trim().split('\n').filter(Boolean)
      // The most useful stderr line is usually the error message itself.
      const line = tail.find((l) => /Error|error:/.test(l)) ?? tail.pop() ?? ''
      reject(new Error(line ? `${msg}: ${line.trim().slice(0, 200)}` : msg))
    }
    const timer = setTimeout(() => fail(`did not report a port within ${timeoutMs / 1000} s`), timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d
      const m = /^PORT (\d+)$/m.exec(out)
      if (m && !settled) {
        settled = true
        clearTimeout(timer)
        resolve({ child, port: Number(m[1]) })
      }
    })
    child.stderr.setEncoding('utf8').on('data', (d) => { if (err.length < 20_000) err += d })
    child.stdin.on('error', () => {})
    child.on('error', (e) => fail(`could not spawn: ${e.message}`))
    child.on('close', (code, sig) => { // after 'exit' and after stderr is fully read
      children.delete(child)
      child.exitInfo = { code, sig, stderr: err }
      fail(`exited with ${code ?? sig} before listening`)
    })
  })
}

/** Ends the child: stdin closed and SIGTERM (`gently`: stdin only, so a profile gets written), SIGKILL after a while. */
export async function stopServerProcess (children, child, gently = false) {
  if (!child || child.exitCode !== null || child.signalCode !== null) { children.delete(child); return }
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.stdin.end()
  if (!gently) child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), gently ? 30_000 : 2000)
  await gone
  clearTimeout(t)
  children.delete(child)
}

/** Share of all CPUs busy (anything but idle/iowait) over `ms`, from /proc/stat; null off Linux. */
export async function machineBusy (ms = 1000) {
  const snap = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
      return { idle: f[3] + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) }
    } catch { return null }
  }
  const a = snap()
  if (!a) return null
  await sleep(ms)
  const b = snap()
  const total = b.total - a.total
  return total > 0 ? 1 - (b.idle - a.idle) / total : null
}

/** The `--version` of a Node binary. */
export function nodeVersion (bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) throw new Error(`cannot run ${bin}: ${r.error?.message ?? r.stderr}`)
  return r.stdout.trim()
}

/** Runs `cleanup` (kill every child) when the process exits, is signalled, or crashes. */
export function cleanUpOnExit (cleanup) {
  process.on('exit', cleanup)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n# ${sig}: stopping every server and load generator`)
      cleanup()
      process.exit(sig === 'SIGINT' ? 130 : 143)
    })
  }
  for (const event of ['uncaughtException', 'unhandledRejection']) {
    process.on(event, (err) => {
      console.error(err)
      cleanup()
      process.exit(1)
    })
  }
}

/** Kills every child of the set at once (SIGKILL) and empties it. */
export function killAll (children) {
  for (const child of children) {
    try { child.kill('SIGKILL') } catch {}
  }
  children.clear()
}

/** Median of the finite values (NaN when none). */
export const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (!s.length) return NaN
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-')
