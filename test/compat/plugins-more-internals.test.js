// What @fastify/* plugins rely on (each found running real plugins' own suites), side by side:
// ajv plugins, route schemas normalised in place, onRoute's view of routes, validator results,
// initialConfig, request ids per instance, schemas per encapsulated instance.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { both, inject, logLines } from './harness.js'

/** What fluent-json-schema builds: an object that turns into its JSON Schema through valueOf(). */
function fluent (json) {
  return { isFluentSchema: true, [Symbol.for('fluent-schema-object')]: true, valueOf: () => structuredClone(json) }
}

describe('the ajv option', () => {
  both('ajv.plugins add custom keywords the route schemas use', async (factory) => {
    const evenKeyword = (ajv) => ajv.addKeyword({ keyword: 'even', type: 'number', validate: (schema, data) => !schema || data % 2 === 0, errors: false })
    const app = factory({ ajv: { plugins: [evenKeyword], customOptions: { coerceTypes: true } } })
    app.get('/:n', { schema: { params: { type: 'object', properties: { n: { type: 'integer', even: true } } } } }, async (request) => ({ n: request.params.n }))
    assert.deepEqual((await inject(app, '/4')).json(), { n: 4 })
    const odd = await inject(app, '/3')
    assert.equal(odd.statusCode, 400)
    assert.match(odd.json().message, /^params\/n must pass "even" keyword validation$/)
  })
})

describe('route schemas are normalised in place', () => {
  both('query is an alias of querystring, visible to onRoute consumers and routeOptions after ready', async (factory) => {
    const app = factory()
    const routes = []
    app.addHook('onRoute', (routeOptions) => routes.push(routeOptions))
    const query = { type: 'object', properties: { n: { type: 'integer' } } }
    app.get('/', { schema: { query } }, async (request) => ({ n: request.query.n, same: request.routeOptions.schema.querystring === query }))
    await app.ready()
    const get = routes.find((r) => r.method === 'GET')
    assert.equal(get.schema.querystring, query)
    assert.deepEqual((await inject(app, '/?n=5')).json(), { n: 5, same: true })
    assert.equal((await inject(app, '/?n=x')).statusCode, 400)
  })

  both('query and querystring together are refused at ready', async (factory) => {
    const app = factory()
    app.get('/', { schema: { query: { type: 'object' }, querystring: { type: 'object' } } }, async () => 'x')
    await assert.rejects(app.ready(), (err) => err.code === 'FST_ERR_SCH_DUPLICATE' || /querystring/.test(err.message))
  })

  both('fluent-json-schema objects in route schemas validate and serialize, and become JSON Schema', async (factory) => {
    const app = factory()
    const body = fluent({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } })
    const response = fluent({ type: 'object', properties: { name: { type: 'string' } } })
    const schema = { body, response: { 200: response } }
    app.post('/', { schema }, async (request) => ({ name: request.body.name, extra: 'dropped' }))
    await app.ready()
    assert.deepEqual(schema.body, { type: 'object', required: ['name'], properties: { name: { type: 'string' } } })
    assert.deepEqual(schema.response[200], { type: 'object', properties: { name: { type: 'string' } } })
    assert.deepEqual((await inject(app, { method: 'POST', url: '/', payload: { name: 'a' } })).json(), { name: 'a' })
    assert.equal((await inject(app, { method: 'POST', url: '/', payload: {} })).statusCode, 400)
  })

  both('a body schema split by content type validates each type with its own schema', async (factory) => {
    const app = factory()
    app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => done(null, body))
    app.post('/', {
      schema: {
        body: {
          content: {
            'application/json': { schema: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } } },
            'text/plain': { schema: { type: 'string', maxLength: 3 } }
          }
        }
      }
    }, async (request) => ({ body: request.body }))
    const json = await inject(app, { method: 'POST', url: '/', payload: { a: '7' } })
    assert.deepEqual(json.json(), { body: { a: 7 } })
    const badJson = await inject(app, { method: 'POST', url: '/', payload: { b: 1 } })
    assert.equal(badJson.statusCode, 400)
    assert.equal(badJson.json().message, "body must have required property 'a'")
    const text = await inject(app, { method: 'POST', url: '/', payload: 'abc', headers: { 'content-type': 'text/plain; charset=utf-8' } })
    assert.deepEqual(text.json(), { body: 'abc' })
    const long = await inject(app, { method: 'POST', url: '/', payload: 'abcd', headers: { 'content-type': 'text/plain' } })
    assert.equal(long.statusCode, 400)
    assert.equal(long.json().message, 'body must NOT have more than 3 characters')
  })

  both('a response schema split by content type serializes with the schema of the reply\'s media type', async (factory) => {
    const app = factory()
    app.get('/:type', {
      schema: {
        response: {
          200: {
            content: {
              'application/json': { schema: { type: 'object', properties: { json: { type: 'string' } } } },
              'application/vnd.v2+json': { schema: { type: 'object', properties: { v2: { type: 'string' } } } }
            }
          },
          '4xx': {
            content: { '*/*': { schema: { type: 'object', properties: { any: { type: 'string' } } } } }
          }
        }
      }
    }, async (request, reply) => {
      const payload = { json: 'j', v2: 'v', any: 'a', other: 'o' }
      if (request.params.type === 'v2') reply.type('application/vnd.v2+json')
      if (request.params.type === 'v3') reply.type('application/vnd.v3+json')
      if (request.params.type === 'bad') reply.code(400).type('application/problem+json')
      return payload
    })
    assert.deepEqual((await inject(app, '/plain')).json(), { json: 'j' })
    assert.deepEqual((await inject(app, '/v2')).json(), { v2: 'v' })
    // no schema for this media type: sent whole, as JSON.stringify makes it
    assert.deepEqual((await inject(app, '/v3')).json(), { json: 'j', v2: 'v', any: 'a', other: 'o' })
    assert.deepEqual((await inject(app, '/bad')).json(), { any: 'a' })
  })

  both('a split body schema without a schema for one type is refused at ready', async (factory) => {
    const app = factory()
    app.post('/', { schema: { body: { content: { 'text/plain': {} } } } }, async () => 'x')
    await assert.rejects(app.ready(), /text\/plain/)
  })
})

