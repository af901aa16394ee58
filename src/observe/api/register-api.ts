// Mounts the JSON API (version 1) under the page's path, behind the page's guard: the request list
// with its filters, one request, routes, process samples, startup, an event stream of new requests'
// summaries, and a JSON Schema per resource. Errors answer as JSON naming what was wrong.
import { EventStreamHub, type EventStreamOptions } from '../page/event-stream.js'
import type { ActivityEvent, ActivitySource } from '../page/types.js'
import { parseRequestQuery, QueryError } from './request-query.js'
import { selectRequests } from './request-select.js'
import { summarize } from './request-summary.js'
import { API_SCHEMAS } from './schemas.js'
import { compareActivities, comparisonText } from './compare.js'
import type { RequestActivity } from '../types.js'
import type { ApiError, ProcessList, RequestList, RouteList, StartupAnswer } from './types.js'
import { snapshotJson, toJson } from '../page/safe-json.js'

/** On every JSON answer of the API, with its version: clients tell its errors from another server's 404. */
const API_HEADER = 'weft-api-version'

/** A new request's frame: its summary, made when the batch goes out (nothing is made per request before). */
function requestFrame (activity: RequestActivity): string {
  return `event: request\ndata: ${JSON.stringify(summarize(activity))}\n\n`
}

function failure (reply: any, statusCode: number, message: string, parameter?: string): string {
  const body: ApiError = { statusCode, error: statusCode === 404 ? 'Not Found' : statusCode === 503 ? 'Service Unavailable' : 'Bad Request', message }
  if (parameter !== undefined) body.parameter = parameter
  reply.code(statusCode).header('cache-control', 'no-store').header(API_HEADER, '1').type('application/json; charset=utf-8')
  return JSON.stringify(body)
}

/**
 * Adds `base/api/v1/...` to `instance` with `routeOptions` (the page's guard, `observe: false`).
 * Returns the close of its event stream, for the page's preClose.
 */
