// Weft (Fastify 5-compatible API), logger off, response schema; hooks: six no-op async hooks.
// Imports the package by its own name: needs `npm run build` (dist/) first.
import weft from 'weft'
import { HOST, helloSchema, hooks, ready } from '../lib/server.mjs'

const app = weft({ logger: false })

if (hooks) {
  app.addHook('onRequest', async (request, reply) => {})
  app.addHook('preParsing', async (request, reply, payload) => {})
  app.addHook('preValidation', async (request, reply) => {})
  app.addHook('preHandler', async (request, reply) => {})
  app.addHook('onSend', async (request, reply, payload) => payload)
  app.addHook('onResponse', async (request, reply) => {})
}

app.get('/', { schema: helloSchema }, async () => ({ hello: 'world' }))

await app.listen({ port: 0, host: HOST })
ready(app.server.address().port)
