// Statement summaries and shapes: what a query is called (`SELECT tasks`) and what repeats in an N+1,
// never with a value in either.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { statementShape, summarizeShape } from '../../dist/async/db-statement.js'

const summary = (text) => summarizeShape(statementShape(text)).summary

test('the operation and the table it acts on', () => {
  assert.equal(summary('SELECT * FROM tasks WHERE id = 42'), 'SELECT tasks')
  assert.equal(summary('select t.id from `tasks` t join projects p on p.id = t.project_id'), 'SELECT tasks')
  assert.equal(summary("INSERT INTO tasks (id, title) VALUES (1, 'a')"), 'INSERT tasks')
  assert.equal(summary('UPDATE public.tasks SET done = true WHERE id = $1'), 'UPDATE public.tasks')
  assert.equal(summary('DELETE FROM "Tasks" WHERE id = ?'), 'DELETE Tasks')
  assert.equal(summary('CREATE TABLE IF NOT EXISTS tasks (id int)'), 'CREATE tasks')
  assert.equal(summary('CALL refresh_totals(3)'), 'CALL refresh_totals')
})

test('a sub-query\'s table is not the statement\'s; a WITH names its main statement', () => {
  assert.equal(summary('SELECT (SELECT count(*) FROM b) AS n FROM projects'), 'SELECT projects')
  assert.equal(summary('WITH recent AS (SELECT id FROM tasks) SELECT * FROM recent'), 'SELECT recent')
})

test('no table: the operation alone; nothing recognised: `query`', () => {
  assert.equal(summary('BEGIN'), 'BEGIN')
  assert.equal(summary('SELECT 1'), 'SELECT')
  assert.equal(summary('   '), 'query')
})

test('shapes: values, placeholders and list lengths made `?`, comments and spacing dropped', () => {
  assert.equal(statementShape("SELECT * FROM t WHERE a = 'it''s' AND b = 3.5 -- note\n AND c = $2"), 'SELECT * FROM t WHERE a = ? AND b = ? AND c = ?')
  assert.equal(statementShape('SELECT * FROM t WHERE id IN (1, 2, 3)'), statementShape('SELECT * FROM t WHERE id IN (7)'))
  assert.equal(statementShape('INSERT INTO t VALUES (1), (2), (3)'), 'INSERT INTO t VALUES (?)')
  assert.equal(statementShape('/* app */ SELECT a1, col_2 FROM t1'), 'SELECT a1, col_2 FROM t1')
  assert.equal(statementShape('SELECT * FROM t WHERE a = :name AND b = @p1'), 'SELECT * FROM t WHERE a = ? AND b = ?')
})

test('the same query with other values has the same shape; another query does not', () => {
  const a = statementShape('SELECT id, title FROM tasks WHERE project_id = 1')
  assert.equal(statementShape('SELECT id, title FROM tasks WHERE project_id = 2'), a)
  assert.notEqual(statementShape('SELECT id FROM tasks WHERE project_id = 2'), a)
})

test('no value survives in a shape or a summary', () => {
  const text = "SELECT * FROM users WHERE email = 'secret@example.com' AND pin = 987654"
  const shape = statementShape(text)
  assert.equal(/secret|987654/.test(shape), false)
  assert.equal(/secret|987654/.test(summarizeShape(shape).summary), false)
})

test('a long statement is cut: its shape stays bounded', () => {
  const text = 'SELECT ' + Array.from({ length: 500 }, (_, i) => `c${i}`).join(', ') + ' FROM wide'
  assert.ok(statementShape(text).length <= 260)
})
