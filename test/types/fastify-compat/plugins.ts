// Real @fastify/* plugins' own .d.ts files, compiled with `fastify` mapped to weft's types (see
// tsconfig.json `paths`): their declaration merging lands on Weft's instance, request and reply.
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyReply } from 'fastify'
import weft from 'weft'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import cookie from '@fastify/cookie'
import sensible from '@fastify/sensible'
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'

const app = weft()
app.register(cors, { origin: true })
app.register(helmet, { global: true })
app.register(cookie, { secret: 's3cret' })
app.register(sensible)
app.register(rateLimit, { max: 100, timeWindow: '1 minute' })

app.get('/cookies', { config: { rateLimit: { max: 3 } }, helmet: false }, async (request, reply) => {
  const session: string | undefined = request.cookies.session
  reply.setCookie('seen', '1').cacheControl('no-cache')
  return reply.notFound(session)
})

app.after(() => {
  const signed: string = app.signCookie('v')
  const limiter = app.rateLimit({ max: 1 })
  app.get('/limited', { preHandler: limiter }, async (request) => request.is('json'))
  void signed
})

// a plugin written against Fastify's names, wrapped with fastify-plugin
const decorateUser = fp(async (instance: FastifyInstance, opts: { header: string }) => {
  instance.decorateRequest('userName', '')
  instance.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply
    request.log.info(opts.header)
  })
}, { name: 'decorate-user' })
app.register(decorateUser, { header: 'x-user' })

// the Fastify factory, mapped to weft, is the same
const same = Fastify({ logger: false })
same.register(cors)

// the plugins' option types and merged members are really checked
// @ts-expect-error -- cors' `methods` is a string or a list of strings
app.register(cors, { methods: 42 })
app.get('/bad', async (request, reply) => {
  // @ts-expect-error -- setCookie's value is a string
  reply.setCookie('n', 1)
  // @ts-expect-error -- not a member of the merged request
  void request.cookiez
})
