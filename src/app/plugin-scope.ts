// One encapsulation scope: the state a plugin's instance owns. Request hooks, onRoute and
// onRegister are inherited by child scopes and keep flowing to them when the parent adds more;
// onReady, onListen and preClose belong to the scope that added them.
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
  readonly pluginName: string
  readonly prefix: string
  /** Names of the plugins registered in this scope and its ancestors, for dependency checks. */
  readonly registeredPlugins: string[]

  constructor (instance: unknown, parent: PluginScope | null, pluginName: string, prefix: string) {
    this.instance = instance
    this.parent = parent
    this.pluginName = pluginName
    this.prefix = prefix
    this.registeredPlugins = parent !== null ? parent.registeredPlugins.slice() : []
    const hooks = {} as Record<InheritedHookName, AppHook[]>
    for (const name of inheritedHookNames) hooks[name] = parent !== null ? parent.hooks[name].slice() : []
    this.hooks = hooks
    if (parent !== null) parent.children.push(this)
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
