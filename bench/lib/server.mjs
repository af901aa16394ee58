// Shared bits of the benchmark servers in bench/servers/.
//
// A server takes its scenario from argv[2] or BENCH_SCENARIO ('hello' | 'hooks'), listens on
// 127.0.0.1 port 0 and reports the port to the parent as a line `PORT <n>` on stdout.
// Started by the harness (BENCH_EXIT_ON_STDIN_END=1, stdin a pipe from the parent), it exits
// when its stdin closes, so a server never outlives the harness, even one killed with SIGKILL.

export const scenario = process.argv[2] ?? process.env.BENCH_SCENARIO ?? 'hello'
if (scenario !== 'hello' && scenario !== 'hooks') {
  console.error(`unknown scenario ${JSON.stringify(scenario)} (expected hello or hooks)`)
  process.exit(2)
}
export const hooks = scenario === 'hooks'

export const HOST = '127.0.0.1'

/** The response schema used by the frameworks that have one (Weft and Fastify). */
export const helloSchema = {
  response: {
    200: { type: 'object', properties: { hello: { type: 'string' } } }
  }
}

export { ready } from './ready.mjs'
