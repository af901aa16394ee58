// The startup view the live page draws: the app's startup timeline (weft's own record of each
// plugin's load and each application hook) and its plugin tree, each scope with the hooks,
// decorators and routes it added itself.
import type { PluginScope } from '../app/plugin-scope.js'
import { inheritedHookNames } from '../app/plugin-scope.js'
import type { HttpApp } from '../http/http-app.js'
import type { PluginTreeNode, StartupView } from './page/types.js'

/** The route shorthands (`get`, `query`, one per method addHttpMethod adds, `all`) are fields of the root instance, not decorators. */
function isRouteShorthand (app: HttpApp, name: string): boolean {
  return name === 'all' || (name === name.toLowerCase() && app.methods.list().includes(name.toUpperCase()))
}

/**
 * A scope's own name: Fastify-style names grow into a chain (`fastify -> weft-observe`) as plugins
 * that skip encapsulation register into the scope; the tree shows the scope's, not the chain.
 */
function scopeName (pluginName: string): string {
  const arrow = pluginName.indexOf(' -> ')
  return arrow === -1 ? pluginName : pluginName.slice(0, arrow)
}

function treeOf (app: HttpApp, scope: PluginScope, routesByScope: Map<PluginScope, string[]>): PluginTreeNode {
  const hooks: string[] = []
  for (const name of inheritedHookNames) {
    if (scope.hooks[name].some(h => h.scope === scope.instance)) hooks.push(name)
  }
  for (const name of ['onReady', 'onListen', 'preClose'] as const) if (scope.own[name].length > 0) hooks.push(name)
  if (app.onCloseHooks.some(h => h.scope === scope.instance)) hooks.push('onClose')
  return {
    name: scopeName(scope.pluginName),
    hooks,
    decorators: Object.getOwnPropertyNames(scope.instance).filter(n => !n.startsWith('_') && !(scope === app.rootScope && isRouteShorthand(app, n))),
    routes: routesByScope.get(scope) ?? [],
    children: scope.children.map(child => treeOf(app, child, routesByScope))
  }
}

/** Null until the app has booted. */
export function startupView (app: HttpApp): StartupView | null {
  if (!app.state.started) return null
  const timeline = app.startup.view()
  const routesByScope = new Map<PluginScope, string[]>()
  for (const d of app.declarations) {
    if (d.autoHead) continue
    let list = routesByScope.get(d.scope)
    if (list === undefined) routesByScope.set(d.scope, list = [])
    list.push(`${d.context.method} ${d.context.url}`)
  }
  return {
    // the page counts the root's own plugins as depth 0
    plugins: timeline.plugins.map(p => ({ name: p.name, startMs: p.startMs, wallMs: p.wallMs, depth: p.depth - 1 })),
    hooks: [
      ...timeline.hooks.map(h => ({ name: `${h.hook} ${h.name}`, wallMs: h.wallMs })),
      ...(timeline.onRoute.calls > 0 ? [{ name: `onRoute × ${timeline.onRoute.calls}`, wallMs: timeline.onRoute.wallMs }] : [])
    ],
    tree: treeOf(app, app.rootScope, routesByScope)
  }
}
