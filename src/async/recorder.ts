// The async_hooks hot path: the init/before/after/destroy/promiseResolve callbacks of one tracker,
// writing typed arrays only. It stores each resource, places it in an operation (grouping.ts),
// times callbacks (self time, attributed to the innermost running resource; the microtasks that
// follow a callback, its "tail", to the scope that ran last) and never throws.
import { executionAsyncId } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import { Recording, type RecordingOptions } from './recording.js'
import { R_AUX, R_DONE, R_NODE, R_POOL, R_RELEASE_AT_AFTER, R_REPEAT, R_UNREF } from './resource-table.js'
import { G_FILE_OPEN, G_FINAL, G_QUIET } from './group-table.js'
import {
  F_CONTINUES, F_FILEHANDLE, F_HANDLE_REQ, F_MAY_BE_JOB, F_MAY_BE_STDIO, F_NOGROUP, F_ONESHOT, F_PROMISE,
  F_REARM, F_REFABLE, F_SCHED, F_SOCKET, F_TICK, F_TIMER, F_UNSTORED
} from './resource-types.js'
import type { TrackScope } from './scopes.js'
import { Placement } from './grouping.js'
import { Subscribers } from './subscribers.js'
import { weftDepth } from './internal-scope.js'
import { finalize, markDone, rearm, release } from './resource-lifecycle.js'
import { link } from './scope-lists.js'
import { MADE_BY_NODE, MADE_BY_POOL, madeByJavaScript, madeByPool, madeIn, timerMaker } from './call-sites.js'
import { stdioStreamsFile } from './node-support.js'
import { CpuMeter, loopIdleMs } from './cpu-clock.js'

const MAX_DEPTH = 256

/**
 * A socket an http.Agent hands out again gets a new asyncId through a `ReusedHandle` (one per
 * outgoing request on a warm agent): the agent's, told at report time (socket-pools.ts), never a
 * driver pool's new connection, so no stack walk for it.
 */
function reusedHandle (resource: object): boolean {
  return (resource as { constructor?: { name?: unknown } }).constructor?.name === 'ReusedHandle'
}

export interface HookCallbacks {
  init: (asyncId: number, type: string, triggerAsyncId: number, resource: object) => void
  before: (asyncId: number) => void
  after: (asyncId: number) => void
  destroy: (asyncId: number) => void
  promiseResolve: (asyncId: number) => void
}

/** A Recording with the hook callbacks that fill it. */
export class Recorder extends Recording {
  readonly subscribers: Subscribers
  readonly placement: Placement

  readonly hooks: HookCallbacks

  // The callback stack: which stored resource is running, for self-time attribution.
  #depth = 0
  readonly #stackSlot = new Int32Array(MAX_DEPTH)
  readonly #stackId = new Float64Array(MAX_DEPTH)
  readonly #enterAt = new Float64Array(MAX_DEPTH)
  #segStart = 0
  /** Turns wall stretches into CPU time (cpu-clock.ts). */
  readonly #meter = new CpuMeter()
  /**
   * The tail: from the end of a top-level callback to the next callback's start, what runs is the
   * microtasks it left (promise continuations: at `resources` no callbacks of the hook), then the
   * loop's own work and its idle wait. Charged to `#tailScope` (the scope of the callback that
   * ended, or of the latest resource a continuation made), the loop's idle time left out.
   */
  #tail = false
  #tailScope = 0
  #tailStart = 0
  /** When the callback before the tail began (its block goes on through the tail). */
  #tailEnter = 0
  #tailIdle = 0
  /** The loop's idle time at the latest reading, and whether the loop has not polled since. */
  #idle = 0
  #idleFresh = false
  /** FILEHANDLE stored by the last init, waiting for its open request's callback. */
  #pendingHandle = -1
  #pendingHandleId = 0

  constructor (options: RecordingOptions) {
    super(options)
    this.subscribers = new Subscribers(this)
    this.placement = new Placement(this)
    this.hooks = this.#makeHooks()
  }

