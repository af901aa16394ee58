// Waiting for Node's batched destroy hooks before calling what is still alive a leak: a few
// event-loop turns, made with Weft's own (untracked) resources.
import { asWeft } from './internal-scope.js'

/** Turns given to pending destroys at the end of an operation that looks like it leaks. */
export const SETTLE_TURNS = 3

/** One event-loop turn: lets Node deliver destroy hooks it has queued (they are batched). */
export function settle (): Promise<void> {
  return asWeft(() => new Promise<void>(resolve => { setImmediate(resolve) }))
}
