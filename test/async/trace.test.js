// `weft trace <script> [args]`: runs the program with a tracker preloaded, prints the summary,
// writes the JSON report and passes the exit code through.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatTrace } from 'weft/async'
import { nodeMakes } from './helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'bin', 'weft.js')
const target = fileURLToPath(new URL('./fixtures/trace-target.js', import.meta.url))
const fetcher = fileURLToPath(new URL('./fixtures/trace-fetch.js', import.meta.url))

function weft (...args) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
}

function withTemp (fn) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-trace-test-'))
  const clean = () => rmSync(dir, { recursive: true, force: true })
  let result
  try { result = fn(dir) } catch (err) { clean(); throw err }
  if (typeof result?.then === 'function') return result.finally(clean)
  clean()
  return result
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

  it('shows a fetch made outside any operation as one http.client call, at every level', () => withTemp(dir => {
    for (const detail of ['timing', 'resources', 'stacks']) {
      const json = join(dir, `${detail}.json`)
      const r = weft('trace', '--detail', detail, '--json', json, fetcher)
      assert.equal(r.status, 0, r.stderr)
      const trace = JSON.parse(readFileSync(json, 'utf8'))
      const calls = trace.report.operations.filter(o => o.kind === 'http.client')
      assert.equal(calls.length, 1, `${detail}: ${JSON.stringify(trace.report.operations)}`)
      assert.match(calls[0].name, /^GET 127\.0\.0\.1:\d+$/)
      assert.equal(calls[0].count, 1)
      assert.equal(trace.report.spans.filter(s => s.kind === 'http.client').length, 1, detail)
      assert.doesNotMatch(r.stderr, /bootstrap\.fetch/, detail)
    }
  }))

  it('at --detail stacks, what fetch makes is placed at the fetch, never at the line of the previous await', () => withTemp(dir => {
    const json = join(dir, 'report.json')
    const r = weft('trace', '--detail', 'stacks', '--json', json, fetcher)
    assert.equal(r.status, 0, r.stderr)
    const trace = JSON.parse(readFileSync(json, 'utf8'))
    const sites = trace.report.operations.filter(o => o.name === 'fetch').map(o => o.callSite)
    assert.ok(sites.length > 0, JSON.stringify(trace.report.operations))
    for (const site of sites) assert.match(site, /trace-fetch\.js:7:/, 'line 7 calls fetch; line 6 is the await before it')
    assert.ok(!trace.report.operations.some(o => /trace-fetch\.js:6:/.test(o.callSite ?? '') && o.kind === 'timer'), JSON.stringify(trace.report.operations))
  }))

  for (const signal of ['SIGINT', 'SIGTERM']) {
    it(`writes the report when the program is stopped by ${signal} (Ctrl-C), then lets the signal act`, () => withTemp(async dir => {
      const json = join(dir, 'report.json')
      // its own process group, as a terminal makes: the signal goes to weft and the program alike
      const child = spawn(process.execPath, [bin, 'trace', '--json', json, fetcher, 'serve'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', d => { stderr += d })
      await new Promise((resolve, reject) => {
        child.stdout.on('data', d => { stdout += d; if (stdout.includes('ready')) resolve() })
        child.on('exit', () => reject(new Error(`exited before ready: ${stderr}`)))
      })
      process.kill(-child.pid, signal)
      const [code, sig] = await new Promise(resolve => child.on('exit', (c, s) => resolve([c, s])))
      assert.ok(code === 128 + (signal === 'SIGINT' ? 2 : 15) || sig === signal, `code ${code} signal ${sig}`)
      assert.match(stderr, new RegExp(`stopped by ${signal}`))
      assert.match(stderr, /^net\s+net\.Server\s+1 \(1 running\)/m)
      const trace = JSON.parse(readFileSync(json, 'utf8'))
      assert.equal(trace.signal, signal)
      assert.equal(trace.exitCode, null)
      assert.ok(trace.report.leaked.some(l => l.type === 'TCPSERVERWRAP'), 'the server still listening is what it left running')
    }))
  }

  it('rejects bad usage with exit code 2', () => {
    assert.equal(weft('trace').status, 2)
    assert.equal(weft('trace', '--detail', 'all', target).status, 2)
    assert.equal(weft('nope').status, 2)
    const help = weft('--help')
    assert.equal(help.status, 0)
    assert.match(help.stdout, /weft trace/)
  })
})
