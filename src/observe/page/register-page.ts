// Mounts the live page on a Weft instance through its public API: the HTML, its assets, the
// event stream and JSON snapshots, each behind the page's guard, and ends the streams at close.
import { codes } from '../../errors.js'
import { unknownKey } from '../option-keys.js'
import { isLocalClient } from './client-address.js'
import { registerApi } from '../api/register-api.js'
import { activityFrame, EventStreamHub } from './event-stream.js'
import { isFromAnotherPage } from './fetch-metadata.js'
import { loadPageAssets } from './page-assets.js'
import { PageToken, TOKEN_PATTERN } from './page-token.js'
import { snapshotJson } from './safe-json.js'
import type { ActivitySource, PageAccess, PageOptions } from './types.js'

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
/** Every option the page knows (observe checks its `page` option against it too). */
export const PAGE_OPTION_KEYS = ['path', 'allow', 'token', 'heartbeatMs', 'maxBufferedBytes', 'maxStreams', 'flushMs'] as const

function checkOptions (source: ActivitySource, options: PageOptions): string {
  for (const method of ['recent', 'routes', 'processSamples', 'startup', 'subscribe'] as const) {
    if (typeof (source as any)?.[method] !== 'function') throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('source.' + method, 'a function', typeof (source as any)?.[method])
  }
  const unknown = unknownKey(options, PAGE_OPTION_KEYS)
  if (unknown !== null) throw new codes.WEFT_ERR_PAGE_INVALID_OPTION(unknown.key, unknown.expected, 'an unknown option')
  const path = options.path ?? '/_weft'
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path)) throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('path', 'a URL path starting with /', String(path))
  if (options.allow !== undefined && typeof options.allow !== 'function') throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('allow', 'a function', typeof options.allow)
  const token = options.token
  if (token === false) {
    if (options.allow === undefined) throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('token', 'a string or undefined unless allow is given (token: false leaves only allow(request) to decide)', 'false')
  } else if (token !== undefined && (typeof token !== 'string' || !TOKEN_PATTERN.test(token))) {
    throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('token', 'undefined (a random one), false (with allow), or 16 to 512 of A-Z a-z 0-9 . _ ~ + / = -', typeof token === 'string' ? `a string of ${token.length} characters` : typeof token)
  }
  for (const name of ['heartbeatMs', 'maxBufferedBytes', 'maxStreams', 'flushMs'] as const) {
    const value = options[name]
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new codes.WEFT_ERR_PAGE_INVALID_OPTION(name, 'a positive integer', String(value))
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : ''
}

/** Each mounted page's stream hub, for observe's `sizes()` (not part of the public PageAccess). */
const hubs = new WeakMap<PageAccess, EventStreamHub>()

/** What the page's event streams hold now; null for an access no page returned. */
export function pageStreamSizes (access: PageAccess): ReturnType<EventStreamHub['sizes']> | null {
  return hubs.get(access)?.sizes() ?? null
}

