// Application hooks (onReady, onListen, preClose, onClose): how one runs, with `this` the scope
// that added it, and the error it fails with when it does not finish in time.
import { codes } from '../errors.js'
import { callSettled } from './user-call.js'

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
