// Hono on @hono/node-server; hooks: six no-op async middlewares.
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import { HOST, hooks, ready } from '../lib/server.mjs'

const app = new Hono()

if (hooks) {
  for (let i = 0; i < 6; i++) app.use(async (c, next) => { await next() })
}

app.get('/', (c) => c.json({ hello: 'world' }))

serve({ fetch: app.fetch, port: 0, hostname: HOST }, (info) => ready(info.port))
