// Schemas through the public API: validation of body, querystring, params and headers (coercion, defaults,
// messages naming the field), attachValidation, custom compilers, addSchema + $ref, and response serialization.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'

function build (t, opts) {
  const app = weft(opts)
  t.after(() => app.close())
  return app
}

const userBody = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    role: { type: 'string', default: 'user' },
    address: { type: 'object', properties: { zip: { type: 'string', minLength: 5 } } }
  },
  additionalProperties: false
}

function assertValidationError (res, message) {
  assert.equal(res.statusCode, 400)
  const body = res.json()
  assert.equal(body.code, 'FST_ERR_VALIDATION')
  assert.equal(body.message, message)
}

describe('body validation', () => {
  test('a valid body is coerced, defaulted and stripped of undeclared properties', async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: userBody } }, async (req) => req.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ada', age: '36', extra: 'dropped' } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { name: 'Ada', age: 36, role: 'user' })
  })

  test("a missing required property is a 400 naming it: body must have required property 'name'", async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: userBody } }, async (req) => req.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: { age: 3 } })
    assertValidationError(res, "body must have required property 'name'")
  })

  test('a wrong type names the path: body/age must be integer', async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: userBody } }, async (req) => req.body)
    let res = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ada', age: 'old' } })
    assertValidationError(res, 'body/age must be integer')
    res = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ada', address: { zip: '12' } } })
    assertValidationError(res, 'body/address/zip must NOT have fewer than 5 characters')
  })

  test('a missing body against an object schema is a 400', async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: userBody } }, async (req) => req.body)
    const res = await app.inject({ method: 'POST', url: '/' })
    assertValidationError(res, 'body must be object')
  })

  test('formats from ajv-formats are checked', async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: { type: 'object', properties: { email: { type: 'string', format: 'email' } } } } }, async (req) => req.body)
    assertValidationError(await app.inject({ method: 'POST', url: '/', payload: { email: 'not-an-email' } }), 'body/email must match format "email"')
    assert.equal((await app.inject({ method: 'POST', url: '/', payload: { email: 'ada@example.com' } })).statusCode, 200)
  })

  test('the handler does not run for an invalid request, and the app still answers a valid one', async (t) => {
    const app = build(t)
    let calls = 0
    app.post('/', { schema: { body: userBody } }, async (req) => { calls++; return req.body })
    assert.equal((await app.inject({ method: 'POST', url: '/', payload: {} })).statusCode, 400)
    assert.equal(calls, 0)
    const res = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ada' } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { name: 'Ada', role: 'user' })
    assert.equal(calls, 1)
  })
})

describe('querystring validation', () => {
  const querystring = {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
      tags: { type: 'array', items: { type: 'string' } },
      verbose: { type: 'boolean' }
    }
  }

  test('values are coerced (integer, boolean, single value to array) and defaults applied', async (t) => {
    const app = build(t)
    app.get('/', { schema: { querystring } }, async (req) => req.query)
    let res = await app.inject({ method: 'GET', url: '/?limit=5&tags=a&verbose=true' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { limit: 5, tags: ['a'], verbose: true })
    res = await app.inject({ method: 'GET', url: '/' })
    assert.deepEqual(res.json(), { limit: 10 })
  })

  test('querystring/limit must be <= 100', async (t) => {
    const app = build(t)
    app.get('/', { schema: { querystring } }, async (req) => req.query)
    assertValidationError(await app.inject({ method: 'GET', url: '/?limit=1000' }), 'querystring/limit must be <= 100')
    assertValidationError(await app.inject({ method: 'GET', url: '/?limit=ten' }), 'querystring/limit must be integer')
    assert.equal((await app.inject({ method: 'GET', url: '/?limit=100' })).statusCode, 200)
  })

  test('a bare properties map is not a schema: ready() fails with FST_ERR_SCH_VALIDATION_BUILD (Fastify 5 has no shorthand)', async (t) => {
    const app = build(t)
    app.get('/', { schema: { querystring: { name: { type: 'string' }, page: { type: 'integer', default: 1 } } } }, async (req) => req.query)
    await assert.rejects(app.ready(), (err) => err.code === 'FST_ERR_SCH_VALIDATION_BUILD' && /unknown keyword: "name"/.test(err.message))
  })

  test('schema.query is accepted as an alias of schema.querystring', async (t) => {
    const app = build(t)
    app.get('/', { schema: { query: querystring } }, async (req) => req.query)
    assert.deepEqual((await app.inject({ method: 'GET', url: '/?limit=2' })).json(), { limit: 2 })
    assertValidationError(await app.inject({ method: 'GET', url: '/?limit=0' }), 'querystring/limit must be >= 1')
  })
})

