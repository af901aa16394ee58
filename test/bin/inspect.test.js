// `weft inspect` run as a user runs it, against a real running app: what it prints is what the
// requests made before it did (by construction), as a waterfall, a list, a table or JSON.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { clock } from '../observe/helpers.js'
import { madeRequests, weft } from './helpers.js'

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/

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
})
