// Loads plugins in order: each plugin's body runs, then the plugins it registered, depth-first,
// before its next sibling. Registrations go to the plugin currently loading; after() callbacks
// (and queued hook insertions) run once everything queued before them has loaded, and what they
// register loads right after them; awaiting registrations is such a step too (what is registered
// right after the wait loads at once); callbacks that ready() queued from inside plugins run once
// every plugin has loaded. The tree it keeps is what printPlugins() shows. Progress needs
// only promises and process.nextTick: timers are used for timeouts alone, so booting works under
// mock timers.
import { codes } from '../errors.js'
import type { StartupTimeline } from './startup-timeline.js'
import { callSettled } from '../hooks/user-call.js'

export interface PluginEntry {
  kind: 'plugin'
  name: string
  /** Runs the plugin body; resolves when it called done or its promise settled. */
  start: (node: PluginNode) => Promise<void>
  /** Settles register()'s own promise. */
  loaded: Deferred
}

/**
 * A callback in the load order: it gets the error left by the plugins before it (null if
 * none) and resolves with the error to carry on to the next callback (null: none).
 */
export type QueuedCallback = (err: unknown) => Promise<unknown> | unknown

export interface AfterEntry {
  kind: 'after'
  run: QueuedCallback
  /** A wait for registrations (not a callback): the loading error stays pending while it runs. */
  keepsError?: boolean
}

/**
 * A step Fastify takes through its loader with nothing to load (binding a route's path, setting
 * a not-found handler): printPlugins() shows it as Fastify shows them.
 */
interface MarkEntry {
  kind: 'mark'
}

type Entry = PluginEntry | AfterEntry | MarkEntry

/** The name printPlugins() shows for an after() callback and for a mark, as Fastify's loader names them. */
const afterEntryName = 'bound _after'

export class Deferred {
  promise: Promise<void>
  resolve!: () => void
  reject!: (err: unknown) => void
  constructor () {
    this.promise = new Promise<void>((resolve, reject) => { this.resolve = resolve; this.reject = reject })
    this.promise.catch(ignore) // a load error is reported through ready(); nobody has to await this
  }
}
function ignore (): void {}

export class PluginNode {
  name: string
  readonly parent: PluginNode | null
  readonly children: PluginNode[] = []
  readonly queue: Entry[] = []
  /** An after() callback's node (it holds what the callback registers) or a mark: not a plugin. */
  readonly hidden: boolean
  /** When it started loading and when it and its children had loaded (Date.now(): whole ms, as printPlugins() shows them). */
  readonly startedAt = Date.now()
  loadedAt: number | null = null
  /** Its queue being loaded (see PluginLoader's drain), else null. */
  draining: Promise<void> | null = null
  constructor (name: string, parent: PluginNode | null, hidden = false) {
    this.name = name
    this.parent = parent
    this.hidden = hidden
    if (parent !== null) parent.children.push(this)
  }
}

export class PluginLoader {
  readonly root: PluginNode
  /** The node whose queue receives new registrations. */
  current: PluginNode
  /** The error of the last failed plugin, waiting for an after() callback or ready() to take it (null: none). */
  pendingError: unknown = null
  /** Callbacks of ready() calls made on plugin instances, run once every plugin has loaded. */
  readonly readyQueue: QueuedCallback[] = []
  #loading: Promise<void> | null = null
  #deferred = false

  readonly #timeline: StartupTimeline

  constructor (rootName: string, timeline: StartupTimeline) {
    this.root = new PluginNode(rootName, null)
    this.current = this.root
    this.#timeline = timeline
  }

  enqueue (entry: PluginEntry | AfterEntry): void {
    this.current.queue.push(entry)
  }

  /**
   * Loads what is registered so far where registrations go now, then settles with its error (which
   * stays pending: a caught failure still fails ready()). Fastify waits through a step of its loader:
   * what is registered right after the wait (before the next tick) joins that step and loads at once.
   */
  registeredSoFar (): Promise<void> {
    const settled = new Deferred()
    this.current.queue.push({
      kind: 'after',
      keepsError: true,
      run: async (err) => {
        if (err !== null) settled.reject(err)
        else settled.resolve()
        await nextTick()
        return err
      }
    })
    this.loadPending().catch(ignore)
    return settled.promise
  }

  /** Queues a mark where the next registration would go (see MarkEntry). */
  mark (): void {
    this.current.queue.push({ kind: 'mark' })
  }

