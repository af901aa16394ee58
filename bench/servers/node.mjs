// Baseline: bare node:http, no routing, no framework.
// hooks: six awaited no-op async functions before answering.
import http from 'node:http'
import { HOST, hooks, ready } from '../lib/server.mjs'

const noop = async () => {}

const server = http.createServer(hooks
  ? async (req, res) => {
    await noop(); await noop(); await noop()
    await noop(); await noop(); await noop()
    const body = JSON.stringify({ hello: 'world' })
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  : (req, res) => {
      const body = JSON.stringify({ hello: 'world' })
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })

server.listen(0, HOST, () => ready(server.address().port))
