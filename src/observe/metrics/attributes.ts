// The semantic-convention attributes of a request's metrics (method, route, status, scheme), built
// once per distinct combination and reused, so recording a request allocates no attribute object.
import type { Attributes } from '@opentelemetry/api'

/** Methods semconv names as they are; any other becomes `_OTHER` (no high-cardinality values). */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY'])
/** Most distinct attribute sets kept; past it each is built afresh (still correct, only not cached). */
export const MAX_ATTRIBUTE_SETS = 5000

/** route (or '' when none matched) → method → status → scheme → attributes */
type Cache = Map<string, Map<string, Map<number, Map<string, Attributes>>>>

export class MetricAttributes {
  readonly #cache: Cache = new Map()
  #size = 0

  get size (): number { return this.#size }

  of (rawMethod: string, route: string | null, statusCode: number, rawScheme: string): Attributes {
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER'
    // request.protocol passes a trusted proxy's X-Forwarded-Proto on as sent: only two values become series
    const scheme = rawScheme === 'https' ? 'https' : 'http'
    const byMethod = this.#level(this.#cache, route ?? '')
    const byStatus = this.#level(byMethod, method)
    const byScheme = this.#level(byStatus, statusCode)
    const found = byScheme.get(scheme)
    if (found !== undefined) return found
    const attributes: Attributes = {
      'http.request.method': method,
      'http.response.status_code': statusCode,
      'url.scheme': scheme
    }
    if (route !== null) attributes['http.route'] = route
    if (this.#size < MAX_ATTRIBUTE_SETS) { byScheme.set(scheme, attributes); this.#size++ }
    return attributes
  }

  #level<K, V extends Map<any, any>> (map: Map<K, V>, key: K): V {
    let next = map.get(key)
    if (next === undefined) {
      next = new Map() as V
      if (this.#size < MAX_ATTRIBUTE_SETS) map.set(key, next)
    }
    return next
  }
}
