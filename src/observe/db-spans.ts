// OpenTelemetry database spans as weft operations: a span processor the application adds to the
// provider its instrumentations (instrumentation-pg, …) use. Each CLIENT span with `db.system.name`
// (or the older `db.system`) becomes a `db` operation of the request whose async context started it.
import {
  checkoutEnded, checkoutStarted, dbCallDropped, dbCallEnded, dbCallStarted, hasDbCallSinks, isCoveredByChannel
} from '../async/db-calls.js'

/** The parts of an SDK span this processor reads (structurally @opentelemetry/sdk-trace's Span). */
interface SpanLike {
  readonly name: string
  readonly kind: number
  readonly attributes: Record<string, unknown>
  readonly status?: { code: number }
  readonly instrumentationScope?: { name: string }
  readonly instrumentationLibrary?: { name: string }
}

/** The SpanProcessor interface of @opentelemetry/sdk-trace (no import: the packages stay optional). */
export interface WeftSpanProcessor {
  onStart (span: SpanLike, parentContext: unknown): void
  onEnd (span: SpanLike): void
  forceFlush (): Promise<void>
  shutdown (): Promise<void>
}

const CLIENT = 2
const STATUS_ERROR = 2
/** Weft's own export (its child spans carry `db.system.name` too): never read back. */
const WEFT_TRACER = 'weft'

/** The span's role: `query` (a statement), `checkout` (a connection, e.g. `pg-pool.connect`), or none. */
function roleOf (span: SpanLike): 'query' | 'checkout' | 'covered' | null {
  if (span.kind !== CLIENT) return null
  const a = span.attributes
  if (a === undefined || (a['db.system.name'] === undefined && a['db.system'] === undefined)) return null
  const scope = span.instrumentationScope ?? span.instrumentationLibrary
  if (scope?.name === WEFT_TRACER) return null
  // the driver's own channel reports these queries already (mysql2 ≥ 3.20 and its instrumentation)
  if (scope !== undefined && isCoveredByChannel(scope.name)) return 'covered'
  if (typeof (a['db.query.text'] ?? a['db.statement']) === 'string' || typeof a['db.operation.name'] === 'string' ||
    typeof a['db.operation'] === 'string') return 'query'
  return /connect/i.test(span.name) ? 'checkout' : 'query'
}

const copied = ['db.namespace', 'server.address', 'server.port', 'db.collection.name'] as const

/** Stores whose statement is a command with arguments (keys, documents), not SQL: only the command is read. */
const commandStores = new Set(['redis', 'memcached', 'mongodb', 'elasticsearch', 'opensearch', 'dynamodb', 'couchbase', 'couchdb'])

/** The text to summarize: SQL as it is (its values are made `?`), a command store's command name alone. */
function statementOf (system: string, a: Record<string, unknown>): string | undefined {
  const text = a['db.query.text'] ?? a['db.statement']
  if (!commandStores.has(system)) return typeof text === 'string' ? text : undefined
  const operation = a['db.operation.name'] ?? a['db.operation']
  if (typeof operation === 'string' && operation !== '') return operation.toUpperCase()
  if (typeof text !== 'string') return undefined
  const command = /^\s*([A-Za-z][\w.]*)/.exec(text)
  return command === null ? undefined : command[1]!.toUpperCase()
}

function started (span: SpanLike): void {
  const role = roleOf(span)
  if (role === null || role === 'covered') return
  if (role === 'checkout') { checkoutStarted(span); return }
  const a = span.attributes
  const system = normalSystem(String(a['db.system.name'] ?? a['db.system']))
  const attributes: Record<string, string | number | boolean> = {}
  for (const key of copied) {
    const value = a[key]
    if (typeof value === 'string' || typeof value === 'number') attributes[key] = value
  }
  if (attributes['db.namespace'] === undefined && typeof a['db.name'] === 'string') attributes['db.namespace'] = a['db.name']
  if (attributes['server.address'] === undefined && typeof a['net.peer.name'] === 'string') attributes['server.address'] = a['net.peer.name']
  if (attributes['server.port'] === undefined && typeof a['net.peer.port'] === 'number') attributes['server.port'] = a['net.peer.port']
  // instrumentation-pg sets the text right after the start: then it is read at the end
  dbCallStarted(span, { system, statement: statementOf(system, a), attributes })
}

/** OpenTelemetry's older `db.system` values where `db.system.name` renamed them. */
function normalSystem (system: string): string {
  return system === 'mssql' ? 'microsoft.sql_server' : system
}

function ended (span: SpanLike): void {
  const role = roleOf(span)
  if (role === null) return
  // started before the channel had published anything: booked, and now dropped
  if (role === 'covered') { dbCallDropped(span); return }
  if (role === 'checkout') { checkoutEnded(span); return }
  const a = span.attributes
  const rows = a['db.response.returned_rows'] ?? a['db.response.returned_rows.count']
  const error = span.status?.code === STATUS_ERROR ? String(a['error.type'] ?? 'error') : undefined
  const system = normalSystem(String(a['db.system.name'] ?? a['db.system']))
  dbCallEnded(span, typeof rows === 'number' ? rows : undefined, error, statementOf(system, a))
}

let internalErrors = 0
/** Errors caught in the processor (never thrown into the instrumentation). */
export function spanProcessorErrors (): number { return internalErrors }

/**
 * The one processor: add it to the provider your OpenTelemetry instrumentations use
 * (`new NodeTracerProvider({ spanProcessors: [weftSpanProcessor(), …] })`). It keeps nothing and
 * exports nothing; with no weft/observe app running it only checks a set's size.
 */
const processor: WeftSpanProcessor = {
  onStart (span) {
    if (!hasDbCallSinks()) return
    try { started(span) } catch { internalErrors++ }
  },
  onEnd (span) {
    if (!hasDbCallSinks()) return
    try { ended(span) } catch { internalErrors++ }
  },
  forceFlush: async () => {},
  shutdown: async () => {}
}

export function weftSpanProcessor (): WeftSpanProcessor { return processor }
