// Validation and serialization schemas side by side (issue 17, "Schemas"): shared schemas per encapsulated
// instance, $refs, compilers, error formatting, attachValidation, error handling, coercion, async validators.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { both, inject } from './harness.js'

/** Listens on an ephemeral port and answers `fetch(url, init)` as { status, body }. */
async function over (app, path, init) {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(address + path, init)
  return { status: res.status, headers: res.headers, body: await res.text() }
}

const post = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('shared schemas', () => {
  both('addSchema and getSchemas are per encapsulated instance; a child sees its parents', async (factory) => {
    const app = factory()
    app.addSchema({ $id: 'root', type: 'string' })
    const seen = {}
    app.register(async (child) => {
      child.addSchema({ $id: 'child', type: 'number' })
      seen.child = Object.keys(child.getSchemas()).sort()
      seen.one = child.getSchema('root')
    })
    app.register(async (sibling) => { seen.sibling = Object.keys(sibling.getSchemas()) })
    await app.ready()
    assert.deepEqual(Object.keys(app.getSchemas()), ['root'])
    assert.deepEqual(seen.child, ['child', 'root'])
    assert.deepEqual(seen.sibling, ['root'])
    assert.deepEqual(seen.one, { $id: 'root', type: 'string' })
  })

  both('a body $ref to a shared schema and its definitions validates over a socket', async (factory) => {
    const app = factory()
    app.addSchema({ $id: 'http://example.com/defs', definitions: { name: { type: 'string', minLength: 2 } } })
    app.addSchema({ $id: 'user', type: 'object', required: ['name'], properties: { name: { $ref: 'http://example.com/defs#/definitions/name' } } })
    app.post('/', { schema: { body: { $ref: 'user#' } } }, async (request) => request.body)
    const ok = await over(app, '/', post({ name: 'ada' }))
    assert.equal(ok.status, 200)
    assert.deepEqual(JSON.parse(ok.body), { name: 'ada' })
    const bad = await fetch(`http://127.0.0.1:${app.server.address().port}/`, post({ name: 'a' }))
    assert.equal(bad.status, 400)
    const json = await bad.json()
    assert.equal(json.code, 'FST_ERR_VALIDATION')
    assert.equal(json.message, 'body/name must NOT have fewer than 2 characters')
  })

  both('a response $ref to a shared schema filters the payload', async (factory) => {
    const app = factory()
    app.addSchema({ $id: 'out', type: 'object', properties: { keep: { type: 'string' } } })
    app.get('/', { schema: { response: { 200: { $ref: 'out#' } } } }, async () => ({ keep: 'yes', drop: 'no' }))
    const res = await over(app, '/')
    assert.deepEqual(JSON.parse(res.body), { keep: 'yes' })
  })

  both('the same $id added twice throws FST_ERR_SCH_ALREADY_PRESENT; no $id throws FST_ERR_SCH_MISSING_ID', async (factory) => {
    const app = factory()
    app.addSchema({ $id: 'x', type: 'string' })
    assert.throws(() => app.addSchema({ $id: 'x', type: 'string' }), { code: 'FST_ERR_SCH_ALREADY_PRESENT' })
    assert.throws(() => app.addSchema({ type: 'string' }), { code: 'FST_ERR_SCH_MISSING_ID' })
  })

  both('sibling plugins may each add a schema with the same $id', async (factory) => {
    const app = factory()
    for (const type of ['string', 'integer']) {
      app.register(async (child) => {
        child.addSchema({ $id: 'v', type })
        child.get('/' + type, { schema: { querystring: { type: 'object', properties: { v: { $ref: 'v#' } } } } }, async (request) => request.query)
      })
    }
    await app.ready()
    assert.deepEqual((await inject(app, '/integer?v=7')).json(), { v: 7 })
    assert.equal((await inject(app, '/integer?v=x')).statusCode, 400)
    assert.deepEqual((await inject(app, '/string?v=x')).json(), { v: 'x' })
  })
})

