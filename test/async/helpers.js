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

/** The event-loop thread's CPU time in ms where Node measures it (the clock of `cpuMs`), else undefined. */
export const threadCpuMs = typeof process.threadCpuUsage === 'function'
  ? () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000 }
  : undefined

/** The clock the tracker measures CPU with on this Node. */
export const cpuClock = threadCpuMs === undefined ? 'wall' : 'thread'

/**
 * Busy-waits until `ms` of CPU time went by on the clock that measures `cpuMs` (the thread's CPU
 * clock where Node has one, and wall time): ground truth for CPU figures on a loaded machine,
 * where a wall-time spin gets less CPU than its length. It blocks the loop at least `ms` (wall).
 */
export function spin (ms) {
  let x = 0
  const end = performance.now() + ms
  if (threadCpuMs !== undefined) {
    // the thread clock may lag a scheduler tick: spin until both clocks went by `ms`
    const endCpu = threadCpuMs() + ms
    while (performance.now() < end || threadCpuMs() < endCpu) x++
    return x
  }
  while (performance.now() < end) x++
  return x
}

/** Blocks the loop `ms` of wall time without using CPU (Atomics.wait). */
export function block (ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * What Node itself makes for the same call differs by release; each fact names the release and why.
 * Node 26 does `fs.readFile` / `fs.promises.readFile` of a file up to one read chunk (512 KiB) as
 * one thread-pool job (a `ReadFileJob`, async_hooks type `FSREQCALLBACK`) instead of open, fstat,
 * read and close requests; `fs.writeFile` likewise (a `WriteFileJob`).
 */
export const nodeMakes = nodeMajor >= 26
  ? {
      /** FSREQCALLBACKs of one callback fs.readFile of a small file. */
      readFileRequests: 1,
      /** Resources of one fs.promises.readFile of a small file, by type. */
      promisesReadFile: { FSREQCALLBACK: 1 },
      /** Operation name of a callback fs.readFile below `stacks` (from the resource type). */
      readFileName: 'fs.readFile',
      /** Operation name of an fs.promises.readFile below `stacks`. */
      promisesReadFileName: 'fs.readFile'
    }
  : {
      readFileRequests: 4, // open, fstat, read, close
      promisesReadFile: { FSREQPROMISE: 3, FILEHANDLE: 1, FILEHANDLECLOSEREQ: 1 }, // open, fstat, read; the handle; close
      readFileName: 'fs',
      promisesReadFileName: 'fs.promises'
    }
