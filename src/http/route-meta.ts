// What printRoutes({ includeMeta, includeHooks }) shows of a route, in Fastify's order: its error
// handler, log level and serializers, then each request hook's functions (by name).
import { applicationHooks } from '../hooks/names.js'
import type { RouteContext } from './route-context.js'

/** Request hooks in the order Fastify prints them. */
const printOrder = ['onTimeout', 'onRequest', 'preParsing', 'preValidation', 'preSerialization', 'preHandler',
  'onSend', 'onResponse', 'onError', 'onRequestAbort'] as const

/** includeHooks: every hook name, as Fastify's supportedHooks. */
export const printableHooks: string[] = [...printOrder, ...applicationHooks]

/** find-my-way's buildPrettyMeta for a route whose store is its context. */
export function routeMeta (route: { store: unknown }): Record<string, unknown> {
  const context = route.store as RouteContext | null
  const meta: Record<string, unknown> = {}
  if (context === null || typeof context !== 'object') return meta
  meta.errorHandler = context.errorHandler?.fn
  meta.logLevel = context.routeOptions?.logLevel ?? ''
  meta.logSerializers = undefined
  for (const name of printOrder) {
    const entries = context[name]
    meta[name] = entries === null || entries === undefined ? null : entries.map(e => e.fn)
  }
  return meta
}

/** printRoutes()'s options as Fastify reads them: includeHooks adds every hook name to includeMeta. */
export function printOptions (options: Record<string, unknown> = {}): Record<string, unknown> {
  if (!options.includeHooks) return options
  const extra = options.includeMeta
  return { ...options, includeMeta: extra ? printableHooks.concat(extra as string) : printableHooks }
}
