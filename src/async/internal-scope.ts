// Marks resources that Weft creates for itself (sampler timers, settle waits) so that no tracker
// records them: they are not the program's work.

let depth = 0

/** True while Weft is creating its own resources. Read by every tracker's init hook. */
export function insideWeft (): boolean { return depth !== 0 }

/** Runs `fn` with Weft's own resources hidden from trackers. */
export function asWeft<T> (fn: () => T): T {
  depth++
  try { return fn() } finally { depth-- }
}
