// One encapsulation scope: the state a plugin's instance owns. Child scopes start from copies
// of the parent's request hooks, onRoute and onRegister; request hooks and onRegister added to
// the parent later still reach them; onReady, onListen and preClose belong to the scope that
// added them. Also the scope's plugin names, for pluginName and hasPlugin().
import type { AppHook } from '../hooks/app-hook-runner.js'
import type { HookName } from '../hooks/names.js'

export type InheritedHookName = Exclude<HookName, 'onReady' | 'onListen' | 'preClose' | 'onClose'>
export type OwnHookName = 'onReady' | 'onListen' | 'preClose'

export const inheritedHookNames: InheritedHookName[] = ['onRoute', 'onRegister', 'onRequest', 'preParsing', 'preValidation',
  'preHandler', 'preSerialization', 'onError', 'onSend', 'onResponse', 'onTimeout', 'onRequestAbort']

export class PluginScope {
  readonly instance: any
  readonly parent: PluginScope | null
  readonly children: PluginScope[] = []
  readonly hooks: Record<InheritedHookName, AppHook[]>
  readonly own: Record<OwnHookName, AppHook[]> = { onReady: [], onListen: [], preClose: [] }
  readonly prefix: string
  /** The plugin this scope runs, then each skip-override plugin registered into it. */
  readonly nameChain: string[]
  /** Plugin-meta names of the plugins registered with this scope's instance. */
  readonly registered: string[] = []
  /** register()'s logLevel option, inherited by child scopes; the default level of their routes ('' for none). */
  logLevel: string
  /** register()'s logSerializers, merged over the parent's; those of the scope's request loggers (null for none). */
  logSerializers: Record<string, unknown> | null

  constructor (instance: unknown, parent: PluginScope | null, pluginName: string, prefix: string) {
    this.instance = instance
    this.parent = parent
    this.nameChain = [pluginName]
    this.prefix = prefix
    this.logLevel = parent !== null ? parent.logLevel : ''
    this.logSerializers = parent !== null ? parent.logSerializers : null
    const hooks = {} as Record<InheritedHookName, AppHook[]>
    for (const name of inheritedHookNames) hooks[name] = parent !== null ? parent.hooks[name].slice() : []
    this.hooks = hooks
    if (parent !== null) parent.children.push(this)
  }

  get pluginName (): string { return this.nameChain.join(' -> ') }

  /** Plugin-meta names registered so far in this scope and its ancestors. */
  registeredSoFar (): string[] {
    return this.parent === null ? this.registered : [...this.registered, ...this.parent.registeredSoFar()]
  }

  /** Adds an inherited hook here only: child scopes made from now on copy it. */
  addOwn (name: InheritedHookName, hook: AppHook): void {
    this.hooks[name].push(hook)
  }

  /** Adds an inherited hook here and to every scope below. */
  addInherited (name: InheritedHookName, hook: AppHook): void {
    this.hooks[name].push(hook)
    for (const child of this.children) child.addInherited(name, hook)
  }

  /** This scope, then its children depth-first, in creation order. */
  * walk (): Generator<PluginScope> {
    yield this
    for (const child of this.children) yield * child.walk()
  }
}
