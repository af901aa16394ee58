// Runs chosen files of Fastify's own test suite (node_modules/fastify/test, read in place, never
// copied) against Weft: a preload redirects every require of Fastify's entry to Weft's factory.
// Usage: npm run build --silent && node scripts/fastify-suite.mjs [--fastify] [--node BIN] file.test.js ...
// Prints per file the tests run, passing and failing, and a total. A measurement, not part of npm test.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, existsSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const suite = join(root, 'node_modules', 'fastify', 'test')
const args = process.argv.slice(2)
const onFastify = args.includes('--fastify')
const nodeAt = args.indexOf('--node')
const nodeBin = nodeAt >= 0 ? args[nodeAt + 1] : process.execPath
const files = args.filter((a, i) => !a.startsWith('--') && (nodeAt < 0 || i !== nodeAt + 1))
if (files.length === 0) {
  console.log('usage: node scripts/fastify-suite.mjs [--fastify] [--node BIN] listen.1.test.js diagnostics-channel/init.test.js ...')
  process.exit(2)
}

// The preload (written to a temporary directory at run time): when a test file (or its helper)
// requires Fastify's own entry — `..`, `../..`, `../fastify` — it receives Weft's `require` entry.
const fastifyEntry = realpathSync(join(root, 'node_modules', 'fastify', 'fastify.js'))
const weftEntry = join(root, 'dist', 'index.cjs')
if (!existsSync(weftEntry)) { console.error('dist/index.cjs is missing: run npm run build first'); process.exit(2) }
const preloadDir = mkdtempSync(join(tmpdir(), 'weft-fastify-suite-'))
const preload = join(preloadDir, 'redirect.cjs')
writeFileSync(preload, `'use strict'
const Module = require('node:module')
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, parent, ...rest) {
  const found = resolveFilename.call(this, request, parent, ...rest)
  return found === ${JSON.stringify(fastifyEntry)} ? ${JSON.stringify(weftEntry)} : found
}
`)

function count (out, name) {
  const m = out.match(new RegExp(`^# ${name} (\\d+)`, 'm'))
  return m ? Number(m[1]) : 0
}

function runFile (file) {
  return new Promise((resolveRun) => {
    const nodeArgs = [...(onFastify ? [] : ['--require', preload]), '--test', '--test-reporter=tap', '--test-timeout=20000', join(suite, file)]
    // its own process group: a file that hangs is killed with the test process node --test runs it in
    const child = spawn(nodeBin, nodeArgs, { cwd: join(root, 'node_modules', 'fastify'), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { out += d })
    let hung = false
    const timer = setTimeout(() => { hung = true; try { process.kill(-child.pid, 'SIGKILL') } catch {} }, 120_000)
    child.on('close', () => {
      clearTimeout(timer)
      // a file needing one of Fastify's devDependencies this project does not install (undici, proxyquire...)
      const missing = out.match(/Cannot find module '([^'./][^']*)'/)
      const failed = [...out.matchAll(/^ {0,4}not ok \d+ - (.*)$/gm)].map((m) => m[1]).filter((n) => !n.endsWith('.test.js'))
      const row = { file, tests: count(out, 'tests'), pass: count(out, 'pass'), fail: count(out, 'fail'), todo: count(out, 'todo'), skipped: count(out, 'skipped'), failed, missing: missing ? missing[1] : null, hung }
      if (hung) {
        // killed before its summary: count the results it printed (top-level and nested tests)
        row.pass = [...out.matchAll(/^ {0,4}ok \d+ - (?!.*# SKIP)/gm)].length
        row.fail = failed.length
        row.tests = row.pass + row.fail
      }
      resolveRun(row)
    })
  })
}

const rows = []
for (const file of files) rows.push(await runFile(file))
rmSync(preloadDir, { recursive: true, force: true })
const total = { tests: 0, pass: 0, fail: 0 }
console.log(`Fastify's suite on ${onFastify ? 'Fastify' : 'Weft'} (${nodeBin})`)
console.log('| file | tests | passing | failing |')
console.log('| --- | --- | --- | --- |')
for (const r of rows) {
  if (r.missing !== null && r.pass === 0) {
    console.log(`| ${r.file} | - | - | - (needs ${r.missing}, not installed) |`)
    continue
  }
  console.log(`| ${r.file} | ${r.tests} | ${r.pass} | ${r.fail}${r.hung ? ' (killed after 120 s: the counts it printed)' : ''} |`)
  total.tests += r.tests; total.pass += r.pass; total.fail += r.fail
}
console.log(`| total | ${total.tests} | ${total.pass} | ${total.fail} |`)
if (args.includes('--verbose')) {
  for (const r of rows) for (const name of r.failed) console.log(`fails: ${r.file}: ${name}`)
}
