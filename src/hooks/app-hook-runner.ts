// Application hooks (onReady, onListen, preClose, onClose): how one runs, with `this` the scope
// that added it, and the error it fails with when it does not finish in time; onRoute and
// onRegister, synchronous, only have their returned promise's rejection caught.
import { codes } from '../errors.js'
import { callSettled, isThenable } from './user-call.js'

export interface AppHook {
  fn: Function
  /** `this` for the call: the scope that added the hook. */
  scope: unknown
}

/**
 * The error of an application hook (onReady, preClose, onClose) that did not finish in time.
 * Fastify runs the preClose hooks inside one of avvio's onClose steps, so a preClose that never
 * finishes fails close() with avvio's AVV_ERR_READY_TIMEOUT; the hook that hung is its cause.
 */
export function hookTimeoutError (name: string, hook: AppHook): Error {
  const hookError = new codes.FST_ERR_HOOK_TIMEOUT(name, hook.fn.name !== '' ? ` "${hook.fn.name}"` : '')
  const avvioError = new codes.AVV_ERR_READY_TIMEOUT('')
  if (name === 'preClose') {
    avvioError.cause = hookError
    return avvioError
  }
  hookError.cause = avvioError
  return hookError
}

/** Runs one application hook with `this` the scope that added it, failing after `timeout` ms. */
export function runAppHook (name: string, hook: AppHook, args: unknown[], timeout: number): Promise<void> {
  return callSettled(hook.fn, hook.scope, args, { timeout, onTimeout: () => hookTimeoutError(name, hook) })
}

/**
 * onRoute and onRegister are synchronous (as in Fastify): a promise one returns is not waited
 * for, but its rejection must not escape as an unhandled rejection; `report` gets it instead.
 * The wrapper keeps the hook's name (the startup timeline shows it).
 */
export function guardSyncHook (fn: Function, report: (err: unknown) => void): Function {
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const result: unknown = fn.apply(this, args)
    if (isThenable(result)) result.then(undefined, (err: unknown) => { try { report(err) } catch {} })
    return result
  }
  Object.defineProperty(guarded, 'name', { value: fn.name })
  return guarded
}
