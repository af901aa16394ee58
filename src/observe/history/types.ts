// The history option and what the history database answers: runs (one per process that wrote it)
// and the API's request list read back from a run.

/** `history: { path }`: requests and route summaries kept in an SQLite file (node:sqlite) across restarts. */
export interface HistoryOptions {
  /** The database file; made if missing. */
  path: string
  /** Runs kept (the oldest are deleted when a new one starts). 1 to 10, default 10. */
  runs?: number
  /** Most requests written per run (the rest are counted as dropped). Default 10 000. */
  maxRequests?: number
  /** How often the requests waiting are written, in ms. Default 1000 (and once more on close). */
  flushMs?: number
}

/** One process's run as the history database holds it. */
export interface HistoryRun {
  run: number
  pid: number
  node: string
  startedAt: number
  /** null while the process runs (or when it ended without closing the app). */
  endedAt: number | null
  requests: number
  /** Requests past `maxRequests`, not written. */
  dropped: number
}

export interface RunList {
  runs: HistoryRun[]
  /** The run the answering process writes (the live one); absent when the file is read after the process is gone. */
  current?: number
}

/** The minimal part of node:sqlite's DatabaseSync that history uses (typed here: @types/node may lack it). */
export interface SqliteDatabase {
  exec (sql: string): void
  prepare (sql: string): SqliteStatement
  close (): void
}
export interface SqliteStatement {
  run (...values: unknown[]): { changes: number | bigint, lastInsertRowid: number | bigint }
  get (...values: unknown[]): Record<string, unknown> | undefined
  all (...values: unknown[]): Array<Record<string, unknown>>
}
