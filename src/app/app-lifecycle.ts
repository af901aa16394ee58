// The application's shared state and its lifecycle: boot (plugins, then onReady once),
// and shutdown (preClose, stop serving, onClose in reverse). The HTTP layer extends it to
// prepare routes at boot and to stop its server at close.
import { runAppHook, type AppHook } from '../hooks/app-hook-runner.js'
import type { Logger } from './logger.js'
import { PluginLoader } from './plugin-loader.js'
import { PluginScope } from './plugin-scope.js'

export interface LifecycleState {
  /** Plugins have loaded: routes, hooks and decorators can no longer be added. */
  started: boolean
  /** onReady hooks have run. */
  ready: boolean
  listening: boolean
  closing: boolean
  closed: boolean
}

export class AppLifecycle {
  readonly loader: PluginLoader
  readonly state: LifecycleState = { started: false, ready: false, listening: false, closing: false, closed: false }
  readonly onCloseHooks: AppHook[] = []
  log: Logger
  pluginTimeout: number
  rootScope!: PluginScope
  #readyPromise: Promise<void> | null = null
  #closePromise: Promise<void> | null = null

  constructor (log: Logger, pluginTimeout: number) {
    this.log = log
    this.pluginTimeout = pluginTimeout
    this.loader = new PluginLoader('root')
  }

  /** Makes the scope a plugin runs in; the HTTP layer returns its own kind. */
  createScope (instance: unknown, parent: PluginScope | null, pluginName: string, prefix: string): PluginScope {
    return new PluginScope(instance, parent, pluginName, prefix)
  }

  /** Loads every plugin, prepares what the app serves, then runs onReady once. */
  ready (): Promise<void> {
    this.#readyPromise ??= this.#boot()
    return this.#readyPromise
  }

  async #boot (): Promise<void> {
    await this.loader.loadAll()
    this.state.started = true
    await this.prepare()
    for (const scope of this.rootScope.walk()) {
      for (const hook of scope.own.onReady) await runAppHook('onReady', hook, [], this.pluginTimeout)
    }
    this.state.ready = true
  }

  /** Work done once when plugins have loaded and before onReady (routes bound, schemas compiled). */
  protected async prepare (): Promise<void> {}

  /** Runs onListen hooks: errors are logged and the next hook still runs. */
  async runOnListen (): Promise<void> {
    for (const scope of this.rootScope.walk()) {
      for (const hook of scope.own.onListen) {
        try {
          await runAppHook('onListen', hook, [], this.pluginTimeout)
        } catch (err) {
          this.log.error({ err }, 'onListen hook failed')
        }
      }
    }
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