describe('compilers', () => {
  both('setValidatorCompiler is encapsulated and receives the route and part', async (factory) => {
    const app = factory()
    const seen = []
    app.register(async (child) => {
      child.setValidatorCompiler(({ schema, method, url, httpPart }) => {
        seen.push([method, url, httpPart])
        return (data) => (data.ok === 'yes' ? true : { error: new Error('not ok') })
      })
      child.get('/child', { schema: { querystring: { type: 'object' } } }, async () => 'child')
    })
    app.get('/root', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async (r) => r.query)
    await app.ready()
    // the automatic HEAD route is compiled too
    assert.deepEqual(seen, [['GET', '/child', 'querystring'], ['HEAD', '/child', 'querystring']])
    assert.equal((await inject(app, '/child?ok=yes')).body, 'child')
    const refused = await inject(app, '/child?ok=no')
    assert.equal(refused.statusCode, 400)
    assert.equal(refused.json().message, 'not ok')
    assert.deepEqual((await inject(app, '/root?n=3')).json(), { n: 3 })
  })

  both('setSerializerCompiler receives the status code and replaces the body', async (factory) => {
    const app = factory()
    const seen = []
    app.setSerializerCompiler(({ httpStatus, url }) => { seen.push([url, httpStatus]); return (data) => 'custom:' + data.n })
    app.get('/', { schema: { response: { 200: { type: 'object' } } } }, async () => ({ n: 5 }))
    const res = await over(app, '/')
    assert.equal(res.body, 'custom:5')
    assert.deepEqual(seen, [['/', '200'], ['/', '200']])
  })

  both('a per-route validatorCompiler and serializerCompiler win over the instance ones', async (factory) => {
    const app = factory()
    app.post('/', {
      schema: { body: { type: 'object' }, response: { 200: { type: 'object' } } },
      validatorCompiler: () => (data) => (data.n > 0 ? true : { error: new Error('n must be positive') }),
      serializerCompiler: () => (data) => `n=${data.n}`
    }, async (request) => request.body)
    assert.equal((await inject(app, { method: 'POST', url: '/', payload: { n: 1 } })).body, 'n=1')
    const bad = await inject(app, { method: 'POST', url: '/', payload: { n: 0 } })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().message, 'n must be positive')
  })

  both('schemaController.compilersFactory builds the validator compiler with the shared schemas', async (factory) => {
    const calls = []
    const app = factory({
      schemaController: {
        compilersFactory: {
          buildValidator (externalSchemas, ajvOptions) {
            calls.push([Object.keys(externalSchemas).join(), ajvOptions])
            return () => {
              const validate = (data) => {
                validate.errors = data.ok === 'false' ? [{ instancePath: '/ok', message: 'is false' }] : null
                return validate.errors === null
              }
              return validate
            }
          }
        }
      }
    })
    app.addSchema({ $id: 'shared', type: 'string' })
    app.get('/', { schema: { querystring: { type: 'object' } } }, async () => 'yes')
    app.register(async (child) => {
      child.addSchema({ $id: 'inner', type: 'string' })
      child.get('/child', { schema: { querystring: { type: 'object' } } }, async () => 'child')
    })
    await app.ready()
    // built per encapsulated instance, with the schemas it sees (how often is Fastify's own business)
    assert.deepEqual([...new Set(calls.map(([ids]) => ids))].sort(), ['shared', 'shared,inner'])
    assert.deepEqual(calls[0][1], { customOptions: {}, plugins: [] })
    assert.equal((await inject(app, '/child?ok=false')).statusCode, 400)
    assert.equal((await inject(app, '/?ok=true')).statusCode, 200)
    assert.equal((await inject(app, '/?ok=false')).statusCode, 400)
  })
})

