// `weft inspect` run as a user runs it, against a real running app: what it prints is what the
// requests made before it did (by construction), as a waterfall, a list, a table or JSON.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clock } from '../observe/helpers.js'
import { startMariaDB } from '../support/databases.js'
import { startDemo } from './fixtures/demo-app.mjs'
import { demo, waitFor, weft } from './helpers.js'

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/

/** Made in this order: 3 × GET /a, POST /login (which calls GET /b), GET /fail (500). */
async function madeRequests (t) {
  const d = await demo(t)
  for (let i = 0; i < 3; i++) await d.call('GET', '/a')
  assert.equal(await d.call('POST', '/login'), 200)
  assert.equal(await d.call('GET', '/fail'), 500)
  return d
}

describe('weft inspect', () => {
  test('latest (the default) draws the most recent request: GET /fail, its error and phases, no colour off a TTY', async (t) => {
    const { url, app } = await madeRequests(t)
    const latest = app.observe.recentActivity()[0]
    const { code, stdout, stderr } = await weft(['inspect', url])
    assert.equal(code, 0, stderr)
    assert.doesNotMatch(stdout, ANSI)
    assert.match(stdout.split('\n')[0], /^GET \/fail {2}→ {2}500 {3}route \/fail/)
    assert.match(stdout, new RegExp(latest.id))
    assert.match(stdout, /error: the database is down/)
    for (const phase of latest.phases) assert.match(stdout, new RegExp(`^${phase.name} +│`, 'm'))
    // the same with the word and from WEFT_URL
    const again = await weft(['inspect', 'latest'], { env: { WEFT_URL: url } })
    assert.equal(again.stdout, stdout)
  })

  test('--route draws that route\'s request: hooks, operations as bars on its wall time, the CPU clock, leaks, log lines', async (t) => {
    const { url, app } = await madeRequests(t)
    const login = app.observe.recentActivity().find((a) => a.url === '/login')
    const { code, stdout } = await weft(['inspect', url, '--route', 'POST /login'])
    assert.equal(code, 0)
    const lines = stdout.split('\n')
    assert.match(lines[0], new RegExp(`^POST /login .*${login.id}`))
    assert.match(lines[1], new RegExp(`CPU [0-9.]+ ms \\(${clock === 'thread' ? 'thread CPU' : 'wall clock in callbacks'}\\)`))
    assert.match(lines[1], /wall [0-9.]+ ms \(wall clock\)/)
    assert.match(stdout, /^ {2}↳ checkToken +│/m)
    assert.match(stdout, /^ {2}http\.client GET 127\.0\.0\.1:\d+ +│/m)
    // one bar per single operation it stored (the file read is fs.promises or fs.readFile, by Node)
    assert.ok(login.spans.some((s) => s.kind === 'fs'))
    for (const s of login.spans) assert.ok(stdout.includes(`\n  ${s.kind} ${s.name} `), `${s.kind} ${s.name}`)
    // every bar lies inside the request's: the request's row is full, the others start later and are no longer
    const bars = lines.filter((l) => l.includes('│') && !l.startsWith('log (')).map((l) => l.split('│')[1])
    const width = bars[0].length
    assert.equal(bars[0], '█'.repeat(width))
    for (const b of bars.slice(2)) {
      assert.equal(b.length, width)
      assert.ok(b.includes('█'), b)
    }
    assert.match(stdout, new RegExp(`Leaks \\(${login.leaks.length}\\)`))
    assert.match(stdout, /⚠ Timeout \(timer\) from timer setTimeout/)
    // the logger's own `incoming request` line, then the handler's two
    assert.deepEqual(login.logs.map((l) => l.msg), ['incoming request', 'login attempt', 'login ok'])
    assert.match(stdout, /Log lines \(3\)\n.*info +incoming request\n.*info +login attempt\n.*info +login ok/)
    assert.match(stdout, /^log \(3\) +│[ |]+│/m)
  })

  test('--slowest picks the slowest stored request; --json prints the API\'s activity', async (t) => {
    const { url, app } = await madeRequests(t)
    const slowest = [...app.observe.recentActivity()].sort((x, y) => y.wallMs - x.wallMs)[0]
    const { code, stdout } = await weft(['inspect', url, '--slowest', '--json'])
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), JSON.parse(JSON.stringify(slowest)))
    const byId = await weft(['inspect', url, slowest.id, '--json'])
    assert.equal(byId.stdout, stdout)
  })

  test('list shows one aligned row per request, newest first; filters and --limit apply', async (t) => {
    const { url, app } = await madeRequests(t)
    const { code, stdout } = await weft(['inspect', url, 'list'])
    assert.equal(code, 0)
    const rows = stdout.trim().split('\n')
    assert.match(rows[0], /^TIME +METHOD +ROUTE +STATUS +WALL +CPU +OPS +LEAKS +FLAGS +ID$/)
    const stored = app.observe.recentActivity()
    assert.equal(rows.length, 1 + stored.length + 1)
    assert.deepEqual(rows.slice(1, -1).map((r) => r.trim().split(/ +/).at(-1)), stored.map((a) => a.id))
    assert.match(rows.at(-1), /^6 of 6 matching, newest first \(6 stored\)/)
    const a = await weft(['inspect', url, 'list', '--route', '/a', '--limit', '2'])
    assert.match(a.stdout, /^2 of 3 matching/m)
    const failed = await weft(['inspect', url, 'list', '--status', '5xx'])
    assert.match(failed.stdout, /GET +\/fail +500 .*error: the database is down/)
  })

  test('routes prints a table: count and error rate per route', async (t) => {
    const { url } = await madeRequests(t)
    const { code, stdout } = await weft(['inspect', url, 'routes'])
    assert.equal(code, 0)
    assert.match(stdout, /^METHOD +ROUTE +COUNT +ERRORS +P50 MS/)
    assert.match(stdout, /^GET +\/a +3 +0% /m)
    assert.match(stdout, /^POST +\/login +1 +0% .*timer ×1$/m)
    assert.match(stdout, /^GET +\/b +1 +0% /m)
    assert.match(stdout, /^GET +\/fail +1 +100\.0% /m)
    const json = JSON.parse((await weft(['inspect', url, 'routes', '--json'])).stdout)
    assert.equal(json.find((r) => r.route === '/a').count, 3)
  })

  test('--follow prints each new request as it finishes until Ctrl-C; filters apply', async (t) => {
    const { url, call } = await demo(t)
    const run = weft(['inspect', url, '--follow', '--json', '--route', 'GET /a'])
    await waitFor('the stream to open', () => run.output().stderr.includes('following'))
    await call('GET', '/a')
    await call('POST', '/login') // and its GET /b: neither is GET /a
    await call('GET', '/a')
    await waitFor('two lines', () => run.output().stdout.split('\n').filter(Boolean).length >= 2)
    run.child.kill('SIGINT')
    const { code, stdout } = await run
    assert.equal(code, 0)
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(lines.map((l) => `${l.method} ${l.url}`), ['GET /a', 'GET /a'])

    const plain = weft(['inspect', url, '--follow'])
    await waitFor('the stream to open', () => plain.output().stderr.includes('following'))
    await call('GET', '/fail')
    await waitFor('one line', () => plain.output().stdout.includes('/fail'))
    plain.child.kill('SIGINT')
    assert.match((await plain).stdout, /^\d\d:\d\d:\d\d\.\d{3} {2}GET +\/fail {2}500 /m)
  })

  test('colour only when asked: FORCE_COLOR or a TTY; NO_COLOR and --no-color turn it off', async (t) => {
    const { url } = await madeRequests(t)
    assert.match((await weft(['inspect', url], { env: { FORCE_COLOR: '1' } })).stdout, ANSI)
    assert.doesNotMatch((await weft(['inspect', url, '--no-color'], { env: { FORCE_COLOR: '1' } })).stdout, ANSI)
    assert.doesNotMatch((await weft(['inspect', url, 'routes'], { env: { NO_COLOR: '1' } })).stdout, ANSI)
  })

  test('says clearly what is wrong: no URL, a wrong token, nothing listening, an unknown id, a bad filter or option', async (t) => {
    const { url, origin } = await madeRequests(t)
    const none = await weft(['inspect'])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /no URL: pass the page URL the app printed .* or set WEFT_URL/)
    const wrong = await weft(['inspect', url.replace(/token=.*/, 'token=not-the-right-token')])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /refused: .*token/)
    // a port nothing listens on: one this test held a moment ago
    const held = net.createServer()
    await new Promise((resolve) => held.listen(0, '127.0.0.1', resolve))
    const port = held.address().port
    await new Promise((resolve) => held.close(resolve))
    const closed = await weft(['inspect', `http://127.0.0.1:${port}/_weft?token=x`])
    assert.equal(closed.code, 1)
    assert.match(closed.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/_weft \\(ECONNREFUSED\\)`))
    const missing = await weft(['inspect', url, 'req-999999'])
    assert.match(missing.stderr, /no stored request has id "req-999999"/)
    const filter = await weft(['inspect', url, '--status', 'ok'])
    assert.match(filter.stderr, /status must be 1xx\.\.5xx or a code like 404/)
    const option = await weft(['inspect', url, '--fast'])
    assert.equal(option.code, 2)
    assert.match(option.stderr, /unknown option --fast\n\nUsage: weft inspect/)
    const notWeft = await weft(['inspect', origin + '/a'])
    assert.equal(notWeft.code, 1)
    assert.match(notWeft.stderr, /is this a weft app with observe's page option on/)
  })
})

describe('weft', () => {
  test('--help names every command', async () => {
    const { code, stdout } = await weft(['--help'])
    assert.equal(code, 0)
    assert.match(stdout, /weft trace .*\n.*weft inspect .*\n.*weft mcp /)
  })

  test('trace still runs a program and writes its report', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-bin-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const script = join(dir, 'three-timers.mjs')
    writeFileSync(script, 'for (let i = 0; i < 3; i++) setTimeout(() => {}, 5)\nprocess.exitCode = 3\n')
    const out = join(dir, 'report.json')
    const { code } = await weft(['trace', '--quiet', '--json', out, script])
    assert.equal(code, 3)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    assert.equal(typeof report, 'object')
  })
})

describe('weft inspect with a database', () => {
  test('a request that runs one query shape 4 times is flagged N+1, in the list and its waterfall', async (t) => {
    let db
    try {
      db = await startMariaDB({ schema: ['CREATE TABLE tasks (id INT PRIMARY KEY, project_id INT, title TEXT)', "INSERT INTO tasks VALUES (1, 7, 'a'), (2, 7, 'b'), (3, 7, 'c'), (4, 7, 'd'), (5, 8, 'e')"] })
    } catch (err) {
      t.skip(`MariaDB could not be started: ${err.message}`)
      return
    }
    t.after(() => db.stop())
    const app = await startDemo({ db: { host: db.host, port: db.port, user: db.user, database: db.database } })
    t.after(() => app.close())
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/projects/7`)
    assert.equal((await res.json()).length, 4)
    await waitFor('the activity', () => app.observe.recentActivity().length === 1)
    const activity = app.observe.recentActivity()[0]
    assert.deepEqual(activity.repeated.map((r) => [r.summary, r.count]), [['SELECT tasks', 4]])
    const url = app.observe.page.url()
    const list = await weft(['inspect', url, 'list'])
    assert.match(list.stdout, /GET +\/projects\/:id +200 .* N\+1 SELECT tasks ×4 /)
    const one = await weft(['inspect', url])
    assert.match(one.stdout, /Repeated queries \(N\+1\): 1\n {2}⚠ SELECT tasks ×4 \([0-9.]+ ms in all\) {2}SELECT \* FROM tasks WHERE id = \?/)
    assert.equal(one.stdout.match(/^ {2}db SELECT tasks +│/gm).length, 5)
  })
})
