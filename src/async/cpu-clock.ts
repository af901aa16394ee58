// The clock that measures CPU: the event-loop thread's own CPU time (process.threadCpuUsage, Node
// ≥ 22.15 / 23.9) where Node has it, wall time otherwise; read rarely, to bound long callbacks.
import { performance } from 'node:perf_hooks'
import type { CpuClock } from './types.js'

type ThreadCpuUsage = () => { user: number, system: number }

const threadCpuUsage = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage

/** Which clock `cpuMs` figures use in this process. */
export const cpuClock: CpuClock = typeof threadCpuUsage === 'function' ? 'thread' : 'wall'

/** Milliseconds of CPU the calling thread used (about 0.35 µs a call, 8 times performance.now()). */
function threadCpuMs (): number {
  const u = (threadCpuUsage as ThreadCpuUsage).call(process)
  return (u.user + u.system) / 1000
}

/**
 * The thread CPU clock moves in steps: Linux adds a running thread's time at each scheduler tick
 * (4 ms at the common HZ=250) and when the thread stops running, so a reading is up to a tick
 * behind and a difference of two readings is off by up to a tick either way. Half a tick is added
 * to a difference: a stretch's CPU is then within about 2 ms of the truth, whichever way it was off.
 */
const SLACK_MS = 2
/** The clock is read again at a callback boundary once this much wall time passed since the last reading. */
const REFRESH_MS = 1

/**
 * CPU time of stretches of a callback (self time, a tail of microtasks), given their wall time. On
 * the thread clock a stretch counts its wall time capped by what the thread's CPU clock says: the
 * CPU used since the latest reading (taken before the stretch began) plus `SLACK_MS`. A stretch up
 * to `SLACK_MS` long counts its wall time (the clock cannot tell better); a longer one that was
 * blocked (Atomics.wait, a synchronous read) or descheduled counts about the CPU it used. The clock
 * is read after long stretches, and otherwise at most once per `REFRESH_MS` of wall time.
 */
export class CpuMeter {
  readonly thread = cpuClock === 'thread'
  #at = -Infinity
  #cpu = 0

  /** The CPU of a stretch of `wall` ms that ends at `now` (performance.now()). */
  of (wall: number, now: number): number {
    if (!this.thread) return wall
    if (wall <= SLACK_MS) {
      if (now - this.#at > REFRESH_MS) { this.#cpu = threadCpuMs(); this.#at = now }
      return wall
    }
    const cpu = threadCpuMs()
    const bound = cpu - this.#cpu + SLACK_MS
    this.#cpu = cpu
    this.#at = now
    return bound < wall ? (bound > 0 ? bound : 0) : wall
  }

  /** A stretch starts at `now` with no stretch ending: read the clock if the latest reading is stale. */
  touch (now: number): void {
    if (this.thread && now - this.#at > REFRESH_MS) { this.#cpu = threadCpuMs(); this.#at = now }
  }

  reset (): void { this.#at = -Infinity }
}

const nodeTiming = performance.nodeTiming as { idleTime?: number }

/** Milliseconds the event loop has spent idle (waiting in its poll phase) since the process began. */
export function loopIdleMs (): number {
  const idle = nodeTiming.idleTime
  return typeof idle === 'number' ? idle : 0
}
