// What Weft reads off a plugin function before it runs: its names (as Fastify gives them) and
// its fastify-plugin metadata, checked against the registering instance.
import { createRequire } from 'node:module'
import { codes } from '../errors.js'
import { isAboveRange, satisfies } from './semver-range.js'

/** The Fastify API version Weft implements: an instance's `version`, which plugin-meta `fastify` ranges are checked against. */
export const fastifyApiVersion = '5.12.8'

/** A release candidate (`-rc`, `-pre`, `-alpha`) loads plugins written for the release before it. */
const candidate = /-(?:rc|pre|alpha).+$/u

const kSkipOverride = Symbol.for('skip-override')
const kDisplayName = Symbol.for('fastify.display-name')
const kPluginMeta = Symbol.for('plugin-meta')
const moduleCache = createRequire(import.meta.url).cache

export interface PluginMeta {
  name?: string
  fastify?: string
  dependencies?: string[]
  decorators?: { fastify?: Array<string | symbol>, request?: Array<string | symbol>, reply?: Array<string | symbol> }
}

/** What the checks need to know of the registering instance. */
export interface MetaTarget {
  hasDecorator (name: string | symbol): boolean
  hasRequestDecorator (name: string | symbol): boolean
  hasReplyDecorator (name: string | symbol): boolean
  /** Plugin-meta names registered so far in this instance and its ancestors. */
  registeredPlugins (): string[]
  /** The instance's `version`, which a plugin's `fastify` range is checked against. */
  readonly version: unknown
}

export function metaOf (fn: any): PluginMeta | undefined { return fn[kPluginMeta] }
export function skipsOverride (fn: any): boolean { return fn[kSkipOverride] === true }

/** The first two lines of the function's source, trimmed, joined by ' -- '. */
function preview (fn: Function): string {
  return fn.toString().split('\n', 2).map(s => s.trim()).join(' -- ')
}

/** The name the loader shows (printPlugins, timeouts): meta name, else function name, else a preview. */
export function loaderName (fn: any): string {
  const meta = metaOf(fn)
  if (typeof meta?.name === 'string' && meta.name !== '') return meta.name
  return fn.name !== '' && fn.name !== undefined ? fn.name : preview(fn)
}

/** The name an instance takes from the plugin it runs: display name, module file, function name, else a preview. */
export function instanceName (fn: any): string {
  const display = fn[kDisplayName]
  if (display !== undefined && display !== null && display !== '') return String(display)
  if (moduleCache !== undefined) {
    for (const file of Object.keys(moduleCache)) {
      if (moduleCache[file]?.exports === fn) return file
    }
  }
  return fn.name !== '' && fn.name !== undefined ? fn.name : preview(fn)
}

/**
 * The plugin's `fastify` range against the instance's version. A release candidate accepts any
 * plugin whose range starts below it; otherwise the range decides (a candidate's prerelease counts).
 */
function checkVersion (version: unknown, meta: PluginMeta): void {
  const range: unknown = meta.fastify
  if (range === undefined || range === null) return
  const rc = candidate.test(String(version))
  if (rc && isAboveRange(version, range)) return
  // an empty range ('', false, 0) asks for nothing
  if (range !== '' && range !== false && range !== 0 && !Number.isNaN(range) && !satisfies(version, range, rc)) throw new codes.FST_ERR_PLUGIN_VERSION_MISMATCH(meta.name, range, version)
}

/** Fastify's checks, in its order: async plugin declaring done, version range, decorators, dependencies. */
export function checkPlugin (target: MetaTarget, fn: any, name: string): void {
  if (fn.constructor?.name === 'AsyncFunction' && fn.length === 3) throw new codes.FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER(name)
  const meta = metaOf(fn)
  if (meta === undefined) return
  checkVersion(target.version, meta)
  const decorators = meta.decorators
  if (decorators !== undefined) {
    const requiredBy = typeof meta.name === 'string' ? ` required by '${meta.name}'` : ''
    const check = (list: Array<string | symbol> | undefined, has: (d: string | symbol) => boolean, where: string): void => {
      for (const d of list ?? []) {
        if (!has(d)) throw new codes.FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE(String(d), requiredBy, where)
      }
    }
    check(decorators.fastify, d => target.hasDecorator(d), 'Fastify')
    check(decorators.reply, d => target.hasReplyDecorator(d), 'Reply')
    check(decorators.request, d => target.hasRequestDecorator(d), 'Request')
  }
  const registered = target.registeredPlugins()
  for (const dep of meta.dependencies ?? []) {
    if (!registered.includes(dep)) throw new codes.FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED(dep, meta.name)
  }
}
