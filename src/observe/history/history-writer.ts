// Writes one run's requests to the history database off the request path: a request's activity is
// only queued (bounded); a timer writes the queue in one transaction every flushMs, and close
// writes the rest with the run's route summaries. Old runs beyond the kept number are deleted.
import type { RequestActivity, RouteSummary } from '../types.js'
import type { SqliteDatabase, SqliteStatement } from './types.js'

export interface HistoryWriterOptions {
  runs: number
  maxRequests: number
  flushMs: number
  /** The route summaries to store with the run at each flush. */
  routes: () => RouteSummary[]
  /** Counts an error (never thrown into a request or into Node). */
  failed: (err: unknown) => void
}

export class HistoryWriter {
  readonly run: number
  #db: SqliteDatabase | null
  readonly #options: HistoryWriterOptions
  #queue: RequestActivity[] = []
  /** Requests accepted for this run (queued or written). */
  #accepted = 0
  #dropped = 0
  #written = 0
  readonly #insert: SqliteStatement
  readonly #update: SqliteStatement
  readonly #timer: ReturnType<typeof setInterval>

  constructor (db: SqliteDatabase, options: HistoryWriterOptions) {
    this.#db = db
    this.#options = options
    const row = db.prepare('INSERT INTO runs (pid, node, started_at) VALUES (?, ?, ?)').run(process.pid, process.version, Date.now())
    this.run = Number(row.lastInsertRowid)
    // keep this run and the runs - 1 before it: the newest beyond those, and all older, go
    const oldest = db.prepare('SELECT run FROM runs ORDER BY run DESC LIMIT 1 OFFSET ?').get(options.runs)
    if (oldest !== undefined) {
      db.prepare('DELETE FROM requests WHERE run <= ?').run(oldest.run)
      db.prepare('DELETE FROM runs WHERE run <= ?').run(oldest.run)
    }
    this.#insert = db.prepare('INSERT INTO requests (run, seq, id, method, route, status, started_at, wall_ms, activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    this.#update = db.prepare('UPDATE runs SET requests = ?, dropped = ?, routes = ?, ended_at = ? WHERE run = ?')
    this.#timer = setInterval(() => { this.flush() }, options.flushMs)
    this.#timer.unref()
  }

  /** On the request path: queues the activity, or counts it dropped past maxRequests. Allocates nothing else. */
  add (activity: RequestActivity): void {
    if (this.#db === null) return
    if (this.#accepted >= this.#options.maxRequests) { this.#dropped++; return }
    this.#accepted++
    this.#queue.push(activity)
  }

  /** What is held: requests waiting to be written, requests written and dropped in this run. */
  sizes (): { size: number, written: number, dropped: number } {
    return { size: this.#queue.length, written: this.#written, dropped: this.#dropped }
  }

  /** Writes the queue in one transaction (off the request path: a timer, or close). */
  flush (ended = false): void {
    const db = this.#db
    if (db === null) return
    const queue = this.#queue
    this.#queue = []
    try {
      db.exec('BEGIN')
      try {
        for (const a of queue) {
          this.#insert.run(this.run, this.#written, a.id, a.method, a.route, a.statusCode, a.startedAt, a.wallMs, JSON.stringify(a))
          this.#written++
        }
        this.#update.run(this.#written, this.#dropped, JSON.stringify(this.#options.routes()), ended ? Date.now() : null, this.run)
        db.exec('COMMIT')
      } catch (err) {
        try { db.exec('ROLLBACK') } catch {}
        throw err
      }
    } catch (err) {
      this.#options.failed(err)
    }
  }

  /** Writes what waits, marks the run ended and closes the database. */
  close (): void {
    if (this.#db === null) return
    clearInterval(this.#timer)
    this.flush(true)
    try { this.#db.close() } catch (err) { this.#options.failed(err) }
    this.#db = null
  }
}
