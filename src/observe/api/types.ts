// The JSON API's public types (version 1, under the page's path at `api/v1/`): a request's summary,
// the request list's query, and the envelope of each answer.
import type { ProcessSample } from '../../async/types.js'
import type { RequestActivity, RouteSummary } from '../types.js'
import type { StartupView } from '../page/types.js'

/** One request in a list or on the event stream: its figures, with counts in place of its details. */
export interface RequestSummary extends Pick<RequestActivity, 'id' | 'method' | 'route' | 'url' | 'statusCode' | 'detail' |
  'startedAt' | 'wallMs' | 'cpuMs' | 'cpuClock' | 'maxBlockMs' | 'waitMs' | 'loopWaitMs' | 'error'> {
  /** Sum of the operations' counts. */
  operationCount: number
  leakCount: number
  logCount: number
  /** Statement shapes run 3+ times (N+1): `SELECT tasks ×12`. */
  repeated: Array<{ summary: string, count: number }>
}

/** `GET api/v1/requests`: the stored requests that match, newest or slowest first. */
export interface RequestList {
  /** Requests stored now (the `recent` option caps it). */
  stored: number
  /** Of those, how many match the filters (`requests` holds at most `limit` of them). */
  matched: number
  sort: 'recent' | 'slowest'
  requests: RequestSummary[]
}

/** The filters of `GET api/v1/requests`, checked. */
export interface RequestQuery {
  /** Null: any method. */
  method: string | null
  /** A route pattern (`/users/:id`); `null` matches requests no route matched; undefined: any. */
  route: string | null | undefined
  /** 1..5 for `1xx`..`5xx`, or an exact status code (100..599); null: any. */
  statusClass: number | null
  statusCode: number | null
  minMs: number
  sort: 'recent' | 'slowest'
  limit: number
}

export interface RouteList { routes: RouteSummary[] }
export interface ProcessList { samples: ProcessSample[] }
export interface StartupAnswer { startup: StartupView | null }

/** Every error the API answers with. */
export interface ApiError {
  statusCode: number
  error: string
  message: string
  /** The query parameter that was wrong (400). */
  parameter?: string
}
