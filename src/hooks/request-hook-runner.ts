// The one runner every request/reply hook goes through. It walks an array of hooks in
// callback or promise style; what differs per hook (arguments, whether a hook may replace
// the payload) is the `shape`. State lives in one HookRun per request, and its done/resolve/
// reject callbacks are made once per request, however many hooks and stages run.
import { codes } from '../errors.js'

export interface HookEntry {
  fn: Function
  /** `this` inside the hook: the scope (instance) that added it. */
  scope: unknown
  /** true when the hook declares `done` and finishes by calling it. */
  callback: boolean
}

/** How a hook is called and what its result means. */
export const Shape = {
  /** (request, reply, done) */
  plain: 0,
  /** (request, reply, value, done(err, newValue)): a defined result replaces the value */
  payload: 1,
  /** (request, reply, error, done) */
  error: 2,
  /** (request, done) */
  request: 3
} as const
export type ShapeValue = typeof Shape[keyof typeof Shape]

/** Called once when the chain ends: with the error that stopped it, or null and the final value. */
export type Continuation = (run: HookRun, err: unknown, value: unknown) => void

export const kSendCalled = Symbol('weft.sendCalled')
export interface SendState { [kSendCalled]: boolean }

export class HookRun {
  hooks: HookEntry[] = []
  i = 0
  shape: ShapeValue = 0
  value: unknown = undefined
  next: Continuation = ignore
  /** When true the chain stops silently once a hook has sent the reply (early reply). */
  guard = false
  /** A hook of this run is executing or pending: the run must not be reused until it settles. */
  busy = false
  done: ((err?: unknown, value?: unknown) => void) | null = null
  resolve: ((value: unknown) => void) | null = null
  reject: ((err: unknown) => void) | null = null
  readonly request: unknown
  readonly reply: SendState

  constructor (request: unknown, reply: SendState) {
    this.request = request
    this.reply = reply
  }
}

function ignore (): void {}

/** Runs `hooks` in order, then calls `next(run, null, value)`; a failing hook calls `next(run, err, value)` instead. */
export function runHooks (run: HookRun, hooks: HookEntry[], shape: ShapeValue, value: unknown, guard: boolean, next: Continuation): void {
  run.hooks = hooks
  run.i = 0
  run.shape = shape
  run.value = value
  run.guard = guard
  run.next = next
  step(run)
}

function step (run: HookRun): void {
  const hooks = run.hooks
  while (run.i < hooks.length) {
    if (run.guard && run.reply[kSendCalled]) { run.busy = false; return }
    const hook = hooks[run.i++]!
    let result: unknown
    run.busy = true
    try {
      result = callHook(run, hook)
    } catch (err) {
      run.busy = false
      run.next(run, err, run.value)
      return
    }
    if (hook.callback) return // continues when the hook calls done
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(run.resolve ??= makeResolve(run), run.reject ??= makeReject(run))
      return
    }
    if (run.shape === Shape.payload && result !== undefined) run.value = result
  }
  run.busy = false
  if (run.guard && run.reply[kSendCalled]) return
  run.next(run, null, run.value)
}

function callHook (run: HookRun, hook: HookEntry): unknown {
  const { fn, scope } = hook
  switch (run.shape) {
    case Shape.plain:
      return hook.callback ? fn.call(scope, run.request, run.reply, run.done ??= makeDone(run)) : fn.call(scope, run.request, run.reply)
    case Shape.request:
      return hook.callback ? fn.call(scope, run.request, run.done ??= makeDone(run)) : fn.call(scope, run.request)
    default:
      return hook.callback
        ? fn.call(scope, run.request, run.reply, run.value, run.done ??= makeDone(run))
        : fn.call(scope, run.request, run.reply, run.value)
  }
}

function makeDone (run: HookRun) {
  return function done (err?: unknown, value?: unknown): void {
    run.busy = false
    if (err != null) {
      run.next(run, err, run.value)
      return
    }
    if (run.shape === Shape.payload && value !== undefined) run.value = value
    step(run)
  }
}

function makeResolve (run: HookRun) {
  return function resolved (value: unknown): void {
    run.busy = false
    if (run.shape === Shape.payload && value !== undefined && value !== run.reply) run.value = value
    step(run)
  }
}

function makeReject (run: HookRun) {
  return function rejected (err: unknown): void {
    run.busy = false
    run.next(run, err ?? new codes.FST_ERR_SEND_UNDEFINED_ERR(), run.value)
  }
}