describe('params validation', () => {
  test('params are coerced; a bad one is params/id must be integer', async (t) => {
    const app = build(t)
    app.get('/users/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } } },
      async (req) => ({ id: req.params.id, type: typeof req.params.id }))
    const res = await app.inject({ method: 'GET', url: '/users/42' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { id: 42, type: 'number' })
    assertValidationError(await app.inject({ method: 'GET', url: '/users/abc' }), 'params/id must be integer')
  })

  test('params are validated before the body', async (t) => {
    const app = build(t)
    app.post('/users/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } }, body: userBody } }, async (req) => req.body)
    assertValidationError(await app.inject({ method: 'POST', url: '/users/abc', payload: {} }), 'params/id must be integer')
  })
})

describe('headers validation', () => {
  const headers = {
    type: 'object',
    properties: { 'X-Api-Key': { type: 'string', minLength: 3 }, 'X-Count': { type: 'integer' } },
    required: ['X-Api-Key']
  }

  test('header names in the schema are matched case-insensitively and values coerced', async (t) => {
    const app = build(t)
    app.get('/', { schema: { headers } }, async (req) => ({ key: req.headers['x-api-key'], count: req.headers['x-count'] }))
    const res = await app.inject({ method: 'GET', url: '/', headers: { 'X-API-KEY': 'secret', 'x-count': '7' } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { key: 'secret', count: 7 })
  })

  test("a missing required header is headers must have required property 'x-api-key'", async (t) => {
    const app = build(t)
    app.get('/', { schema: { headers } }, async () => 'ok')
    assertValidationError(await app.inject({ method: 'GET', url: '/' }), "headers must have required property 'x-api-key'")
    assertValidationError(await app.inject({ method: 'GET', url: '/', headers: { 'x-api-key': 'k' } }),
      'headers/x-api-key must NOT have fewer than 3 characters')
    assert.equal((await app.inject({ method: 'GET', url: '/', headers: { 'x-api-key': 'key' } })).statusCode, 200)
  })
})

describe('attachValidation', () => {
  test('with attachValidation: true the handler runs and request.validationError is set', async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: userBody }, attachValidation: true }, async (req) => ({
      message: req.validationError?.message ?? null,
      context: req.validationError?.validationContext ?? null,
      keywords: req.validationError?.validation?.map((e) => e.keyword) ?? null
    }))
    let res = await app.inject({ method: 'POST', url: '/', payload: { age: 1 } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { message: "body must have required property 'name'", context: 'body', keywords: ['required'] })
    res = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ada' } })
    assert.deepEqual(res.json(), { message: null, context: null, keywords: null })
  })
})

