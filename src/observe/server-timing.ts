// The Server-Timing header of an observed request: its lifecycle phases, its top operations and,
// when tracing is on, its traceparent (https://www.w3.org/TR/server-timing/).
import type { ActivityOperation, PhaseTiming } from './types.js'

/** A metric name must be a token: anything else becomes `_`. */
function token (name: string): string {
  return name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '_')
}

function quoted (text: string): string {
  return '"' + text.replace(/["\\]/g, '\\$&') + '"'
}

function dur (ms: number): string {
  return ms < 0.05 ? '0' : ms.toFixed(1)
}

/**
 * `routing;dur=0.1, onRequest;dur=2.0;desc="auth, rateLimit", handler;dur=12.3,
 *  fs;dur=4.1;desc="2 fs.readFile", total;dur=15.2, traceparent;desc="00-…"`
 */
export function serverTimingHeader (phases: PhaseTiming[], operations: ActivityOperation[], totalMs: number,
  maxOperations: number, traceparent: string | undefined): string {
  const parts: string[] = []
  for (const phase of phases) {
    let entry = `${phase.name};dur=${dur(phase.wallMs)}`
    if (phase.hooks.length > 0) entry += ';desc=' + quoted(phase.hooks.map(h => h.name).join(', '))
    parts.push(entry)
  }
  const n = Math.min(maxOperations, operations.length)
  for (let i = 0; i < n; i++) {
    const op = operations[i]!
    parts.push(`${token(op.kind)};dur=${dur(op.wallMs)};desc=${quoted(`${op.count} ${op.name}`)}`)
  }
  parts.push(`total;dur=${dur(totalMs)}`)
  if (traceparent !== undefined) parts.push(`traceparent;desc=${quoted(traceparent)}`)
  return parts.join(', ')
}