describe('validation errors', () => {
  both('a validator answering false with no errors lets the request through; with errors it is a 400', async (factory) => {
    const app = factory()
    app.setValidatorCompiler(() => {
      const validate = (data) => {
        validate.errors = data.explain === '1' ? [{ instancePath: '', message: 'explained' }] : null
        return false
      }
      return validate
    })
    app.get('/', { schema: { querystring: {} } }, async () => 'through')
    assert.equal((await inject(app, '/')).body, 'through')
    const res = await inject(app, '/?explain=1')
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().message, 'querystring explained')
  })

  both('the default answer: 400, FST_ERR_VALIDATION, the part and Ajv message', async (factory) => {
    const app = factory()
    app.get('/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } } }, async (r) => r.params)
    const res = await over(app, '/abc')
    assert.equal(res.status, 400)
    assert.deepEqual(JSON.parse(res.body), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'params/id must be integer' })
  })

  both('schemaErrorFormatter at the instance, in a plugin and on a route', async (factory) => {
    const app = factory({ schemaErrorFormatter: (errors, dataVar) => new Error(`root ${dataVar} ${errors.length}`) })
    const schema = { body: { type: 'object', required: ['a'] } }
    app.post('/root', { schema }, async () => 'ok')
    app.post('/route', { schema, schemaErrorFormatter: (errors, dataVar) => new Error(`route ${dataVar}`) }, async () => 'ok')
    app.register(async (child) => {
      child.setSchemaErrorFormatter((errors, dataVar) => new Error(`child ${dataVar}`))
      child.post('/child', { schema }, async () => 'ok')
    })
    for (const [url, message] of [['/root', 'root body 1'], ['/route', 'route body'], ['/child', 'child body']]) {
      const res = await inject(app, { method: 'POST', url, payload: {} })
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().message, message)
    }
  })

  both('attachValidation hands the error to the handler', async (factory) => {
    const app = factory()
    app.post('/', { attachValidation: true, schema: { body: { type: 'object', required: ['a'] } } }, async (request, reply) => {
      const err = request.validationError
      reply.code(err ? 422 : 200)
      return { context: err?.validationContext ?? null, keyword: err?.validation[0].keyword ?? null, message: err?.message ?? null }
    })
    const res = await over(app, '/', post({}))
    assert.equal(res.status, 422)
    assert.deepEqual(JSON.parse(res.body), { context: 'body', keyword: 'required', message: "body must have required property 'a'" })
  })

  both('a plugin error handler sees the validation error with .validation and .validationContext', async (factory) => {
    const app = factory()
    app.register(async (child) => {
      child.setErrorHandler((err, request, reply) => {
        reply.code(err.statusCode).send({ custom: true, context: err.validationContext, n: err.validation.length, code: err.code })
      })
      child.get('/', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => 'ok')
    })
    const res = await over(app, '/?n=x')
    assert.equal(res.status, 400)
    assert.deepEqual(JSON.parse(res.body), { custom: true, context: 'querystring', n: 1, code: 'FST_ERR_VALIDATION' })
  })

  both('headers are validated after the querystring; header names in schemas are case-insensitive', async (factory) => {
    const app = factory()
    app.get('/', { schema: { headers: { type: 'object', required: ['X-Token'], properties: { 'X-Token': { type: 'integer' } } } } },
      async (request) => ({ token: request.headers['x-token'] }))
    assert.deepEqual(JSON.parse((await over(app, '/', { headers: { 'x-token': '12' } })).body), { token: 12 })
    const missing = await inject(app, '/')
    assert.equal(missing.statusCode, 400)
    assert.equal(missing.json().message, "headers must have required property 'x-token'")
  })
})

describe('coercion and defaults', () => {
  both('querystring values are coerced, arrays built from one value, defaults filled, extra properties removed', async (factory) => {
    const app = factory()
    app.post('/', {
      schema: {
        querystring: { type: 'object', properties: { n: { type: 'number' }, list: { type: 'array', items: { type: 'integer' } }, flag: { type: 'boolean', default: false } } },
        body: { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } }
      }
    }, async (request) => ({ query: request.query, body: request.body }))
    const res = await over(app, '/?n=1.5&list=3', post({ a: 'x', extra: 1 }))
    assert.deepEqual(JSON.parse(res.body), { query: { n: 1.5, list: [3], flag: false }, body: { a: 'x' } })
  })

  both('customOptions change Ajv: no coercion answers 400', async (factory) => {
    const app = factory({ ajv: { customOptions: { coerceTypes: false } } })
    app.get('/', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async (r) => r.query)
    assert.equal((await inject(app, '/?n=1')).statusCode, 400)
  })
})

