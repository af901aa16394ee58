// What made one request take its time, in a few sentences for a person or a coding agent: the
// phase and hook that took longest, CPU against waiting, the loop held by others, the slowest
// operations, repeated queries, leaks, and how it compares with its route's usual time.
const ms = (v) => v === null || v === undefined ? '–' : v < 1 ? v.toFixed(2) + ' ms' : v < 100 ? v.toFixed(1) + ' ms' : Math.round(v) + ' ms'
const share = (part, whole) => whole > 0 ? Math.round((100 * part) / whole) + '%' : '–'

/** `route` is the request's RouteSummary from api/v1/routes, when known. */
export function diagnose (a, route) {
  const out = []
  if (route !== undefined && route.count > 1) {
    out.push(`${ms(a.wallMs)} against its route's p50 ${ms(route.wallMs.p50)} and p95 ${ms(route.wallMs.p95)} over ${route.count} requests.`)
  }
  const phases = [...a.phases].sort((x, y) => y.wallMs - x.wallMs)
  if (phases.length > 0) {
    const top = phases[0]
    out.push(`Longest phase: ${top.name}, ${ms(top.wallMs)} (${share(top.wallMs, a.wallMs)} of the request).`)
    const hooks = a.phases.flatMap((p) => p.hooks.map((h) => ({ ...h, phase: p.name }))).sort((x, y) => y.wallMs - x.wallMs)
    if (hooks.length > 0 && hooks[0].wallMs >= 0.1 * a.wallMs) out.push(`Longest hook: ${hooks[0].phase} ${hooks[0].name}, ${ms(hooks[0].wallMs)}.`)
  }
  if (a.cpuMs !== null) {
    const clock = a.cpuClock === 'thread' ? 'thread CPU' : 'wall clock in callbacks'
    out.push(a.cpuMs >= 0.5 * a.wallMs
      ? `Mostly CPU: ${ms(a.cpuMs)} of ${ms(a.wallMs)} (${clock}); its longest synchronous block ${ms(a.maxBlockMs)} held the event loop.`
      : `Mostly waiting: ${ms(a.waitMs)} of ${ms(a.wallMs)} on I/O, timers or the loop; CPU ${ms(a.cpuMs)} (${clock}), longest block ${ms(a.maxBlockMs)}.`)
    if (a.loopWaitMs !== null && a.loopWaitMs >= 0.25 * a.wallMs && a.loopWaitMs >= 1) out.push(`The event loop was busy with other requests' callbacks for ${ms(a.loopWaitMs)} (${share(a.loopWaitMs, a.wallMs)}): it waited for the loop, not only for I/O.`)
  } else {
    out.push('Observed at detail "timing": no CPU, operations or leaks measured (observe detail resources or more records them).')
  }
  const ops = [...a.operations].sort((x, y) => y.wallMs - x.wallMs).slice(0, 3)
  if (ops.length > 0) out.push('Slowest operations: ' + ops.map((o) => `${o.kind} ${o.name} ×${o.count} ${ms(o.wallMs)}${o.active > 0 ? ` (${o.active} still running)` : ''}`).join('; ') + '.')
  for (const r of a.repeated ?? []) out.push(`N+1: ${r.summary} ran ${r.count} times (${ms(r.wallMs)} in all): ${r.statement}${r.callSite ? ' at ' + r.callSite : ''}.`)
  if (a.leaks.length > 0) out.push(`Left running after the response: ${a.leaks.map((l) => `${l.type} (${l.kind})${l.operation ? ' from ' + l.operation : ''}${l.callSite ? ' at ' + l.callSite : ''}`).join('; ')}.`)
  if (a.error !== undefined) out.push(`It answered with an error: ${a.error}.`)
  return out
}
