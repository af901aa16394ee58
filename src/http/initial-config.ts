// app.initialConfig: the server options Fastify documents there (and only those), each with its
// default when not given, as a deep-frozen copy made once.
import { initialHttps } from './server-options.js'
import { compileOption } from './router.js'

/** The documented options and their defaults (Fastify 5's; requestTimeout and keepAliveTimeout are read from the server). */
const defaults: Record<string, unknown> = {
  bodyLimit: 1048576,
  connectionTimeout: 0,
  keepAliveTimeout: 72000,
  maxRequestsPerSocket: 0,
  requestTimeout: 0,
  requestIdHeader: false,
  handlerTimeout: 0,
  caseSensitive: true,
  allowUnsafeRegex: false,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  disableRequestLogging: false,
  maxParamLength: 100,
  onProtoPoisoning: 'error',
  onConstructorPoisoning: 'error',
  pluginTimeout: 10000,
  requestIdLogLabel: 'reqId',
  http2SessionTimeout: 72000,
  exposeHeadRoutes: true,
  useSemicolonDelimiter: false
}

/** Shown only when given. */
const optional = ['forceCloseConnections', 'http2', 'https', 'constraints'] as const

const routerDefaults: Record<string, unknown> = {
  compile: false,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  maxParamLength: 100,
  allowUnsafeRegex: false,
  useSemicolonDelimiter: false
}

export interface ServerFacts {
  requestTimeout: number
  keepAliveTimeout: number
  requestIdHeader: string | false
}

export function initialConfig (options: object, facts: ServerFacts): Readonly<Record<string, unknown>> {
  const given = options as Record<string, unknown>
  const config: Record<string, unknown> = {}
  for (const key of Object.keys(defaults)) config[key] = given[key] ?? defaults[key]
  // what the server really uses (Weft's requestTimeout default is Node's 300000, not Fastify's 0)
  config.requestTimeout = facts.requestTimeout
  config.keepAliveTimeout = facts.keepAliveTimeout
  config.requestIdHeader = facts.requestIdHeader
  for (const key of optional) if (given[key] !== undefined) config[key] = given[key]
  // the https object is never shown (it holds keys and certificates): `{ allowHTTP1 }` or `true` stands for it
  if (given.https !== undefined) config.https = initialHttps(given.https)
  const router = given.routerOptions
  if (router !== null && typeof router === 'object') {
    const out: Record<string, unknown> = { ...router }
    for (const key of Object.keys(routerDefaults)) out[key] = (router as Record<string, unknown>)[key] ?? routerDefaults[key]
    out.compile = compileOption(out.compile)
    config.routerOptions = out
  }
  return deepFreeze(structuredCopy(config))
}


/** Plain objects and arrays are copied; functions and other values are kept. */
function structuredCopy (value: unknown): any {
  if (Array.isArray(value)) return value.map(structuredCopy)
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = structuredCopy((value as Record<string, unknown>)[key])
  return out
}

function deepFreeze<T> (value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return Object.freeze(value)
}
