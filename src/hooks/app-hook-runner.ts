// Calls user code the way plugins, after()/ready() callbacks and application hooks run:
// callback style (it declares `done` after its arguments) or promise/sync style, settling once.
import { codes } from '../errors.js'

export interface AppHook {
  fn: Function
  /** `this` for the call: the scope that added the hook. */
  scope: unknown
}

export interface SettleRules {
  /** Milliseconds before `onTimeout()` settles the call (0 or less: no timeout). */
  timeout: number
  onTimeout?: () => Error
  /** A returned value that looks like a promise but is not one to wait for (an instance, say). */
  notAPromise?: (value: object) => boolean
}

const noTimeout: SettleRules = { timeout: 0 }

/**
 * Calls `fn(...args, done)` when it declares more parameters than `args`, else `fn(...args)`,
 * and reports once through `settled`: from `done(err)`, from the returned promise (whichever
 * comes first), or, without `done`, as soon as it returns. A throw is the call's error; as in
 * Fastify's application layer, `done()`, `done(null)` and a rejection without a reason count as
 * success. `settled` runs in the same microtask as the settling, so chains add no extra tick.
 */
export function callWithDone (fn: Function, thisArg: unknown, args: unknown[], rules: SettleRules, settled: (err: unknown) => void): void {
  let finished = false
  let timer: NodeJS.Timeout | undefined
  const finish = (err?: unknown): void => {
    if (finished) return
    finished = true
    if (timer !== undefined) clearTimeout(timer)
    settled(err ?? null)
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
    result.then(() => finish(), finish)
  } else if (!takesDone) {
    finish()
  }
}

/** callWithDone as a promise: resolves on success, rejects with the call's error. */
export function callSettled (fn: Function, thisArg: unknown, args: unknown[], rules: SettleRules = noTimeout): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    callWithDone(fn, thisArg, args, rules, (err) => { if (err !== null) reject(err); else resolve() })
  })
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

/** The error of an application hook (onReady, preClose, onClose) that did not finish in time. */
export function hookTimeoutError (name: string, hook: AppHook): Error {
  const err = new codes.FST_ERR_HOOK_TIMEOUT(name, hook.fn.name !== '' ? ` "${hook.fn.name}"` : '')
  err.cause = new codes.AVV_ERR_READY_TIMEOUT('')
  return err
}

/** Runs one application hook with `this` the scope that added it, failing after `timeout` ms. */
export function runAppHook (name: string, hook: AppHook, args: unknown[], timeout: number): Promise<void> {
  return callSettled(hook.fn, hook.scope, args, { timeout, onTimeout: () => hookTimeoutError(name, hook) })
}
