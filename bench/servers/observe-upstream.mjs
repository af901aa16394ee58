// The upstream of bench/observe.mjs (its own process, not measured): node:http answering every
// GET with a small JSON body on keep-alive connections.
import http from 'node:http'
import { HOST, ready } from './observe-app.mjs'

const body = JSON.stringify({ ok: true })
const length = String(Buffer.byteLength(body))
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': length })
  res.end(body)
})
server.keepAliveTimeout = 60_000
server.listen(0, HOST, () => ready(server.address().port))
