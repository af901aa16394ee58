// Marks resources that Weft creates for itself (sampler timers, settle waits) so that no tracker
// records them: they are not the program's work.

/** Non-zero while Weft is creating its own resources. Read (as a live binding) by every init hook. */
export let weftDepth = 0

/** Runs `fn` with Weft's own resources hidden from trackers. */
export function asWeft<T> (fn: () => T): T {
  weftDepth++
  try { return fn() } finally { weftDepth-- }
}
