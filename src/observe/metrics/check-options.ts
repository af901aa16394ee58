// Checks the `metrics` option of observe at registration: unknown keys (naming the closest known
// one), a path that is not one, an OTLP url that is not absolute, intervals that are not positive.
import { codes } from '../../errors.js'
import { unknownKey } from '../option-keys.js'
import type { MetricsOptions } from './types.js'

export const METRICS_OPTION_KEYS = ['prometheus', 'otlp', 'serviceName', 'resourceAttributes'] as const

export function checkMetricsOptions (metrics: boolean | MetricsOptions | undefined): void {
  if (metrics === undefined || typeof metrics === 'boolean') return
  if (metrics === null || typeof metrics !== 'object') throw new codes.WEFT_ERR_OBSERVE_OPTION('metrics', 'true, false or an object', String(metrics))
  const { prometheus, otlp } = metrics
  if (typeof prometheus === 'object' && prometheus !== null) {
    const nested = unknownKey(prometheus, ['path'])
    if (nested !== null) throw new codes.WEFT_ERR_OBSERVE_OPTION(`metrics.prometheus.${nested.key}`, nested.expected, 'an unknown option')
    if (prometheus.path !== undefined && !(typeof prometheus.path === 'string' && prometheus.path.startsWith('/'))) throw new codes.WEFT_ERR_OBSERVE_OPTION('metrics.prometheus.path', 'a path starting with /', String(prometheus.path))
  }
  if (otlp !== undefined) {
    if (otlp === null || typeof otlp !== 'object') throw new codes.WEFT_ERR_OBSERVE_OPTION('metrics.otlp', 'an object with a url', String(otlp))
    const nested = unknownKey(otlp, ['url', 'intervalMs', 'timeoutMs'])
    if (nested !== null) throw new codes.WEFT_ERR_OBSERVE_OPTION(`metrics.otlp.${nested.key}`, nested.expected, 'an unknown option')
    if (typeof otlp.url !== 'string' || !URL.canParse(otlp.url)) throw new codes.WEFT_ERR_OBSERVE_OPTION('metrics.otlp.url', 'an absolute URL', String(otlp.url))
    for (const name of ['intervalMs', 'timeoutMs'] as const) {
      const value = otlp[name]
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new codes.WEFT_ERR_OBSERVE_OPTION(`metrics.otlp.${name}`, 'a positive whole number', String(value))
    }
  }
}