describe('custom compilers and formatters', () => {
  test('setValidatorCompiler: the compiler gets schema, method, url and httpPart; false + errors is a 400', async (t) => {
    const app = build(t)
    const seen = []
    app.setValidatorCompiler(({ schema, method, url, httpPart }) => {
      seen.push(`${method} ${url} ${httpPart}`)
      const validate = (data) => {
        const missing = schema.mustHave.filter((key) => data == null || !(key in data))
        validate.errors = missing.map((key) => ({ instancePath: '', message: `lacks ${key}` }))
        return missing.length === 0
      }
      return validate
    })
    app.post('/things', { schema: { body: { mustHave: ['a', 'b'] } } }, async (req) => req.body)
    await app.ready()
    assert.deepEqual(seen, ['POST /things body'])
    assertValidationError(await app.inject({ method: 'POST', url: '/things', payload: { a: 1 } }), 'body lacks b')
    assert.deepEqual((await app.inject({ method: 'POST', url: '/things', payload: { a: 1, b: 2 } })).json(), { a: 1, b: 2 })
  })

  test('a validator returning { value } replaces the part, { error } rejects it (Joi/zod style)', async (t) => {
    const app = build(t)
    app.setValidatorCompiler(() => (data) => {
      if (typeof data?.n !== 'number') return { error: new Error('n must be a number') }
      return { value: { n: data.n * 2, checked: true } }
    })
    app.post('/', { schema: { body: { custom: 'shape' } } }, async (req) => req.body)
    let res = await app.inject({ method: 'POST', url: '/', payload: { n: 21 } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { n: 42, checked: true })
    res = await app.inject({ method: 'POST', url: '/', payload: { n: 'x' } })
    assert.equal(res.statusCode, 400)
    assert.match(res.json().message, /n must be a number/)
  })

  test('setSchemaErrorFormatter shapes the validation error message', async (t) => {
    const app = build(t)
    app.setSchemaErrorFormatter((errors, dataVar) => new Error(`${dataVar} failed: ${errors.map((e) => e.keyword).join('+')}`))
    app.post('/', { schema: { body: userBody } }, async (req) => req.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: {} })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().message, 'body failed: required')
  })

  test('setSerializerCompiler builds the response serializers', async (t) => {
    const app = build(t)
    app.setSerializerCompiler(({ schema, httpStatus }) => (data) => JSON.stringify({ status: httpStatus, tag: schema.tag, data }))
    app.get('/', { schema: { response: { 200: { tag: 'mine' } } } }, async () => ({ hello: 'world' }))
    const res = await app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: '200', tag: 'mine', data: { hello: 'world' } })
  })

  test('an invalid schema makes ready() fail with FST_ERR_SCH_VALIDATION_BUILD', async (t) => {
    const app = build(t)
    app.post('/', { schema: { body: { type: 'not-a-type' } } }, async () => 'x')
    await assert.rejects(app.ready(), (err) => err.code === 'FST_ERR_SCH_VALIDATION_BUILD' && /POST/.test(err.message))
  })

  test('an unresolvable response $ref makes ready() fail with FST_ERR_SCH_SERIALIZATION_BUILD', async (t) => {
    const app = build(t)
    app.get('/', { schema: { response: { 200: { $ref: 'nowhere#' } } } }, async () => 'x')
    await assert.rejects(app.ready(), (err) => err.code === 'FST_ERR_SCH_SERIALIZATION_BUILD')
  })
})

