// The application's shared state and its lifecycle: boot (plugins, the callbacks ready() queued
// from plugins, then onReady once), the onListen chain, and shutdown (preClose, stop serving,
// onClose in reverse). The HTTP layer extends it to prepare routes at boot and to stop its
// server at close.
import { runAppHook, type AppHook } from '../hooks/app-hook-runner.js'
import { callWithDone } from '../hooks/user-call.js'
import type { Logger } from './logger.js'
import { StartupTimeline } from './startup-timeline.js'
import { PluginLoader, type QueuedCallback } from './plugin-loader.js'
import type { PluginScope } from './plugin-scope.js'

export interface LifecycleState {
  /** Plugins have loaded: plugins, routes and request hooks can no longer be added. */
  started: boolean
  /** onReady hooks have run: hooks, decorators and setters can no longer be used. */
  ready: boolean
  listening: boolean
  closing: boolean
  closed: boolean
}

const noTimeout = { timeout: 0 }

/** S: the kind of scope the app makes (the HTTP layer's HttpScope). */
export abstract class AppLifecycle<S extends PluginScope = PluginScope> {
  readonly loader: PluginLoader
  readonly state: LifecycleState = { started: false, ready: false, listening: false, closing: false, closed: false }
  readonly onCloseHooks: AppHook[] = []
  log: Logger
  pluginTimeout: number
  rootScope!: S
  #loadPromise: Promise<void> | null = null
  #readyQueueRan = false
  #readyPromise: Promise<void> | null = null
  #closePromise: Promise<void> | null = null

  readonly startup = new StartupTimeline()

  constructor (log: Logger, pluginTimeout: number) {
    this.log = log
    this.pluginTimeout = pluginTimeout
    this.loader = new PluginLoader('root', this.startup)
  }

  /** Makes the scope a plugin runs in (the HTTP layer's kind). */
  abstract createScope (instance: unknown, parent: S | null, pluginName: string, prefix: string): S

  /** Loads every plugin, prepares what the app serves, then runs the callbacks ready() queued from plugin instances. */
  loadPlugins (): Promise<void> {
    this.#loadPromise ??= this.#load()
    return this.#loadPromise
  }

  async #load (): Promise<void> {
    // as avvio, loading starts on a later tick: code run from promises queued before ready() or
    // listen() (a test runner starting its first test) may still register routes and plugins
    for (let hop = 0; hop < 2; hop++) await new Promise<void>((resolve) => { process.nextTick(resolve) })
    let err = await this.loader.loadAll()
    this.state.started = true
    // as Fastify's preReady: routes are bound and their schemas compiled once every plugin has
    // loaded, before the callbacks ready() queued (a plugin's ready() sees its compilers); the
    // loading error, if any, stays the one reported
    try {
      await this.prepare()
    } catch (prepareError) {
      err ??= prepareError
    }
    err = await this.loader.runReadyQueue(err)
    this.#readyQueueRan = true
    if (err !== null) throw err
  }

  /**
   * For ready() on a plugin's instance: `callback` runs once all plugins have loaded and before
   * onReady (at once if they have), with the loading error. Starts loading if nothing did.
   */
  whenLoaded (callback: QueuedCallback): void {
    if (this.#readyQueueRan) {
      void Promise.resolve(callback(null)).then((err) => { if (err !== null) this.log.error(err) })
      return
    }
    this.loader.readyQueue.push(callback)
    // the loading error reaches `callback`, and ready() for whoever boots the app
    this.loadPlugins().catch(() => {})
  }

  /** Loads every plugin (preparing what the app serves), then runs onReady once. */
  ready (): Promise<void> {
    this.#readyPromise ??= this.#boot()
    return this.#readyPromise
  }

  async #boot (): Promise<void> {
    await this.loadPlugins()
    // the hooks as they are now: an onReady hook added by one of them does not run
    const hooks: AppHook[] = []
    for (const scope of this.rootScope.walk()) hooks.push(...scope.own.onReady)
    for (const hook of hooks) {
      const started = this.startup.now()
      await runAppHook('onReady', hook, [], this.pluginTimeout)
      this.startup.hook('onReady', hook.fn, started)
    }
    // not logged: Fastify logs nothing at ready, and a log must read the same after the move (app.startupTimeline() has it)
    // as Fastify's: an app with onReady hooks or a plugin instance counts as started before
    // ready() resolves; a bare one (a root with no child instance, no onReady hook) a tick after,
    // so what awaits its ready() runs first (routes and hooks refused as after boot, setters and
    // decorators still taken)
    if (hooks.length > 0 || this.rootScope.children.length > 0) this.state.ready = true
    else process.nextTick(() => { this.state.ready = true })
    this.startup.ready()
  }

  /** Work done once when plugins have loaded and before onReady (routes bound, schemas compiled). */
  protected async prepare (): Promise<void> {}

  /**
   * Starts the onListen chain: the root's hooks in order, then each child scope's. Each hook
   * moves on from its own done() or promise, without a timeout; an error is logged and the
   * next hook still runs.
   */
  startOnListen (scope: PluginScope = this.rootScope): void {
    const hooks = scope.own.onListen
    let i = 0
    const next = (err: unknown): void => {
      if (err !== null) this.log.error(err)
      if (i < hooks.length) {
        const hook = hooks[i++]!
        const started = this.startup.now()
        callWithDone(hook.fn, hook.scope, [], noTimeout, (e) => { this.startup.hook('onListen', hook.fn, started); next(e) })
        return
      }
      for (const child of scope.children) this.startOnListen(child)
    }
    next(null)
  }

  /** Stops accepting and waits for in-flight work; the HTTP layer closes its server here. */
  protected async stopServing (): Promise<void> {}

  close (): Promise<void> {
    this.#closePromise ??= this.#shutdown()
    return this.#closePromise
  }

  async #shutdown (): Promise<void> {
    this.state.closing = true
    // plugins registered but never loaded still get to run their onClose hooks
    await this.ready().catch(() => {})
    let preCloseError: unknown = null
    try {
      for (const scope of this.rootScope.walk()) {
        for (const hook of scope.own.preClose) await runAppHook('preClose', hook, [], this.pluginTimeout)
      }
    } catch (err) {
      preCloseError = err
      this.log.error({ err }, 'preClose hook failed')
    }
    await this.stopServing()
    let onCloseError: unknown = null
    for (let i = this.onCloseHooks.length - 1; i >= 0; i--) {
      const hook = this.onCloseHooks[i]!
      try {
        await runAppHook('onClose', hook, [hook.scope], this.pluginTimeout)
      } catch (err) {
        onCloseError = err
        this.log.error({ err }, 'onClose hook failed')
      }
    }
    this.state.closed = true
    this.state.listening = false
    if (preCloseError !== null) throw preCloseError
    if (onCloseError !== null) throw onCloseError
  }
}
