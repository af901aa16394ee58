// Database calls reported from outside diagnostics_channel (OpenTelemetry spans of an application's
// instrumentations): handed to every enabled tracker, which books each in the operation running now.

/** What is known of a database call when it starts. */
export interface DbCallStart {
  /** `db.system.name`: `postgresql`, `mysql`, `redis`, … */
  system: string
  /** The statement text: read for its summary and shape, never kept. */
  statement: string | undefined
  /** Other facts, named as OpenTelemetry names them (`db.namespace`, `server.address`, …). */
  attributes: Record<string, string | number | boolean>
}

/** A tracker's side: books what starts in its running operation (OutgoingCalls). */
export interface DbCallSink {
  dbStart (key: object, call: DbCallStart): void
  /** `statement`: the text, when it was not known at the start. */
  dbEnd (key: object, rows: number | undefined, error: string | undefined, statement: string | undefined): void
  /** The call was reported twice (a span and a driver's channel): this one is dropped. */
  dbDrop (key: object): void
  /** A pool checkout starts: remembers the running operation on `key`. */
  checkoutStart (key: object): void
  /** A pool checkout ends, right before its callback runs (in any context): what starts now belongs to who asked. */
  checkoutEnd (key: object): void
}

const sinks = new Set<DbCallSink>()
/** OpenTelemetry instrumentations whose spans repeat calls a driver's own channel already reported. */
const covered = new Set<string>()

/** A driver's channel published: spans of these instrumentations are the same calls again. */
export function coveredByChannel (scopes: readonly string[]): void { for (const s of scopes) covered.add(s) }
/** Whether spans of this instrumentation (its scope name) repeat a channel's calls. */
export function isCoveredByChannel (scope: string): boolean { return covered.size > 0 && covered.has(scope) }

export function addDbCallSink (sink: DbCallSink): void { sinks.add(sink) }
export function removeDbCallSink (sink: DbCallSink): void { sinks.delete(sink) }
/** Whether any tracker listens (nothing to read from a span otherwise). */
export function hasDbCallSinks (): boolean { return sinks.size > 0 }

export function dbCallStarted (key: object, call: DbCallStart): void { for (const sink of sinks) sink.dbStart(key, call) }
export function dbCallEnded (key: object, rows: number | undefined, error: string | undefined, statement: string | undefined): void {
  for (const sink of sinks) sink.dbEnd(key, rows, error, statement)
}
export function dbCallDropped (key: object): void { for (const sink of sinks) sink.dbDrop(key) }
export function checkoutStarted (key: object): void { for (const sink of sinks) sink.checkoutStart(key) }
export function checkoutEnded (key: object): void { for (const sink of sinks) sink.checkoutEnd(key) }
