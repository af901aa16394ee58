// The routes of bench/observe.mjs, shared by its Weft and Fastify servers: GET /hello (no hooks, a
// small object), GET /call (one outgoing node:http call to a local upstream), GET /db (two queries
// through a mysql2 pool, when BENCH_MYSQL is set) and GET /hooks (six async hooks in their own
// scope, one file read and one outgoing call: the app measured before the routes were split).
//
// Servers take their mode from argv[2], the upstream from BENCH_UPSTREAM (http://127.0.0.1:<port>)
// and MariaDB from BENCH_MYSQL (host:port), listen on 127.0.0.1 port 0, print `PORT <n>` and exit
// when the harness closes their stdin.
import http from 'node:http' // the default export: what @opentelemetry/instrumentation-http patches
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export const HOST = '127.0.0.1'
export const mode = process.argv[2] ?? 'off'
export const payloadFile = fileURLToPath(new URL('./observe-payload.json', import.meta.url))

const upstream = new URL(process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:0/')
const agent = new http.Agent({ keepAlive: true })
const getOptions = { host: upstream.hostname, port: Number(upstream.port), path: '/item', agent }

/** One GET to the upstream on a pooled keep-alive socket; resolves its JSON body. */
export function callUpstream () {
  return new Promise((resolve, reject) => {
    const req = http.get(getOptions, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`upstream answered ${res.statusCode}`))
        try { resolve(JSON.parse(body)) } catch (err) { reject(err) }
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

const object = (properties) => ({ response: { 200: { type: 'object', properties } } })
const upstreamSchema = { type: 'object', properties: { ok: { type: 'boolean' } } }
export const schemas = {
  hello: object({ hello: { type: 'string' } }),
  call: object({ upstream: upstreamSchema }),
  db: object({ id: { type: 'integer' }, count: { type: 'integer' } }),
  hooks: object({ bytes: { type: 'integer' }, upstream: upstreamSchema })
}

/** The mysql2 pool of GET /db (4 connections), or null without BENCH_MYSQL. */
function mysqlPool () {
  if (!process.env.BENCH_MYSQL) return null
  const [host, port] = process.env.BENCH_MYSQL.split(':')
  const mysql = createRequire(import.meta.url)('mysql2/promise')
  return mysql.createPool({ host, port: Number(port), user: 'root', database: 'weft', connectionLimit: 4 })
}

/** The same routes on a Weft or Fastify instance. */
export function addApp (app) {
  app.get('/hello', { schema: schemas.hello }, async function hello () {
    return { hello: 'world' }
  })
  app.get('/call', { schema: schemas.call }, async function call () {
    return { upstream: await callUpstream() }
  })
  const pool = mysqlPool()
  if (pool !== null) {
    app.get('/db', { schema: schemas.db }, async function db () {
      const [[task]] = await pool.query('SELECT id, title FROM tasks WHERE id = ?', [1])
      const [tasks] = await pool.query('SELECT id FROM tasks WHERE project_id = ?', [task.id])
      return { id: task.id, count: tasks.length }
    })
    app.addHook('onClose', async () => { await pool.end() })
  }
  // the six hooks apply to this scope's route only
  app.register(async function hooksScope (scope) {
    scope.addHook('onRequest', async function onRequestHook (request, reply) {})
    scope.addHook('preParsing', async function preParsingHook (request, reply, payload) {})
    scope.addHook('preValidation', async function preValidationHook (request, reply) {})
    scope.addHook('preHandler', async function preHandlerHook (request, reply) {})
    scope.addHook('onSend', async function onSendHook (request, reply, payload) { return payload })
    scope.addHook('onResponse', async function onResponseHook (request, reply) {})
    scope.get('/hooks', { schema: schemas.hooks }, async function handler () {
      const file = await readFile(payloadFile)
      const upstreamBody = await callUpstream()
      return { bytes: file.length, upstream: upstreamBody }
    })
  })
}

/** `channels`: empty subscribers on mysql2's TracingChannels (what mysql2's own tracing costs once anyone listens). */
export async function subscribeMysqlChannels () {
  const dc = await import('node:diagnostics_channel')
  const noop = () => {}
  for (const name of ['mysql2:query', 'mysql2:execute', 'mysql2:pool:connect']) {
    dc.tracingChannel(name).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop })
  }
}

/** Tell the parent which port we listen on, and exit when the parent goes away. */
export { ready } from '../lib/ready.mjs'
