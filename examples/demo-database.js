// The demo's database: an embedded PostgreSQL (PGlite, compiled to WebAssembly, installed by
// `npm ci`) speaking the PostgreSQL wire protocol on a free loopback port, in a process of its
// own so that its work is not the app's. Sends its port to the parent once it is ready; the demo
// makes its tables.
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const host = process.argv[2] ?? '127.0.0.1'
const db = await PGlite.create()
const server = new PGLiteSocketServer({ db, host, port: 0, maxConnections: 8 })
await server.start()
const [, port] = server.getServerConn().split(':')
process.send?.(Number(port))
process.on('disconnect', () => { server.stop().finally(() => db.close()).finally(() => process.exit(0)) })
