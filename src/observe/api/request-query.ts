// The query of `GET api/v1/requests`, checked: each parameter parsed once, and a wrong one named in
// the error (`status must be 1xx..5xx or a code like 404`), never ignored.
import type { RequestQuery } from './types.js'

/** Most requests one answer lists. */
export const MAX_LIMIT = 1000
const DEFAULT_LIMIT = 50
/** `token` is the page's guard's; the others are the filters. */
const KNOWN = ['route', 'status', 'minMs', 'sort', 'limit', 'token']

/** What a query parameter got wrong. */
export class QueryError extends Error {
  readonly parameter: string
  constructor (parameter: string, message: string) {
    super(message)
    this.parameter = parameter
  }
}

function single (query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new QueryError(name, `${name} may be given once`)
  return value
}

/** `POST /login`, `/login` (any method) or `(no route)` (requests no route matched). */
function parseRoute (text: string): { method: string | null, route: string | null } {
  const value = text.trim()
  if (value === '(no route)') return { method: null, route: null }
  const space = value.indexOf(' ')
  const method = space === -1 ? null : value.slice(0, space).toUpperCase()
  const route = space === -1 ? value : value.slice(space + 1).trim()
  if (!route.startsWith('/') || (method !== null && !/^[A-Z-]+$/.test(method))) {
    throw new QueryError('route', "route must be a route pattern ('/users/:id'), a method and one ('POST /login'), or '(no route)'")
  }
  return { method, route }
}

export function parseRequestQuery (query: Record<string, unknown>): RequestQuery {
  for (const name of Object.keys(query)) {
    if (!KNOWN.includes(name)) throw new QueryError(name, `unknown parameter ${name} (known: ${KNOWN.slice(0, -1).join(', ')})`)
  }
  const out: RequestQuery = { method: null, route: undefined, statusClass: null, statusCode: null, minMs: 0, sort: 'recent', limit: DEFAULT_LIMIT }
  const route = single(query, 'route')
  if (route !== undefined && route !== '') Object.assign(out, parseRoute(route))
  const status = single(query, 'status')
  if (status !== undefined && status !== '') {
    const m = /^([1-5])(?:xx|XX)$|^([1-5]\d\d)$/.exec(status)
    if (m === null) throw new QueryError('status', `status must be 1xx..5xx or a code like 404, not ${JSON.stringify(status)}`)
    if (m[1] !== undefined) out.statusClass = Number(m[1])
    else out.statusCode = Number(m[2])
  }
  const minMs = single(query, 'minMs')
  if (minMs !== undefined && minMs !== '') {
    const n = Number(minMs)
    if (!Number.isFinite(n) || n < 0) throw new QueryError('minMs', `minMs must be a number of milliseconds ≥ 0, not ${JSON.stringify(minMs)}`)
    out.minMs = n
  }
  const sort = single(query, 'sort')
  if (sort !== undefined && sort !== '') {
    if (sort !== 'recent' && sort !== 'slowest') throw new QueryError('sort', `sort must be recent or slowest, not ${JSON.stringify(sort)}`)
    out.sort = sort
  }
  const limit = single(query, 'limit')
  if (limit !== undefined && limit !== '') {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw new QueryError('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}, not ${JSON.stringify(limit)}`)
    out.limit = Number(limit)
  }
  return out
}
