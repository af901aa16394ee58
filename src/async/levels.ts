// What each detail level installs: the hook events it needs, whether promises and call sites are
// recorded. The tracker reads this plan once at creation; nothing on the hot path decides it again.
import type { Detail } from './types.js'
import { canSkipPromises } from './node-support.js'

export interface LevelPlan {
  readonly detail: Detail
  /** AsyncLocalStorage-based scopes for `track()`. */
  readonly scopes: boolean
  /** A createHook is installed. */
  readonly hook: boolean
  /** PROMISE resources are recorded (otherwise skipped, or not delivered at all where Node allows). */
  readonly promises: boolean
  /** Pass `trackPromises: false` to createHook. */
  readonly skipPromisesInNode: boolean
  readonly callSites: boolean
}

const DETAILS: readonly Detail[] = ['off', 'timing', 'resources', 'promises', 'stacks']

export function isDetail (value: unknown): value is Detail {
  return typeof value === 'string' && (DETAILS as readonly string[]).includes(value)
}

export function planFor (detail: Detail): LevelPlan {
  const rank = DETAILS.indexOf(detail)
  const hook = rank >= 2
  const promises = rank >= 3
  return {
    detail,
    scopes: rank >= 1,
    hook,
    promises,
    skipPromisesInNode: hook && !promises && canSkipPromises,
    callSites: rank >= 4
  }
}