describe('async validators', () => {
  both('an Ajv $async schema with an async keyword validates before the handler', async (factory) => {
    const app = factory({
      ajv: {
        plugins: [(ajv) => ajv.addKeyword({
          keyword: 'knownUser',
          async: true,
          type: 'string',
          validate: async (schema, data) => { await new Promise((resolve) => setImmediate(resolve)); return data === 'ada' }
        })]
      }
    })
    let handled = 0
    app.post('/', { schema: { body: { $async: true, type: 'object', required: ['user'], properties: { user: { type: 'string', knownUser: true } } } } },
      async (request) => { handled++; return { user: request.body.user } })
    const ok = await over(app, '/', post({ user: 'ada' }))
    assert.equal(ok.status, 200)
    assert.deepEqual(JSON.parse(ok.body), { user: 'ada' })
    const bad = await fetch(`http://127.0.0.1:${app.server.address().port}/`, post({ user: 'bob' }))
    assert.equal(bad.status, 400)
    const json = await bad.json()
    assert.equal(json.code, 'FST_ERR_VALIDATION')
    assert.equal(json.statusCode, 400)
    assert.equal(handled, 1)
  })

  both('a custom validator returning a promise: rejection is a 400, the parts after it still validate', async (factory) => {
    const app = factory()
    const order = []
    app.setValidatorCompiler(({ httpPart }) => (data) => {
      order.push(httpPart)
      if (httpPart === 'body') {
        return new Promise((resolve, reject) => setImmediate(() => (data.ok ? resolve(data) : reject(new Error('body refused later')))))
      }
      return data.q === 'bad' ? { error: new Error('query refused') } : true
    })
    app.post('/', { schema: { body: {}, querystring: {} } }, async (request) => 'handled ' + request.body.ok)
    assert.equal((await inject(app, { method: 'POST', url: '/', payload: { ok: 1 } })).body, 'handled 1')
    const refused = await inject(app, { method: 'POST', url: '/', payload: { ok: 0 } })
    assert.equal(refused.statusCode, 400)
    assert.equal(refused.json().message, 'body refused later')
    const query = await inject(app, { method: 'POST', url: '/?q=bad', payload: { ok: 1 } })
    assert.equal(query.statusCode, 400)
    assert.equal(query.json().message, 'query refused')
    assert.deepEqual(order, ['body', 'querystring', 'body', 'body', 'querystring'])
  })

  both('an async validator is pass/fail: what it resolves with never replaces the body', async (factory) => {
    const app = factory()
    app.setValidatorCompiler(() => async (data) => ({ value: 'replaced', error: new Error('injected') }))
    app.post('/', { schema: { body: {} } }, async (request) => request.body)
    const res = await inject(app, { method: 'POST', url: '/', payload: { kept: true } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { kept: true })
  })

  both('attachValidation holds an async validation error too', async (factory) => {
    const app = factory()
    app.setValidatorCompiler(() => (data) => Promise.reject(new Error('later')))
    app.post('/', { attachValidation: true, schema: { body: {} } }, async (request) => ({ message: request.validationError.message, context: request.validationError.validationContext }))
    assert.deepEqual((await inject(app, { method: 'POST', url: '/', payload: {} })).json(), { message: 'later', context: 'body' })
  })
})

describe('serialization', () => {
  both('response schemas by status code, 2xx and default', async (factory) => {
    const app = factory()
    const obj = { type: 'object', properties: { a: { type: 'string' } } }
    app.get('/:code', { schema: { response: { '2xx': obj, default: { type: 'object', properties: { b: { type: 'string' } } } } } },
      async (request, reply) => { reply.code(Number(request.params.code)); return { a: 'A', b: 'B' } })
    assert.deepEqual(JSON.parse((await over(app, '/201')).body), { a: 'A' })
    assert.deepEqual((await inject(app, '/404')).json(), { b: 'B' })
  })

  both('a value of the wrong type is coerced by the serializer, a missing required property is a 500', async (factory) => {
    const app = factory()
    app.get('/n', { schema: { response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } } } }, async () => ({ n: '42' }))
    app.get('/req', { schema: { response: { 200: { type: 'object', required: ['must'], properties: { must: { type: 'string' } } } } } }, async () => ({}))
    assert.deepEqual((await inject(app, '/n')).json(), { n: 42 })
    const res = await inject(app, '/req')
    assert.equal(res.statusCode, 500)
  })

  both('the TypeBox schemas (plain JSON Schema with symbols) validate and serialize', async (factory, framework) => {
    const { Type } = await import('@sinclair/typebox')
    const app = factory()
    app.post('/', {
      schema: { body: Type.Object({ n: Type.Integer() }), response: { 200: Type.Object({ double: Type.Integer() }) } }
    }, async (request) => ({ double: request.body.n * 2, hidden: true }))
    assert.deepEqual(JSON.parse((await over(app, '/', post({ n: 4 }))).body), { double: 8 })
    assert.equal((await inject(app, { method: 'POST', url: '/', payload: { n: 'x' } })).statusCode, 400)
  })

  both('`examples` in validation and response schemas is accepted', async (factory) => {
    const app = factory()
    app.get('/', {
      schema: {
        querystring: { type: 'object', properties: { n: { type: 'integer', examples: [1, 2] } } },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' } }, examples: [{ n: 1 }] } }
      }
    }, async (request) => request.query)
    assert.deepEqual((await inject(app, '/?n=2')).json(), { n: 2 })
  })
})

