// The application half of the public instance: plugins (register, after, ready), application
// hooks, instance decorators and the thenable that lets `await app.register(...)` wait.
// Child scopes are Object.create(parent): they see the parent's decorators, never the reverse.
import { codes } from '../errors.js'
import { disposableHook } from './disposable-hook.js'
import type { StartupView } from './startup-timeline.js'
import { callSettled } from '../hooks/user-call.js'
import { guardSyncHook } from '../hooks/app-hook-runner.js'
import { validateHook, type HookName } from '../hooks/names.js'
import type { AppLifecycle } from './app-lifecycle.js'
import { defineDecorator } from './decorators.js'
import { checkPlugin, fastifyApiVersion, instanceName, loaderName, metaOf, skipsOverride, type MetaTarget } from './plugin-meta.js'
import { Deferred, pluginTimeoutError, runLoadCallback, type PluginEntry } from './plugin-loader.js'
import type { PluginScope } from './plugin-scope.js'
import { kApp, kInstance, kScope } from './symbols.js'

/** Weft's own version (package.json's); an instance's `version` is the Fastify API version it implements. */
export const weftVersion: string = '0.1.0'

export type PluginOptions = Record<string, any> & { prefix?: string }

/** A child's prefix as Fastify joins it: one '/' between parent and own, a trailing '/' kept ('/a/' + '/b' is '/a/b', '' + '/v1/' is '/v1/'). */
function joinPrefix (parent: string, own: unknown): string {
  if (typeof own !== 'string' || own === '') return parent
  if (parent.endsWith('/') && own.startsWith('/')) return parent + own.slice(1)
  if (!parent.endsWith('/') && !own.startsWith('/')) return parent + '/' + own
  return parent + own
}

function isInstance (value: object): boolean { return (value as Record<symbol, unknown>)[kInstance] === true }

/** The instance a promise is resolving with: its `then` must not be taken for a thenable's. */
let skipThenFor: object | null = null

/**
 * S: the scope kind, A: the application making it (the HTTP half's HttpScope and HttpApp), so the
 * half that extends this class reads both typed. The HTTP half answers the request / reply
 * decorator queries a plugin's `decorators` meta needs.
 */
export abstract class PluginHost<S extends PluginScope = PluginScope, A extends AppLifecycle<S> = AppLifecycle<S>> {
  declare [kScope]: S
  declare [kApp]: A
  readonly [kInstance] = true

  get version (): string { return fastifyApiVersion }
  get errorCodes () { return codes }
  get pluginTimeout (): number { return this[kApp].pluginTimeout }
  get prefix (): string { return this[kScope].prefix }
  get pluginName (): string { return this[kScope].pluginName }
  get log () { return this[kApp].log }

  register (plugin: unknown, opts: PluginOptions | ((instance: any) => PluginOptions) = {}): this {
    const app = this[kApp]
    if (app.state.started) throw new codes.AVV_ERR_ROOT_PLG_BOOTED()
    const isPromise = plugin !== null && typeof plugin === 'object' && typeof (plugin as Promise<unknown>).then === 'function'
    // a bundled or TypeScript module object: its default export is the plugin
    if (!isPromise && plugin !== null && typeof plugin === 'object' && typeof (plugin as { default?: unknown }).default === 'function') {
      plugin = (plugin as { default: Function }).default
    }
    if (typeof plugin !== 'function' && !isPromise) throw new codes.AVV_ERR_PLUGIN_NOT_VALID(typeof plugin)
    const entry: PluginEntry = {
      kind: 'plugin',
      name: isPromise ? 'import()' : loaderName(plugin),
      loaded: new Deferred(),
      start: async (node) => {
        let fn: any = plugin
        if (isPromise) {
          const mod: any = await plugin
          fn = typeof mod === 'function' ? mod : mod?.default ?? mod
          if (typeof fn !== 'function') throw new codes.AVV_ERR_PLUGIN_NOT_VALID(typeof fn)
          entry.name = node.name = loaderName(fn)
        }
        const target = enterPlugin(this, fn, opts)
        // the options function gets the plugin's own instance (its prefix was read from the function)
        const pluginOpts = typeof opts === 'function' ? opts(target) : (opts ?? {})
        await callSettled(fn, undefined, [target, pluginOpts], {
          timeout: app.pluginTimeout,
          onTimeout: () => pluginTimeoutError(node.name),
          notAPromise: isInstance
        })
      }
    }
    app.loader.enqueue(entry)
    return this
  }

