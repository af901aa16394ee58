// observe's history option: two runs of an app (two processes, one after the other) write their
// requests to one SQLite file; weft inspect --history reads both after the processes are gone, the
// counts are those made, and a run's requests compare across runs. On Node 20 register refuses.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import weft from 'weft'
import { observe } from 'weft/observe'
import { Ajv } from 'ajv'
import { WEFT, weft as weftCli } from '../bin/helpers.js'

const APP = fileURLToPath(new URL('./fixtures/history-app.mjs', import.meta.url))
const hasSqlite = (() => { try { process.getBuiltinModule?.('node:sqlite'); return process.getBuiltinModule !== undefined && process.getBuiltinModule('node:sqlite') !== undefined } catch { return false } })()

/** One run of the app: `a` × GET /a and one GET /b/:reads, over real sockets; resolves once the process exited. */
async function runApp (file, a, reads) {
  const child = spawn(process.execPath, ['--no-warnings', APP, file], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  const line = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c) => { out += c; if (out.includes('\n')) resolve(out.split('\n')[0]) })
    child.on('exit', () => reject(new Error('the app exited before listening')))
  })
  const origin = `http://127.0.0.1:${JSON.parse(line).port}`
  for (let i = 0; i < a; i++) assert.equal(await (await fetch(origin + '/a')).text(), 'a')
  assert.equal(await (await fetch(`${origin}/b/${reads}`)).text(), 'b')
  await (await fetch(origin + '/close', { method: 'POST' })).text()
  assert.equal(await exited, 0)
}

const json = async (args) => {
  const r = await weftCli(['inspect', ...args, '--json'], { nodeArgs: ['--no-warnings'] })
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}

test('two runs in two processes: inspect --history lists both runs with the requests each made', { skip: !hasSqlite && 'no node:sqlite on this Node' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-history-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'history.db')
  await runApp(file, 3, 1)
  await runApp(file, 5, 4)

  const runs = await json(['--history', file, 'runs'])
  assert.equal(runs.length, 2)
  const [second, first] = runs
  assert.ok(second.run > first.run)
  assert.deepEqual([first.requests, second.requests], [4, 6])
  assert.equal(first.dropped + second.dropped, 0)
  assert.ok(first.endedAt !== null && second.endedAt !== null, 'both runs closed')

  for (const [run, a] of [[first.run, 3], [second.run, 5]]) {
    const list = await json(['--history', file, '--run', String(run), 'list', '--limit', '100'])
    assert.equal(list.stored, a + 1)
    assert.equal(list.requests.filter((r) => r.route === '/a').length, a)
    const routes = await json(['--history', file, '--run', String(run), 'routes'])
    assert.equal(routes.find((r) => r.route === '/a').count, a)
    assert.equal(routes.find((r) => r.route === '/b/:n').count, 1)
  }

  // the same route across the two runs: 1 file read, then 4
  const bOf = async (run) => (await json(['--history', file, '--run', String(run), 'list', '--route', '/b/:n'])).requests[0].id
  const c = await json(['--history', file, 'compare', `${first.run}:${await bOf(first.run)}`, `${second.run}:${await bOf(second.run)}`])
  const fs = [...c.operations.same, ...c.operations.slower, ...c.operations.faster].find((o) => o.operation.startsWith('fs '))
  assert.ok(fs !== undefined, JSON.stringify(c.operations))
  assert.deepEqual([fs.countA, fs.countB], [1, 4])
  const text = await weftCli(['inspect', '--history', file, 'compare', `${first.run}:${await bOf(first.run)}`, `${second.run}:${await bOf(second.run)}`, '--no-color'], { nodeArgs: ['--no-warnings'] })
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /deltas are the second minus the first/)
})

test('a history keeps at most `runs` runs, and the API answers runs and requests?run= while the app runs', { skip: !hasSqlite && 'no node:sqlite on this Node' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-history-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'history.db')
  for (let i = 0; i < 3; i++) {
    const app = weft()
    await app.register(observe, { history: { path: file, runs: 2, flushMs: 20 }, page: { token: 'history-test-token-1234' } })
    app.get('/x', async () => 'x')
    t.after(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const origin = `http://127.0.0.1:${app.server.address().port}`
    for (let k = 0; k <= i; k++) await (await fetch(origin + '/x')).text()
    // an activity is delivered once its response has finished
    for (let w = 0; w < 500 && app.observe.recentActivity().length < i + 1; w++) await new Promise((resolve) => setTimeout(resolve, 10))
    const headers = { authorization: 'Bearer history-test-token-1234' }
    const runs = await (await fetch(origin + '/_weft/api/v1/runs', { headers })).json()
    assert.equal(runs.runs.length, Math.min(i + 1, 2))
    const list = await (await fetch(origin + '/_weft/api/v1/requests?run=latest', { headers })).json()
    assert.equal(list.stored, i + 1)
    assert.equal(list.run, runs.runs[0].run)
    // a kept run's answers validate against the schemas the API serves, run field included
    const ajv = new Ajv({ allErrors: true })
    for (const [resource, answer] of [['requests', list], ['routes', await (await fetch(origin + '/_weft/api/v1/routes?run=latest', { headers })).json()]]) {
      const check = ajv.compile(await (await fetch(`${origin}/_weft/api/v1/schema/${resource}.json`, { headers })).json())
      assert.ok(check(answer), `${resource}?run= against ${resource}.json: ${JSON.stringify(check.errors)}`)
      assert.equal(answer.run, runs.runs[0].run)
    }
    const bad = await fetch(origin + '/_weft/api/v1/requests?run=x', { headers })
    assert.equal(bad.status, 400)
    assert.equal((await bad.json()).parameter, 'run')
    assert.equal(app.observe.sizes().history.written, i + 1)
    await app.close()
  }
})

test('on a Node without node:sqlite the history option fails at register, naming the Node version', { skip: hasSqlite && 'this Node has node:sqlite' }, async () => {
  const app = weft()
  await assert.rejects(app.register(observe, { history: { path: join(tmpdir(), 'never.db') } }).ready(),
    (err) => err.code === 'WEFT_ERR_OBSERVE_OPTION' && err.message.includes(process.version) && err.message.includes('node:sqlite'))
})

test('weft mcp --history: list_runs and compare_requests across runs after the processes are gone', { skip: !hasSqlite && 'no node:sqlite on this Node' }, async (t) => {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js')
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js')
  const dir = mkdtempSync(join(tmpdir(), 'weft-history-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'history.db')
  await runApp(file, 1, 2)
  await runApp(file, 2, 3)
  const client = new Client({ name: 'weft-test', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['--no-warnings', WEFT, 'mcp', '--history', file], stderr: 'pipe' }))
  t.after(() => client.close())
  const runs = (await client.callTool({ name: 'list_runs', arguments: {} })).structuredContent.runs
  assert.deepEqual(runs.map((r) => r.requests), [3, 2])
  const list = (await client.callTool({ name: 'list_requests', arguments: { route: '/b/:n' } })).structuredContent
  assert.equal(list.stored, 3, 'the latest run by default')
  const older = (await client.callTool({ name: 'list_requests', arguments: { route: '/b/:n', run: runs[1].run } })).structuredContent.requests[0].id
  const c = (await client.callTool({ name: 'compare_requests', arguments: { a: `${runs[1].run}:${older}`, b: `${runs[0].run}:${list.requests[0].id}` } })).structuredContent
  const fs = [...c.operations.same, ...c.operations.slower, ...c.operations.faster].find((o) => o.operation.startsWith('fs '))
  assert.deepEqual([fs.countA, fs.countB], [2, 3])
})

