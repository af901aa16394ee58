// Koa 3 (no router: Koa has none built in); hooks: six no-op async middlewares.
import Koa from 'koa'
import { HOST, hooks, ready } from '../lib/server.mjs'

const app = new Koa()

if (hooks) {
  for (let i = 0; i < 6; i++) app.use(async (ctx, next) => { await next() })
}

app.use(async (ctx) => { ctx.body = { hello: 'world' } })

const server = app.listen(0, HOST, () => ready(server.address().port))
