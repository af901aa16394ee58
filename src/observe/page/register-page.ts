// Mounts the live page on a Weft instance through its public API: the HTML, its assets, the
// event stream and JSON snapshots, each behind the loopback guard, and ends the streams at close.
import { codes } from '../../errors.js'
import { isLocalClient } from './client-address.js'
import { EventStreamHub } from './event-stream.js'
import { loadPageAssets } from './page-assets.js'
import type { ActivitySource, PageOptions } from './types.js'

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

function checkOptions (source: ActivitySource, options: PageOptions): string {
  for (const method of ['recent', 'routes', 'processSamples', 'startup', 'subscribe'] as const) {
    if (typeof (source as any)?.[method] !== 'function') throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('source.' + method, 'a function', typeof (source as any)?.[method])
  }
  const path = options.path ?? '/_weft'
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path)) throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('path', 'a URL path starting with /', String(path))
  if (options.allow !== undefined && typeof options.allow !== 'function') throw new codes.WEFT_ERR_PAGE_INVALID_OPTION('allow', 'a function', typeof options.allow)
  for (const name of ['heartbeatMs', 'maxBufferedBytes'] as const) {
    const value = options[name]
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new codes.WEFT_ERR_PAGE_INVALID_OPTION(name, 'a positive integer', String(value))
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : ''
}

/**
 * Adds the page's routes to a Weft instance: GET `path` (HTML), `path/assets/:file`,
 * `path/events` (Server-Sent Events) and `path/api/{recent,routes,process,startup}.json`.
 * Clients that are not on loopback (or that came through a proxy) get 403 unless `allow(request)` says yes.
 */
export function registerActivityPage (instance: any, source: ActivitySource, options: PageOptions = {}): void {
  const base = checkOptions(source, options)
  const allow = options.allow
  const { html, assets } = loadPageAssets(base)
  const hub = new EventStreamHub(source, options.heartbeatMs ?? 15_000, options.maxBufferedBytes ?? 1024 * 1024)

  async function onlyAllowedClients (request: any, reply: any): Promise<unknown> {
    if (isLocalClient(request) || (allow !== undefined && allow(request) === true)) return
    return reply.code(403).type('application/json; charset=utf-8').send({
      statusCode: 403, error: 'Forbidden', message: 'The activity page only answers clients on this machine (see the allow option)'
    })
  }
  // `observe: false` tells weft/observe not to record the page's own requests
  const routeOptions = { onRequest: onlyAllowedClients, config: { observe: false }, logLevel: 'warn' }
  const json = (read: () => unknown) => async (_request: unknown, reply: any) => {
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8')
    return JSON.stringify(read())
  }

  instance.get(base === '' ? '/' : base, routeOptions, async (_request: unknown, reply: any) => {
    reply.header('content-security-policy', PAGE_CSP).header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store').type('text/html; charset=utf-8')
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
    reply.hijack()
    hub.open(request.raw, reply.raw)
    return reply
  })
  instance.get(`${base}/api/recent.json`, routeOptions, json(() => source.recent()))
  instance.get(`${base}/api/routes.json`, routeOptions, json(() => source.routes()))
  instance.get(`${base}/api/process.json`, routeOptions, json(() => source.processSamples()))
  instance.get(`${base}/api/startup.json`, routeOptions, json(() => source.startup()))

  instance.addHook('preClose', async () => { hub.close() })
}