describe('more error handling', () => {
  both('a schema error formatter that throws answers 500 with its message', async (factory) => {
    const app = factory({ schemaErrorFormatter: () => { throw new Error('formatter broke') } })
    app.post('/', { schema: { body: { type: 'object', required: ['a'] } } }, async () => 'ok')
    const res = await over(app, '/', post({}))
    assert.equal(res.status, 500)
    assert.deepEqual(JSON.parse(res.body), { statusCode: 500, error: 'Internal Server Error', message: 'formatter broke' })
  })

  both('a schema error formatter runs with the instance as this; a wrong one throws FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN', async (factory) => {
    assert.throws(() => factory({ schemaErrorFormatter: 'no' }), { code: 'FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN' })
    assert.throws(() => factory({ schemaErrorFormatter: async () => new Error('x') }), { code: 'FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN' })
    const app = factory()
    app.decorate('marker', 'the instance')
    app.setSchemaErrorFormatter(function (errors, dataVar) { return new Error(`${this.marker}: ${dataVar}`) })
    app.get('/', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => 'ok')
    assert.equal((await inject(app, '/?n=x')).json().message, 'the instance: querystring')
  })

  both('an error sent by the handler is serialized by the response schema of its status', async (factory) => {
    const app = factory()
    app.get('/:code', {
      schema: {
        response: {
          501: { type: 'object', properties: { message: { type: 'string' } } },
          '5xx': { type: 'object', properties: { customId: { type: 'number' }, error: { type: 'string' }, message: { type: 'string' } } }
        }
      }
    }, (request, reply) => {
      const err = new Error(request.params.code + ' message')
      err.customId = 42
      reply.code(Number(request.params.code)).send(err)
    })
    const r501 = await over(app, '/501')
    assert.equal(r501.status, 501)
    assert.deepEqual(JSON.parse(r501.body), { message: '501 message' })
    assert.deepEqual((await inject(app, '/500')).json(), { error: 'Internal Server Error', message: '500 message', customId: 42 })
  })

  both('a serializer that throws goes to the error handler', async (factory) => {
    const app = factory()
    app.setSerializerCompiler(() => () => { throw new Error('cannot serialize') })
    app.setErrorHandler((err, request, reply) => { reply.code(503).type('text/plain').serializer(String).send('handled: ' + err.message) })
    app.get('/', { schema: { response: { 200: { type: 'object' } } } }, async () => ({ a: 1 }))
    const res = await over(app, '/')
    assert.equal(res.status, 503)
    assert.equal(res.body, 'handled: cannot serialize')
  })

  both('a failing validator compiler throws FST_ERR_SCH_VALIDATION_BUILD at ready, a serializer one FST_ERR_SCH_SERIALIZATION_BUILD', async (factory) => {
    const a = factory()
    a.get('/', { schema: { querystring: { type: 'nope' } } }, async () => 'x')
    await assert.rejects(a.ready(), { code: 'FST_ERR_SCH_VALIDATION_BUILD' })
    const b = factory()
    b.setSerializerCompiler(() => { throw new Error('no serializer') })
    b.get('/', { schema: { response: { 200: { type: 'object' } } } }, async () => 'x')
    await assert.rejects(b.ready(), { code: 'FST_ERR_SCH_SERIALIZATION_BUILD' })
  })

  both('mixed sync and async validators: params sync, body async, query sync, each failing in turn', async (factory) => {
    const app = factory({
      ajv: { plugins: [(ajv) => ajv.addKeyword({ keyword: 'later', async: true, validate: async (schema, data) => data === schema })] }
    })
    app.post('/:id', {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer' } } },
        body: { $async: true, type: 'object', properties: { v: { later: 'good' } } },
        querystring: { type: 'object', properties: { q: { type: 'integer' } } }
      }
    }, async (request) => ({ id: request.params.id, q: request.query.q }))
    const ok = await over(app, '/1?q=2', post({ v: 'good' }))
    assert.deepEqual(JSON.parse(ok.body), { id: 1, q: 2 })
    const contexts = []
    for (const [url, body] of [['/x?q=2', { v: 'good' }], ['/1?q=2', { v: 'bad' }], ['/1?q=x', { v: 'good' }]]) {
      const res = await inject(app, { method: 'POST', url, payload: body })
      assert.equal(res.statusCode, 400)
      contexts.push(res.json().message.split(/[ /]/)[0])
    }
    assert.deepEqual(contexts, ['params', 'validation', 'querystring'])
  })

  both('preValidation and preHandler hooks run around an async validation', async (factory) => {
    const app = factory()
    const order = []
    app.setValidatorCompiler(() => (data) => new Promise((resolve) => setImmediate(() => { order.push('validate'); resolve(true) })))
    app.addHook('preValidation', async () => { order.push('preValidation') })
    app.addHook('preHandler', async () => { order.push('preHandler') })
    app.post('/', { schema: { body: {} } }, async () => { order.push('handler'); return order })
    assert.deepEqual(JSON.parse((await over(app, '/', post({}))).body), ['preValidation', 'validate', 'preHandler', 'handler'])
  })
})