  /** Plugin-meta names registered so far here or in an ancestor, and the names of this instance's chain. */
  hasPlugin (name: string): boolean {
    const scope = this[kScope]
    return scope.registeredSoFar().includes(name) || scope.nameChain.includes(name)
  }

  /** `after(fn)` queues fn behind the plugins registered so far; `after()` is a promise of them loading. */
  after (fn?: Function): any {
    const app = this[kApp]
    if (typeof fn !== 'function') return loadedSoFar(this)
    if (app.state.started) throw new codes.AVV_ERR_ROOT_PLG_BOOTED()
    app.loader.enqueue({ kind: 'after', run: (err) => runLoadCallback(fn, this, err, app.pluginTimeout) })
    return this
  }

  /**
   * The root instance: boots the app once (plugins, onReady); `cb(null, instance)`. A plugin's
   * instance: the callback runs once every plugin has loaded, before onReady, as after()'s do.
   */
  ready (cb?: Function): any {
    const app = this[kApp]
    if (this[kScope] !== app.rootScope) {
      if (typeof cb === 'function') {
        app.whenLoaded((err) => runLoadCallback(cb, this, err, app.pluginTimeout))
        return undefined
      }
      return new Promise((resolve, reject) => {
        app.whenLoaded((err) => {
          if (err !== null) reject(err)
          else resolve(this)
          return err
        })
      })
    }
    const p = app.ready().then(() => this)
    if (typeof cb === 'function') {
      p.then(() => cb(null, this), (err) => cb(err))
      return undefined
    }
    return p
  }

  /** Until the app has booted, `await instance` waits for what is registered so far. */
  get then (): ((resolve: (v: unknown) => void, reject: (e: unknown) => void) => Promise<void>) | undefined {
    if (this[kApp].state.started) return undefined
    if (skipThenFor === this) { skipThenFor = null; return undefined }
    return (resolve, reject) => loadedSoFar(this).then(() => {
      skipThenFor = this
      resolve(this)
      skipThenFor = null
    }, reject)
  }

  addHook (name: HookName, fn: Function): this {
    if (name === 'onClose' && typeof fn !== 'function') fn = disposableHook(fn) as Function
    validateHook(name, fn)
    const app = this[kApp]
    if (app.state.ready) throw new codes.FST_ERR_INSTANCE_ALREADY_LISTENING('Cannot call "addHook"!')
    const scope = this[kScope]
    // an async onRoute/onRegister is not waited for; its rejection is logged, never left unhandled
    const hook = name === 'onRoute' || name === 'onRegister'
      ? { fn: guardSyncHook(fn, (err) => { app.log.error({ err }, `${name} hook failed`) }), scope: this }
      : { fn, scope: this }
    if (name === 'onClose') app.onCloseHooks.push(hook)
    else if (name === 'onReady' || name === 'onListen' || name === 'preClose') scope.own[name].push(hook)
    else if (name === 'onRoute') scope.addOwn(name, hook)
    else {
      // request hooks and onRegister take effect in source order: behind the plugins registered before
      if (app.state.started) throw new codes.AVV_ERR_ROOT_PLG_BOOTED()
      app.loader.enqueue({ kind: 'after', run: (err) => { scope.addInherited(name, hook); return err } })
    }
    return this
  }

  /** Shorthand for addHook('onClose'): `fn(instance, done)`. */
  onClose (fn: Function): this {
    return this.addHook('onClose', fn)
  }

