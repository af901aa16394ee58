// Runs application hooks (onReady, onListen, preClose, onClose) one after another, each in
// callback or promise style, with a timeout that names the hook that never finished.
import { codes } from '../errors.js'

export interface AppHook {
  fn: Function
  /** `this` for the call: the scope that added the hook. */
  scope: unknown
}

/** Calls one hook and settles when it calls done or its promise settles, or fails after `timeout` ms. */
export function runAppHook (name: string, hook: AppHook, args: unknown[], timeout: number): Promise<void> {
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
    const fnName = hook.fn.name ? ` "${hook.fn.name}"` : ''
    if (timeout > 0) {
      timer = setTimeout(() => finish(new codes.FST_ERR_HOOK_TIMEOUT(name, fnName)), timeout)
    }
    try {
      const result = hook.fn.apply(hook.scope, [...args, finish])
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(() => finish(), (err: unknown) => finish(err ?? new Error(`${name} hook rejected without a reason`)))
      } else if (hook.fn.length <= args.length) {
        finish() // a plain synchronous hook that takes no `done`
      }
    } catch (err) {
      finish(err)
    }
  })
}
