// The database drivers' diagnostics_channel TracingChannels, and how to read each one's context
// object: the statement, the system, the server, the rows. A driver that starts publishing is one row.

/** One TracingChannel a driver publishes (`tracing:<name>:start` … `:asyncEnd`). */
export interface DbChannel {
  /** The TracingChannel's name, e.g. `mysql2:query`. */
  readonly name: string
  /** `db.system.name` (OpenTelemetry's value: `mysql`, `postgresql`, `redis`, `microsoft.sql_server`). */
  readonly system: string
  /**
   * `query`: each traced call is one statement. `checkout`: a connection handed out by a pool; its
   * callback may run in whichever request released one, so what starts inside belongs to the caller.
   */
  readonly role: 'query' | 'checkout'
  /**
   * OpenTelemetry instrumentations that report the same calls as spans: once this channel has
   * published, their spans are the same queries again and are not counted.
   */
  readonly sameAs?: readonly string[]
  /**
   * The statement text (read once, at start; never kept). SQL only: its literals are made `?`. For
   * a key-value store (redis, ioredis) return the command name alone (`GET`), never its arguments.
   */
  statement?: (context: any) => unknown
  /** Rows returned or affected, read from the finished call's context. */
  rows?: (context: any) => number | undefined
  serverAddress?: (context: any) => unknown
  serverPort?: (context: any) => unknown
  namespace?: (context: any) => unknown
}

/** mysql2's result: an array of rows, or a ResultSetHeader with `affectedRows`. */
function mysqlRows (context: any): number | undefined {
  const result = context?.result
  if (Array.isArray(result)) return result.length
  const affected = result?.affectedRows
  return typeof affected === 'number' ? affected : undefined
}

const mysql2Query = {
  system: 'mysql',
  role: 'query',
  sameAs: ['@opentelemetry/instrumentation-mysql2'],
  statement: (c: any) => c?.query,
  rows: mysqlRows,
  serverAddress: (c: any) => c?.serverAddress,
  serverPort: (c: any) => c?.serverPort,
  namespace: (c: any) => c?.database
} as const

/**
 * mysql2 ≥ 3.20 (lib/tracing.js). pg, redis and ioredis publish no TracingChannel yet (their
 * queries arrive as OpenTelemetry spans instead); when they do, their rows go here.
 */
export const dbChannels: readonly DbChannel[] = [
  { name: 'mysql2:query', ...mysql2Query },
  { name: 'mysql2:execute', ...mysql2Query },
  { name: 'mysql2:pool:connect', system: 'mysql', role: 'checkout' }
]