  decorate (name: string | symbol, value: unknown, dependencies?: string[]): this {
    if (this[kApp].state.ready) throw new codes.FST_ERR_DEC_AFTER_START(String(name))
    // a name clashes with what this instance owns (for the root, its API too); a child may shadow
    const taken = this[kScope].parent === null ? name in this : Object.hasOwn(this, name)
    if (taken) throw new codes.FST_ERR_DEC_ALREADY_PRESENT(String(name))
    defineDecorator(this, name, value, dependencies)
    return this
  }

  hasDecorator (name: string | symbol): boolean { return name in this }
  abstract hasRequestDecorator (name: string | symbol): boolean
  abstract hasReplyDecorator (name: string | symbol): boolean

  /** A decorator's value; a function comes bound to this instance. */
  getDecorator<T = unknown> (name: string | symbol): T {
    if (!(name in this)) throw new codes.FST_ERR_DEC_UNDECLARED(String(name), 'instance')
    const value: unknown = Reflect.get(this, name)
    // T is the caller's word for the decorator's type, as Fastify types it
    return (typeof value === 'function' ? value.bind(this) : value) as T
  }

  printPlugins (): string { return this[kApp].loader.print() }

  /** How the app started: each plugin's load time (nested), each application hook's duration, onRoute calls, time to ready and to listening. */
  startupTimeline (): StartupView { return this[kApp].startup.view() }

  close (cb?: (err?: Error | null) => void): any {
    const p = this[kApp].close()
    if (typeof cb === 'function') {
      p.then(() => cb(null), (err) => cb(err))
      return undefined
    }
    return p
  }
}

/** Checks a plugin and gives it the instance it runs on: `self` (skip-override) or a new child. */
function enterPlugin (self: PluginHost, fn: any, opts: unknown): PluginHost {
  const scope = self[kScope]
  const metaName = metaOf(fn)?.name
  const hasMetaName = typeof metaName === 'string' && metaName !== ''
  if (hasMetaName) scope.registered.push(metaName)
  const name = instanceName(fn)
  const target: MetaTarget = {
    hasDecorator: (d) => d in self,
    hasRequestDecorator: (d) => self.hasRequestDecorator(d),
    hasReplyDecorator: (d) => self.hasReplyDecorator(d),
    registeredPlugins: () => scope.registeredSoFar(),
    get version () { return self.version }
  }
  checkPlugin(target, fn, hasMetaName ? metaName : name)
  if (skipsOverride(fn)) {
    scope.nameChain.push(name)
    return self
  }
  const child = createChild(self, name, (opts as PluginOptions | undefined)?.prefix)
  const logLevel = (opts as PluginOptions | undefined)?.logLevel
  if (logLevel) child[kScope].logLevel = logLevel
  const logSerializers = (opts as { logSerializers?: unknown } | undefined)?.logSerializers
  if (logSerializers !== null && typeof logSerializers === 'object') {
    child[kScope].logSerializers = { ...child[kScope].logSerializers, ...(logSerializers as Record<string, unknown>) }
  }
  const startup = self[kApp].startup
  for (const hook of scope.hooks.onRegister) {
    const started = startup.now()
    hook.fn.call(hook.scope, child, opts)
    startup.hook('onRegister', hook.fn, started)
  }
  return child
}

/** Loads what is registered so far; a failure stays pending, so catching it does not make the app bootable. */
function loadedSoFar (self: PluginHost): Promise<void> {
  const loader = self[kApp].loader
  if (!self[kApp].state.started) return loader.registeredSoFar()
  return loader.loadPending().then(() => {
    const err = loader.pendingError
    if (err !== null) throw err
  })
}

function createChild (self: PluginHost, name: string, prefix: unknown): PluginHost {
  const child: PluginHost = Object.create(self)
  Object.defineProperty(child, kScope, {
    value: self[kApp].createScope(child, self[kScope], name, joinPrefix(self[kScope].prefix, prefix)),
    enumerable: false
  })
  return child
}
