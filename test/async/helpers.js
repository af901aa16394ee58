// Shared helpers of the weft/async tests.
import v8 from 'node:v8'
import vm from 'node:vm'

v8.setFlagsFromString('--expose-gc')
/** Full garbage collection (made available without a command-line flag). */
export const gc = vm.runInNewContext('gc')

/** Operation counts by kind, leaving out the kinds in `except`. */
export function countsByKind (report, except = []) {
  const out = {}
  for (const op of report.operations) {
    if (except.includes(op.kind)) continue
    out[op.kind] = (out[op.kind] ?? 0) + op.count
  }
  return out
}

export const nodeMajor = Number(process.versions.node.split('.')[0])

/** Heap used after a full collection. */
export function heapAfterGc () {
  gc(); gc()
  return process.memoryUsage().heapUsed
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Busy-waits for `ms` of wall time. */
export function spin (ms) {
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) x++
  return x
}
