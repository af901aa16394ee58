// More schema, validation and serialization behaviours side by side (issue 17): what Fastify's own
// schema, validation and payload-method suites exercise, each written here as a user would meet it.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { both } from './harness.js'

/** Listens on an ephemeral port and answers `fetch(url, init)` as { status, body }. */
async function over (app, path, init) {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(address + path, init)
  return { status: res.status, headers: res.headers, body: await res.text() }
}

const json = (method, body) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('boot', () => {
  both('a route added on the tick after listen() is called is still served (plugins load on later ticks)', async (factory) => {
    const app = factory()
    const listening = app.listen({ port: 0, host: '127.0.0.1' })
    await new Promise((resolve) => process.nextTick(resolve))
    app.put('/', { schema: { response: { '2xx': { type: 'object', properties: { hello: { type: 'string' } } } } } }, async (request) => request.body)
    const address = await listening
    const res = await fetch(address + '/', json('PUT', { hello: 'world', extra: 1 }))
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { hello: 'world' })
  })
})

