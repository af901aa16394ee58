// `weft inspect` and `weft mcp` against an app that queries a real MariaDB: repeated queries (N+1)
// flagged. Skipped, saying why, when MariaDB cannot be started on this machine.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { startMariaDB } from '../support/databases.js'
import { startDemo } from './fixtures/demo-app.mjs'
import { WEFT, waitFor, weft } from './helpers.js'

let db
let why = false
try {
  db = await startMariaDB({ schema: ['CREATE TABLE tasks (id INT PRIMARY KEY, project_id INT, title TEXT)', "INSERT INTO tasks VALUES (1, 7, 'a'), (2, 7, 'b'), (3, 7, 'c'), (4, 7, 'd'), (5, 8, 'e')"] })
} catch (err) {
  why = `MariaDB could not be started: ${err.message}`
}

describe('a request that runs one query shape 4 times (GET /projects/7: its 4 tasks one by one)', { skip: why }, () => {
  let app, url, activity
  before(async () => {
    app = await startDemo({ db: { host: db.host, port: db.port, user: db.user, database: db.database } })
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/projects/7`)
    assert.equal((await res.json()).length, 4)
    await waitFor('the activity', () => app.observe.recentActivity().length === 1)
    activity = app.observe.recentActivity()[0]
    url = app.observe.page.url()
  })
  after(async () => {
    await app?.close()
    await db?.stop()
  })

  test('is flagged N+1 by weft inspect, in the list and its waterfall', async () => {
    assert.deepEqual(activity.repeated.map((r) => [r.summary, r.count]), [['SELECT tasks', 4]])
    const list = await weft(['inspect', url, 'list'])
    assert.match(list.stdout, /GET +\/projects\/:id +200 .* N\+1 SELECT tasks ×4 /)
    const one = await weft(['inspect', url])
    assert.match(one.stdout, /Repeated queries \(N\+1\): 1\n {2}⚠ SELECT tasks ×4 \([0-9.]+ ms in all\) {2}SELECT \* FROM tasks WHERE id = \?/)
    assert.equal(one.stdout.match(/^ {2}db SELECT tasks +│/gm).length, 5)
  })

  test("is named in weft mcp's diagnosis of the request", async (t) => {
    const client = new Client({ name: 'weft-test', version: '1.0.0' })
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [WEFT, 'mcp', url], stderr: 'pipe' }))
    t.after(() => client.close())
    const result = await client.callTool({ name: 'get_request', arguments: { route: 'GET /projects/:id' } })
    assert.equal(result.structuredContent.id, activity.id)
    assert.match(result.content[0].text, /^N\+1: SELECT tasks ran 4 times \([0-9.]+ ms in all\): SELECT \* FROM tasks WHERE id = \?\.$/m)
  })
})
