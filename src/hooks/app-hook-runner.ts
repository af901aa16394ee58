// Application hooks (onReady, onListen, preClose, onClose): how one runs, with `this` the scope
// that added it, and the error it fails with when it does not finish in time.
import { codes } from '../errors.js'
import { callSettled } from './user-call.js'

export interface AppHook {
  fn: Function
  /** `this` for the call: the scope that added the hook. */
  scope: unknown
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
