// The main demo (`npm start`): an app doing real async work with weft/observe on, the live page at
// /_weft and Server-Timing on every answer. A local upstream plays the backend it calls.
//   GET /files     reads three files            GET /upstream   calls the backend over HTTP (fetch)
//   GET /zip       gzips a payload              GET /wait       waits on a timer
//   GET /cpu       spins 40 ms of CPU           GET /leaky      leaves an interval running (a leak)
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import weft from 'weft'
import { observe } from 'weft/observe'

const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const detail = process.env.WEFT_DETAIL ?? 'resources'
const gzipAsync = promisify(gzip)
const here = fileURLToPath(import.meta.url)
const pkg = fileURLToPath(new URL('../package.json', import.meta.url))
const readme = fileURLToPath(new URL('../README.md', import.meta.url))

// the backend: a plain node:http server in a process of its own, on a free loopback port
const backend = fork(fileURLToPath(new URL('./observe-backend.js', import.meta.url)), [host], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const [backendPort] = await once(backend, 'message')
const backendUrl = `http://${host}:${backendPort}`

const app = weft({ logger: { level: process.env.LOG_LEVEL ?? 'info' }, disableRequestLogging: true })
await app.register(observe, { detail, serverTiming: true, page: true })

app.addHook('onRequest', async function requestId (request, reply) { reply.header('x-request-id', request.id) })
app.addHook('preHandler', function auth (request, reply, done) { setImmediate(done) })

app.get('/', async () => ({
  page: '/_weft',
  routes: ['/files', '/upstream', '/zip', '/wait', '/cpu', '/leaky']
}))

app.get('/files', async () => {
  const sizes = []
  for (const file of [here, pkg, readme]) sizes.push((await readFile(file)).length)
  return { sizes }
})

app.get('/upstream', async () => {
  const res = await fetch(`${backendUrl}/users`)
  return { status: res.status, body: await res.json() }
})

app.get('/zip', async () => {
  const zipped = await gzipAsync(Buffer.alloc(256 * 1024, 'weft '))
  return { zippedBytes: zipped.length }
})

app.get('/wait', async () => {
  await new Promise((resolve) => setTimeout(resolve, 25))
  return { waited: 25 }
})

app.get('/cpu', async () => {
  const end = performance.now() + 40
  let n = 0
  while (performance.now() < end) n++
  return { spins: n }
})

const leaks = []
app.get('/leaky', async () => {
  if (leaks.length < 100) leaks.push(setInterval(() => {}, 60_000))
  return { leaked: 'an interval' }
})

app.addHook('onClose', async () => {
  for (const interval of leaks) clearInterval(interval)
  backend.kill()
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

const address = await app.listen({ port, host })
console.log(`Weft observe demo listening at ${address} (detail: ${detail})`)
console.log(`  live page:     ${address}/_weft`)
console.log(`  try:           curl -i ${address}/files   (see the Server-Timing header)`)
console.log(`  other routes:  /upstream /zip /wait /cpu /leaky`)
