// Express 5 with its defaults; hooks: six no-op async middlewares.
import express from 'express'
import { HOST, hooks, ready } from '../lib/server.mjs'

const app = express()

if (hooks) {
  for (let i = 0; i < 6; i++) app.use(async (req, res, next) => { next() })
}

app.get('/', (req, res) => { res.json({ hello: 'world' }) })

const server = app.listen(0, HOST, () => ready(server.address().port))
