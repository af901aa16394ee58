// `weft mcp` through the MCP SDK's own client (Client + StdioClientTransport spawning bin/weft.js)
// against a real running app: each tool's answer reflects the requests made before, by construction.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { startDemo } from './fixtures/demo-app.mjs'
import { WEFT, waitFor, weft } from './helpers.js'

const TOOLS = ['list_requests', 'get_request', 'compare_requests', 'route_stats', 'process_stats', 'startup_timeline']

describe('weft mcp', () => {
  let app, client, total
  // made in this order: 3 × GET /a, 1 × GET /b, 2 × POST /login (each calls GET /b once), 1 × GET /fail
  before(async () => {
    app = await startDemo()
    const origin = `http://127.0.0.1:${app.server.address().port}`
    const made = [['GET', '/a'], ['GET', '/a'], ['GET', '/a'], ['GET', '/b'], ['POST', '/login'], ['POST', '/login'], ['GET', '/fail']]
    for (const [method, path] of made) await (await fetch(origin + path, { method })).text()
    total = made.length + 2
    await waitFor('every activity', () => app.observe.recentActivity().length === total)
    client = new Client({ name: 'weft-test', version: '1.0.0' })
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [WEFT, 'mcp', app.observe.page.url()], stderr: 'pipe' }))
  })
  after(async () => {
    await client?.close()
    await app?.close()
  })

  async function call (name, args = {}) {
    const result = await client.callTool({ name, arguments: args })
    assert.equal(result.isError ?? false, false, JSON.stringify(result.content))
    assert.equal(result.content[0].type, 'text')
    // the data twice: structured, and as JSON text for clients that read only text
    assert.deepEqual(JSON.parse(result.content[1].text), result.structuredContent)
    return { text: result.content[0].text, data: result.structuredContent }
  }

  test('lists its six tools, each with an input schema and a description', async () => {
    const { tools } = await client.listTools()
    assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOLS].sort())
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name)
      assert.ok(t.description.length > 40, t.name)
    }
    const get = tools.find((t) => t.name === 'get_request')
    assert.deepEqual(Object.keys(get.inputSchema.properties).sort(), ['id', 'minMs', 'route', 'slowest', 'status'])
  })

  test('route_stats: 3 requests to GET /a, 3 to GET /b (one direct, one per login), 2 to POST /login, 1 failed GET /fail', async () => {
    const { text, data } = await call('route_stats')
    const count = (m, r) => data.routes.find((x) => x.method === m && x.route === r)?.count
    assert.equal(count('GET', '/a'), 3)
    assert.equal(count('GET', '/b'), 3)
    assert.equal(count('POST', '/login'), 2)
    assert.equal(data.routes.find((x) => x.route === '/fail').errors, 1)
    assert.match(text, /^GET +\/a +3 +0% /m)
    assert.match(text, /^GET +\/fail +1 +100\.0% /m)
    const one = await call('route_stats', { route: 'POST /login' })
    assert.deepEqual(one.data.routes.map((r) => r.route), ['/login'])
  })

  test('list_requests: every request, or those of a route, newest first', async () => {
    const all = await call('list_requests', { limit: 50 })
    assert.equal(all.data.stored, total)
    assert.deepEqual(all.data.requests.map((r) => r.id), app.observe.recentActivity().map((a) => a.id))
    const a = await call('list_requests', { route: 'GET /a' })
    assert.equal(a.data.matched, 3)
    assert.equal(a.text.split('\n').filter((l) => / GET +\/a /.test(l)).length, 3)
    const failed = await call('list_requests', { status: '5xx' })
    assert.deepEqual(failed.data.requests.map((r) => r.url), ['/fail'])
    const none = await call('list_requests', { route: '/nowhere' })
    assert.match(none.text, /No stored request matches \(9 stored\)/)
  })

  test("get_request with a route: 'why was the last POST /login slow?' gets its waterfall and a diagnosis", async () => {
    const last = app.observe.recentActivity().find((a) => a.url === '/login')
    const { text, data } = await call('get_request', { route: 'POST /login' })
    assert.equal(data.id, last.id)
    assert.deepEqual(data, JSON.parse(JSON.stringify(last)))
    assert.match(text, /against its route's p50 [0-9.]+ ms and p95 [0-9.]+ ms over 2 requests/)
    assert.match(text, /^Longest phase: \w+, [0-9.]+ ms \(\d+% of the request\)\.$/m)
    assert.match(text, /^Mostly (CPU|waiting): /m)
    assert.match(text, /^Slowest operations: .*http\.client GET 127\.0\.0\.1:\d+ ×1/m)
    assert.match(text, /^Left running after the response: Timeout \(timer\) from timer setTimeout/m)
    assert.match(text, /^ {2}↳ checkToken +│/m)
    const byId = await call('get_request', { id: last.id })
    assert.equal(byId.data.id, last.id)
  })

  test('compare_requests: operation by operation, a login against a plain GET', async () => {
    const stored = app.observe.recentActivity()
    const plain = stored.find((x) => x.url === '/a')
    const login = stored.find((x) => x.url === '/login')
    const { text, data } = await call('compare_requests', { a: plain.id, b: login.id })
    // GET /a runs no operation: every operation of the login is added, none removed
    assert.deepEqual(data.operations.added.map((o) => o.operation).sort(), login.operations.map((o) => `${o.kind} ${o.name}`).sort())
    assert.deepEqual(data.operations.removed, [])
    assert.equal(data.figures.wallMs.delta, login.wallMs - plain.wallMs)
    assert.equal(data.figures.cpuMs.delta, login.cpuMs - plain.cpuMs)
    assert.equal(data.figures.maxBlockMs.delta, login.maxBlockMs - plain.maxBlockMs)
    assert.deepEqual(data.leaks, { a: 0, b: login.leaks.length })
    assert.match(text, /^added operations: .*http\.client GET 127\.0\.0\.1:\d+ ×1/m)
    // the other way round, they are the ones no longer run
    const back = await call('compare_requests', { a: login.id, b: plain.id })
    assert.equal(back.data.operations.removed.length, login.operations.length)
    assert.match(back.text, /^operations no longer run: /m)
    // a route alone: its fastest against its slowest stored request
    const route = await call('compare_requests', { route: 'GET /a' })
    const byWall = stored.filter((x) => x.url === '/a').sort((x, y) => x.wallMs - y.wallMs)
    assert.equal(route.data.a.id, byWall[0].id)
    assert.equal(route.data.b.id, byWall.at(-1).id)
  })

  test('process_stats and startup_timeline', async () => {
    await waitFor('a process sample', async () => (await call('process_stats')).data.samples.length > 0)
    const { text, data } = await call('process_stats')
    assert.ok(data.latest.rssBytes > 0)
    assert.ok(data.max.rssBytes >= data.latest.rssBytes)
    assert.match(text, /^Latest: CPU [0-9.]+%, RSS [0-9.]+ MB/m)
    const startup = await call('startup_timeline')
    const auth = startup.data.startup.tree.children.find((c) => c.name === 'auth')
    assert.deepEqual(auth.routes, ['POST /login'])
    assert.deepEqual(auth.hooks, ['onRequest'])
    assert.match(startup.text, /^ {2}weft-observe: from [0-9.]+ ms, [0-9.]+ ms$/m)
    assert.match(startup.text, /auth \(hooks onRequest; routes POST \/login\)/)
  })

  test('a problem is a tool error with a clear message, not a crash', async () => {
    const missing = await client.callTool({ name: 'get_request', arguments: { id: 'req-999999' } })
    assert.equal(missing.isError, true)
    assert.match(missing.content[0].text, /no stored request has id "req-999999"/)
    const bad = await client.callTool({ name: 'list_requests', arguments: { status: 'ok' } })
    assert.equal(bad.isError, true)
    assert.match(bad.content[0].text, /status must be 1xx\.\.5xx/)
    const half = await client.callTool({ name: 'compare_requests', arguments: { a: 'req-1' } })
    assert.equal(half.isError, true)
    assert.match(half.content[0].text, /Give two request ids/)
    // and it still answers afterwards
    assert.equal((await call('route_stats')).data.routes.length > 0, true)
  })
})

describe('weft mcp without what it needs', () => {
  test('without the SDK it says how to install it', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/no-mcp-sdk.mjs', import.meta.url))
    const { code, stderr } = await weft(['mcp', 'http://127.0.0.1:1/_weft?token=x'], { nodeArgs: ['--import', fixture] })
    assert.equal(code, 1)
    assert.match(stderr, /weft mcp needs the MCP SDK, an optional peer dependency of weft that is not installed/)
    assert.match(stderr, /^ {2}npm install @modelcontextprotocol\/sdk$/m)
  })

  test('without a URL it says where to find one', async () => {
    const { code, stderr } = await weft(['mcp'])
    assert.equal(code, 2)
    assert.match(stderr, /no URL: pass the page URL the app printed/)
  })
})
