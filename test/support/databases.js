// Real database servers for tests: MariaDB and PostgreSQL from the machine's packages, each started
// on loopback on a free port in a temp dir, given a schema, and stopped (and its dir removed) at the end.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { freePort, startServer, stopServer, which } from './servers.js'

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function canConnect (port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

/**
 * MariaDB: `mariadb-install-db` into a temp dir, then `mariadbd` on 127.0.0.1:<free port> without
 * grant tables (a throwaway test server), database `weft` created. Resolves
 * `{ host, port, user, database, stop(), kill() }`; rejects with the reason when it cannot be started.
 */
export async function startMariaDB (options) { return twice(() => startMariaDBOnce(options)) }

/** A loaded machine can be slow or lose a port race once: one more try, then the first reason. */
async function twice (start) {
  try { return await start() } catch (first) {
    try { return await start() } catch { throw first }
  }
}

async function startMariaDBOnce ({ schema = [] } = {}) {
  const sbin = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']
  const mariadbd = which('mariadbd', sbin) ?? which('mysqld', sbin)
  const installDb = which('mariadb-install-db', sbin) ?? which('mysql_install_db', sbin)
  if (mariadbd === null || installDb === null) throw new Error('mariadbd / mariadb-install-db not installed (apt-get install mariadb-server)')
  const dir = mkdtempSync(join(os.tmpdir(), 'weft-mariadb-'))
  const data = join(dir, 'data')
  const user = isRoot ? 'root' : os.userInfo().username
  const install = spawnSync(installDb, ['--no-defaults', `--datadir=${data}`, `--user=${user}`, '--skip-test-db',
    '--auth-root-authentication-method=normal'], { encoding: 'utf8', timeout: 120_000 })
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`mariadb-install-db failed: ${(install.stderr || install.stdout || String(install.error)).slice(-800)}`)
  }
  const port = await freePort()
  let server
  try {
    server = await startServer(mariadbd, ['--no-defaults', `--datadir=${data}`, `--user=${user}`, '--skip-networking=0',
      '--bind-address=127.0.0.1', `--port=${port}`, `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--skip-grant-tables', '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--skip-log-bin',
      `--log-error=${join(dir, 'error.log')}`], () => canConnect(port), 60_000)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const db = { host: '127.0.0.1', port, user: 'root', database: 'weft' }
  const stop = async () => { await stopServer(server.child); rmSync(dir, { recursive: true, force: true }) }
  // at process exit, where nothing can be awaited
  const kill = () => { server.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) }
  try {
    const mysql = (await import('mysql2/promise')).default
    const conn = await mysql.createConnection({ host: db.host, port, user: db.user, multipleStatements: true })
    try {
      await conn.query('CREATE DATABASE weft')
      await conn.query('USE weft')
      for (const statement of schema) await conn.query(statement)
    } finally { await conn.end() }
  } catch (err) {
    await stop()
    throw err
  }
  return { ...db, stop, kill }
}

/**
 * PostgreSQL: `initdb` into a temp dir and `postgres` on 127.0.0.1:<free port>, as the `postgres`
 * user when running as root (PostgreSQL refuses root), database `weft` created. Resolves
 * `{ host, port, user, database, stop(), kill() }`; rejects with the reason when it cannot be started.
 */
export async function startPostgres (options) { return twice(() => startPostgresOnce(options)) }

async function startPostgresOnce ({ schema = [] } = {}) {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : []
  const bins = versions.map((v) => `/usr/lib/postgresql/${v}/bin`)
  const initdb = which('initdb', bins)
  const postgres = which('postgres', bins)
  if (initdb === null || postgres === null) throw new Error('initdb / postgres not installed (apt-get install postgresql)')
  const dir = mkdtempSync(join(os.tmpdir(), 'weft-postgres-'))
  const data = join(dir, 'data')
  // as root: run as the `postgres` user, which must own the dir
  let asUser = []
  if (isRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    if (id.status !== 0) { rmSync(dir, { recursive: true, force: true }); throw new Error('running as root and no `postgres` user to run PostgreSQL as') }
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()))
    asUser = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--']
  }
  const run = (cmd, args) => asUser.length > 0 ? [asUser[0], [...asUser.slice(1), cmd, ...args]] : [cmd, args]
  const [initCmd, initArgs] = run(initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8', timeout: 120_000, cwd: dir })
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`initdb failed: ${(init.stderr || init.stdout || String(init.error)).slice(-800)}`)
  }
  const port = await freePort()
  const [pgCmd, pgArgs] = run(postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=40'])
  const db = { host: '127.0.0.1', port, user: 'postgres', database: 'weft' }
  const { default: pg } = await import('pg')
  const ready = async () => {
    if (!(await canConnect(port))) return false
    const client = new pg.Client({ host: db.host, port, user: db.user, database: 'postgres' })
    try { await client.connect(); await client.query('SELECT 1'); return true } catch { return false } finally { client.end().catch(() => {}) }
  }
  let server
  try {
    server = await startServer(pgCmd, pgArgs, ready, 60_000)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const stop = async () => { await stopServer(server.child); rmSync(dir, { recursive: true, force: true }) }
  // at process exit, where nothing can be awaited
  const kill = () => { server.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) }
  try {
    const admin = new pg.Client({ host: db.host, port, user: db.user, database: 'postgres' })
    await admin.connect()
    await admin.query('CREATE DATABASE weft')
    await admin.end()
    const client = new pg.Client(db)
    await client.connect()
    try { for (const statement of schema) await client.query(statement) } finally { await client.end() }
  } catch (err) {
    await stop()
    throw err
  }
  return { ...db, stop, kill }
}

/**
 * Starts MariaDB and PostgreSQL side by side with `schema`: `servers` holds those that started
 * (`mysql`, `pg`), `why` says why the others did not, for the tests that skip them.
 */
export async function startDatabases (schema) {
  const servers = {}
  const why = {}
  const [maria, postgres] = await Promise.allSettled([startMariaDB({ schema }), startPostgres({ schema })])
  if (maria.status === 'fulfilled') servers.mysql = maria.value
  else why.mysql = `MariaDB could not be started: ${maria.reason?.message ?? maria.reason}`
  if (postgres.status === 'fulfilled') servers.pg = postgres.value
  else why.pg = `PostgreSQL could not be started: ${postgres.reason?.message ?? postgres.reason}`
  return { servers, why }
}