export function registerApi (instance: any, source: ActivitySource, base: string, routeOptions: object, streams: EventStreamOptions): () => void {
  const v1 = `${base}/api/v1`
  // the hub subscribes only while an event stream is open; process samples are the page's alone
  const feed = {
    subscribe (listener: (activity: RequestActivity) => void): () => void {
      return source.subscribe((event: ActivityEvent) => {
        if (event.type === 'activity') listener(event.activity)
      })
    }
  }
  const hub = new EventStreamHub<RequestActivity>(feed, streams, requestFrame)
  const json = (reply: any, body: unknown): string => {
    reply.header('cache-control', 'no-store').header(API_HEADER, '1').type('application/json; charset=utf-8')
    const text = toJson(body)
    if (text !== undefined) return text
    // something JSON cannot carry (a BigInt, a cycle, from a custom source): each list leaves out only
    // the items that hold it, each other field that cannot be carried is null, and the API still answers
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return snapshotJson(body)
    return '{' + Object.entries(body).map(([k, v]) => `${JSON.stringify(k)}:${snapshotJson(v)}`).join(',') + '}'
  }

  // with observe's history option: the runs kept, and `?run=` reads one of them from the database
  const history = source.history
  const fromHistory = (reply: any, resource: string, query: Record<string, unknown>): string => {
    const answer = history!(resource, query)
    if (answer.statusCode !== 200) {
      const e = answer.body as ApiError
      return failure(reply, answer.statusCode, e.message, e.parameter)
    }
    return json(reply, answer.body)
  }
  instance.get(`${v1}/runs`, routeOptions, async (_request: unknown, reply: any) => history === undefined
    ? failure(reply, 404, "no history: observe's history option is off")
    : fromHistory(reply, 'runs', {}))

  instance.get(`${v1}/requests`, routeOptions, async (request: any, reply: any) => {
    if (history !== undefined && request.query?.run !== undefined) return fromHistory(reply, 'requests', request.query)
    let query
    try {
      query = parseRequestQuery(request.query ?? {})
    } catch (err) {
      if (err instanceof QueryError) return failure(reply, 400, err.message, err.parameter)
      throw err
    }
    const stored = source.recent()
    const { matched, chosen } = selectRequests(stored, query)
    const body: RequestList = { stored: stored.length, matched, sort: query.sort, requests: chosen.map(summarize) }
    return json(reply, body)
  })
  // a wildcard, not `:id`: an id is the client's to choose (X-Request-Id) and may be longer than a
  // route parameter may be (maxParamLength) or hold a slash
  instance.get(`${v1}/requests/*`, routeOptions, async (request: any, reply: any) => {
    const id: string = request.params['*']
    if (history !== undefined && request.query?.run !== undefined) return fromHistory(reply, 'requests/' + encodeURIComponent(id), request.query)
    // ids may repeat (a client's X-Request-Id, a custom genReqId): `startedAt` picks one of them;
    // without it the latest request with the id wins (newest first)
    const at = request.query?.startedAt
    const startedAt = typeof at === 'string' && at !== '' ? Number(at) : undefined
    if (startedAt !== undefined && !Number.isFinite(startedAt)) return failure(reply, 400, 'startedAt must be a number (epoch milliseconds)')
    for (const a of source.recent()) if (a.id === id && (startedAt === undefined || a.startedAt === startedAt)) return json(reply, a)
    return failure(reply, 404, `no stored request has id ${JSON.stringify(id)} (only the most recent ones are kept: the recent option)`)
  })
  // two requests compared operation by operation (b against the baseline a), with the text the CLIs
  // print. Each is a stored request (`aStartedAt` picks one of several with its id) or, with the history
  // option, a request of a kept run (`aRun`): the same route across two runs, as `weft inspect --history
  // compare 3:req-5 4:req-7` reads it (the history's request resource, then the one comparison)
  instance.get(`${v1}/compare`, routeOptions, async (request: any, reply: any) => {
    const q = request.query ?? {}
    const pick = (name: 'a' | 'b'): RequestActivity | ApiError => {
      const id = q[name]
      const wrong = (statusCode: number, message: string, parameter: string = name): ApiError => ({ statusCode, error: '', message, parameter })
      if (typeof id !== 'string' || id === '') return wrong(400, `${name} must be a request id (given once)`)
      const run = q[name + 'Run']
      if (run !== undefined) {
        if (history === undefined) return wrong(404, `${name}Run reads a kept run: observe's history option is off`, name + 'Run')
        if (typeof run !== 'string') return wrong(400, `${name}Run must be a run number (given once)`, name + 'Run')
        // the run first (its one row), so an error names the parameter that was wrong: the run or the id
        const kept = history('routes', { run })
        if (kept.statusCode !== 200) return wrong(kept.statusCode, (kept.body as ApiError).message, name + 'Run')
        const answer = history('requests/' + encodeURIComponent(id), { run })
        if (answer.statusCode === 200) return answer.body as RequestActivity
        return wrong(answer.statusCode, (answer.body as ApiError).message)
      }
      const at = q[name + 'StartedAt']
      const startedAt = typeof at === 'string' && at !== '' ? Number(at) : undefined
      for (const a of source.recent()) if (a.id === id && (startedAt === undefined || a.startedAt === startedAt)) return a
      return wrong(404, `no stored request has id ${JSON.stringify(id)}`)
    }
    const a = pick('a')
    if ('message' in a) return failure(reply, a.statusCode, a.message, a.parameter)
    const b = pick('b')
    if ('message' in b) return failure(reply, b.statusCode, b.message, b.parameter)
    const comparison = compareActivities(a, b)
    return json(reply, { comparison, text: comparisonText(comparison) })
  })
  instance.get(`${v1}/routes`, routeOptions, async (request: any, reply: any) => history !== undefined && request.query?.run !== undefined
    ? fromHistory(reply, 'routes', request.query)
    : json(reply, { routes: source.routes() } satisfies RouteList))
  instance.get(`${v1}/process`, routeOptions, async (_request: unknown, reply: any) => json(reply, { samples: source.processSamples() } satisfies ProcessList))
  instance.get(`${v1}/startup`, routeOptions, async (_request: unknown, reply: any) => json(reply, { startup: source.startup() } satisfies StartupAnswer))
  instance.get(`${v1}/schema/:file`, routeOptions, async (request: any, reply: any) => {
    const file: string = request.params.file
    const schema = file.endsWith('.json') ? API_SCHEMAS[file.slice(0, -5)] : undefined
    if (schema === undefined || !Object.hasOwn(API_SCHEMAS, file.slice(0, -5))) {
      return failure(reply, 404, `no schema ${JSON.stringify(file)} (there are ${Object.keys(API_SCHEMAS).map(n => n + '.json').join(', ')})`)
    }
    reply.header('cache-control', 'no-cache').type('application/schema+json; charset=utf-8')
    return JSON.stringify(schema)
  })
  instance.get(`${v1}/events`, routeOptions, async (request: any, reply: any) => {
    if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send()
    if (hub.closed) return reply.header('connection', 'close').send(failure(reply, 503, 'The app is closing'))
    if (hub.full) {
      reply.header('connection', 'close').header('retry-after', '10')
      return reply.send(failure(reply, 503, `the API already has ${hub.clients} open event streams (the page's maxStreams option); close one and try again`))
    }
    reply.hijack()
    hub.open(request.raw, reply.raw)
    return reply
  })
  // anything else under v1 (a typo, a resource of a later version) answers JSON, not the app's 404
  instance.get(`${v1}/*`, routeOptions, async (request: any, reply: any) => failure(reply, 404, `no API resource at ${request.url.split('?')[0]} (there are requests, requests/:id, routes, compare?a=&b= (aRun/bRun with history), runs, process, startup, events, schema/<resource>.json)`))
  return () => { hub.close() }
}