  /** Loads everything queued so far under the current node; concurrent callers share one run. */
  loadPending (): Promise<void> {
    // inside a plugin body that awaits its own registrations: load them now, nested
    if (this.#loading !== null) return this.#drain(this.current)
    this.#loading = this.#drain(this.current).finally(() => { this.#loading = null })
    return this.#loading
  }

  /** Loads the root until nothing is left (what ready() waits for); resolves with the error left, or null. */
  async loadAll (): Promise<unknown> {
    // as Fastify's boot: loading starts a few ticks later, so routes, hooks and plugins added in
    // the same turn as ready()/listen() (or in its ticks and microtasks) are still taken
    if (!this.#deferred) {
      this.#deferred = true
      await nextTick()
      await nextTick()
    }
    // entries may keep arriving while we load (an after() registering more); loop until quiet
    while (this.#loading !== null || this.root.queue.length > 0) {
      await (this.#loading ?? this.loadPending())
    }
    this.root.loadedAt ??= Date.now()
    const err = this.pendingError
    this.pendingError = null
    return err
  }

  /**
   * Runs the callbacks ready() queued, in call order, each seeing `err` (the loading error);
   * they cannot clear a loading error, but a callback's own failure becomes the error.
   */
  async runReadyQueue (err: unknown): Promise<unknown> {
    while (this.readyQueue.length > 0) {
      const next = await this.readyQueue.shift()!(err)
      if (next !== null) err = next
    }
    return err
  }

  /** Loads a node's queue; a node being loaded already is loaded again once that ends (never two at once). */
  #drain (node: PluginNode): Promise<void> {
    if (node.draining !== null) return node.draining.then(() => this.#drain(node))
    const draining: Promise<void> = this.#drainQueue(node).finally(() => {
      if (node.draining === draining) node.draining = null
    })
    node.draining = draining
    return draining
  }

  async #drainQueue (node: PluginNode): Promise<void> {
    while (node.queue.length > 0) {
      const entry = node.queue.shift()!
      if (entry.kind === 'mark') {
        new PluginNode(afterEntryName, node, true).loadedAt = Date.now()
        continue
      }
      if (entry.kind === 'after') {
        const err = this.pendingError
        if (entry.keepsError !== true) this.pendingError = null
        // what the callback registers loads right after it, before the entries queued behind it, under
        // the error it ends with (a plugin registered behind an unhandled error is skipped)
        const holder = new PluginNode(afterEntryName, node, true)
        const previous = this.current
        this.current = holder
        try {
          const carried = await entry.run(err)
          if (this.pendingError === null) this.pendingError = carried
          await this.#drain(holder)
        } catch (e) {
          this.pendingError = e
        } finally {
          this.current = previous
          holder.loadedAt = Date.now()
        }
        continue
      }
      if (this.pendingError !== null) {
        // a failed plugin stops the plugins after it until an after() handles the error
        entry.loaded.reject(this.pendingError)
        continue
      }
      const child = new PluginNode(entry.name, node)
      const previous = this.current
      this.current = child
      const timing = this.#timeline.pluginStarted(depthOf(child))
      try {
        await entry.start(child)
        await this.#drain(child)
        if (this.pendingError !== null) throw this.pendingError
        entry.loaded.resolve()
      } catch (err) {
        this.pendingError = err
        entry.loaded.reject(err)
      } finally {
        this.current = previous
        child.loadedAt = Date.now()
        this.#timeline.pluginLoaded(timing, child.name)
      }
    }
  }

  /**
   * The load tree as Fastify prints it: each node with its load time in whole ms (-1 while
   * loading), after() callbacks and marks as 'bound _after', children drawn below their parent.
   */
  print (): string {
    const line = (node: PluginNode): string =>
      `${node.name} ${node.loadedAt === null ? -1 : node.loadedAt - node.startedAt} ms\n`
    const draw = (node: PluginNode, indent: string): string => {
      let out = line(node)
      node.children.forEach((child, i) => {
        const last = i === node.children.length - 1
        out += indent + (last ? '└─' : '├─') + (child.children.length === 0 ? '─ ' : '┬ ') + draw(child, indent + (last ? '  ' : '│ '))
      })
      return out
    }
    return draw(this.root, '')
  }
}

function nextTick (): Promise<void> {
  return new Promise(resolve => { process.nextTick(resolve) })
}

/** How deep a plugin sits in the tree the user sees (after() holders are not counted). */
function depthOf (node: PluginNode): number {
  let depth = 0
  for (let n = node.parent; n !== null; n = n.parent) if (!n.hidden) depth++
  return depth
}

/** A plugin (or after() callback) that did not finish within pluginTimeout, as Fastify reports it. */
export function pluginTimeoutError (name: string): Error {
  const cause = new codes.AVV_ERR_PLUGIN_EXEC_TIMEOUT(name)
  const err = new codes.FST_ERR_PLUGIN_TIMEOUT(cause.message)
  err.cause = cause
  return err
}

/**
 * Runs an after() callback, or a ready() callback queued by a plugin instance, by its arity:
 * `()` leaves the earlier error for the next callback; `(err)`, `(err, done)` and
 * `(err, instance, done)` take it, and what they report is the error from then on.
 * Resolves with the error to carry on (null: none).
 */
export async function runLoadCallback (fn: Function, instance: unknown, err: unknown, timeout: number): Promise<unknown> {
  const args = fn.length === 0 ? [] : fn.length >= 3 ? [err, instance] : [err]
  try {
    await callSettled(fn, undefined, args, { timeout, onTimeout: () => pluginTimeoutError(afterEntryName) })
  } catch (failure) {
    return failure
  }
  return fn.length === 0 ? err : null
}
