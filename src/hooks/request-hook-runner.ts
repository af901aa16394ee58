// The one runner every request/reply hook goes through, with the rules of user-call.ts (done or
// promise, whichever first; one settling). It walks an array of hooks in callback or promise
// style; what differs per hook (arguments, whether a hook may replace the payload) is the `shape`.
// State lives in one HookRun per request; its resolve/reject callbacks are made once per request.
// A callback-style hook gets a `done` of its own (one small closure per such call): a late or
// repeated call of it is ignored, never taken for a later hook's.
import { codes } from '../errors.js'
import { isThenable } from './user-call.js'

export { isThenable }

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

/** What ends a chain early, silently. */
export const Guard = {
  /** nothing: the chain runs to its end (onResponse, onRequestAbort, onTimeout) */
  none: 0,
  /** a hijacked reply (onSend, preSerialization, onError) */
  hijack: 1,
  /** a hijacked reply, or a hook that replied early (the stages before the handler) */
  reply: 2
} as const
export type GuardValue = typeof Guard[keyof typeof Guard]

/**
 * Called once when the chain ends: with the error that stopped it, or null and the final value.
 * Declared as a method, whose parameters compare both ways, so that a run made for a Reply is also
 * a run of the narrower view the send path has of it (HookRun<Reply> is a HookRun<ReplyState>).
 */
export type Continuation<R extends SendState = SendState> = { end (run: HookRun<R>, err: unknown, value: unknown): void }['end']

export const kSendCalled = Symbol('weft.sendCalled')
export const kHijacked = Symbol('weft.hijacked')
/** What the runner reads of a reply: whether it was sent (an early reply) or hijacked (Weft's handling ends), and its logger. */
export interface SendState { [kSendCalled]: boolean, [kHijacked]: boolean, log?: { debug: (msg: string) => void } }

/** One chain's state; R is the reply type its continuations receive (the HTTP side's Reply). */
export class HookRun<R extends SendState = SendState> {
  hooks: HookEntry[] = []
  i = 0
  shape: ShapeValue = 0
  value: unknown = undefined
  next: Continuation<R> = ignore
  /** What stops the chain silently (see Guard). */
  guard: GuardValue = 0
  /** A hook of this run is executing or pending: the run must not be reused until it settles. */
  busy = false
  /** Counts hook calls: a hook's done (or late promise) acts only while its own call is the one waiting. */
  calls = 0
  /** Told before each hook runs (weft/observe's per-hook timing); null costs one check per hook. */
  watch: ((reply: SendState, fn: Function) => void) | null = null
  resolve: ((value: unknown) => void) | null = null
  reject: ((err: unknown) => void) | null = null
  readonly request: unknown
  readonly reply: R

  constructor (request: unknown, reply: R, watch: ((reply: SendState, fn: Function) => void) | null = null) {
    this.request = request
    this.reply = reply
    this.watch = watch
  }
}

function ignore (): void {}

/** Runs `hooks` in order, then calls `next(run, null, value)`; a failing hook calls `next(run, err, value)` instead. */
export function runHooks<R extends SendState> (run: HookRun<R>, hooks: HookEntry[], shape: ShapeValue, value: unknown, guard: GuardValue, next: Continuation<R>): void {
  run.hooks = hooks
  run.i = 0
  run.shape = shape
  run.value = value
  run.guard = guard
  run.next = next
  step(run)
}

function step<R extends SendState> (run: HookRun<R>): void {
  const hooks = run.hooks
  while (run.i < hooks.length) {
    if (stopped(run)) { run.busy = false; return }
    const hook = hooks[run.i++]!
    let result: unknown
    run.busy = true
    const call = ++run.calls
    if (run.watch !== null) run.watch(run.reply, hook.fn)
    try {
      result = callHook(run, hook, call)
    } catch (err) {
      run.busy = false
      if (dropped(run)) return
      run.next(run, err, run.value)
      return
    }
    if (isThenable(result)) {
      if (hook.callback) settleEither(run, call, result)
      else result.then(run.resolve ??= makeResolve(run), run.reject ??= makeReject(run))
      return
    }
    if (hook.callback) return // continues when the hook calls done
    if (run.shape === Shape.payload && result !== undefined) run.value = result
  }
  run.busy = false
  if (stopped(run)) return
  run.next(run, null, run.value)
}

/** The chain ends silently: the reply was hijacked, or (before the handler) a hook replied early. */
function stopped<R extends SendState> (run: HookRun<R>): boolean {
  return run.guard !== Guard.none && (run.reply[kHijacked] || (run.guard === Guard.reply && run.reply[kSendCalled]))
}

/** An error from a hook after its reply was hijacked is dropped: Weft's handling has ended. */
function dropped<R extends SendState> (run: HookRun<R>): boolean {
  return run.guard !== Guard.none && run.reply[kHijacked]
}


/**
 * A callback-style hook that also returned a promise: the chain continues on whichever comes
 * first, its `done()` or the promise settling; the other one is then ignored. (Rare: the closures
 * are made only here.)
 */
function settleEither<R extends SendState> (run: HookRun<R>, call: number, promise: PromiseLike<unknown>): void {
  const waiting = (): boolean => run.calls === call && run.busy
  promise.then((value) => {
    if (!waiting()) return
    run.busy = false // the hook's own done() is stale from now on
    if (run.shape === Shape.payload && value !== undefined && value !== run.reply) run.value = value
    step(run)
  }, (err: unknown) => {
    if (!waiting()) return
    run.busy = false
    if (dropped(run)) return
    run.next(run, err ?? new codes.FST_ERR_SEND_UNDEFINED_ERR(), run.value)
  })
}

function callHook<R extends SendState> (run: HookRun<R>, hook: HookEntry, call: number): unknown {
  const { fn, scope } = hook
  switch (run.shape) {
    case Shape.plain:
      return hook.callback ? fn.call(scope, run.request, run.reply, makeDone(run, call)) : fn.call(scope, run.request, run.reply)
    case Shape.request:
      return hook.callback ? fn.call(scope, run.request, makeDone(run, call)) : fn.call(scope, run.request)
    default:
      return hook.callback
        ? fn.call(scope, run.request, run.reply, run.value, makeDone(run, call))
        : fn.call(scope, run.request, run.reply, run.value)
  }
}

/** The `done` of one hook call: it moves the chain on only while that call is the one waiting. */
function makeDone<R extends SendState> (run: HookRun<R>, call: number) {
  return function done (err?: unknown, value?: unknown): void {
    if (run.calls !== call || !run.busy) {
      // a second call, a call after the hook's promise moved on, or one from a hook long finished
      try { run.reply.log?.debug('a hook called done() again or too late: ignored') } catch {}
      return
    }
    run.busy = false
    if (err != null) {
      if (dropped(run)) return
      run.next(run, err, run.value)
      return
    }
    if (run.shape === Shape.payload && value !== undefined) run.value = value
    step(run)
  }
}

function makeResolve<R extends SendState> (run: HookRun<R>) {
  return function resolved (value: unknown): void {
    run.busy = false
    if (run.shape === Shape.payload && value !== undefined && value !== run.reply) run.value = value
    step(run)
  }
}

function makeReject<R extends SendState> (run: HookRun<R>) {
  return function rejected (err: unknown): void {
    run.busy = false
    if (dropped(run)) return
    run.next(run, err ?? new codes.FST_ERR_SEND_UNDEFINED_ERR(), run.value)
  }
}