/** `http://127.0.0.1:3000` for the address the server listens on (a wildcard address shown as loopback). */
function originOf (server: any): string | null {
  const address = server?.address?.()
  if (address === null || typeof address !== 'object') return null
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address
  const scheme = typeof server.setSecureContext === 'function' ? 'https' : 'http'
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

/**
 * Adds the page's routes to a Weft instance: GET `path` (HTML), `path/assets/:file`,
 * `path/events` (Server-Sent Events), the JSON API `path/api/v1/...` (docs/inspect.md) and
 * `path/api/{recent,routes,process,startup}.json`.
 * A client gets in with the page's token on loopback (not through a proxy), or when `allow(request)` says yes;
 * everyone else gets 403. Once the server listens, the page's URL (with a generated token) is logged.
 */
export function registerActivityPage (instance: any, source: ActivitySource, options: PageOptions = {}): PageAccess {
  const base = checkOptions(source, options)
  const allow = options.allow
  const token = options.token === false ? null : new PageToken(options.token, base === '' ? '/' : base)
  const { html, assets } = loadPageAssets(base, typeof source.history === 'function')
  const streams = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    maxStreams: options.maxStreams ?? 16,
    flushMs: options.flushMs ?? 200
  }
  const hub = new EventStreamHub(source, streams, activityFrame)
  const pagePath = base === '' ? '/' : base
  const access: PageAccess = {
    path: pagePath,
    token: token?.value ?? null,
    url () {
      const origin = originOf(instance.server)
      if (origin === null) return null
      return origin + pagePath + (token !== null ? '?token=' + encodeURIComponent(token.value) : '')
    }
  }

  hubs.set(access, hub)

  async function onlyAllowedClients (request: any, reply: any): Promise<unknown> {
    // another page in the user's browser (an <img> of the event stream on a page served on another port
    // of this machine carries the cookie) holds no stream and reads nothing, whoever the client is
    if (isFromAnotherPage(request.headers, request.routeOptions?.url === pagePath)) {
      return reply.code(403).type('application/json; charset=utf-8').send({
        statusCode: 403,
        error: 'Forbidden',
        message: 'The activity page answers only its own page (this request came from a page of another origin, Sec-Fetch-Site)'
      })
    }
    // allow(request) opens the page wider; it never makes the token check weaker for anyone else
    if (allow !== undefined && allow(request) === true) return
    if (token !== null && isLocalClient(request)) {
      const { ok, fromQuery } = token.check(request.headers, request.query)
      if (ok) {
        if (fromQuery) reply.header('set-cookie', token.setCookie)
        return
      }
    }
    return reply.code(403).type('application/json; charset=utf-8').send({
      statusCode: 403,
      error: 'Forbidden',
      message: token === null
        ? 'The activity page answers only the clients allow(request) lets in'
        : 'The activity page needs its token (open the URL printed at startup, with ?token=) from this machine, or a client allow(request) lets in'
    })
  }
  // `observe: false` tells weft/observe not to record the page's own requests
  const routeOptions = { onRequest: onlyAllowedClients, config: { observe: false }, logLevel: 'warn' }
  const json = (read: () => unknown) => async (_request: unknown, reply: any) => {
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').type('application/json; charset=utf-8')
    return snapshotJson(read())
  }

  instance.get(pagePath, routeOptions, async (_request: unknown, reply: any) => {
    reply.header('content-security-policy', PAGE_CSP).header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').type('text/html; charset=utf-8')
    return html
  })
  instance.get(`${base}/assets/:file`, routeOptions, async (request: any, reply: any) => {
    const asset = assets.get(request.params.file)
    if (asset === undefined) return reply.callNotFound()
    reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').type(asset.type)
    return asset.body
  })
  instance.get(`${base}/events`, routeOptions, async (request: any, reply: any) => {
    if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send()
    if (hub.closed) return reply.code(503).header('connection', 'close').send({ statusCode: 503, error: 'Service Unavailable', message: 'The app is closing' })
    if (hub.full) {
      return reply.code(503).header('connection', 'close').header('retry-after', '10').send({
        statusCode: 503, error: 'Service Unavailable', message: `The activity page already has ${hub.clients} open event streams (its maxStreams option); close a page and try again`
      })
    }
    reply.hijack()
    hub.open(request.raw, reply.raw)
    return reply
  })
  // the JSON API (api/v1/...): what the page and the CLIs (weft inspect, weft mcp) read
  const closeApi = registerApi(instance, source, base, routeOptions, streams)
  // the unversioned snapshots of the first page, kept for clients written against them
  instance.get(`${base}/api/recent.json`, routeOptions, json(() => source.recent()))
  instance.get(`${base}/api/routes.json`, routeOptions, json(() => source.routes()))
  instance.get(`${base}/api/process.json`, routeOptions, json(() => source.processSamples()))
  instance.get(`${base}/api/startup.json`, routeOptions, json(() => source.startup()))

  instance.addHook('onListen', async () => { announce(instance, access, token) })
  instance.addHook('preClose', async () => { hub.close(); closeApi() })
  return access
}

/** The startup line, as notebook servers print theirs: the full URL with a generated token; a token the user set is not repeated. */
function announce (instance: any, access: PageAccess, token: PageToken | null): void {
  try {
    const url = access.url()
    if (url === null) return
    const shown = token !== null && !token.generated ? url.replace(/\?token=.*$/, '?token=<your token option>') : url
    const log = instance.log
    if (log?.level === 'silent' || typeof log?.info !== 'function') process.stderr.write(`weft: live activity page at ${shown}\n`)
    else log.info({ url: shown }, `live activity page at ${shown}`)
  } catch {}
}