describe('onRoute', () => {
  both('a route listing GET and HEAD gets no automatic HEAD route: onRoute runs once', async (factory) => {
    const app = factory()
    const seen = []
    app.addHook('onRoute', (routeOptions) => seen.push(routeOptions.method))
    app.route({ method: ['GET', 'HEAD'], url: '/', handler: async () => 'x' })
    app.get('/auto', async () => 'y')
    await app.ready()
    assert.deepEqual(seen, [['GET', 'HEAD'], 'GET', 'HEAD'])
    assert.equal((await inject(app, { method: 'HEAD', url: '/' })).statusCode, 200)
  })

  both('a HEAD route declared before its GET route: no automatic HEAD route is declared', async (factory) => {
    const app = factory()
    const seen = []
    app.addHook('onRoute', (routeOptions) => seen.push(routeOptions.method))
    app.head('/', async (request, reply) => reply.header('x-explicit', '1').send())
    app.get('/', async () => 'x')
    await app.ready()
    assert.deepEqual(seen, ['HEAD', 'GET'])
    assert.equal((await inject(app, { method: 'HEAD', url: '/' })).headers['x-explicit'], '1')
  })

  for (const prefixTrailingSlash of ['both', 'slash', 'no-slash']) {
    both(`'/' under a prefix (prefixTrailingSlash ${prefixTrailingSlash}): the urls onRoute sees, the paths answered, request.routeOptions`, async (factory) => {
      const app = factory()
      const seen = []
      app.addHook('onRoute', (routeOptions) => seen.push(`${routeOptions.method} ${routeOptions.url} '${routeOptions.routePath}' ${routeOptions.attachValidation}`))
      await app.register(async (child) => {
        child.get('/', { prefixTrailingSlash: prefixTrailingSlash === 'both' ? undefined : prefixTrailingSlash },
          async (request) => `${request.routeOptions.url} ${request.routeOptions.config.url} ${request.routeOptions.prefixTrailingSlash}`)
      }, { prefix: '/p' })
      await app.ready()
      const answers = []
      for (const url of ['/p', '/p/']) {
        for (const method of ['GET', 'HEAD']) {
          const res = await inject(app, { method, url })
          answers.push(`${method} ${url} ${res.statusCode}${res.statusCode === 200 ? ' ' + res.body : ''}`)
        }
      }
      const expected = {
        both: [["GET /p '' false", "HEAD /p '' false", "HEAD /p/ '/' false"], ['GET /p 200 /p /p both', 'HEAD /p 200 ', 'GET /p/ 200 /p /p both', 'HEAD /p/ 200 ']],
        slash: [["GET /p/ '/' false", "HEAD /p/ '/' false"], ['GET /p 404', 'HEAD /p 404', 'GET /p/ 200 /p/ /p/ slash', 'HEAD /p/ 200 ']],
        'no-slash': [["GET /p '' false", "HEAD /p '' false"], ['GET /p 200 /p /p no-slash', 'HEAD /p 200 ', 'GET /p/ 404', 'HEAD /p/ 404']]
      }[prefixTrailingSlash]
      assert.deepEqual([seen, answers], expected)
    })
  }

  both('an onRoute hook can replace a route hook option before it is checked', async (factory) => {
    const app = factory()
    const named = { stamp: async (request, reply) => { reply.header('x-stamp', 'yes') } }
    app.addHook('onRoute', (routeOptions) => {
      if (typeof routeOptions.preHandler === 'string') routeOptions.preHandler = named[routeOptions.preHandler]
    })
    app.get('/', { preHandler: 'stamp' }, async () => 'x')
    const res = await inject(app, '/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['x-stamp'], 'yes')
  })

  both('a hook option still invalid after onRoute is refused', async (factory) => {
    const app = factory()
    assert.throws(() => app.get('/', { preHandler: 'nothing' }, async () => 'x'), (err) => err.code === 'FST_ERR_HOOK_INVALID_HANDLER')
  })

  both('routes get register()\'s logLevel (and \'\' by default), seen by onRoute and applied to request.log', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { level: 'info', stream } })
    const levels = {}
    app.addHook('onRoute', (routeOptions) => { levels[`${routeOptions.method} ${routeOptions.url}`] = routeOptions.logLevel })
    app.get('/root', async (request) => { request.log.info('root info'); return request.routeOptions.logLevel })
    await app.register(async (child) => {
      child.get('/quiet', async (request) => { request.log.info('quiet info'); request.log.error('quiet error'); return request.routeOptions.logLevel })
      child.get('/own', { logLevel: 'debug' }, async (request) => { request.log.debug('own debug'); return request.routeOptions.logLevel })
      await child.register(async (grandchild) => { grandchild.get('/nested', async (request) => request.routeOptions.logLevel) })
    }, { prefix: '/p', logLevel: 'error' })
    await app.ready()
    assert.deepEqual(levels, { 'GET /root': '', 'HEAD /root': '', 'GET /p/quiet': 'error', 'HEAD /p/quiet': 'error', 'GET /p/own': 'debug', 'HEAD /p/own': 'debug', 'GET /p/nested': 'error', 'HEAD /p/nested': 'error' })
    assert.equal((await inject(app, '/root')).body, '')
    assert.equal((await inject(app, '/p/quiet')).body, 'error')
    assert.equal((await inject(app, '/p/own')).body, 'debug')
    assert.equal((await inject(app, '/p/nested')).body, 'error')
    assert.deepEqual(lines.map((l) => l.msg).filter((m) => /info|error|debug/.test(m)), ['root info', 'quiet error', 'own debug'])
  })
})

