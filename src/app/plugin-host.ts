// The application half of the public instance: plugins (register, after, ready), application
// hooks, instance decorators and the thenable that lets `await app.register(...)` wait.
// Child scopes are Object.create(parent): they see the parent's decorators, never the reverse.
import { codes } from '../errors.js'
import { validateHook, isRequestHook, type HookName } from '../hooks/names.js'
import type { AppLifecycle } from './app-lifecycle.js'
import { defineDecorator } from './decorators.js'
import { callPlugin, Deferred, type PluginEntry } from './plugin-loader.js'
import type { PluginScope } from './plugin-scope.js'
import { kApp, kInstance, kScope } from './symbols.js'

export const version = '0.1.0'
const kSkipOverride = Symbol.for('skip-override')
const kDisplayName = Symbol.for('fastify.display-name')
const kPluginMeta = Symbol.for('plugin-meta')

export interface PluginMeta {
  name?: string
  dependencies?: string[]
  decorators?: { fastify?: Array<string | symbol>, request?: Array<string | symbol>, reply?: Array<string | symbol> }
}

export type Done = (err?: Error | null) => void
export type PluginFunction<I = any, O = any> = ((instance: I, opts: O, done: Done) => void) | ((instance: I, opts: O) => Promise<void> | void)
export type PluginOptions = Record<string, any> & { prefix?: string }

/** Reads a plugin's display name the way fastify-plugin marks it. */
export function pluginName (fn: any): string {
  if (fn === null || (typeof fn !== 'function' && typeof fn !== 'object')) return 'anonymous'
  const meta = fn[kPluginMeta] as PluginMeta | undefined
  return fn[kDisplayName] ?? meta?.name ?? (fn.name !== '' && fn.name !== undefined ? fn.name : 'anonymous')
}

function joinPrefix (parent: string, own: unknown): string {
  if (typeof own !== 'string' || own === '' || own === '/') return parent
  let p = own.startsWith('/') ? own : '/' + own
  if (p.endsWith('/')) p = p.slice(0, -1)
  return parent + p
}

let skipThenFor: object | null = null

export class PluginHost {
  declare [kScope]: PluginScope
  declare [kApp]: AppLifecycle
  readonly [kInstance] = true

  get version (): string { return version }
  get errorCodes () { return codes }
  get pluginTimeout (): number { return this[kApp].pluginTimeout }
  get prefix (): string { return this[kScope].prefix }
  get pluginName (): string { return this[kScope].pluginName }
  get log () { return this[kApp].log }

  register (plugin: unknown, opts: PluginOptions | ((instance: any) => PluginOptions) = {}): this {
    const app = this[kApp]
    if (app.state.started) throw new codes.FST_ERR_ROOT_PLG_BOOTED()
    const isPromise = plugin !== null && typeof plugin === 'object' && typeof (plugin as Promise<unknown>).then === 'function'
    if (typeof plugin !== 'function' && !isPromise) throw new codes.FST_ERR_PLUGIN_NOT_VALID(typeof plugin)
    const loaded = new Deferred()
    const entry: PluginEntry = {
      kind: 'plugin',
      name: isPromise ? 'import()' : pluginName(plugin),
      loaded,
      start: async (node) => {
        let fn: any = plugin
        if (isPromise) {
          const mod: any = await plugin
          fn = typeof mod === 'function' ? mod : mod?.default ?? mod
          if (typeof fn !== 'function') throw new codes.FST_ERR_PLUGIN_NOT_VALID(typeof fn)
          entry.name = node.name = pluginName(fn)
        }
        const name = entry.name
        const resolvedOpts = typeof opts === 'function' ? opts(this) : (opts ?? {})
        checkMeta(this, fn, name)
        const skip = fn[kSkipOverride] === true
        const target = skip ? this : createChild(this, name, resolvedOpts.prefix)
        const meta = fn[kPluginMeta] as PluginMeta | undefined
        const registeredName = meta?.name ?? fn[kDisplayName]
        if (registeredName !== undefined) this[kScope].registeredPlugins.push(registeredName)
        if (!skip) {
          for (const hook of this[kScope].hooks.onRegister) hook.fn.call(hook.scope, target, resolvedOpts)
        }
        await callPlugin(name, fn, target, resolvedOpts, app.pluginTimeout)
      }
    }
    app.loader.enqueue(entry)
    return this
  }

  hasPlugin (name: string): boolean { return this[kScope].registeredPlugins.includes(name) }

