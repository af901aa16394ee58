// Builds the app's logger: pino when `logger` is true or options, a given pino-like instance
// as is, and a shared no-op logger (child() returns itself) when logging is off. pino is loaded
// the first time an app has a logger, as Fastify does: an app without one never loads it.
import { createRequire } from 'node:module'
import type * as Pino from 'pino'
import { codes } from '../errors.js'

const require = createRequire(import.meta.url)
let pinoModule: typeof Pino | undefined

/** pino (a CommonJS package: require() gives the same module an import would), loaded once. */
function loadPino (): typeof Pino {
  pinoModule ??= require('pino') as typeof Pino
  return pinoModule
}

export interface Logger {
  level: string
  fatal: LogFn; error: LogFn; warn: LogFn; info: LogFn; debug: LogFn; trace: LogFn
  child (bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger
  [key: string]: unknown
}
export type LogFn = (...args: any[]) => void

function noop (): void {}
export const silentLogger: Logger = {
  level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop,
  child () { return silentLogger }
}

/** Fastify's childLoggerFactory: makes each request's logger (`this` is the route's instance). */
export type ChildLoggerFactory = (this: unknown, logger: Logger, bindings: Record<string, unknown>,
  options: Record<string, unknown>, rawReq: unknown) => Logger

/** What request loggers are made with when no childLoggerFactory is set. */
export function defaultChildLoggerFactory (this: unknown, logger: Logger, bindings: Record<string, unknown>, options: Record<string, unknown>): Logger {
  return logger.child(bindings, options)
}

const required = ['info', 'error', 'debug', 'fatal', 'warn', 'trace', 'child'] as const

/** true for a logger, false for a value with none of a logger's methods; throws FST_ERR_LOG_INVALID_LOGGER (naming
 *  the missing ones) for a partial logger, or for anything not a logger when `strict`. */
export function checkLogger (value: unknown, strict = false): value is Logger {
  const missing = value !== null && typeof value === 'object'
    ? required.filter(m => typeof (value as Record<string, unknown>)[m] !== 'function')
    : [...required]
  if (missing.length === 0) return true
  if (missing.length === required.length && !strict) return false
  throw new codes.FST_ERR_LOG_INVALID_LOGGER(missing.join(','))
}

let serializers: Record<string, (value: any) => unknown> | undefined

/** Fastify's req / res / err serializers (err is pino's), made once pino is loaded. */
function requestSerializers (stdSerializers: typeof Pino.stdSerializers): Record<string, (value: any) => unknown> {
  serializers ??= {
    req: serializeRequest,
    res (reply: { statusCode: number }) { return { statusCode: reply.statusCode } },
    err: stdSerializers.err
  }
  return serializers
}

function serializeRequest (req: { method?: string, url?: string, headers?: Record<string, unknown>, host?: string, ip?: string, socket?: { remotePort?: number } }) {
  return {
    method: req.method,
    url: req.url,
    version: req.headers?.['accept-version'],
    host: req.host ?? req.headers?.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort
  }
}

/**
 * The app logger, as Fastify builds it: `loggerInstance` (a pino-like logger; a pino one gets a child holding the
 * request serializers under its own), else pino from `logger` (true, or options: level, serializers, stream or
 * file...), else a no-op logger. Throws Fastify's FST_ERR_LOG_* codes for conflicting or invalid options.
 */
export function createLogger (logger: unknown, loggerInstance: unknown): { log: Logger, enabled: boolean } {
  if (logger && loggerInstance) throw new codes.FST_ERR_LOG_LOGGER_AND_LOGGER_INSTANCE_PROVIDED()
  if (!logger && !loggerInstance) return { log: silentLogger, enabled: false }
  const { destination, pino, stdSerializers, symbols } = loadPino()
  const serializers = requestSerializers(stdSerializers)
  if (checkLogger(loggerInstance)) {
    const own = (loggerInstance as unknown as Record<symbol, unknown>)[symbols.serializersSym] as Record<string, unknown> | undefined
    const log = own !== undefined
      ? loggerInstance.child({}, { serializers: { ...serializers, ...own } })
      : loggerInstance
    return { log, enabled: true }
  }
  if (checkLogger(logger)) throw new codes.FST_ERR_LOG_INVALID_LOGGER_CONFIG()
  if (loggerInstance) throw new codes.FST_ERR_LOG_INVALID_LOGGER_INSTANCE()
  const opts: Record<string | symbol, any> = {}
  if (Object.prototype.toString.call(logger) === '[object Object]') {
    for (const key of Reflect.ownKeys(logger as object)) opts[key] = (logger as Record<string | symbol, unknown>)[key]
  }
  opts.level ||= 'info'
  opts.serializers = { ...serializers, ...(opts.serializers ?? {}) }
  let stream = opts.stream
  if (stream && opts.file) throw new codes.FST_ERR_LOG_INVALID_DESTINATION()
  if (opts.file) stream = destination(opts.file)
  delete opts.stream
  delete opts.file
  const log = (stream ? pino(opts, stream) : pino(opts)) as unknown as Logger
  return { log, enabled: true }
}
