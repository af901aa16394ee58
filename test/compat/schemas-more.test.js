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

/** Collects the process warnings with `code` (any, for '') emitted while `fn` runs (and the turns after it). */
async function warningsDuring (code, fn) {
  const seen = []
  const listener = (warning) => { if (code === '' || warning.code === code) seen.push(warning) }
  process.on('warning', listener)
  try {
    await fn()
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listener)
  }
  return seen
}

describe('shared schemas and buckets', () => {
  both('addSchema() on a parent reaches the child scopes made before it: the child sees it and cannot declare it again', async (factory) => {
    const app = factory()
    const seen = {}
    app.register((child, opts, done) => {
      child.get('/:id', { schema: { params: { $ref: 'late#' } } }, async (request) => request.params)
      app.addSchema({ $id: 'late', type: 'object', properties: { id: { type: 'integer' } } })
      seen.ids = Object.keys(child.getSchemas())
      try { child.addSchema({ $id: 'late' }) } catch (err) { seen.code = err.code }
      done()
    })
    const res = await over(app, '/42')
    assert.deepEqual(JSON.parse(res.body), { id: 42 })
    assert.deepEqual(seen, { ids: ['late'], code: 'FST_ERR_SCH_ALREADY_PRESENT' })
  })

  both('schemaController.bucket: a bucket per scope, each made from its parent\'s getSchemas(), used by addSchema/getSchema(s)', async (factory) => {
    const made = []
    const bucket = (parentSchemas) => {
      const store = new Map(parentSchemas)
      made.push(parentSchemas === undefined ? 'root' : [...parentSchemas.keys()].join(','))
      return {
        add (schema) { store.set(schema.$id, schema) },
        getSchema (id) { return store.get(id) },
        getSchemas () { return store }
      }
    }
    const app = factory({ schemaController: { bucket } })
    app.addSchema({ $id: 'one', type: 'string' })
    const sizes = {}
    app.register(async (child) => {
      child.addSchema({ $id: 'two', type: 'string' })
      sizes.child = child.getSchemas().size
      child.register(async (grandchild) => { sizes.grandchild = grandchild.getSchemas().size })
    })
    app.register(async (sibling) => { sizes.sibling = sibling.getSchemas().size; sizes.one = sibling.getSchema('one') })
    await app.ready()
    assert.deepEqual(made, ['root', 'one', 'one,two', 'one'])
    assert.deepEqual(sizes, { child: 2, grandchild: 2, sibling: 1, one: { $id: 'one', type: 'string' } })
    assert.equal(app.getSchemas().size, 1)
  })

  both('setSchemaController({ bucket }) in a plugin gives that scope a bucket of its own', async (factory) => {
    const app = factory()
    app.addSchema({ $id: 'root', type: 'string' })
    const seen = {}
    app.register(async (child) => {
      child.setSchemaController({
        bucket: (parentSchemas) => {
          seen.parent = Object.keys(parentSchemas)
          const own = {}
          return { add (schema) { own[schema.$id] = schema }, getSchema (id) { return own[id] }, getSchemas () { return own } }
        }
      })
      child.addSchema({ $id: 'mine', type: 'number' })
      seen.mine = child.getSchema('mine')
      seen.ids = Object.keys(child.getSchemas())
    })
    await app.ready()
    assert.deepEqual(seen, { parent: ['root'], mine: { $id: 'mine', type: 'number' }, ids: ['mine'] })
    assert.deepEqual(Object.keys(app.getSchemas()), ['root'])
  })

  both('schemaController.bucket that is not a function: the factory throws FST_ERR_SCHEMA_CONTROLLER_BUCKET_OPT_NOT_FN', async (factory) => {
    assert.throws(() => factory({ schemaController: { bucket: {} } }), (err) => {
      assert.equal(err.code, 'FST_ERR_SCHEMA_CONTROLLER_BUCKET_OPT_NOT_FN')
      assert.equal(err.message, "schemaController.bucket option should be a function, instead got 'object'")
      return true
    })
  })
})

