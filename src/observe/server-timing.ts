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

type Entry = Pick<ActivityOperation, 'kind' | 'name' | 'count' | 'wallMs'>

/** The database operations (one per statement summary) as one `db` entry: `db;dur=…;desc="3 queries"`. */
function withQueriesTogether (operations: ActivityOperation[]): Entry[] {
  let db: Entry | undefined
  let out: Entry[] | undefined
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i]!
    if (op.kind !== 'db') { out?.push(op); continue }
    if (db === undefined) {
      db = { kind: 'db', name: 'queries', count: 0, wallMs: 0 }
      out = operations.slice(0, i)
      out.push(db)
    }
    db.count += op.count
    db.wallMs += op.wallMs
  }
  if (out === undefined) return operations
  // the entry took the place of the first query row: move it to where its summed time puts it
  return out.sort((x, y) => y.wallMs - x.wallMs)
}

/** A metric name must be a token: anything else becomes `_`. */
function token (name: string): string {
  return name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '_')
}

/** Bytes a header value must not carry as is: controls, DEL, anything outside ASCII, and `%` itself. */
const UNSAFE = /[^\x20-\x24\x26-\x7e]/

/**
 * A desc is a quoted-string that carries only printable ASCII: every other character (a hook named
 * `認証`, a host name, a control character) and `%` become UTF-8 percent-encoding, as in a URL,
 * so `decodeURIComponent` gives the name back. Lone surrogates become `%EF%BF%BD` (U+FFFD).
 */
function quoted (text: string): string {
  if (UNSAFE.test(text)) text = percentEncode(text)
  return '"' + text.replace(/["\\]/g, '\\$&') + '"'
}

function percentEncode (text: string): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code >= 0x20 && code <= 0x7e && code !== 0x25) out += ch
    else for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function dur (ms: number): string {
  return ms < 0.05 ? '0' : ms.toFixed(1)
}

/**
 * `routing;dur=0.1, onRequest;dur=2.0;desc="auth, rateLimit", handler;dur=12.3,
 *  fs;dur=4.1;desc="2 fs.readFile", db;dur=3.2;desc="4 queries", cpu;dur=3.2;desc="thread CPU time",
 *  loop;dur=0.4;desc="…", total;dur=15.2, traceparent;desc="00-…"`
 */
export function serverTimingHeader (phases: PhaseTiming[], operations: ActivityOperation[], totalMs: number,
  maxOperations: number, traceparent: string | undefined, cpu?: ServerTimingCpu): string {
  const parts: string[] = []
  for (const phase of phases) {
    let entry = `${phase.name};dur=${dur(phase.wallMs)}`
    if (phase.hooks.length > 0) entry += ';desc=' + quoted(phase.hooks.map(h => h.name).join(', '))
    parts.push(entry)
  }
  const shown = withQueriesTogether(operations)
  const n = Math.min(maxOperations, shown.length)
  for (let i = 0; i < n; i++) {
    const op = shown[i]!
    parts.push(`${token(op.kind)};dur=${dur(op.wallMs)};desc=${quoted(op.kind === 'db' ? `${op.count} ${op.count === 1 ? 'query' : 'queries'}` : `${op.count} ${op.name}`)}`)
  }
  if (cpu !== undefined) {
    parts.push(`cpu;dur=${dur(cpu.cpuMs)};desc=${quoted(clockText[cpu.cpuClock])}`)
    if (cpu.loopWaitMs !== null) parts.push(`loop;dur=${dur(cpu.loopWaitMs)};desc="other work on the event loop meanwhile"`)
  }
  parts.push(`total;dur=${dur(totalMs)}`)
  if (traceparent !== undefined) parts.push(`traceparent;desc=${quoted(traceparent)}`)
  const header = parts.join(', ')
  // by construction nothing unsafe is left; if something ever is, the caller counts it and sends no header
  if (INVALID_HEADER.test(header)) throw new Error('weft/observe: Server-Timing value with a character a header may not carry')
  return header
}

const INVALID_HEADER = /[^\t\x20-\x7e]/
