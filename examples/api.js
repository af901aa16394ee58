// The main example (`npm start`): a small JSON API that shows Weft's lifecycle.
// Every application hook logs as it fires; onRequest checks a bearer token on /api routes;
// onResponse records how long each request took and /api/stats shows it.
import weft from 'weft'

const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const token = process.env.API_TOKEN ?? 'secret'

const app = weft({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
const say = (hook, extra = '') => app.log.info(`[hook] ${hook}${extra}`)

app.addHook('onRoute', (route) => say('onRoute', ` ${route.method} ${route.url}`))
app.addHook('onRegister', (instance) => say('onRegister', ` plugin scope with prefix '${instance.prefix}'`))
app.addHook('onReady', async () => say('onReady'))
app.addHook('onListen', async () => say('onListen'))
app.addHook('preClose', async () => say('preClose'))
app.addHook('onClose', async () => say('onClose'))

app.get('/', async () => ({ hello: 'world', docs: 'GET /api/users (Authorization: Bearer secret)' }))

const users = new Map([[1, { id: 1, name: 'Ada', email: 'ada@example.com' }]])
const timings = { count: 0, totalMs: 0, slowestMs: 0 }

const user = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, email: { type: 'string' } }
}

app.register(async function api (api) {
  api.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' })
      return reply
    }
  })
  api.addHook('onResponse', async (request, reply) => {
    const ms = reply.elapsedTime
    timings.count++
    timings.totalMs += ms
    timings.slowestMs = Math.max(timings.slowestMs, ms)
  })

  api.get('/users', { schema: { response: { 200: { type: 'array', items: user } } } }, async () => [...users.values()])

  api.get('/users/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } }, response: { 200: user } }
  }, async (request, reply) => {
    const found = users.get(request.params.id)
    if (found === undefined) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no user ${request.params.id}` })
    return found
  })

  api.post('/users', {
    schema: {
      body: {
        type: 'object',
        required: ['name', 'email'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1 }, email: { type: 'string', format: 'email' } }
      },
      response: { 201: user }
    }
  }, async (request, reply) => {
    const id = users.size + 1
    const created = { id, ...request.body }
    users.set(id, created)
    return reply.code(201).send(created)
  })

  api.get('/stats', async () => ({
    requests: timings.count,
    meanMs: timings.count === 0 ? 0 : +(timings.totalMs / timings.count).toFixed(3),
    slowestMs: +timings.slowestMs.toFixed(3)
  }))
}, { prefix: '/api' })

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

const address = await app.listen({ port, host })
console.log(`Weft example API listening at ${address}`)
console.log(`  curl ${address}/api/users -H 'authorization: Bearer ${token}'`)
