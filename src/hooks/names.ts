// The hook names Weft knows and the checks addHook applies before accepting a hook.
import { codes } from '../errors.js'

export const applicationHooks = ['onRoute', 'onRegister', 'onReady', 'onListen', 'preClose', 'onClose'] as const
export const requestHooks = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization',
  'onError', 'onSend', 'onResponse', 'onTimeout', 'onRequestAbort'] as const

export type ApplicationHookName = typeof applicationHooks[number]
export type RequestHookName = typeof requestHooks[number]
export type HookName = ApplicationHookName | RequestHookName

const allHookSet = new Set<string>([...applicationHooks, ...requestHooks])

/** The number of parameters a callback-style hook of this name declares, `done` included. */
export const callbackArity: Record<HookName, number> = {
  onRoute: Infinity, onRegister: Infinity,
  onReady: 1, onListen: 1, preClose: 1, onClose: 2,
  onRequest: 3, preParsing: 4, preValidation: 3, preHandler: 3, preSerialization: 4,
  onError: 4, onSend: 4, onResponse: 3, onTimeout: 3, onRequestAbort: 2
}

export function isAsyncFunction (fn: Function): boolean { return fn.constructor.name === 'AsyncFunction' }

/** Throws the FST_ERR_HOOK_* error a bad addHook call deserves. */
export function validateHook (name: unknown, fn: unknown): asserts name is HookName {
  if (typeof name !== 'string') throw new codes.FST_ERR_HOOK_INVALID_TYPE()
  if (!allHookSet.has(name)) throw new codes.FST_ERR_HOOK_NOT_SUPPORTED(name)
  // as Fastify words it: `null` and `undefined` by name, anything else by its type tag
  if (typeof fn !== 'function') throw new codes.FST_ERR_HOOK_INVALID_HANDLER(name, fn == null ? String(fn) : Object.prototype.toString.call(fn))
  const arity = callbackArity[name as HookName]
  if (arity !== Infinity && isAsyncFunction(fn) && fn.length >= arity) throw new codes.FST_ERR_HOOK_INVALID_ASYNC_HANDLER()
}