describe('request schemas', () => {
  both('a part given as undefined warns FSTWRN001 once per route and part; false is a schema that refuses everything', async (factory) => {
    const app = factory({ exposeHeadRoutes: false })
    app.post('/undefined/:id', { schema: { headers: undefined, body: undefined, querystring: undefined, params: undefined } }, async () => 'reached')
    app.post('/false', { schema: { body: false } }, async () => 'reached')
    app.post('/absent', { schema: {} }, async () => 'reached')
    const warnings = await warningsDuring('FSTWRN001', () => app.ready())
    assert.deepEqual(warnings.map((w) => [w.name, w.message]), ['headers', 'body', 'querystring', 'params'].map((part) =>
      ['FastifyWarning', `The ${part} schema for POST: /undefined/:id is missing. This may indicate the schema is not well specified.`]))
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    assert.equal((await fetch(address + '/undefined/1', json('POST', {}))).status, 200)
    assert.equal((await fetch(address + '/false', json('POST', {}))).status, 400)
  })

  both('a headers schema reaching a shared schema by $ref (in an array too) warns FSTSEC002; a $ref under propertyNames, at any depth, FSTSEC003; a local $ref neither', async (factory) => {
    const app = factory({ exposeHeadRoutes: false })
    app.addSchema({ $id: 'auth', type: 'object', properties: { 'X-Token': { type: 'string' } } })
    app.get('/external', { schema: { headers: { type: 'object', allOf: [{ $ref: 'auth#' }] } } }, async () => 'reached')
    app.get('/names', {
      schema: { headers: { type: 'object', definitions: { banned: { not: { enum: ['X-Banned'] } } }, propertyNames: { $ref: '#/definitions/banned' } } }
    }, async () => 'reached')
    app.get('/nested-names', {
      schema: { headers: { type: 'object', definitions: { banned: { enum: ['X-Banned'] } }, propertyNames: { not: { anyOf: [{ $ref: '#/definitions/banned' }] } } } }
    }, async () => 'reached')
    app.get('/inline', { schema: { headers: { type: 'object', properties: { 'X-Token': { type: 'string' } } } } }, async () => 'reached')
    app.get('/local', {
      schema: { headers: { type: 'object', $ref: '#/definitions/h', definitions: { h: { type: 'object', properties: { 'X-Token': { type: 'string' } } } } } }
    }, async () => 'reached')
    const warnings = await warningsDuring('', () => app.ready())
    const sec2 = warnings.filter((w) => w.code === 'FSTSEC002')
    const sec3 = warnings.filter((w) => w.code === 'FSTSEC003')
    assert.equal(sec2.length, 1)
    assert.equal(sec2[0].name, 'FastifySecurity')
    assert.match(sec2[0].message, /^The headers schema for GET: \/external references an external \$ref \(auth#\) that is not case-normalized\./)
    assert.deepEqual(sec3.map((w) => w.message.match(/^The headers schema for GET: (\S+) uses a \$ref \((\S+)\) inside propertyNames /)?.slice(1)),
      [['/names', '#/definitions/banned'], ['/nested-names', '#/definitions/banned']])
  })

  both('header names are matched lowercased under propertyNames too: enum and const deny-lists, inside combinators', async (factory) => {
    const app = factory()
    app.get('/enum', { schema: { headers: { type: 'object', propertyNames: { not: { enum: ['X-Banned', 7] } } } } }, async () => 'reached')
    app.get('/const', { schema: { headers: { type: 'object', propertyNames: { anyOf: [{ not: { const: 'X-Banned' } }] } } } }, async () => 'reached')
    app.get('/value', { schema: { headers: { type: 'object', properties: { 'X-Mode': { enum: ['Fast'] } } } } }, async () => 'reached')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    for (const path of ['/enum', '/const']) {
      assert.equal((await fetch(address + path)).status, 200, path)
      assert.equal((await fetch(address + path, { headers: { 'X-BANNED': '1' } })).status, 400, path)
    }
    // a header's value keeps its case
    assert.equal((await fetch(address + '/value', { headers: { 'x-mode': 'Fast' } })).status, 200)
    assert.equal((await fetch(address + '/value', { headers: { 'x-mode': 'fast' } })).status, 400)
  })
})

describe('validation errors', () => {
  both('the schemaErrorFormatter option runs with the app instance as `this`', async (factory) => {
    let self
    const app = factory({ schemaErrorFormatter: function (errors, part) { self = this; return new Error(`${part}: ${errors.length} error(s)`) } })
    app.post('/', { schema: { body: { type: 'object', required: ['name'] } } }, async () => 'reached')
    const res = await over(app, '/', json('POST', {}))
    assert.equal(res.status, 400)
    assert.deepEqual(JSON.parse(res.body), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'body: 1 error(s)' })
    assert.equal(self, app)
  })

  both('the default validation error is a plain Error with status, code, validation and validationContext', async (factory) => {
    const app = factory()
    app.post('/', { schema: { body: { type: 'object', required: ['name'] } }, attachValidation: true }, async (request) => {
      const err = request.validationError
      return { text: String(err), name: err.name, statusCode: err.statusCode, code: err.code, context: err.validationContext, keyword: err.validation[0].keyword }
    })
    const res = await over(app, '/', json('POST', {}))
    assert.deepEqual(JSON.parse(res.body), {
      text: "Error: body must have required property 'name'",
      name: 'Error',
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      context: 'body',
      keyword: 'required'
    })
  })
})

describe('async validators', () => {
  both('an async validator on headers answers once: passes, or fails with its error as a 400', async (factory) => {
    const app = factory({ exposeHeadRoutes: false })
    let calls = 0
    app.setValidatorCompiler(({ httpPart }) => async (data) => {
      calls++
      if (data['x-token'] !== 'good') throw new Error(`bad ${httpPart}`)
      return data
    })
    app.get('/', { schema: { headers: { type: 'object' } } }, async (request) => ({ token: request.headers['x-token'] }))
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const ok = await fetch(address + '/', { headers: { 'x-token': 'good' } })
    assert.deepEqual([ok.status, await ok.json()], [200, { token: 'good' }])
    const bad = await fetch(address + '/', { headers: { 'x-token': 'bad' } })
    assert.equal(bad.status, 400)
    assert.deepEqual(await bad.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'bad headers' })
    assert.equal(calls, 2)
  })
})

