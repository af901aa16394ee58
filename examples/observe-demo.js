// The main demo (`npm start`): an app doing real async work with weft/observe on, the live page
// (its URL, with the per-process token, is printed at start) and Server-Timing on every answer.
// A local backend plays the HTTP service it calls; an embedded PostgreSQL (PGlite, in a process of
// its own) plays its database, or the server DATABASE_URL names.
//   POST /login    JSON body, scrypt, two queries, then CPU after an await
//   GET /tasks     two queries on pooled connections      GET /tasks/slow   the N+1 pattern
//   GET /files     reads three files                      GET /upstream     calls the backend (fetch)
//   GET /zip       gzips a payload                        GET /wait         waits on a timer
//   GET /cpu       spins 40 ms of CPU                     GET /leaky        leaves an interval running (a leak)
import { fork } from 'node:child_process'
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { TracerProvider } from '@opentelemetry/sdk-trace'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import weft from 'weft'
import { observe, weftSpanProcessor } from 'weft/observe'

const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const detail = process.env.WEFT_DETAIL ?? 'resources'
const gzipAsync = promisify(gzip)
const scryptAsync = promisify(scrypt)
const here = fileURLToPath(import.meta.url)
const pkg = fileURLToPath(new URL('../package.json', import.meta.url))
const readme = fileURLToPath(new URL('../README.md', import.meta.url))

// pg publishes no diagnostics_channel: its queries reach weft/observe as the database spans of the
// official OpenTelemetry instrumentation, through weft's span processor. The instrumentation patches
// pg when it is required, so pg is required after it is enabled.
const instrumentation = new PgInstrumentation()
instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [weftSpanProcessor()] }))
instrumentation.enable()
const pg = createRequire(import.meta.url)('pg')

const children = []
async function child (file) {
  const proc = fork(fileURLToPath(new URL(file, import.meta.url)), [host], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(proc)
  const [childPort] = await once(proc, 'message')
  return childPort
}

// the backend: a plain node:http server in a process of its own, on a free loopback port
const backendUrl = `http://${host}:${await child('./observe-backend.js')}`
// the database: DATABASE_URL, else the embedded PostgreSQL
const databaseUrl = process.env.DATABASE_URL ?? `postgres://postgres@${host}:${await child('./demo-database.js')}/postgres`
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
await seed()

const app = weft({ logger: { level: process.env.LOG_LEVEL ?? 'info' }, disableRequestLogging: true })
await app.register(observe, { detail, serverTiming: true, page: true })

app.addHook('onRequest', async function requestId (request, reply) { reply.header('x-request-id', request.id) })
app.addHook('preHandler', function auth (request, reply, done) { setImmediate(done) })

app.get('/', async () => ({
  page: app.observe.page?.url(),
  routes: ['POST /login', '/tasks', '/tasks/slow', '/files', '/upstream', '/zip', '/wait', '/cpu', '/leaky']
}))

app.post('/login', {
  schema: {
    body: { type: 'object', required: ['name', 'password'], properties: { name: { type: 'string' }, password: { type: 'string' } } }
  }
}, async (request, reply) => {
  const { name, password } = request.body
  const { rows } = await pool.query('select id, salt, hash from users where name = $1', [name])
  const user = rows[0]
  const hash = await scryptAsync(password, user?.salt ?? 'no user', 32)
  if (user === undefined || !timingSafeEqual(hash, Buffer.from(user.hash, 'hex'))) return reply.code(401).send({ message: 'wrong name or password' })
  await pool.query('update users set last_login = now() where id = $1', [user.id])
  // work after an await: a session token signed the slow way
  const token = signSlowly(`${user.id}:${Date.now()}`)
  request.log.info({ user: user.id }, 'logged in') // a log line of this request: on its waterfall
  return { user: user.id, token }
})

app.get('/tasks', async () => {
  const [tasks, count] = await Promise.all([
    pool.query('select id, title, done from tasks where owner = $1 order by id', [1]),
    pool.query('select count(*)::int as n from tasks where done')
  ])
  return { tasks: tasks.rows, done: count.rows[0].n }
})

// the N+1 pattern: one query for the list, then one per task
app.get('/tasks/slow', async () => {
  const { rows } = await pool.query('select id, title from tasks where owner = $1 order by id', [1])
  for (const task of rows) task.tags = (await pool.query('select label from tags where task = $1', [task.id])).rows.map((r) => r.label)
  return { tasks: rows }
})

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
  await pool.end()
  for (const proc of children) proc.kill()
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

/** About 10 ms of CPU: what a handler does after its last await. */
function signSlowly (text) {
  let h = 0
  const end = performance.now() + 10
  while (performance.now() < end) for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0
  return `${text}.${(h >>> 0).toString(16)}`
}

async function seed () {
  await pool.query(`create table if not exists users (id serial primary key, name text not null unique, salt text not null, hash text not null)`)
  await pool.query('alter table users add column if not exists last_login timestamptz')
  await pool.query(`create table if not exists tasks (id serial primary key, owner int not null, title text not null, done boolean not null default false)`)
  await pool.query(`create table if not exists tags (id serial primary key, task int not null, label text not null)`)
  const { rows } = await pool.query('select count(*)::int as n from users')
  if (rows[0].n > 0) return
  const salt = randomBytes(16).toString('hex')
  const hash = (await scryptAsync('weft', salt, 32)).toString('hex')
  await pool.query('insert into users (name, salt, hash) values ($1, $2, $3)', ['ada', salt, hash])
  for (const [i, title] of ['write the parser', 'measure the hot path', 'read the spec', 'ship it'].entries()) {
    const task = await pool.query('insert into tasks (owner, title, done) values (1, $1, $2) returning id', [title, i % 2 === 0])
    await pool.query('insert into tags (task, label) values ($1, $2), ($1, $3)', [task.rows[0].id, 'weft', `step ${i + 1}`])
  }
}

const address = await app.listen({ port, host })
const page = app.observe.page?.url()
console.log(`Weft observe demo listening at ${address} (detail: ${detail})`)
console.log(`  live page:     ${page}`)
console.log(`  database:      ${process.env.DATABASE_URL !== undefined ? 'DATABASE_URL' : 'embedded PostgreSQL (PGlite); set DATABASE_URL to use your own server'}`)
console.log(`  try:           curl -i ${address}/tasks   (see the Server-Timing header)`)
console.log(`                 curl -i -H 'content-type: application/json' -d '{"name":"ada","password":"weft"}' ${address}/login`)
console.log('  other routes:  /tasks/slow /files /upstream /zip /wait /cpu /leaky')
