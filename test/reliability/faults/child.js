// A child process running fault cases one at a time on one framework, so that whatever escapes
// (an unhandled rejection, an uncaught exception) belongs to the case running; one JSON line each.
// Usage: node child.js <weft|fastify> <case index>[,<case index>...]
import { matrix } from './matrix.js'
import { appCase, describe, requestCase } from './scenario.js'

const [framework, list] = process.argv.slice(2)
const factory = framework === 'fastify' ? (await import('fastify')).default : (await import('weft')).default
const { run } = matrix()
const indexes = list.split(',').map(Number)

let escapes = []
process.on('unhandledRejection', (reason) => { escapes.push({ kind: 'unhandledRejection', what: describe(reason) }) })
process.on('uncaughtException', (err) => { escapes.push({ kind: 'uncaughtException', what: describe(err) }) })
// Fastify's and Weft's own warnings (FSTDEP..., a late send) are not escapes
process.removeAllListeners('warning')
process.on('warning', () => {})

// the parent went away (killed, timed out): so does this child
process.stdin.on('close', () => process.exit(0))
process.stdin.resume()

const turn = () => new Promise((resolve) => setImmediate(resolve))
const write = (line) => new Promise((resolve) => process.stdout.write(JSON.stringify(line) + '\n', resolve))

for (const index of indexes) {
  const c = run[index]
  await write({ start: index })
  escapes = []
  let outcome
  const started = Date.now()
  try {
    outcome = c.scope === 'request' ? await requestCase(factory, c) : await appCase(factory, c)
  } catch (err) {
    outcome = { harness: describe(err) } // the scenario itself failed (not a framework outcome)
  }
  // what a case leaves behind surfaces within a few turns
  for (let i = 0; i < 3; i++) await turn()
  await write({ result: index, id: c.id, ms: Date.now() - started, outcome, escapes })
}
process.exit(0)
