// The series of observe's request metrics: one per distinct (route, method, status, scheme), holding
// its semantic-convention attributes and its aggregates, found through nested maps so that
// recording a request allocates nothing once its series exists. Bounded: past the cap, requests
// land in one series marked `otel.metric.overflow`, as the OpenTelemetry SDK does past its limit.
import type { Attributes, HrTime } from '@opentelemetry/api'
import { HistogramState } from './histogram-state.js'

/** Methods semconv names as they are; any other becomes `_OTHER` (no high-cardinality values). */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY'])
/** Most series kept, the overflow series included: the OpenTelemetry SDK's default cardinality limit. */
export const MAX_SERIES = 2000

/** The CPU histogram of one series on one clock (its attributes add `weft.cpu.clock`). */
export interface ClockedHistogram {
  readonly attributes: Attributes
  readonly histogram: HistogramState
}

export interface RequestSeries {
  readonly attributes: Attributes
  /** When the series began: the start of its cumulative data points. */
  readonly startTime: HrTime
  readonly duration: HistogramState
  /** By CPU clock name; empty until a request with a known CPU time lands here. */
  readonly cpu: Map<string, ClockedHistogram>
  /** Resources left running, summed; null until a request measured at `resources` (its CPU known) lands here. */
  leaks: number | null
}

/** route (or '' when none matched) → method → status → scheme → series */
type Index = Map<string, Map<string, Map<number, Map<string, RequestSeries>>>>

/** Now on the wall clock, as OpenTelemetry's [seconds, nanoseconds]. */
export function hrNow (): HrTime {
  const ms = performance.timeOrigin + performance.now()
  const seconds = Math.floor(ms / 1000)
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))]
}

export class SeriesTable {
  readonly #index: Index = new Map()
  readonly #all: RequestSeries[] = []
  readonly #durationBuckets: readonly number[]
  #overflow: RequestSeries | null = null

  constructor (durationBuckets: readonly number[]) {
    this.#durationBuckets = durationBuckets
  }

  /** Series held, the overflow one included. */
  get size (): number { return this.#all.length }

  /** Every series in creation order (a collection reads them). */
  get all (): readonly RequestSeries[] { return this.#all }

  of (rawMethod: string, route: string | null, statusCode: number, rawScheme: string): RequestSeries {
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER'
    // request.protocol passes a trusted proxy's X-Forwarded-Proto on as sent: only two values become series
    const scheme = rawScheme === 'https' ? 'https' : 'http'
    const byMethod = this.#level(this.#index, route ?? '')
    const byStatus = byMethod === null ? null : this.#level(byMethod, method)
    const byScheme = byStatus === null ? null : this.#level(byStatus, statusCode)
    const found = byScheme?.get(scheme)
    if (found !== undefined) return found
    if (byScheme === null || this.#all.length >= MAX_SERIES - 1) return this.#overflowSeries()
    const attributes: Attributes = {
      'http.request.method': method,
      'http.response.status_code': statusCode,
      'url.scheme': scheme
    }
    if (route !== null) attributes['http.route'] = route
    const series = this.#create(attributes)
    byScheme.set(scheme, series)
    return series
  }

  #create (attributes: Attributes): RequestSeries {
    const series: RequestSeries = { attributes, startTime: hrNow(), duration: new HistogramState(this.#durationBuckets), cpu: new Map(), leaks: null }
    this.#all.push(series)
    return series
  }

  #overflowSeries (): RequestSeries {
    return this.#overflow ??= this.#create({ 'otel.metric.overflow': true })
  }

  /** The next level of the index, created while there is room; null once the table is full. */
  #level<K, V extends Map<any, any>> (map: Map<K, V>, key: K): V | null {
    let next = map.get(key)
    if (next === undefined) {
      if (this.#all.length >= MAX_SERIES - 1) return null
      next = new Map() as V
      map.set(key, next)
    }
    return next
  }
}
