// Runs one fuzz input against Fastify and Weft side by side (over raw sockets, and through
// inject() where inject can express it) and lists every way the two outcomes differ.
import http from 'node:http'
import Fastify from 'fastify'
import weft from 'weft'
import { defineApp } from './app.js'
import { serialize } from './arbitraries.js'
import { exchange } from './wire.js'

export const frameworks = { fastify: Fastify, weft }

/** The app's configurations an input may pick: the defaults, a lenient router, and a strict logged app. */
export const configs = {
  default: {},
  lenient: {
    bodyLimit: 2048,
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'ignore',
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 30, useSemicolonDelimiter: true }
  },
  // every request logged at trace level (to nowhere), no HEAD routes, small limits
  strict: {
    logger: { level: 'trace', stream: { write () {} } },
    exposeHeadRoutes: false,
    bodyLimit: 200,
    routerOptions: { maxParamLength: 8 },
    requestIdHeader: 'x-request-id',
    return503OnClosing: true
  }
}

/** Both apps, defined by the same code with the same options, listening on loopback. */
export async function startPair (options = {}) {
  const pair = {}
  for (const [name, factory] of Object.entries(frameworks)) {
    const app = await defineApp(factory(options))
    await app.listen({ port: 0, host: '127.0.0.1' })
    pair[name] = { app, port: app.server.address().port }
  }
  pair.close = async () => { await Promise.all([pair.fastify.app.close(), pair.weft.app.close()]) }
  return pair
}

/** Records uncaught exceptions and unhandled rejections while installed (a crash of the process otherwise). */
export function watchProcess () {
  const events = []
  const onError = (kind) => (err) => events.push({ kind, message: String(err?.stack ?? err).slice(0, 500) })
  const onException = onError('uncaughtException')
  const onRejection = onError('unhandledRejection')
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return {
    events,
    stop () {
      process.off('uncaughtException', onException)
      process.off('unhandledRejection', onRejection)
    }
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FIELD_VALUE = /^[\t\x20-\x7e]*$/
const METHODS = new Set(http.METHODS)

/**
 * The inject() options for an input that inject can express (a known method, an origin-form
 * target, HTTP/1.1, valid header names and values, a body framed by its length), else undefined.
 */
export function injectOptions (req) {
  if (!METHODS.has(req.method) || req.version !== 'HTTP/1.1' || req.method === 'CONNECT') return undefined
  if (!/^\/[\x21-\x7e]*$/.test(req.target) || req.target.includes('#')) return undefined
  if (req.framing !== 'length' && req.framing !== 'chunked') return undefined
  if (req.host !== 'Host' && req.host !== 'host' && req.host !== 'HOST') return undefined
  const headers = { host: 'fuzz.test' }
  if (req.contentType !== null) {
    if (req.contentType[0] === 'Content-Type*2') return undefined
    headers['content-type'] = req.contentType[1]
  }
  for (const [name, value] of req.headers) {
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value) || name.toLowerCase() in headers) return undefined
    // hop-by-hop and 100-continue handling belong to the socket, not to inject
    if (/^(connection|expect|upgrade)$/i.test(name)) return undefined
    headers[name.toLowerCase()] = value
  }
  const opts = { method: req.method, url: req.target, headers }
  if (req.body !== '') opts.payload = req.body
  return opts
}

function codeOf (res) {
  if (res.body === '' || !/json/i.test(res.headers['content-type'] ?? '')) return {}
  try {
    const parsed = JSON.parse(Buffer.from(res.body, 'latin1').toString('utf8'))
    return parsed !== null && typeof parsed === 'object' ? { code: parsed.code, statusCode: parsed.statusCode } : {}
  } catch {
    return { code: '(unparsable JSON)' }
  }
}

const family = (type) => (type ?? '').split(';')[0].trim().toLowerCase()

/**
 * What is compared of one answer: status, error code and statusCode, content-type family, a 2xx's
 * body and framing, whether the connection closed and the status of the next answer on it.
 */
export function summary (res) {
  const { code, statusCode } = codeOf(res)
  return {
    status: res.status,
    code,
    statusCode,
    type: family(res.headers['content-type']),
    body: res.status >= 200 && res.status < 300 ? res.body : undefined,
    // for a 2xx, how it is framed (a HEAD answer has only this to compare)
    length: res.status >= 200 && res.status < 300 ? res.headers['content-length'] ?? res.headers['transfer-encoding'] : undefined,
    closed: res.closed,
    next: res.next,
    hang: res.hang
  }
}

async function injected (app, opts, ms) {
  let timer
  try {
    const res = await Promise.race([
      app.inject(opts),
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms) })
    ])
    if (res === null) return { status: 0, headers: {}, body: '', hang: true, closed: false }
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload.toString('latin1'), hang: false, closed: false }
  } catch (err) {
    return { status: 0, headers: {}, body: '', hang: false, closed: false, threw: err.code ?? err.message }
  } finally {
    clearTimeout(timer)
  }
}

/** A pair per configuration. */
export async function startPairs () {
  const pairs = {}
  for (const [name, options] of Object.entries(configs)) pairs[name] = await startPair(options)
  pairs.close = () => Promise.all(Object.keys(configs).map((name) => pairs[name].close()))
  return pairs
}

/** Runs `req` on both frameworks (`pair`, or the one of `req.config` in a set of pairs); resolves with the raw outcomes. */
export async function runInput (pairs, req, { ms = 1500 } = {}) {
  const pair = pairs.fastify !== undefined ? pairs : pairs[req.config ?? 'default']
  const bytes = serialize(req)
  const options = { head: req.method === 'HEAD', halfClose: req.halfClose, split: req.split ?? null, ms }
  const [fastify, weftOut] = await Promise.all([exchange(pair.fastify.port, bytes, options), exchange(pair.weft.port, bytes, options)])
  const result = { socket: { fastify, weft: weftOut } }
  const opts = injectOptions(req)
  if (opts !== undefined) {
    const [fi, wi] = await Promise.all([injected(pair.fastify.app, opts, ms), injected(pair.weft.app, opts, ms)])
    result.inject = { fastify: fi, weft: wi }
  }
  return result
}

/**
 * The differences between the outcomes, each { via, field, fastify, weft }; also malformed
 * answers and hangs (a Weft answer that is not well-formed HTTP is a difference of its own).
 */
export function differences (result) {
  const found = []
  for (const via of ['socket', 'inject']) {
    const pair = result[via]
    if (pair === undefined) continue
    const f = summary(pair.fastify)
    const w = summary(pair.weft)
    if (pair.weft.malformed !== undefined) found.push({ via, field: 'malformed', fastify: pair.fastify.malformed, weft: pair.weft.malformed })
    if (pair.weft.threw !== pair.fastify.threw) found.push({ via, field: 'threw', fastify: pair.fastify.threw, weft: pair.weft.threw })
    for (const field of ['hang', 'status', 'code', 'statusCode', 'type', 'body', 'length', 'closed', 'next']) {
      if (f[field] !== w[field]) found.push({ via, field, fastify: f[field], weft: w[field] })
    }
  }
  return found
}
