// Reads the history database back as the JSON API answers: `runs`, `requests?run=` (with the API's
// filters), `requests/<id>` and `routes?run=`. Shared by the running app's API and by `weft inspect
// --history` / `weft mcp --history`, which read the file after the process is gone.
import { parseRequestQuery, QueryError } from '../api/request-query.js'
import { selectRequests } from '../api/request-select.js'
import { summarize } from '../api/request-summary.js'
import type { ApiError, RequestList, RouteList } from '../api/types.js'
import type { RequestActivity, RouteSummary } from '../types.js'
import type { HistoryRun, RunList, SqliteDatabase } from './types.js'

/** A request list read from history names the run it comes from. */
export interface HistoryRequestList extends RequestList { run: number }
export interface HistoryRouteList extends RouteList { run: number }

export interface HistoryAnswer { statusCode: number, body: RunList | HistoryRequestList | HistoryRouteList | RequestActivity | ApiError }

const failure = (statusCode: number, message: string, parameter?: string): HistoryAnswer => {
  const body: ApiError = { statusCode, error: statusCode === 404 ? 'Not Found' : 'Bad Request', message }
  if (parameter !== undefined) body.parameter = parameter
  return { statusCode, body }
}

export function readRuns (db: SqliteDatabase): HistoryRun[] {
  return db.prepare('SELECT run, pid, node, started_at, ended_at, requests, dropped FROM runs ORDER BY run DESC').all().map((r) => ({
    run: Number(r.run), pid: Number(r.pid), node: String(r.node), startedAt: Number(r.started_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at), requests: Number(r.requests), dropped: Number(r.dropped)
  }))
}

/** `run` as given (a number, or `latest`/absent for the newest run); a QueryError when it is neither. */
function runOf (db: SqliteDatabase, text: unknown): number | null {
  if (text === undefined || text === 'latest') {
    const row = db.prepare('SELECT max(run) AS run FROM runs').get()
    return row?.run === null || row?.run === undefined ? null : Number(row.run)
  }
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,9}$/.test(text)) throw new QueryError('run', `run must be a run number (from runs) or latest, not ${JSON.stringify(text)}`)
  return db.prepare('SELECT run FROM runs WHERE run = ?').get(Number(text)) === undefined ? null : Number(text)
}

/**
 * Answers one API resource (`runs`, `requests?…`, `requests/<id>?run=`, `routes?run=`) from the
 * database. `query` is the resource's parsed query string.
 */
export function answerHistory (db: SqliteDatabase, resource: string, query: Record<string, unknown>): HistoryAnswer {
  try {
    if (resource === 'runs') return { statusCode: 200, body: { runs: readRuns(db) } }
    const { run: runText, ...rest } = query
    const run = runOf(db, runText)
    if (run === null) return failure(404, runText === undefined || runText === 'latest' ? 'the history holds no run yet' : `the history holds no run ${String(runText)} (see runs: only the last ones are kept)`)
    if (resource === 'requests') {
      const q = parseRequestQuery(rest)
      const stored: RequestActivity[] = db.prepare('SELECT activity FROM requests WHERE run = ? ORDER BY seq DESC').all(run)
        .map((r) => JSON.parse(String(r.activity)) as RequestActivity)
      const { matched, chosen } = selectRequests(stored, q)
      return { statusCode: 200, body: { run, stored: stored.length, matched, sort: q.sort, requests: chosen.map(summarize) } }
    }
    if (resource === 'routes') {
      const row = db.prepare('SELECT routes FROM runs WHERE run = ?').get(run)
      return { statusCode: 200, body: { run, routes: JSON.parse(String(row?.routes ?? '[]')) as RouteSummary[] } }
    }
    if (resource.startsWith('requests/')) {
      const id = decodeURIComponent(resource.slice('requests/'.length))
      // without run, the newest request with this id in any kept run
      const row = runText === undefined
        ? db.prepare('SELECT activity FROM requests WHERE id = ? ORDER BY run DESC, seq DESC LIMIT 1').get(id)
        : db.prepare('SELECT activity FROM requests WHERE id = ? AND run = ? ORDER BY seq DESC LIMIT 1').get(id, run)
      if (row === undefined) return failure(404, `no request in the history has id ${JSON.stringify(id)}${runText === undefined ? '' : ` in run ${run}`}`)
      return { statusCode: 200, body: JSON.parse(String(row.activity)) as RequestActivity }
    }
    return failure(404, `no history resource ${JSON.stringify(resource)} (there are runs, requests?run=, requests/:id, routes?run=)`)
  } catch (err) {
    if (err instanceof QueryError) return failure(400, err.message, err.parameter)
    throw err
  }
}
