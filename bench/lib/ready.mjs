// How a benchmark server tells its parent it is listening, and leaves with it (no side effects
// at import: bench/servers/observe-*.mjs use it without lib/server.mjs's scenario check).

/** Tell the parent which port we listen on, and exit when the parent goes away. */
export function ready (port) {
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad port ${port}`)
  process.stdout.write(`PORT ${port}\n`)
  if (process.env.BENCH_EXIT_ON_STDIN_END === '1') {
    process.stdin.on('end', () => process.exit(0))
    process.stdin.on('error', () => process.exit(0))
    process.stdin.resume()
  }
}
