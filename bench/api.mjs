#!/usr/bin/env node
// How long weft/observe's JSON API (api/v1) takes to answer with N stored requests (default
// 10 000, the `recent` option): each resource asked M times over a real socket, timed at the client.
// Usage: node bench/api.mjs [--stored 10000] [--times 100] [--detail resources]
import http from 'node:http'
import { parseArgs } from 'node:util'
import weft from '../dist/index.js'
import { observe } from '../dist/observe/index.js'

const { values: opts } = parseArgs({
  options: {
    stored: { type: 'string', default: '10000' },
    times: { type: 'string', default: '100' },
    detail: { type: 'string', default: 'resources' },
    help: { type: 'boolean', short: 'h' }
  }
})
if (opts.help) {
  process.stdout.write('Usage: node bench/api.mjs [--stored 10000] [--times 100] [--detail timing|resources|promises|stacks]\n')
  process.exit(0)
}
const stored = Number(opts.stored)
const times = Number(opts.times)

const app = weft()
await app.register(observe, { detail: opts.detail, recent: stored, page: true })
// five routes, statuses of four classes, durations from 0 to ~3 ms, so filters have work to do
app.get('/users/:id', async (req) => ({ id: req.params.id }))
app.post('/login', async (req, reply) => { if (req.body?.bad) reply.code(401); return 'ok' })
app.get('/slow', async () => { await new Promise((resolve) => setTimeout(resolve, Math.random() * 3)); return 'slow' })
app.get('/missing', async (_req, reply) => reply.code(404).send('no'))
app.get('/fail', async () => { throw new Error('boom') })
await app.listen({ port: 0, host: '127.0.0.1' })
const page = new URL(app.observe.page.url())
const base = page.origin + page.pathname + '/api/v1/'
const auth = { authorization: 'Bearer ' + page.searchParams.get('token') }
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })

function call (method, path, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(path, { method, agent, headers }, (res) => {
      let bytes = 0
      res.on('data', (c) => { bytes += c.length })
      res.on('end', () => resolve({ status: res.statusCode, bytes }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const paths = [['GET', '/users/1'], ['POST', '/login'], ['GET', '/slow'], ['GET', '/missing'], ['GET', '/fail']]
let made = 0
const t0 = performance.now()
await Promise.all(Array.from({ length: 16 }, async () => {
  while (made < stored) {
    const [method, path] = paths[made++ % paths.length]
    await call(method, page.origin + path, method === 'POST' ? { 'content-type': 'application/json' } : {}, method === 'POST' ? '{"bad":true}' : undefined)
  }
}))
const fillMs = performance.now() - t0
const have = app.observe.recentActivity()
const oldest = have[have.length - 1].id
process.stdout.write(`Node ${process.version}, detail ${opts.detail}: ${have.length} requests stored (made in ${(fillMs / 1000).toFixed(1)} s); each resource asked ${times} times\n\n`)

const resources = [
  'requests',
  'requests?limit=1000',
  'requests?sort=slowest&limit=50',
  'requests?sort=slowest&limit=1000',
  'requests?route=GET%20/slow&status=2xx&minMs=1&sort=slowest',
  'requests?status=5xx',
  `requests/${oldest}`,
  'requests/no-such-id',
  'routes',
  'process',
  'startup'
]
const rows = []
for (const r of resources) {
  const ms = []
  let last
  for (let i = 0; i < times; i++) {
    const s = performance.now()
    last = await call('GET', base + r, auth)
    ms.push(performance.now() - s)
  }
  ms.sort((a, b) => a - b)
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]
  rows.push([r, String(last.status), String(last.bytes), q(0.5).toFixed(2), q(0.95).toFixed(2), ms[ms.length - 1].toFixed(2)])
}
const head = ['resource', 'status', 'bytes', 'p50 ms', 'p95 ms', 'max ms']
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
for (const r of [head, ...rows]) process.stdout.write(r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ') + '\n')
agent.destroy()
await app.close()
