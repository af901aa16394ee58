// The one way Weft calls user code that may finish by calling `done` or by returning a promise:
// plugins, after()/ready() callbacks, application hooks and body parsers call it directly; the
// request-hook runner applies the same rules in its allocation-free form (request-hook-runner.ts).
// The rules: a function that declares `done` after its arguments finishes on whichever comes
// first, `done()` or its returned promise settling; one that does not finishes when it returns (or
// its promise settles); a throw is its error; it settles once, later calls are ignored.

export function isThenable (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

export interface SettleRules {
  /** Milliseconds before `onTimeout()` settles the call (0 or less: no timeout). */
  timeout: number
  onTimeout?: () => Error
  /** A returned value that looks like a promise but is not one to wait for (an instance, say). */
  notAPromise?: (value: object) => boolean
  /** The error a rejection without a reason becomes; unset: it counts as success (Fastify's application layer). */
  emptyRejection?: () => Error
}

const noTimeout: SettleRules = { timeout: 0 }

/**
 * Calls `fn(...args, done)` when it declares more parameters than `args`, else `fn(...args)`,
 * and reports once through `settled`: from `done(err)`, from the returned promise (whichever
 * comes first), or, without `done`, as soon as it returns. A throw is the call's error; as in
 * Fastify's application layer, `done()`, `done(null)` and a rejection without a reason count as
 * success. `settled` runs in the same microtask as the settling, so chains add no extra tick.
 */
export function callWithDone (fn: Function, thisArg: unknown, args: unknown[], rules: SettleRules, settled: (err: unknown, value?: unknown) => void): void {
  let finished = false
  let timer: NodeJS.Timeout | undefined
  const finish = (err?: unknown, value?: unknown): void => {
    if (finished) return
    finished = true
    if (timer !== undefined) clearTimeout(timer)
    settled(err ?? null, value)
  }
  if (rules.timeout > 0 && rules.onTimeout !== undefined) {
    const onTimeout = rules.onTimeout
    timer = setTimeout(() => finish(onTimeout()), rules.timeout)
  }
  const takesDone = fn.length > args.length
  let result: unknown
  try {
    result = takesDone ? fn.apply(thisArg, [...args, finish]) : fn.apply(thisArg, args)
  } catch (err) {
    finish(err)
    return
  }
  if (isThenable(result) && rules.notAPromise?.(result) !== true) {
    const emptyRejection = rules.emptyRejection
    result.then((value) => finish(null, value), (err: unknown) => finish(err ?? emptyRejection?.()))
  } else if (!takesDone) {
    finish(null, result)
  }
}

/** callWithDone as a promise: resolves on success, rejects with the call's error. */
export function callSettled (fn: Function, thisArg: unknown, args: unknown[], rules: SettleRules = noTimeout): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    callWithDone(fn, thisArg, args, rules, (err) => { if (err !== null) reject(err); else resolve() })
  })
}


