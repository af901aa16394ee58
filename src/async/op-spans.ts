// Single grouped operations as spans (`resources` and up): each file read, DNS lookup, zlib or
// crypto job of a scope gets its own start and wall time, for a waterfall. Kept as flat numbers on
// the scope while it runs, turned into OperationSpan objects only when its report is made.
import type { Recording } from './recording.js'
import type { TrackScope } from './scopes.js'
import { K_CRYPTO, K_DNS, K_FS, K_ZLIB } from './resource-types.js'
import { kindName } from './describe.js'
import type { OperationSpan } from './types.js'

/** Spans kept per scope (outgoing calls have their own 50). */
export const MAX_OP_SPANS = 50
/** Kinds shown as spans: outgoing calls, connects and children come from diagnostics_channel. */
const SPAN_KINDS = (1 << K_FS) | (1 << K_DNS) | (1 << K_ZLIB) | (1 << K_CRYPTO)
/** Numbers per span in `TrackScope.opSpans`: kind, name id, start, end. */
const STRIDE = 4

export function isSpanKind (kind: number): boolean { return (SPAN_KINDS & (1 << kind)) !== 0 }

/** A finished operation of `scope` (absolute times): kept as a span, or counted as dropped. */
export function keepSpan (scope: TrackScope, kind: number, name: number, start: number, end: number): void {
  const list = scope.opSpans ??= []
  if (list.length >= MAX_OP_SPANS * STRIDE) { scope.opSpansDropped++; return }
  list.push(kind, name, start, end)
}

/** A scope ended inside `parent`: its finished spans are the parent's too. */
export function passSpans (scope: TrackScope, parent: TrackScope): void {
  const list = scope.opSpans
  if (list !== undefined) {
    for (let i = 0; i < list.length; i += STRIDE) keepSpan(parent, list[i]!, list[i + 1]!, list[i + 2]!, list[i + 3]!)
  }
  parent.opSpansDropped += scope.opSpansDropped
}

/**
 * The scope's spans, in start order: finished ones, then `activeGroups` (its operations in flight;
 * a quiet one ended at its last callback). Times count from the scope's start.
 */
export function spansOfScope (rec: Recording, scope: TrackScope, activeGroups: readonly number[], now: number): OperationSpan[] {
  const out: OperationSpan[] = []
  const list = scope.opSpans
  const names = rec.names
  if (list !== undefined) {
    for (let i = 0; i < list.length; i += STRIDE) {
      out.push({ kind: kindName(list[i]!), name: names.get(list[i + 1]!), startMs: list[i + 2]! - scope.start, wallMs: list[i + 3]! - list[i + 2]!, active: false })
    }
  }
  const groups = rec.groups
  for (const g of activeGroups) {
    if (!isSpanKind(groups.kind[g])) continue
    if (out.length >= MAX_OP_SPANS) { scope.opSpansDropped++; continue }
    const quiet = groups.finished(g)
    const end = quiet ? groups.last[g] : now
    out.push({ kind: kindName(groups.kind[g]), name: names.get(groups.name[g]), startMs: groups.start[g] - scope.start, wallMs: end - groups.start[g], active: !quiet })
  }
  return out.length > 1 ? out.sort((a, b) => a.startMs - b.startMs) : out
}
