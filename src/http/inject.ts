// inject(): fake HTTP requests through the full lifecycle with light-my-request, booting the
// app first. Promise form, callback form, and the chain form when called without options.
// Once close() has begun on a booted app it refuses (FST_ERR_REOPENED_CLOSE_SERVER). Options
// light-my-request refuses (an unknown method) reject the promise or reach the callback.
import { METHODS } from 'node:http'
import { Readable } from 'node:stream'
import lightMyRequest from 'light-my-request'
import { codes, createError } from '../errors.js'
import type { HttpApp } from './http-app.js'

export function inject (app: HttpApp, opts?: unknown, cb?: (err: Error | null, res?: unknown) => void): any {
  if (app.state.started && (app.state.closing || app.state.closed)) {
    const error = new codes.FST_ERR_REOPENED_CLOSE_SERVER()
    if (typeof cb === 'function') {
      cb(error)
      return undefined
    }
    return Promise.reject(error)
  }
  const server = app.server
  // light-my-request checks its options before it dispatches: what dispatch throws (a childLoggerFactory's invalid
  // logger) is not an options error and leaves inject() as it does Fastify's
  let dispatched = false
  const dispatch = (req: any, res: any): void => {
    dispatched = true
    if (app.state.ready) { app.dispatch(req, res); return }
    app.ready().then(() => app.dispatch(req, res), (err: Error) => res.destroy(err))
  }
  if (opts === undefined || opts === null) {
    return lightMyRequest(dispatch, { server } as any)
  }
  const options = timersMocked() ? asStreamPayload(opts) : typeof opts === 'string' ? { url: opts, server } : { ...(opts as object), server }
  ;(options as { server?: unknown }).server = server
  const wasDispatched = (): boolean => dispatched
  if (app.state.ready) return injectNow(dispatch, wasDispatched, options, cb)
  if (typeof cb === 'function') {
    app.ready().then(() => { injectNow(dispatch, wasDispatched, options, cb) }, (err: Error) => cb(err))
    return undefined
  }
  return app.ready().then(() => injectNow(dispatch, wasDispatched, options))
}

/** light-my-request's options validation throws synchronously: that becomes the promise's or the callback's error
 *  (a throw once `dispatched()` is true came from the request itself and is rethrown). */
const InjectOptionsError = createError('WEFT_ERR_INJECT_OPTIONS', 'inject(): %s', 500, TypeError)

function injectNow (dispatch: (req: any, res: any) => void, dispatched: () => boolean, options: unknown, cb?: (err: Error | null, res?: unknown) => void): any {
  let error: Error
  const method = (options as { method?: unknown }).method
  if (method !== undefined && (typeof method !== 'string' || !METHODS.includes(method.toUpperCase()))) {
    error = new InjectOptionsError(`unknown method ${JSON.stringify(method)}; light-my-request knows ${METHODS.join(', ')}`)
  } else {
    try {
      return lightMyRequest(dispatch, options as any, cb as any)
    } catch (err) {
      if (dispatched()) throw err
      error = new InjectOptionsError(`invalid options (${err instanceof Error ? err.message : String(err)})`)
      ;(error as { cause?: unknown }).cause = err
    }
  }
  if (typeof cb === 'function') {
    process.nextTick(cb, error)
    return undefined
  }
  return Promise.reject(error)
}

const realSetImmediate = globalThis.setImmediate

/** true while node:test (or another library) has replaced setImmediate with a fake. */
function timersMocked (): boolean { return globalThis.setImmediate !== realSetImmediate }

/**
 * light-my-request feeds string/object payloads with setImmediate, which never fires under mock
 * timers; a stream payload moves on nextTick and promises alone. Headers are filled in as it would.
 */
function asStreamPayload (opts: unknown): Record<string, any> {
  const options: Record<string, any> = typeof opts === 'string' ? { url: opts } : { ...(opts as object) }
  let payload = options.payload ?? options.body
  if (payload === undefined || payload === null || typeof payload.pipe === 'function') return options
  const headers: Record<string, any> = {}
  for (const key of Object.keys(options.headers ?? {})) headers[key.toLowerCase()] = options.headers[key]
  if (typeof payload === 'object' && !Buffer.isBuffer(payload) && !ArrayBuffer.isView(payload)) {
    payload = JSON.stringify(payload)
    headers['content-type'] ??= 'application/json'
  }
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
  headers['content-length'] ??= String(body.length)
  delete options.body
  options.payload = Readable.from([body])
  options.headers = headers
  return options
}
