// Places each new resource in a high-level operation ("group"): scheduling resources fold into the
// operation that scheduled them; parts (a DNS lookup of a socket, the next request of an fs.readFile
// chain, an HTTP parser on a socket) join a compatible operation of their trigger, of the running
// callback, or of the same synchronous turn; everything else starts an operation. At `stacks` a user
// frame on the stack always starts a new one, and names it after the Node API it called.
import { executionAsyncId } from 'node:async_hooks'
import type { Recording } from './recording.js'
import { captureCallSite, type CallSiteInfo } from './call-sites.js'
import { R_AUX, R_DONE, R_POOL, R_REPEAT, R_UNREF } from './resource-table.js'
import { G_FILE_OPEN, G_NAMED, G_QUIET } from './group-table.js'
import {
  F_AUX, F_CLOSES_HANDLE, F_CONTINUES, F_HANDLE_REQ, F_PROMISE, F_REARM, F_SCHED, F_UPGRADES, F_VIA_TURN,
  KIND_RANK, K_TIMER, MAX_TYPES
} from './resource-types.js'
import { closeHandle } from './resource-lifecycle.js'
import { linkGroup } from './scope-lists.js'

export class Placement {
  readonly #rec: Recording
  readonly #callSites: boolean
  /** Operation started in the current synchronous turn (reset at every callback boundary). */
  #turn = -1
  /** Interned default operation name per type id (0: not yet interned). */
  readonly #defaultName = new Int32Array(MAX_TYPES)
  readonly #intervalName: number

  constructor (rec: Recording) {
    this.#rec = rec
    this.#callSites = rec.plan.callSites
    this.#intervalName = rec.names.id('setInterval')
  }

