// The OTLP/HTTP receiver of bench/observe.mjs (its own process, not measured): reads and discards
// POST /v1/traces, counting exports, bytes and spans (OTLP/JSON `"spanId":` keys); GET /stats
// answers those counts as JSON.
import http from 'node:http'
import { HOST, ready } from './observe-app.mjs'

const stats = { exports: 0, bytes: 0, spans: 0 }
const SPAN_KEY = '"spanId":'

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(stats))
    return
  }
  if (req.method !== 'POST' || req.url !== '/v1/traces') {
    res.writeHead(404).end()
    return
  }
  let text = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => { text += chunk })
  req.on('end', () => {
    stats.exports++
    stats.bytes += Buffer.byteLength(text)
    for (let i = text.indexOf(SPAN_KEY); i !== -1; i = text.indexOf(SPAN_KEY, i + SPAN_KEY.length)) stats.spans++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
})
server.listen(0, HOST, () => ready(server.address().port))