  after (fn?: Function): this {
    const loaded = new Deferred()
    this[kApp].loader.enqueue({
      kind: 'after',
      loaded,
      fn: async (err) => {
        if (fn === undefined) { if (err !== null) throw err; return }
        if (fn.length >= 2) {
          await new Promise<void>((resolve, reject) => {
            const done = (e?: unknown): void => { if (e != null) reject(e); else resolve() }
            try {
              const r = fn.length >= 3 ? fn.call(this, err, this, done) : fn.call(this, err, done)
              if (r !== null && typeof r?.then === 'function') r.then(() => resolve(), reject)
            } catch (e) { reject(e) }
          })
          return
        }
        if (fn.length === 0 && err !== null) throw err
        const r = fn.length === 0 ? fn.call(this) : fn.call(this, err)
        if (r !== null && typeof r?.then === 'function') await r
      }
    })
    return this
  }

  ready (cb?: (err: Error | null) => void): any {
    const p = this[kApp].ready().then(() => { skipThenFor = this; return this })
    if (typeof cb === 'function') {
      p.then(() => cb(null), (err) => cb(err))
      return undefined
    }
    return p
  }

  get then (): ((resolve: (v: unknown) => void, reject: (e: unknown) => void) => Promise<void>) | undefined {
    if (skipThenFor === this) { skipThenFor = null; return undefined }
    return (resolve, reject) => {
      const loader = this[kApp].loader
      return loader.loadPending().then(() => {
        // the failure stays pending: catching it here does not make the app bootable
        const err = loader.pendingError
        if (err !== null) { reject(err); return }
        skipThenFor = this
        resolve(this)
        skipThenFor = null
      }, reject)
    }
  }

  addHook (name: HookName, fn: Function): this {
    validateHook(name, fn)
    const app = this[kApp]
    if (app.state.listening) throw new codes.FST_ERR_INSTANCE_ALREADY_LISTENING('Cannot add hook!')
    const hook = { fn, scope: this }
    if (name === 'onClose') app.onCloseHooks.push(hook)
    else if (name === 'onReady' || name === 'onListen' || name === 'preClose') this[kScope].own[name].push(hook)
    else {
      if (app.state.started && (isRequestHook(name) || name === 'onRoute')) throw new codes.FST_ERR_INSTANCE_ALREADY_STARTED('Cannot add hook!')
      this[kScope].addInherited(name, hook)
    }
    return this
  }

  /** Shorthand for addHook('onClose'): `fn(instance, done)`. */
  onClose (fn: Function): this {
    return this.addHook('onClose', fn)
  }

  decorate (name: string | symbol, value: unknown, dependencies?: string[]): this {
    if (this[kApp].state.started) throw new codes.FST_ERR_DEC_AFTER_START(String(name))
    defineDecorator(this, name, value, dependencies)
    return this
  }

  hasDecorator (name: string | symbol): boolean { return name in this }

  getDecorator<T = unknown> (name: string | symbol): T {
    if (!(name in this)) throw new codes.FST_ERR_DEC_UNDECLARED(String(name), 'instance')
    return (this as any)[name]
  }

  printPlugins (): string { return this[kApp].loader.print() }

  close (cb?: (err?: Error | null) => void): any {
    const p = this[kApp].close()
    if (typeof cb === 'function') {
      p.then(() => cb(null), (err) => cb(err))
      return undefined
    }
    return p
  }
}

function createChild (self: PluginHost, name: string, prefix: unknown): PluginHost {
  const child: PluginHost = Object.create(self)
  Object.defineProperty(child, kScope, {
    value: self[kApp].createScope(child, self[kScope], name, joinPrefix(self[kScope].prefix, prefix)),
    enumerable: false
  })
  return child
}

function checkMeta (self: PluginHost, fn: any, name: string): void {
  const meta = fn[kPluginMeta] as PluginMeta | undefined
  if (meta === undefined) return
  for (const dep of meta.dependencies ?? []) {
    if (!self[kScope].registeredPlugins.includes(dep)) throw new codes.FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE(dep, name)
  }
  const decorators = meta.decorators
  if (decorators === undefined) return
  const check = (list: Array<string | symbol> | undefined, has: (d: string | symbol) => boolean, where: string): void => {
    for (const d of list ?? []) {
      if (!has(d)) throw new codes.FST_ERR_DEC_MISSING_DEPENDENCY(`${String(d)}' required by plugin '${name}' on ${where}`)
    }
  }
  check(decorators.fastify, d => d in (self as any), 'the instance')
  check(decorators.request, d => (self as any).hasRequestDecorator(d), 'Request')
  check(decorators.reply, d => (self as any).hasReplyDecorator(d), 'Reply')
}