  endTurn (): void { this.#turn = -1 }

  /** Places stored resource `s` of type `t`; `ts` is its trigger's slot or -1; `hook` is the init callback. */
  place (s: number, t: number, tf: number, ts: number, hook: Function): void {
    if ((tf & F_SCHED) !== 0) this.#placeScheduling(s, t, tf, ts, hook)
    else if ((tf & F_PROMISE) !== 0) this.#placePromise(s, t, tf, ts, hook)
    else this.#placeNative(s, t, tf, ts, hook)
  }

  /** TickObject, Immediate, Microtask: the operation started this turn, or the trigger's, or the running one's. */
  #placeScheduling (s: number, t: number, tf: number, ts: number, hook: Function): void {
    const rec = this.#rec
    const groups = rec.groups
    if (this.#callSites) this.#siteOf(s, ts, captureCallSite(hook))
    const turn = this.#turn
    const tg = ts >= 0 ? rec.res.group[ts] : -1
    const g = turn >= 0 && groups.open(turn) ? turn : (tg >= 0 && groups.open(tg) ? tg : this.#execGroup())
    if (g >= 0) this.join(s, g, tf, t)
    else rec.res.group[s] = -1
  }

  /**
   * A promise continues its parent's operation, but only within the same track() scope (an await
   * outside the scope on a promise made inside it is not the scope's work); else it starts one.
   */
  #placePromise (s: number, t: number, tf: number, ts: number, hook: Function): void {
    const rec = this.#rec
    const groups = rec.groups
    const tg = ts >= 0 ? rec.res.group[ts] : -1
    let g = tg >= 0 && groups.open(tg) ? tg : this.#execGroup()
    if (g >= 0 && groups.scope[g] !== rec.res.scope[s]) g = -1
    // At `stacks` each promise has its own call site: after an `await`, the code that makes the next
    // one is on another line than the code that made its trigger.
    let info: CallSiteInfo | undefined
    if (this.#callSites) {
      info = captureCallSite(hook)
      this.#siteOf(s, ts, info)
    }
    if (g >= 0) {
      this.join(s, g, tf, t)
      return
    }
    if (info !== undefined) {
      const turn = this.#turn
      if (!info.user && turn >= 0 && groups.open(turn)) { this.join(s, turn, tf, t); return }
    }
    this.start(s, t, info)
  }

  /** A native resource: a part joins a compatible operation, anything else starts its own. */
  #placeNative (s: number, t: number, tf: number, ts: number, hook: Function): void {
    const rec = this.#rec
    const groups = rec.groups
    const turn = this.#turn
    let info: CallSiteInfo | undefined
    if (this.#callSites) {
      info = captureCallSite(hook)
      const site = this.#siteOf(s, ts, info)
      if (this.#startedByUser(info, site, tf, turn)) { this.start(s, t, info); return }
    }
    const joins = rec.types.joins[t]
    if (joins !== 0) {
      const tg = ts >= 0 ? rec.res.group[ts] : -1
      let g = -1
      if (tg >= 0 && this.#fits(tg, t, joins)) g = tg
      else {
        const eg = this.#execGroup()
        if (eg >= 0 && this.#fits(eg, t, joins)) g = eg
        else if ((tf & F_VIA_TURN) !== 0 && turn >= 0 && this.#fits(turn, t, joins)) g = turn
        else if ((tf & F_HANDLE_REQ) !== 0) {
          // fs.promises internals continue in promise code, with no trigger to follow: the open
          // FileHandle of the scope says which operation they belong to.
          const scope = rec.scopeOf(rec.res.scope[s])
          const og = scope === undefined ? -1 : scope.openFile
          if (og >= 0 && (groups.flags[og] & G_FILE_OPEN) !== 0 && this.#fits(og, t, joins)) g = og
        }
      }
      if (g >= 0) { this.join(s, g, tf, t); return }
    }
    // A timer Node made for itself (created unref'ed) that belongs to nothing is not an operation.
    if ((rec.res.flags[s] & R_UNREF) !== 0) { rec.res.group[s] = -1; return }
    this.start(s, t, info)
  }

  /**
   * At `stacks`, the call site of a resource: its first user frame, or, for one Node made on its
   * own (a listening handle made in a nextTick of listen()), the call site of its trigger.
   */
  #siteOf (s: number, ts: number, info: CallSiteInfo): number {
    const rec = this.#rec
    const site = info.site !== undefined ? rec.sites.id(info.site) : (ts >= 0 && info.truncated !== true ? rec.res.site[ts] : 0)
    rec.res.site[s] = site
    // made by a connection pool's code (a connection's lifelong promise): the pool's
    if (info.pool === true) rec.res.flags[s] |= R_POOL
    return site
  }

  /**
   * At `stacks`: a user frame on the synchronous stack means user code asked for this resource, so
   * it starts its own operation, unless the same call already started one this turn (the pipes of
   * a child process) or it is a timer Node made for itself during the call (not via timers APIs).
   */
  #startedByUser (info: CallSiteInfo, site: number, tf: number, turn: number): boolean {
    if (!info.user) return false
    if ((tf & F_AUX) !== 0 && info.module !== 'timers') return false
    return !(turn >= 0 && this.#rec.groups.open(turn) && this.#rec.groups.site[turn] === site && site !== 0)
  }

  /** Makes stored resource `s` a member of open group `g`. */
  join (s: number, g: number, tf: number, t: number): void {
    const rec = this.#rec
    const groups = rec.groups
    rec.res.group[s] = g
    groups.refs[g]++
    if ((tf & F_REARM) !== 0) {
      // Pending only while its callback runs: we cannot see it being given more work.
      rec.res.flags[s] |= R_DONE
      groups.rearm[g]++
    } else if ((tf & F_AUX) !== 0 && groups.kind[g] !== K_TIMER) rec.res.flags[s] |= R_AUX
    else groups.live[g]++
    if ((tf & F_CONTINUES) !== 0) groups.rearm[g]++
    groups.uniq[g] |= rec.types.unique[t]
    if ((tf & F_UPGRADES) !== 0) {
      const k = rec.types.kind[t]
      if (KIND_RANK[k] > KIND_RANK[groups.kind[g]]) {
        groups.kind[g] = k
        if ((groups.flags[g] & G_NAMED) === 0) groups.name[g] = this.#nameOf(s, t)
      }
    }
    if ((tf & F_CLOSES_HANDLE) !== 0) closeHandle(rec, g, rec.scopeOf(rec.res.scope[s]))
  }

  /** Starts a new operation with stored resource `s` as its first member. */
  start (s: number, t: number, info: CallSiteInfo | undefined): void {
    const rec = this.#rec
    const groups = rec.groups
    const g = groups.alloc()
    rec.res.group[s] = g
    if (g < 0) return
    groups.kind[g] = rec.types.kind[t]
    if (info?.api !== undefined) {
      groups.name[g] = rec.names.id(info.api)
      groups.flags[g] |= G_NAMED
    } else groups.name[g] = this.#nameOf(s, t)
    groups.site[g] = rec.res.site[s]
    const sc = rec.res.scope[s]
    groups.scope[g] = sc
    groups.start[g] = groups.last[g] = rec.res.born[s]
    groups.live[g] = 1
    groups.refs[g] = 1
    groups.uniq[g] = rec.types.unique[t]
    const tf = rec.types.flags[t]
    if ((tf & F_REARM) !== 0) {
      groups.live[g] = 0
      groups.rearm[g] = 1
      groups.flags[g] |= G_QUIET
      rec.res.flags[s] |= R_DONE
    } else if ((tf & F_CONTINUES) !== 0) groups.rearm[g] = 1
    if (sc !== 0) {
      const scope = rec.scopeOf(sc)
      if (scope !== undefined) linkGroup(rec, g, scope)
    }
    if ((tf & F_CLOSES_HANDLE) !== 0) closeHandle(rec, -1, rec.scopeOf(sc))
    this.#turn = g
  }

  #nameOf (s: number, t: number): number {
    if ((this.#rec.res.flags[s] & R_REPEAT) !== 0) return this.#intervalName
    let id = this.#defaultName[t]
    if (id === 0) id = this.#defaultName[t] = this.#rec.names.id(this.#rec.types.opName[t])
    return id
  }

  #fits (g: number, t: number, joins: number): boolean {
    const groups = this.#rec.groups
    return groups.open(g) &&
      (joins & (1 << groups.kind[g])) !== 0 &&
      (this.#rec.types.unique[t] & groups.uniq[g]) === 0
  }

  /** Open group of the resource whose callback is running, or -1. */
  #execGroup (): number {
    const e = executionAsyncId()
    if (e === 0) return -1
    const rec = this.#rec
    const es = rec.res.find(e)
    if (es < 0) return -1
    const g = rec.res.group[es]
    return g >= 0 && rec.groups.open(g) ? g : -1
  }
}
