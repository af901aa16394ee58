// The `history` option checked and started: the database opened (or a clear error at register on a
// Node without node:sqlite), the run's writer, and the reader the API answers from.
import { codes } from '../../errors.js'
import type { RouteSummary } from '../types.js'
import { answerHistory, type HistoryAnswer } from './history-reader.js'
import { HistoryWriter } from './history-writer.js'
import { openDatabase, sqliteMissing } from './open-database.js'
import type { HistoryOptions, RunList, SqliteDatabase } from './types.js'

export const HISTORY_OPTION_KEYS = ['path', 'runs', 'maxRequests', 'flushMs']
/** The most runs a history keeps. */
export const MAX_RUNS = 10

export interface StartedHistory {
  writer: HistoryWriter
  maxRequests: number
  answer: (resource: string, query: Record<string, unknown>) => HistoryAnswer
}

export function startHistory (options: HistoryOptions, routes: () => RouteSummary[], failed: (err: unknown) => void): StartedHistory {
  const bad = (name: string, expected: string, got: unknown): Error => new codes.WEFT_ERR_OBSERVE_OPTION(name, expected, String(got))
  if (options === null || typeof options !== 'object') throw bad('history', '{ path }', options)
  if (typeof options.path !== 'string' || options.path === '') throw bad('history.path', 'a file path', options.path)
  const whole = (name: 'runs' | 'maxRequests' | 'flushMs', fallback: number, max: number): number => {
    const value = options[name] ?? fallback
    if (!Number.isInteger(value) || value < 1 || value > max) throw bad(`history.${name}`, `a whole number from 1 to ${max}`, value)
    return value
  }
  const runs = whole('runs', MAX_RUNS, MAX_RUNS)
  const maxRequests = whole('maxRequests', 10_000, 1_000_000)
  const flushMs = whole('flushMs', 1000, 60_000)
  const missing = sqliteMissing()
  if (missing !== null) throw bad('history', `used on a Node with node:sqlite (Node 22.5 or later): it needs ${missing}`, 'a history option')
  let db: SqliteDatabase
  try {
    db = openDatabase(options.path)
  } catch (err) {
    throw bad('history.path', 'an SQLite file weft can open and write', `${options.path} (${(err as Error)?.message ?? err})`)
  }
  const writer = new HistoryWriter(db, { runs, maxRequests, flushMs, routes, failed })
  return {
    writer,
    maxRequests,
    // the answer reads what was written; the current run's queue is written first. `runs` names the
    // run this process writes (`current`), so the page tells the live run from the kept ones
    answer: (resource, query) => {
      writer.flush()
      const answer = answerHistory(db, resource, query)
      if (resource === 'runs' && answer.statusCode === 200) (answer.body as RunList).current = writer.run
      return answer
    }
  }
}