describe('validator results', () => {
  both('a { error: [...] } result goes through the schema error formatter', async (factory) => {
    const app = factory()
    const seen = []
    app.setValidatorCompiler(() => (data) => data.ok === 'yes' ? { value: data } : { error: [{ instancePath: '/ok', message: 'must be yes' }] })
    app.setSchemaErrorFormatter((errors, dataVar) => {
      seen.push([errors, dataVar])
      return new Error(`formatted: ${dataVar}${errors[0].instancePath} ${errors[0].message}`)
    })
    app.get('/', { schema: { querystring: { type: 'object' } } }, async () => 'fine')
    assert.equal((await inject(app, '/?ok=yes')).body, 'fine')
    const res = await inject(app, '/?ok=no')
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().message, 'formatted: querystring/ok must be yes')
    assert.deepEqual(seen, [[[{ instancePath: '/ok', message: 'must be yes' }], 'querystring']])
  })

  both('a { error: Error } result is kept as the error', async (factory) => {
    const app = factory()
    app.setValidatorCompiler(() => (data) => data.ok === 'yes' ? { value: data } : { error: Object.assign(new Error('custom says no'), { statusCode: 422 }) })
    app.get('/', { schema: { querystring: { type: 'object' } } }, async () => 'fine')
    const res = await inject(app, '/?ok=no')
    assert.equal(res.statusCode, 422)
    assert.equal(res.json().message, 'custom says no')
  })
})

