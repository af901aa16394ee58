// `weft inspect` against an app that queries a real MariaDB: repeated queries (N+1) flagged.
// Skipped, saying why, when MariaDB cannot be started on this machine.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startMariaDB } from '../support/databases.js'
import { startDemo } from './fixtures/demo-app.mjs'
import { waitFor, weft } from './helpers.js'

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
