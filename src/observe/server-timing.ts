// The Server-Timing header of an observed request: its lifecycle phases, its top operations and,
// when tracing is on, its traceparent (https://www.w3.org/TR/server-timing/).
import type { ActivityOperation, PhaseTiming } from './types.js'
import type { CpuClock } from '../async/types.js'

/** The request's CPU (with the clock that measured it) and its wait for the event loop, when measured. */
export interface ServerTimingCpu {
  cpuMs: number
  cpuClock: CpuClock
  loopWaitMs: number | null
}

const clockText: Record<CpuClock, string> = {
  thread: 'thread CPU time',
  wall: 'wall time in callbacks (no thread CPU clock in this Node)'
}

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
 *  fs;dur=4.1;desc="2 fs.readFile", cpu;dur=3.2;desc="thread CPU time", loop;dur=0.4;desc="…",
 *  total;dur=15.2, traceparent;desc="00-…"`
 */
export function serverTimingHeader (phases: PhaseTiming[], operations: ActivityOperation[], totalMs: number,
  maxOperations: number, traceparent: string | undefined, cpu?: ServerTimingCpu): string {
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
  if (cpu !== undefined) {
    parts.push(`cpu;dur=${dur(cpu.cpuMs)};desc=${quoted(clockText[cpu.cpuClock])}`)
    if (cpu.loopWaitMs !== null) parts.push(`loop;dur=${dur(cpu.loopWaitMs)};desc="other work on the event loop meanwhile"`)
  }
  parts.push(`total;dur=${dur(totalMs)}`)
  if (traceparent !== undefined) parts.push(`traceparent;desc=${quoted(traceparent)}`)
  return parts.join(', ')
}
