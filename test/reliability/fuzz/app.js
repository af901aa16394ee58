// The one app the differential fuzzer runs on both frameworks: static, parametric, multi-parameter,
// regex and wildcard routes, a prefixed plugin with its own error and not-found handlers, every
// method, schemas with coercion and a response schema, body parsers, onRequest/preValidation/onSend hooks.
import formbody from '@fastify/formbody'

const itemSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 40 },
    count: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
    meta: { type: 'object' }
  }
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'integer' } }
}

const searchQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 20 },
    n: { type: 'integer', minimum: 1, maximum: 100 },
    flag: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } }
  },
  additionalProperties: false
}

/** What a handler echoes of a request: only what is the same whichever framework parsed it. */
function echo (request) {
  const body = request.body
  return {
    method: request.method,
    url: request.url,
    params: request.params,
    query: request.query,
    bodyType: body === null ? 'null' : Buffer.isBuffer(body) ? 'buffer' : typeof body,
    body: Buffer.isBuffer(body) ? body.toString('base64') : (body ?? null),
    // a poisoned body must never reach Object.prototype
    polluted: ({}).polluted !== undefined || ({}).x !== undefined
  }
}

const itemReply = {
  201: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } } }
}

async function api (app) {
  // this scope answers its own errors and not-found requests, and checks a header before validation
  app.setErrorHandler(async (err, request, reply) => {
    reply.code(err.statusCode ?? 500)
    return { scoped: true, code: err.code ?? 'NONE', statusCode: err.statusCode ?? 500 }
  })
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ scoped: true, code: 'API_NOT_FOUND', statusCode: 404 }))
  app.addHook('preValidation', async (request) => {
    if (request.headers['x-deny'] !== undefined) {
      const err = new Error('denied')
      err.statusCode = 403
      err.code = 'API_DENIED'
      throw err
    }
  })
  app.get('/things', async (request) => ({ things: [], query: request.query }))
  app.post('/things', { schema: { body: itemSchema, response: itemReply } }, async (request, reply) => reply.code(201).send(request.body))
  app.get('/things/:id', { schema: { params: idParams } }, async (request) => ({ id: request.params.id }))
  app.delete('/things/:id', { schema: { params: idParams } }, async (request, reply) => reply.code(204).send())
}

/** Defines the routes on `app` (made by Fastify() or weft()) and resolves once it is ready. */
export async function defineApp (app) {
  await app.register(formbody)
  app.addContentTypeParser('application/x-csv', { parseAs: 'string' }, (request, body, done) => {
    if (body.includes('"')) {
      const err = new Error('quoted CSV is not supported')
      err.statusCode = 422
      err.code = 'APP_BAD_CSV'
      done(err)
      return
    }
    done(null, body.split('\n').map((line) => line.split(',')))
  })

  app.addContentTypeParser(/^application\/vnd\.[a-z.]+\+json$/, { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, { vendor: JSON.parse(body) })
    } catch {
      const err = new Error('bad vendor JSON')
      err.statusCode = 400
      err.code = 'APP_BAD_VENDOR_JSON'
      done(err)
    }
  })
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-block'] !== undefined) return reply.code(429).send({ code: 'APP_BLOCKED', statusCode: 429 })
  })
  app.addHook('onSend', async (request, reply, payload) => (request.url.startsWith('/text') && typeof payload === 'string' ? `${payload}!` : payload))

  app.get('/', async () => ({ hello: 'world' }))
  app.get('/old', async (request, reply) => reply.redirect('/static/a/b'))
  app.get('/static/a/b', async (request, reply) => reply.type('text/plain').send('static'))
  app.get('/users/:id', { schema: { params: idParams } }, async (request) => ({ id: request.params.id }))
  app.get('/users/:id/posts/:post', async (request) => request.params)
  app.get('/multi/:from-:to', async (request) => request.params)
  app.get('/re/:num(^\\d+)', async (request) => request.params)
  app.get('/files/*', async (request) => ({ wild: request.params['*'] }))
  app.get('/search', { schema: { querystring: searchQuery } }, async (request) => request.query)
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'OPTIONS'],
    url: '/echo',
    handler: async (request) => echo(request)
  })
  app.post('/items', { schema: { body: itemSchema, response: itemReply } }, async (request, reply) => reply.code(201).send(request.body))
  app.put('/items/:id', { schema: { body: itemSchema, params: idParams } }, async (request) => ({ id: request.params.id, item: request.body }))
  app.patch('/items/:id', { schema: { params: idParams } }, async (request) => ({ id: request.params.id, patch: request.body ?? null }))
  app.delete('/items/:id', { schema: { params: idParams } }, async (request, reply) => reply.code(204).send())
  app.route({ method: 'QUERY', url: '/items', handler: async (request) => echo(request) })
  app.options('/items', async (request, reply) => reply.header('allow', 'GET, POST, QUERY').code(204).send())
  app.post('/small', { bodyLimit: 64 }, async (request) => echo(request))
  app.post('/text', async (request, reply) => reply.type('text/plain; charset=utf-8').send(String(request.body ?? '')))
  app.get('/error', async () => {
    const err = new Error('the item is in conflict')
    err.statusCode = 409
    err.code = 'APP_CONFLICT'
    throw err
  })
  app.get('/crash', async () => { throw new Error('a bug') })
  await app.register(api, { prefix: '/api/v1' })
  await app.ready()
  return app
}