describe('addSchema and $ref', () => {
  const user = {
    $id: 'user',
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, age: { type: 'integer' } }
  }

  test("a body schema { $ref: 'user#' } validates against the shared schema", async (t) => {
    const app = build(t)
    app.addSchema(user)
    app.post('/', { schema: { body: { $ref: 'user#' } } }, async (req) => req.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: { name: 'Ada', age: '36' } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { name: 'Ada', age: 36 })
    assertValidationError(await app.inject({ method: 'POST', url: '/', payload: { age: 1 } }), "body must have required property 'name'")
  })

  test('$ref into a shared schema works inside properties and in response schemas', async (t) => {
    const app = build(t)
    app.addSchema(user)
    app.post('/team', {
      schema: {
        body: { type: 'object', properties: { lead: { $ref: 'user#' } }, required: ['lead'] },
        response: { 200: { type: 'object', properties: { lead: { $ref: 'user#' } } } }
      }
    }, async (req) => ({ lead: { ...req.body.lead, password: 'hidden' } }))
    const res = await app.inject({ method: 'POST', url: '/team', payload: { lead: { name: 'Ada' } } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { lead: { name: 'Ada' } })
    assertValidationError(await app.inject({ method: 'POST', url: '/team', payload: { lead: { age: 2 } } }), "body/lead must have required property 'name'")
  })

  test('getSchema and getSchemas return what was added', (t) => {
    const app = build(t)
    app.addSchema(user)
    assert.equal(app.getSchema('user').properties.name.type, 'string')
    assert.deepEqual(Object.keys(app.getSchemas()), ['user'])
  })

  test('a schema without $id throws FST_ERR_SCH_MISSING_ID; a duplicate $id FST_ERR_SCH_ALREADY_PRESENT', (t) => {
    const app = build(t)
    assert.throws(() => app.addSchema({ type: 'string' }), (err) => err.code === 'FST_ERR_SCH_MISSING_ID')
    app.addSchema(user)
    assert.throws(() => app.addSchema({ ...user }), (err) => err.code === 'FST_ERR_SCH_ALREADY_PRESENT' && /user/.test(err.message))
  })

  test('a schema added in a plugin is visible in that plugin only', async (t) => {
    const app = build(t)
    app.addSchema(user)
    app.register(async (child) => {
      child.addSchema({ $id: 'pet', type: 'object', properties: { kind: { type: 'string', enum: ['cat', 'dog'] } } })
      assert.ok(child.getSchema('user'))
      assert.ok(child.getSchema('pet'))
      child.post('/pet', { schema: { body: { $ref: 'pet#' } } }, async (req) => req.body)
    })
    await app.ready()
    assert.equal(app.getSchema('pet'), undefined)
    assert.equal((await app.inject({ method: 'POST', url: '/pet', payload: { kind: 'cat' } })).statusCode, 200)
    assertValidationError(await app.inject({ method: 'POST', url: '/pet', payload: { kind: 'cow' } }), 'body/kind must be equal to one of the allowed values')
  })
})

describe('response schemas', () => {
  const item = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } }

  test('properties not in the response schema are left out', async (t) => {
    const app = build(t)
    app.get('/', { schema: { response: { 200: item } } }, async () => ({ id: 1, name: 'a', password: 'secret' }))
    const res = await app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'], /application\/json/)
    assert.deepEqual(res.json(), { id: 1, name: 'a' })
  })

  test("a '2xx' schema covers every 2xx status without an exact entry", async (t) => {
    const app = build(t)
    app.post('/', { schema: { response: { '2xx': item } } }, async (req, reply) => { reply.code(201); return { id: 2, name: 'b', extra: true } })
    const res = await app.inject({ method: 'POST', url: '/', payload: {} })
    assert.equal(res.statusCode, 201)
    assert.deepEqual(res.json(), { id: 2, name: 'b' })
  })

  test("an exact status wins over '2xx', and 'default' covers the rest", async (t) => {
    const app = build(t)
    app.get('/:code', {
      schema: {
        response: {
          200: { type: 'object', properties: { exact: { type: 'boolean' } } },
          '2xx': { type: 'object', properties: { range: { type: 'boolean' } } },
          default: { type: 'object', properties: { fallback: { type: 'boolean' } } }
        }
      }
    }, async (req, reply) => {
      reply.code(Number(req.params.code))
      return { exact: true, range: true, fallback: true }
    })
    assert.deepEqual((await app.inject({ method: 'GET', url: '/200' })).json(), { exact: true })
    assert.deepEqual((await app.inject({ method: 'GET', url: '/202' })).json(), { range: true })
    const res = await app.inject({ method: 'GET', url: '/409' })
    assert.equal(res.statusCode, 409)
    assert.deepEqual(res.json(), { fallback: true })
  })

  test('a status with no matching schema is serialized in full', async (t) => {
    const app = build(t)
    app.get('/', { schema: { response: { 201: item } } }, async () => ({ id: 1, secret: 'shown' }))
    assert.deepEqual((await app.inject({ method: 'GET', url: '/' })).json(), { id: 1, secret: 'shown' })
  })

  test('response values are coerced to the schema types', async (t) => {
    const app = build(t)
    app.get('/', { schema: { response: { 200: item } } }, async () => ({ id: '7', name: 99 }))
    assert.deepEqual((await app.inject({ method: 'GET', url: '/' })).json(), { id: 7, name: '99' })
  })
})
