// The server of bench/observe-db.mjs: GET /db runs two queries through a mysql2 pool (the promise
// API, 4 connections) against BENCH_MYSQL (host:port), observe per argv[2]: off | timing | resources.
import { createRequire } from 'node:module'
import weft from 'weft'
import { observe } from 'weft/observe'
import { ready } from '../lib/ready.mjs'

const mode = process.argv[2] ?? 'off'
const modes = { off: null, channels: null, timing: { detail: 'timing' }, resources: { detail: 'resources' } }
if (!(mode in modes)) {
  console.error(`unknown mode ${JSON.stringify(mode)} (expected ${Object.keys(modes).join(', ')})`)
  process.exit(2)
}
const [host, port] = (process.env.BENCH_MYSQL ?? '127.0.0.1:3306').split(':')
const mysql = createRequire(import.meta.url)('mysql2/promise')
const pool = mysql.createPool({ host, port: Number(port), user: 'root', database: 'weft', connectionLimit: 4 })

const app = weft({ logger: false })
if (modes[mode] !== null) await app.register(observe, modes[mode])
// `channels`: no observe, only empty subscribers on mysql2's TracingChannels (what mysql2's own tracing costs)
if (mode === 'channels') {
  const dc = await import('node:diagnostics_channel')
  const noop = () => {}
  for (const name of ['mysql2:query', 'mysql2:execute', 'mysql2:pool:connect']) dc.tracingChannel(name).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop })
}
app.get('/db', async () => {
  const [[task]] = await pool.query('SELECT id, title FROM tasks WHERE id = ?', [1])
  const [tasks] = await pool.query('SELECT id FROM tasks WHERE project_id = ?', [task.id])
  return { id: task.id, count: tasks.length }
})
app.addHook('onClose', async () => { await pool.end() })
await app.listen({ port: 0, host: '127.0.0.1' })
ready(app.server.address().port)
