// A request's summary for lists and the event stream: its own figures, its details as counts.
import type { RequestActivity } from '../types.js'
import type { RequestSummary } from './types.js'

export function summarize (a: RequestActivity): RequestSummary {
  let operationCount = 0
  for (const op of a.operations) operationCount += op.count
  const summary: RequestSummary = {
    id: a.id,
    method: a.method,
    route: a.route,
    url: a.url,
    statusCode: a.statusCode,
    detail: a.detail,
    startedAt: a.startedAt,
    wallMs: a.wallMs,
    cpuMs: a.cpuMs,
    cpuClock: a.cpuClock,
    maxBlockMs: a.maxBlockMs,
    waitMs: a.waitMs,
    loopWaitMs: a.loopWaitMs,
    operationCount,
    leakCount: a.leaks.length,
    logCount: a.logs.length,
    repeated: (a.repeated ?? []).map(r => ({ summary: r.summary, count: r.count }))
  }
  if (a.error !== undefined) summary.error = a.error
  return summary
}