  /**
   * Forgets every stored resource and operation in flight. Counters are kept; the process totals
   * (resources by type, callback time) too, unless `totals` asks for a fresh recording.
   */
  reset (totals: boolean): void {
    // Operations with nothing pending that only waited for a member's destroy are finished: count them.
    if (!totals) {
      const groups = this.groups
      for (let g = 0; g < groups.capacity; g++) if ((groups.flags[g] & (G_QUIET | G_FINAL)) === G_QUIET) finalize(this, g)
    }
    this.res.clear()
    this.groups.clear()
    if (totals) {
      this.rootCounts.fill(0)
      this.cpuMs = 0
      this.maxBlockMs = 0
    }
    this.#depth = 0
    this.#tail = false
    this.#idleFresh = false
    this.#meter.reset()
    this.#pendingHandle = -1
    this.placement.endTurn()
  }

  /**
   * Charges the open tail up to now, and goes on (before a report reads the figures): to `ending`,
   * the scope whose end is being reported (its last continuation is what just ran), or to its owner.
   */
  flushTail (ending?: TrackScope): void {
    if (!this.#tail) return
    try {
      const owner = this.#tailScope
      this.#chargeTail(ending === undefined ? owner : ending.id)
      this.#tailScope = owner
    } catch { this.internalErrors++ }
  }

  /** Charges the tail up to now to scope `sc`, which owns it from now on. */
  #chargeTail (sc: number): void {
    const now = this.clock = performance.now()
    const idleNow = loopIdleMs()
    const idle = idleNow - this.#tailIdle
    const wall = Math.max(0, now - this.#tailStart - idle)
    // a scope taking the tail over: its block starts with its part of the tail, not with the callback
    // (another scope's) the tail follows
    if (sc !== this.#tailScope) this.#tailEnter = this.#tailStart
    this.#chargeScope(sc, this.#meter.of(wall, now), wall, Math.max(0, now - this.#tailEnter - idle))
    this.#tailStart = now
    this.#tailIdle = idleNow
    this.#tailScope = sc
  }

  /** Charges CPU `dt`, loop time `wall` and a block to scope `sc` (0: the process only) and the process. */
  #chargeScope (sc: number, dt: number, wall: number, blockMs: number): void {
    if (sc !== 0) {
      const scope = this.space.registry.get(sc)
      if (scope !== undefined) {
        scope.cpuMs += dt
        scope.busyMs += wall
        if (blockMs > scope.maxBlockMs) scope.maxBlockMs = blockMs
      }
    }
    this.cpuMs += dt
    this.busyMs += wall
    if (blockMs > this.maxBlockMs) this.maxBlockMs = blockMs
  }

  #makeHooks (): HookCallbacks {
    const rec = this
    const res = this.res
    const groups = this.groups
    const types = this.types
    const tFlags = types.flags
    const typeIds = types.ids
    const ids = res.ids
    const rGroup = res.group
    const rScope = res.scope
    const rFlags = res.flags
    const rType = res.type
    const gCpu = groups.cpu
    const gBlock = groups.block
    const scopes = this.space.registry
    const carrier = this.space.carrier
    const carryViaHook = carrier.viaHook
    const placement = this.placement
    const subs = this.subscribers
    const rootCounts = this.rootCounts
    const stackSlot = this.#stackSlot
    const stackId = this.#stackId
    const enterAt = this.#enterAt
    const meter = this.#meter
    const skipPromises = !this.plan.promises
    const max = this.maxResources
    const scopedOnly = this.scopedOnly
    let lastType = ''
    let lastTypeId = 0
    let lastJobCtor: unknown = Symbol('no constructor seen')
    let lastJobType = 0
    /**
     * True from a timed callback's end (`after`, which read the clock) until any other hook event.
     * Node runs queued nextTick callbacks straight after a callback ends, before any microtask, and a
     * microtask that queues a tick makes an `init` first: so a tick's `before` that comes right after
     * an `after` starts when that callback ended, and the reading taken there is reused (a clock read
     * costs about 50 ns here; ticks are most of the callbacks of an HTTP request).
     */
    let chained = false

    /**
     * True from the init of a socket a connection pool opened (R_POOL) until the next callback starts
     * or ends: a promise made in that same synchronous run may be the new connection's lifelong one
     * (pg-protocol's parse() waits for the socket's end), told by the pool's frames on its stack.
     */
    let poolRun = false

    /**
     * Charges `dt` of self time on the CPU clock (`wall` on the wall clock; and, at a callback's end,
     * its whole length as a block) to `s`.
     */
    const charge = (s: number, dt: number, wall: number, blockMs: number): void => {
      const g = rGroup[s]
      if (g >= 0) {
        gCpu[g] += dt
        if (blockMs > gBlock[g]) gBlock[g] = blockMs
      }
      rec.#chargeScope(rScope[s], dt, wall, blockMs)
    }

    /** A callback starts (the clock read at `now`): the tail before it ends. */
    const closeTail = (now: number): void => {
      rec.#tail = false
      const idleNow = loopIdleMs()
      const idle = idleNow - rec.#tailIdle
      rec.#idle = idleNow
      rec.#idleFresh = true
      const wall = Math.max(0, now - rec.#tailStart - idle)
      rec.#chargeScope(rec.#tailScope, meter.of(wall, now), wall, Math.max(0, now - rec.#tailEnter - idle))
    }

    const init = (asyncId: number, type: string, triggerAsyncId: number, resource: object): void => {
      chained = false
      // Where the tracker carries scopes itself, every resource inherits the running one, promises
      // included (they carry it across awaits), as AsyncLocalStorage would.
      let carried: TrackScope | undefined
      if (carryViaHook && scopes.running !== 0) {
        try { carried = carrier.propagate(resource) } catch { rec.internalErrors++ }
      }
      if (skipPromises && type === 'PROMISE') return
      if (weftDepth !== 0) return
      try {
        let t: number | undefined
        if (type === lastType) t = lastTypeId
        else {
          t = typeIds.get(type)
          if (t === undefined) t = types.id(type)
          lastType = type
          lastTypeId = t
        }
        rec.created++
        let tf = tFlags[t]
        if ((tf & F_MAY_BE_JOB) !== 0) {
          // Read once, never kept: which class made this request (Node 26 whole-file jobs).
          const ctor = (resource as { constructor?: unknown }).constructor
          if (ctor !== lastJobCtor) { lastJobCtor = ctor; lastJobType = types.jobType(t, ctor) }
          t = lastJobType
          tf = tFlags[t]
        }
        if (subs.init !== 0) subs.emitInit(asyncId, type, t, triggerAsyncId)

        // TrackScope: the track() call whose async context this is; for resources Node creates while no
        // JavaScript runs (accepted sockets, FileHandles), the scope of the trigger.
        const ts = res.find(triggerAsyncId)
        let scope: TrackScope | undefined
        if (scopes.running !== 0) {
          const store = carryViaHook ? carried : carrier.get()
          if (store !== undefined) scope = store.ended ? store.current() : store
          else if (ts >= 0 && rScope[ts] !== 0 && (tf & F_PROMISE) === 0 && executionAsyncId() === 0) scope = scopes.get(rScope[ts])
        }
        rootCounts[t]++
        // a track() scope (never the process: its counts are rootCounts)
        if (scope !== undefined) {
          scope.count(t)
          // A continuation of another scope runs in the tail: what ran up to here is its own.
          if (rec.#tail && scope.id !== rec.#tailScope) rec.#chargeTail(scope.id)
        }
        if ((tf & F_UNSTORED) !== 0) return

        if (res.size >= max) { rec.dropped++; if (scope !== undefined) scope.dropped++; return }
        const s = res.claim(asyncId)
        if (s < 0) { rec.dropped++; if (scope !== undefined) scope.dropped++; return }
        res.trigger[s] = triggerAsyncId
        rType[s] = t
        rFlags[s] = 0
        res.site[s] = 0
        res.born[s] = (tf & F_SCHED) !== 0 ? 0 : (rec.clock = performance.now())
        const sc = scope === undefined ? 0 : scope.id
        rScope[s] = sc
        // A tracker following a few operations (sampled requests): a resource of none of them is
        // kept only so that its callbacks still end the tail of the operation that ran before them
        // (no operation group, so never timed, placed or reported; counted in rootCounts above).
        if (sc === 0 && scopedOnly) { rGroup[s] = -1; return }
        if ((tf & F_TIMER) !== 0) {
          // Read once, never kept: setInterval sets _repeat, and Node's own timers are created
          // unref'ed (user code can only unref after creation); a short stack walk tells the ones
          // Node's JavaScript made and unrefs later (undici's, AbortSignal.timeout).
          const timer = resource as { _repeat?: unknown, hasRef?: () => boolean }
          if (typeof timer._repeat === 'number') rFlags[s] = R_REPEAT
          if (typeof timer.hasRef === 'function' && !timer.hasRef()) rFlags[s] |= R_UNREF
          else {
            const maker = timerMaker(init)
            if (maker === MADE_BY_NODE) rFlags[s] |= R_NODE
            else if (maker === MADE_BY_POOL) rFlags[s] |= R_POOL
          }
        } else if ((tf & F_SOCKET) !== 0 && scope !== undefined && !reusedHandle(resource) && madeByPool(init)) {
          // a connection a pool opened for the request that first needed one: the pool keeps it
          rFlags[s] |= R_POOL
          poolRun = true
        } else if (poolRun && (tf & F_PROMISE) !== 0 && madeByPool(init)) {
          // made by the pool's code while it opens that connection (at `stacks` the call-site walk tells)
          rFlags[s] |= R_POOL
        }
        // Held weakly, asked only when reporting: Node's own view of whether it keeps the loop alive.
        if ((tf & F_REFABLE) !== 0) res.handle[s] = new WeakRef(resource)
        if ((tf & F_NOGROUP) !== 0) rGroup[s] = -1
        else if ((tf & F_MAY_BE_STDIO) !== 0 && madeIn(init, stdioStreamsFile)) {
          // process.stdout (or stdin, stderr) made on first use: the process's, not an operation.
          rGroup[s] = -1
          rFlags[s] |= R_AUX
        }
        else if ((tf & F_FILEHANDLE) !== 0) {
          rGroup[s] = -1
          // Made by JavaScript (not by an open request completing): the fd a whole-file job handed back.
          if (!rec.#continueFileJob(s, t, scope ?? rec.space.root, init)) {
            rec.#pendingHandle = s
            rec.#pendingHandleId = asyncId
          }
        } else {
          placement.place(s, t, tf, ts, init)
          if ((tf & F_CONTINUES) !== 0 && rGroup[s] >= 0) {
            const owner = scope ?? rec.space.root
            owner.fileJob = rGroup[s]
            owner.fileJobId = asyncId
          }
        }
        if (sc !== 0) link(rec, s, scope as TrackScope)
      } catch {
        rec.internalErrors++
      }
    }

    const before = (asyncId: number): void => {
      const afterCallback = chained
      chained = false
      poolRun = false
      try {
        placement.endTurn()
        const s = res.find(asyncId)
        if (s < 0) return
        if (rec.#pendingHandle >= 0) rec.#attachHandle(s)
        if ((rFlags[s] & R_DONE) !== 0 && (tFlags[rType[s]] & F_REARM) !== 0) rearm(rec, s)
        if (subs.before !== 0) subs.emit('before', asyncId, rType[s])
        // Callbacks of resources in no operation and no scope are not timed: nothing to charge
        // (but they end a tail).
        const timed = rGroup[s] >= 0 || rScope[s] !== 0
        const depth = rec.#depth
        if (!rec.#tail) {
          // a top-level callback that ends no tail: the loop may have polled since the idle reading
          if (depth === 0) rec.#idleFresh = false
          if (!timed) return
        }
        let now: number
        if (afterCallback && (tFlags[rType[s]] & F_TICK) !== 0) {
          // straight after a callback: the same reading, and an empty tail
          now = rec.clock
          rec.#tail = false
        } else {
          now = rec.clock = performance.now()
          if (rec.#tail) closeTail(now)
          else if (depth === 0) meter.touch(now)
        }
        if (!timed) return
        if (depth > 0) {
          const wall = now - rec.#segStart
          charge(stackSlot[depth - 1], meter.of(wall, now), wall, 0)
        }
        if (depth < MAX_DEPTH) {
          stackSlot[depth] = s
          stackId[depth] = asyncId
          enterAt[depth] = now
          rec.#depth = depth + 1
        }
        rec.#segStart = now
      } catch {
        rec.internalErrors++
      }
    }

    const after = (asyncId: number): void => {
      chained = false
      poolRun = false
      try {
        placement.endTurn()
        const depth = rec.#depth - 1
        if (depth < 0 || stackId[depth] !== asyncId) {
          if (subs.after !== 0) {
            const s = res.find(asyncId)
            if (s >= 0) subs.emit('after', asyncId, rType[s])
          }
          return
        }
        const now = rec.clock = performance.now()
        rec.#depth = depth
        const s = stackSlot[depth]
        if (ids[s] === asyncId) {
          const wall = now - rec.#segStart
          charge(s, meter.of(wall, now), wall, now - enterAt[depth])
          if (depth === 0) {
            // the microtasks it left run next: its scope's, until a callback starts
            rec.#tail = true
            rec.#tailScope = rScope[s]
            rec.#tailStart = now
            rec.#tailEnter = enterAt[0]
            rec.#tailIdle = rec.#idleFresh ? rec.#idle : loopIdleMs()
          }
          const f = rFlags[s]
          if ((tFlags[rType[s]] & (F_ONESHOT | F_REARM)) !== 0 && (f & R_REPEAT) === 0) markDone(rec, s)
          if (subs.after !== 0) subs.emit('after', asyncId, rType[s])
          if ((f & R_RELEASE_AT_AFTER) !== 0) release(rec, s)
          chained = true
        }
        rec.#segStart = now
      } catch {
        rec.internalErrors++
      }
    }

    const destroy = (asyncId: number): void => {
      chained = false
      try {
        const s = res.find(asyncId)
        if (s < 0) return
        if (subs.destroy !== 0) subs.emit('destroy', asyncId, rType[s])
        release(rec, s)
      } catch {
        rec.internalErrors++
      }
    }

    const promiseResolve = (asyncId: number): void => {
      chained = false
      try {
        const s = res.find(asyncId)
        if (s < 0 || (tFlags[rType[s]] & F_PROMISE) === 0) return
        if (subs.promiseResolve !== 0) subs.emit('promiseResolve', asyncId, rType[s])
        markDone(rec, s)
        // A resolved promise is kept only while its own reaction runs: this bounds the table by
        // pending promises, not by the garbage collector's pace (promise destroy waits for GC).
        const depth = rec.#depth
        if (depth > 0 && stackId[depth - 1] === asyncId) rFlags[s] |= R_RELEASE_AT_AFTER
        else release(rec, s)
      } catch {
        rec.internalErrors++
      }
    }

    return { init, before, after, destroy, promiseResolve }
  }

  /**
   * A FileHandle made by JavaScript for the fd a whole-file job of `owner` handed back (Node 26
   * `fs.promises.readFile` of a large file) joins that job's operation, still quiet, and holds it open.
   */
  #continueFileJob (h: number, t: number, owner: TrackScope, hook: Function): boolean {
    const g = owner.fileJob
    if (g < 0) return false
    const res = this.res
    const groups = this.groups
    const js = res.find(owner.fileJobId)
    if (js < 0 || res.group[js] !== g || !groups.open(g)) { owner.fileJob = -1; return false }
    // One made by Node's C++ as an fs.promises open completes is not this job's.
    if (!madeByJavaScript(hook)) return false
    owner.fileJob = -1
    groups.flags[g] &= ~G_QUIET
    this.placement.join(h, g, this.types.flags[t], t)
    groups.flags[g] |= G_FILE_OPEN
    groups.handle[g] = res.ids[h]
    owner.openFile = g
    return true
  }

  /** The FileHandle made by an fs.promises open joins the operation of the open request. */
  #attachHandle (s: number): void {
    const h = this.#pendingHandle
    this.#pendingHandle = -1
    const res = this.res
    const groups = this.groups
    if (res.ids[h] !== this.#pendingHandleId) return
    const g = res.group[s]
    if (g >= 0 && (this.types.flags[res.type[s]] & F_HANDLE_REQ) !== 0 && groups.open(g)) {
      // Made by Node outside any JavaScript context: it belongs where its open request does.
      const sc = groups.scope[g]
      const scope = this.scopeOf(sc)
      if (res.scope[h] !== sc && scope !== undefined) {
        res.scope[h] = sc
        if (sc !== 0) {
          link(this, h, scope)
          scope.count(res.type[h])
        }
      }
      this.placement.join(h, g, this.types.flags[res.type[h]], res.type[h])
      groups.flags[g] |= G_FILE_OPEN
      groups.handle[g] = res.ids[h]
      if (scope !== undefined) scope.openFile = g
    } else {
      this.placement.start(h, res.type[h], undefined)
    }
  }

}
