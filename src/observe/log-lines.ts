// The app logger's own output: its writes are hidden from the trackers (never an fs or pipe
// operation of the request that logged), and each record carrying a request's id becomes one of
// that request's log lines (`activity.logs`), placed in time from the request's start.
import { AsyncResource } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import { symbols } from 'pino'
import { asWeft } from '../async/internal-scope.js'
import type { ActivityLog } from './types.js'

/** Lines kept per request. */
export const MAX_LOG_LINES = 50
/** Requests whose lines arrived before the request was known (the `incoming request` line), kept a moment. */
export const MAX_PENDING_LOGS = 64

/** Where a request's lines go: its start reading and its list. */
export interface LogSink {
  readonly start: number
  logs: ActivityLog[]
}

interface Stream { write: (chunk: unknown, ...rest: unknown[]) => unknown }
interface Pending { at: number, level: string, msg: string }

export class LogLines {
  /** Open requests by id: one sink, or (ids a client chose may repeat) those open under it, oldest first. */
  readonly #open = new Map<string, LogSink | LogSink[]>()
  readonly #pending = new Map<string, Pending[]>()
  readonly #needle: string
  readonly #label: string
  readonly #messageKey: string
  readonly #labels: Record<string, string>
  readonly #failed: (err: unknown) => void
  #stream: Stream | undefined
  #write: Stream['write'] | undefined
  /** The request closed last; its `request completed` line is written right after, synchronously. */
  #justClosed: string | undefined

  /**
   * Wraps the write of `log`'s destination (a pino logger's stream); `label` is the request id's
   * key in its records (`reqId`). Returns undefined when `log` has no stream to wrap.
   */
  static attach (log: unknown, label: string, failed: (err: unknown) => void): LogLines | undefined {
    if (log === null || typeof log !== 'object') return undefined
    const stream = (log as Record<symbol, unknown>)[symbols.streamSym] as Stream | undefined
    if (stream === null || typeof stream !== 'object' || typeof stream.write !== 'function') return undefined
    const levels = (log as { levels?: { labels?: Record<string, string> } }).levels?.labels ?? {}
    const messageKey = (log as Record<symbol, unknown>)[symbols.messageKeySym]
    const lines = new LogLines(label, typeof messageKey === 'string' ? messageKey : 'msg', levels, failed)
    lines.#wrap(stream)
    return lines
  }

  private constructor (label: string, messageKey: string, labels: Record<string, string>, failed: (err: unknown) => void) {
    this.#label = label
    this.#needle = JSON.stringify(label) + ':'
    this.#messageKey = messageKey
    this.#labels = labels
    this.#failed = failed
  }

  #wrap (stream: Stream): void {
    const write = stream.write
    // Made outside any request, hidden: running the write in it carries no request's context, so
    // what the destination does later (the next buffered write, a drain) is no request's either.
    const outside = asWeft(() => new AsyncResource('WEFT_LOG', { requireManualDestroy: true }))
    const take = (chunk: unknown): void => { this.#take(chunk) }
    const failed = this.#failed
    stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]): unknown {
      try { take(chunk) } catch (err) { failed(err) }
      return asWeft(() => outside.runInAsyncScope(write, this, chunk, ...rest))
    }
    this.#stream = stream
    this.#write = write
  }

  /** Puts the stream's own write back. */
  detach (): void {
    if (this.#stream !== undefined && this.#write !== undefined) this.#stream.write = this.#write
    this.#stream = undefined
    this.#open.clear()
    this.#pending.clear()
  }

  /** Requests whose lines came before the request was known, held now. */
  get early (): number { return this.#pending.size }

  /** A request is running under `id`: its lines go to `sink` (with any logged just before). */
  open (id: string, sink: LogSink): void {
    this.#justClosed = undefined
    const held = this.#open.get(id)
    if (held === undefined) this.#open.set(id, sink)
    else if (Array.isArray(held)) held.push(sink)
    else this.#open.set(id, [held, sink])
    if (this.#pending.size === 0) return
    const early = this.#pending.get(id)
    if (early === undefined) return
    this.#pending.delete(id)
    for (const p of early) push(sink, p.at, p.level, p.msg)
  }

  /**
   * The request under `id` ended. Its `request completed` line comes next and is nobody's (the
   * activity is already finished): dropped instead of waiting as an early line of a request to come.
   * With ids a client chooses (requestIdHeader) requests may share one: a line under it goes to the
   * latest opened of them, and one ending leaves the others open.
   */
  close (id: string, sink: LogSink): void {
    this.#justClosed = id
    const held = this.#open.get(id)
    if (held === sink) { this.#open.delete(id); return }
    if (!Array.isArray(held)) return
    const i = held.indexOf(sink)
    if (i !== -1) held.splice(i, 1)
    if (held.length === 1) this.#open.set(id, held[0]!)
  }

  /** One record: a request's line when it carries an id; not parsed when it does not. */
  #take (chunk: unknown): void {
    const line = typeof chunk === 'string' ? chunk : (chunk instanceof Uint8Array && chunk.length < 65536 ? Buffer.from(chunk).toString() : undefined)
    if (line === undefined || !line.includes(this.#needle)) return
    const at = performance.now()
    const record = JSON.parse(line) as Record<string, unknown>
    const raw = record[this.#label]
    if (typeof raw !== 'string' && typeof raw !== 'number') return
    const id = String(raw)
    const level = typeof record.level === 'number' ? (this.#labels[record.level] ?? String(record.level)) : String(record.level ?? '')
    const m = record[this.#messageKey]
    const msg = typeof m === 'string' ? m : (m === undefined ? '' : String(m))
    const justClosed = this.#justClosed
    this.#justClosed = undefined
    if (justClosed === id) return // the `request completed` line of the request that just ended
    const held = this.#open.get(id)
    if (held !== undefined) { push(Array.isArray(held) ? held[held.length - 1]! : held, at, level, msg); return }
    // not known yet (logged before the request's first stage): kept a moment, the oldest dropped first
    let list = this.#pending.get(id)
    if (list === undefined) {
      if (this.#pending.size >= MAX_PENDING_LOGS) this.#pending.delete(this.#pending.keys().next().value as string)
      this.#pending.set(id, list = [])
    }
    if (list.length < MAX_LOG_LINES) list.push({ at, level, msg })
  }
}

function push (sink: LogSink, at: number, level: string, msg: string): void {
  let logs = sink.logs
  if (logs.length >= MAX_LOG_LINES) return
  // a request with no line shares one empty list: its own is made on its first line
  if (logs.length === 0) sink.logs = logs = []
  logs.push({ level, msg, timeMs: at - sink.start })
}