describe('compilers on the instance', () => {
  both('validatorCompiler/serializerCompiler: unset before ready; in onReady, the built ones, shared by child scopes without schemas of their own', async (factory) => {
    const app = factory()
    const route = (scope) => scope.post(`/${scope.prefix || 'root'}-${Math.random()}`, {
      schema: { body: { type: 'object', properties: { n: { type: 'integer' } } }, response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } } }
    }, async (request) => request.body)
    route(app)
    const seen = { before: app.validatorCompiler === undefined && app.serializerCompiler === undefined }
    const scopes = {}
    app.register(async (plain) => { scopes.plain = plain })
    app.register(async (own) => { own.addSchema({ $id: 'own', type: 'string' }); route(own); scopes.own = own })
    app.addHook('onReady', async function () {
      seen.root = typeof this.validatorCompiler === 'function' && typeof this.serializerCompiler === 'function'
      seen.plainShares = scopes.plain.validatorCompiler === this.validatorCompiler && scopes.plain.serializerCompiler === this.serializerCompiler
      seen.ownDiffers = scopes.own.validatorCompiler !== this.validatorCompiler
      const validate = this.validatorCompiler({ schema: { type: 'integer' }, method: 'GET', url: '/', httpPart: 'querystring' })
      seen.validates = [validate(1), validate('x')]
    })
    await app.ready()
    assert.deepEqual(seen, { before: true, root: true, plainShares: true, ownDiffers: true, validates: [true, false] })
  })

  both("a plugin's ready() and after() callbacks: after() runs before its routes' schemas are compiled, ready() after (the compilers are built)", async (factory) => {
    const app = factory()
    const seen = []
    app.register(function sibling (instance, opts, done) {
      instance.post('/body', { schema: { body: { type: 'object' } } }, async () => 'ok')
      instance.ready(() => { seen.push(['ready', typeof instance.validatorCompiler]) })
      instance.after(() => { seen.push(['after', typeof instance.validatorCompiler]) })
      done()
    })
    await app.ready()
    assert.deepEqual(seen, [['after', 'undefined'], ['ready', 'function']])
  })
})