describe('initialConfig and request ids', () => {
  const servedKeys = ['requestTimeout', 'keepAliveTimeout']

  both('initialConfig holds the documented options with their defaults, deep-frozen', async (factory) => {
    const app = factory()
    const reference = Fastify().initialConfig
    const config = app.initialConfig
    assert.deepEqual(Object.keys(config).sort(), Object.keys(reference).sort())
    for (const key of Object.keys(reference)) if (!servedKeys.includes(key)) assert.deepEqual(config[key], reference[key], key)
    // what the server really uses (Weft's requestTimeout default is Node's 300000)
    assert.equal(config.requestTimeout, app.server.requestTimeout)
    assert.equal(config.keepAliveTimeout, app.server.keepAliveTimeout)
    assert.ok(Object.isFrozen(config))
    assert.equal(app.initialConfig, config)
  })

  both('initialConfig keeps given options, drops unknown ones, hides https material', async (factory) => {
    const options = { bodyLimit: 10, requestIdHeader: 'X-Id', forceCloseConnections: true, routerOptions: { maxParamLength: 50 }, logger: false, genReqId: () => 'x', unknownOption: 1 }
    const config = factory(options).initialConfig
    const reference = Fastify(options).initialConfig
    assert.equal(config.bodyLimit, 10)
    assert.equal(config.requestIdHeader, 'x-id')
    assert.equal(config.forceCloseConnections, true)
    assert.deepEqual(config.routerOptions, reference.routerOptions)
    assert.ok(Object.isFrozen(config.routerOptions))
    assert.equal('logger' in config, false)
    assert.equal('genReqId' in config, false)
    assert.equal('unknownOption' in config, false)
    assert.deepEqual(Object.keys(config).sort(), Object.keys(reference).sort())
  })

  both('request ids count per app instance', async (factory) => {
    const first = factory()
    const second = factory()
    for (const app of [first, second]) app.get('/', async (request) => request.id)
    assert.equal((await inject(first, '/')).body, 'req-1')
    assert.equal((await inject(first, '/')).body, 'req-2')
    assert.equal((await inject(second, '/')).body, 'req-1')
  })
})

describe('schemas per encapsulated instance', () => {
  both('addSchema in a plugin is seen by its getSchemas() and routes, not by its parent\'s', async (factory) => {
    const app = factory()
    app.addSchema({ $id: 'base', type: 'object', properties: { id: { type: 'integer' } } })
    const seen = {}
    await app.register(async (child) => {
      child.addSchema({ $id: 'item', type: 'object', properties: { base: { $ref: 'base#' }, name: { type: 'string' } }, required: ['name'] })
      seen.child = Object.keys(child.getSchemas()).sort()
      seen.item = child.getSchema('item').required
      child.post('/items', { schema: { body: { $ref: 'item#' }, response: { 200: { $ref: 'item#' } } } }, async (request) => ({ ...request.body, secret: 1 }))
    })
    seen.root = Object.keys(app.getSchemas())
    assert.deepEqual(seen, { child: ['base', 'item'], item: ['name'], root: ['base'] })
    const ok = await inject(app, { method: 'POST', url: '/items', payload: { name: 'n', base: { id: '3' } } })
    assert.deepEqual(ok.json(), { name: 'n', base: { id: 3 } })
    assert.equal((await inject(app, { method: 'POST', url: '/items', payload: { base: { id: 1 } } })).statusCode, 400)
  })

  both('onRegister sees each new instance, whose getSchemas() grows as its plugin adds schemas', async (factory) => {
    const app = factory()
    const instances = []
    app.addHook('onRegister', (instance) => instances.push(instance))
    app.addSchema({ $id: 'a', type: 'string' })
    await app.register(async (child) => {
      child.addSchema({ $id: 'b', type: 'string' })
      await child.register(async (grandchild) => { grandchild.addSchema({ $id: 'c', type: 'string' }) })
    })
    await app.ready()
    assert.deepEqual(instances.map((i) => Object.keys(i.getSchemas()).sort()), [['a', 'b'], ['a', 'b', 'c']])
  })
})
