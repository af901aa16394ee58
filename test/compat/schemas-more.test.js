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


describe('schema shapes', () => {
  for (const part of ['params', 'querystring', 'headers', 'body']) {
    both(`a bare properties map as schema.${part} is no schema: ready() fails with the validator's error`, async (factory) => {
      const app = factory()
      app.post('/:count', { schema: { [part]: { count: { type: 'integer' } } } }, async () => 'reached')
      await assert.rejects(app.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_SCH_VALIDATION_BUILD')
        assert.match(err.message, /^Failed building the validation schema for POST: \/:count, due to error strict mode: unknown keyword: "count"$/)
        return true
      })
    })
  }

  both('a bare properties map as a response schema is not expanded: the payload goes out whole', async (factory) => {
    const app = factory()
    app.get('/', { schema: { response: { 200: { count: { type: 'integer' } } } } }, async () => ({ count: 1, other: 'kept' }))
    const res = await over(app, '/')
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), { count: 1, other: 'kept' })
  })

  for (const where of ['body', 'response']) {
    both(`a ${where} split by content type with an entry lacking its schema: ready() fails with FST_ERR_SCH_CONTENT_MISSING_SCHEMA itself`, async (factory) => {
      const app = factory()
      const content = { 'application/json': { schema: { type: 'object' } }, 'text/plain': { example: 'no schema here' } }
      const schema = where === 'body' ? { body: { content } } : { response: { 200: { content } } }
      app.post('/', { schema }, async () => 'reached')
      await assert.rejects(app.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_SCH_CONTENT_MISSING_SCHEMA')
        assert.equal(err.message, "Schema is missing for the content type 'text/plain'")
        assert.equal(err.statusCode, 500)
        return true
      })
    })
  }
})

describe('serialization', () => {
  both('setReplySerializer() wins over a response schema and its serializer compiler', async (factory) => {
    const app = factory()
    const calls = { schema: 0, reply: 0 }
    app.setReplySerializer((payload, statusCode) => { calls.reply++; return `reply serializer: ${statusCode} ${Object.keys(payload).join(',')}` })
    app.get('/', {
      schema: { response: { 200: { type: 'object', properties: { kept: { type: 'string' } } } } },
      serializerCompiler: () => () => { calls.schema++; return 'schema serializer' }
    }, async () => ({ kept: 'a', dropped: 'b' }))
    const res = await over(app, '/')
    assert.equal(res.body, 'reply serializer: 200 kept,dropped')
    assert.deepEqual(calls, { schema: 0, reply: 1 })
  })

  both('an error a response serializer throws reaches setErrorHandler marked with the route config as `serialization`', async (factory) => {
    const app = factory()
    let seen
    app.setErrorHandler((err, request, reply) => { seen = err; reply.code(500).send({ caught: err.message }) })
    app.get('/', {
      config: { label: 'strict route' },
      schema: { response: { 200: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }
    }, async () => ({ other: 1 }))
    const res = await over(app, '/')
    assert.equal(res.status, 500)
    assert.deepEqual(JSON.parse(res.body), { caught: '"name" is required!' })
    assert.equal(seen.serialization.label, 'strict route')
  })

  both('an error serializer that returns no string: 500 with FST_ERR_REP_INVALID_PAYLOAD_TYPE and no status name', async (factory) => {
    const app = factory()
    app.setSerializerCompiler(() => () => ({ not: 'a string' }))
    app.get('/', { schema: { response: { 500: { type: 'object' } } } }, async () => { throw new Error('boom') })
    const res = await over(app, '/')
    assert.equal(res.status, 500)
    assert.deepEqual(JSON.parse(res.body), {
      statusCode: 500,
      code: 'FST_ERR_REP_INVALID_PAYLOAD_TYPE',
      message: "Attempted to send payload of invalid type 'object'. Expected a string or Buffer."
    })
  })

  both('an error serializer that throws: 500 FST_ERR_FAILED_ERROR_SERIALIZATION naming both errors, no status name', async (factory) => {
    const app = factory()
    app.get('/', {
      schema: {
        querystring: { type: 'object', required: ['needed'], properties: { needed: { type: 'string' } } },
        response: { 400: { type: 'object', required: ['extra'], properties: { extra: { type: 'string' } } } }
      }
    }, async () => 'reached')
    const res = await over(app, '/')
    assert.equal(res.status, 500)
    assert.deepEqual(JSON.parse(res.body), {
      statusCode: 500,
      code: 'FST_ERR_FAILED_ERROR_SERIALIZATION',
      message: 'Failed to serialize an error. Error: "extra" is required!. Original error: querystring must have required property \'needed\''
    })
  })
})