describe('schema controller', () => {
  both('setSchemaController in a plugin builds the compilers of its routes only', async (factory) => {
    const app = factory()
    const built = []
    app.register(async (child) => {
      child.setSchemaController({
        compilersFactory: {
          buildValidator (externalSchemas) {
            built.push(Object.keys(externalSchemas).join())
            return () => (data) => (data.n === 'custom' ? true : { error: new Error('custom validator') })
          }
        }
      })
      child.addSchema({ $id: 'inner', type: 'string' })
      child.get('/child', { schema: { querystring: { type: 'object' } } }, async () => 'child')
    })
    app.get('/root', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async (request) => request.query)
    await app.ready()
    assert.ok(built.length > 0 && built.every((ids) => ids === 'inner'))
    assert.equal((await inject(app, '/child?n=custom')).body, 'child')
    assert.equal((await inject(app, '/child?n=1')).json().message, 'custom validator')
    assert.deepEqual((await inject(app, '/root?n=1')).json(), { n: 1 })
  })
})

describe('more schema usages', () => {
  both('setSchemaController without buildSerializer keeps the parent one', async (factory) => {
    const app = factory({
      schemaController: { compilersFactory: { buildSerializer: () => () => (data) => 'root serializer ' + data.n } }
    })
    app.register(async (child) => {
      child.setSchemaController({ compilersFactory: { buildValidator: () => () => (data) => (data.n === '1' ? true : { error: new Error('child validator') }) } })
      child.get('/', { schema: { querystring: { type: 'object' }, response: { 200: { type: 'object' } } } }, async (request) => ({ n: request.query.n }))
    })
    assert.equal((await inject(app, '/?n=1')).body, 'root serializer 1')
    assert.equal((await inject(app, '/?n=2')).json().message, 'child validator')
  })

  both('a boolean false body schema refuses every request before the handler', async (factory) => {
    const app = factory()
    let handled = 0
    app.post('/', { schema: { body: false } }, async () => { handled++; return 'no' })
    const res = await inject(app, { method: 'POST', url: '/', payload: { any: 1 } })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'FST_ERR_VALIDATION')
    assert.equal(handled, 0)
  })

  both('a $ref to a schema never added fails the build of the route', async (factory) => {
    const app = factory()
    app.get('/', { schema: { querystring: { $ref: 'missing#' } } }, async () => 'x')
    await assert.rejects(app.ready(), { code: 'FST_ERR_SCH_VALIDATION_BUILD' })
  })

  both('validatorCompiler and serializerCompiler read back what was set', async (factory) => {
    const app = factory()
    assert.equal(app.validatorCompiler, undefined)
    const validator = () => () => true
    const serializer = () => JSON.stringify
    app.setValidatorCompiler(validator)
    app.setSerializerCompiler(serializer)
    assert.equal(app.validatorCompiler, validator)
    assert.equal(app.serializerCompiler, serializer)
  })

  both('a custom validator returning { value } replaces the part (Joi style), headers included', async (factory) => {
    const app = factory()
    app.setValidatorCompiler(({ httpPart }) => (data) => ({ value: { ...data, [httpPart + 'Checked']: true } }))
    app.post('/', { schema: { body: {}, headers: {} } }, async (request) => ({ body: request.body.bodyChecked, headers: request.headers.headersChecked }))
    assert.deepEqual((await inject(app, { method: 'POST', url: '/', payload: {} })).json(), { body: true, headers: true })
  })
})
