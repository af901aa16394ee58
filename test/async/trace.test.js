// `weft trace <script> [args]`: runs the program with a tracker preloaded, prints the summary,
// writes the JSON report and passes the exit code through.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatTrace } from 'weft/async'
import { nodeMakes } from './helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'bin', 'weft.js')
const target = fileURLToPath(new URL('./fixtures/trace-target.js', import.meta.url))

function weft (...args) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
}

function withTemp (fn) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-trace-test-'))
  try { return fn(dir) } finally { rmSync(dir, { recursive: true, force: true }) }
}

describe('weft trace', () => {
  it('runs the program, prints the summary, writes the JSON and passes the exit code through', () => withTemp(dir => {
    const json = join(dir, 'report.json')
    const r = weft('trace', '--json', json, target, '7', 'extra')
    assert.equal(r.status, 7, r.stderr)
    assert.equal(r.stdout, 'args: 7 extra\n', 'the program\'s own output is untouched')
    assert.match(r.stderr, /KIND\s+NAME\s+COUNT\s+WALL\s+CPU\s+LONGEST BLOCK/)
    assert.match(r.stderr, new RegExp(`^fs\\s+${nodeMakes.readFileName.replace('.', '\\.')}\\s+1\\s`, 'm'))
    assert.match(r.stderr, /^zlib\s+zlib\s+1\s/m)
    assert.match(r.stderr, /Leaks: \d+ resource\(s\) still alive/)
    assert.match(r.stderr, /Timeout \(timer\), age .* in timer setInterval/)
    assert.match(r.stderr, /Process \(\d+ samples?\):/)
    assert.match(r.stderr, /exit code 7/)

    const trace = JSON.parse(readFileSync(json, 'utf8'))
    assert.equal(trace.exitCode, 7)
    assert.deepEqual(trace.argv.slice(-2), ['7', 'extra'])
    assert.equal(trace.report.detail, 'resources')
    const ops = Object.fromEntries(trace.report.operations.map(o => [`${o.kind} ${o.name}`, o]))
    assert.equal(ops['timer setTimeout'].count >= 2, true, 'the program\'s two timeouts')
    assert.equal(ops['timer setInterval'].active, 1)
    assert.ok(trace.report.leaked.some(l => l.type === 'Timeout'))
    assert.ok(trace.process.samples >= 1)
    assert.ok(trace.process.rssMaxBytes > 0)
    assert.equal(trace.stats.internalErrors, 0)
    assert.equal(formatTrace(trace).includes('KIND'), true, 'the JSON is what the summary is made from')
  }))

  it('names operations by call site with --detail stacks, and exits 0 when the program does', () => withTemp(dir => {
    const json = join(dir, 'report.json')
    const r = weft('trace', '--detail', 'stacks', '--json', json, target)
    assert.equal(r.status, 0, r.stderr)
    const trace = JSON.parse(readFileSync(json, 'utf8'))
    const read = trace.report.operations.find(o => o.name === 'fs.readFile')
    assert.ok(read, JSON.stringify(trace.report.operations))
    assert.match(read.callSite, /trace-target\.js:8:/)
    assert.match(r.stderr, /CALL SITE/)
  }))

  it('at --detail timing prints process figures and no operations', () => withTemp(dir => {
    const json = join(dir, 'report.json')
    const r = weft('trace', '--detail=timing', '--json', json, target)
    assert.equal(r.status, 0, r.stderr)
    const trace = JSON.parse(readFileSync(json, 'utf8'))
    assert.deepEqual(trace.report.operations, [])
    assert.ok(trace.process.samples >= 1)
  }))

  it('--quiet prints nothing of its own; the program\'s output still passes through', () => {
    const r = weft('trace', '--quiet', target, '0')
    assert.equal(r.status, 0)
    assert.equal(r.stderr, '')
    assert.equal(r.stdout, 'args: 0\n')
  })

  it('rejects bad usage with exit code 2', () => {
    assert.equal(weft('trace').status, 2)
    assert.equal(weft('trace', '--detail', 'all', target).status, 2)
    assert.equal(weft('nope').status, 2)
    const help = weft('--help')
    assert.equal(help.status, 0)
    assert.match(help.stdout, /weft trace/)
  })
})
