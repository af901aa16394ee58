// Helpers of the observe suites: CPU spent and a loop blocked by construction, on the clock the
// running Node measures CPU with.

/** The event-loop thread's CPU clock in ms, or null where Node has none (Node 20). */
export const threadCpu = typeof process.threadCpuUsage === 'function'
  ? () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000 }
  : null
/** The clock observe reports CPU on here (activity.cpuClock). */
export const clock = threadCpu === null ? 'wall' : 'thread'

/** Spins `ms` of CPU: until both the wall clock and (where Node has it) the thread's CPU clock moved that far. */
export function spin (ms) {
  const end = performance.now() + ms
  const endCpu = threadCpu === null ? 0 : threadCpu() + ms
  while (performance.now() < end || (threadCpu !== null && threadCpu() < endCpu)) { /* busy */ }
}

/** Blocks the loop `ms` without using CPU. */
export const block = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
