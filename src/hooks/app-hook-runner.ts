// Runs one function the way application hooks and plugins run: callback style (it declares
// `done` after its arguments) or promise/sync style, settling once, failing after a timeout.
import { codes } from '../errors.js'

export interface AppHook {
  fn: Function
  /** `this` for the call: the scope that added the hook. */
  scope: unknown
}

export interface SettleOptions {
  /** The error when `timeout` ms pass first (0 or less: no timeout). */
  timeout: number
  onTimeout: () => Error
  /** A value returned that looks like a promise but is not one to wait for (an instance, say). */
  notAPromise?: (value: object) => boolean
  /** The error for a function that declares `done` and also returns a promise. */
  onMixedStyles?: () => Error
  /** The error for a rejection without a reason. */
  onEmptyRejection: () => Error
}

/** Calls `fn(...args, done)`; resolves when done is called, its promise settles, or (without `done`) it returns. */
export function callSettled (fn: Function, thisArg: unknown, args: unknown[], options: SettleOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const finish = (err?: unknown): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      if (err != null) reject(err)
      else resolve()
    }
    if (options.timeout > 0) timer = setTimeout(() => finish(options.onTimeout()), options.timeout)
    const takesDone = fn.length > args.length
    try {
      const result = fn.apply(thisArg, takesDone ? [...args, finish] : args)
      if (result !== null && typeof result === 'object' && typeof result.then === 'function' && options.notAPromise?.(result) !== true) {
        if (takesDone && options.onMixedStyles !== undefined) { finish(options.onMixedStyles()); return }
        result.then(() => finish(), (err: unknown) => finish(err ?? options.onEmptyRejection()))
      } else if (!takesDone) {
        finish() // a plain synchronous function
      }
    } catch (err) {
      finish(err)
    }
  })
}

/** Runs one application hook (onReady, onListen, preClose, onClose). */
export function runAppHook (name: string, hook: AppHook, args: unknown[], timeout: number): Promise<void> {
  return callSettled(hook.fn, hook.scope, args, {
    timeout,
    onTimeout: () => new codes.FST_ERR_HOOK_TIMEOUT(name, hook.fn.name ? ` "${hook.fn.name}"` : ''),
    onEmptyRejection: () => new Error(`${name} hook rejected without a reason`)
  })
}
