// Builds the app's logger: pino when `logger` is true or options, a given pino-like instance
// as is, and a shared no-op logger (child() returns itself) when logging is off.
import { pino, stdSerializers } from 'pino'
import { codes } from '../errors.js'

export interface Logger {
  level: string
  fatal: LogFn; error: LogFn; warn: LogFn; info: LogFn; debug: LogFn; trace: LogFn
  child (bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger
  [key: string]: unknown
}
export type LogFn = (...args: any[]) => void

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

function noop (): void {}
export const silentLogger: Logger = {
  level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop,
  child () { return silentLogger }
}

function isLogger (value: unknown): value is Logger {
  return value !== null && typeof value === 'object' &&
    levels.every(l => typeof (value as Record<string, unknown>)[l] === 'function') &&
    typeof (value as Record<string, unknown>).child === 'function'
}

const serializers = {
  req (req: { method?: string, url?: string, headers?: Record<string, unknown>, host?: string, ip?: string, socket?: { remotePort?: number } }) {
    return { method: req.method, url: req.url, host: req.headers?.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }
  },
  res (reply: { statusCode: number }) { return { statusCode: reply.statusCode } },
  err: stdSerializers.err
}

export function createLogger (logger: unknown, loggerInstance: unknown): { log: Logger, enabled: boolean } {
  if (loggerInstance !== undefined && loggerInstance !== null) {
    if (!isLogger(loggerInstance)) throw new codes.FST_ERR_LOG_INVALID_LOGGER(levels.join(', ') + ', child')
    return { log: loggerInstance, enabled: true }
  }
  if (logger === undefined || logger === false || logger === null) return { log: silentLogger, enabled: false }
  if (isLogger(logger)) return { log: logger, enabled: true }
  if (logger === true) return { log: pino({ serializers }) as unknown as Logger, enabled: true }
  if (typeof logger !== 'object') throw new codes.FST_ERR_LOG_INVALID_LOGGER_CONFIG()
  const opts = logger as Record<string, any>
  const merged: Record<string, any> = { ...opts, serializers: { ...serializers, ...(opts.serializers ?? {}) } }
  const stream = opts.stream
  delete merged.stream
  const log = (stream !== undefined ? pino(merged, stream) : pino(merged)) as unknown as Logger
  return { log, enabled: true }
}
