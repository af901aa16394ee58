import { test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
test('mock timers', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'setImmediate', 'Date'] })
  const app = weft()
  app.get('/', async () => ({ ok: true }))
  console.log('a')
  await app.ready()
  console.log('b')
  const r = await app.inject({ url: '/' })
  console.log('c')
  assert.equal(r.statusCode, 200)
  const r2 = await app.inject({ method: 'POST', url: '/x', payload: { a: 1 } })
  console.log('d')
  await app.close()
})
