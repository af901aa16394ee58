// The stable HTTP semantic-convention attributes of a SERVER span: those known at request start
// (method, host, client, protocol) and those known when the response finished (route, status, url).
import type { IncomingHttpHeaders } from 'node:http'
import type { Attributes } from '@opentelemetry/api'
import type { RequestActivity } from '../types.js'
import type { IncomingRequestFacts } from './types.js'

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY'])

/** `host` split as semconv wants it: `[::1]:3000` gives `::1` and 3000; no port gives the scheme's. */
function setServerAddress (attributes: Attributes, host: string, secure: boolean): void {
  let address = host
  let port = ''
  if (host.startsWith('[')) {
    const close = host.indexOf(']')
    address = host.slice(1, close === -1 ? undefined : close)
    if (close !== -1 && host.charCodeAt(close + 1) === 58 /* : */) port = host.slice(close + 2)
  } else {
    const colon = host.lastIndexOf(':')
    if (colon !== -1) { address = host.slice(0, colon); port = host.slice(colon + 1) }
  }
  attributes['server.address'] = address
  const number = port === '' ? (secure ? 443 : 80) : Number(port)
  if (Number.isInteger(number)) attributes['server.port'] = number
}

/** Attributes known when the request arrives (sampling-relevant ones included). */
export function startAttributes (method: string, headers: IncomingHttpHeaders, raw: IncomingRequestFacts | undefined): Attributes {
  const secure = raw?.socket?.encrypted === true
  const attributes: Attributes = {
    'http.request.method': KNOWN_METHODS.has(method) ? method : '_OTHER',
    'url.scheme': secure ? 'https' : 'http'
  }
  if (!KNOWN_METHODS.has(method)) attributes['http.request.method_original'] = method
  const host = headers.host
  if (host !== undefined && host !== '') setServerAddress(attributes, host, secure)
  const userAgent = headers['user-agent']
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent
  const remoteAddress = raw?.socket?.remoteAddress
  if (remoteAddress !== undefined) {
    attributes['client.address'] = remoteAddress
    attributes['network.peer.address'] = remoteAddress
  }
  const version = raw?.httpVersion
  if (version !== undefined) attributes['network.protocol.version'] = version === '2.0' ? '2' : version
  return attributes
}

/** Sets the attributes known once the response finished. */
export function setEndAttributes (attributes: Attributes, activity: RequestActivity): void {
  const url = activity.url
  const query = url.indexOf('?')
  attributes['url.path'] = query === -1 ? url : url.slice(0, query)
  if (query !== -1 && query < url.length - 1) attributes['url.query'] = url.slice(query + 1)
  if (activity.route !== null) attributes['http.route'] = activity.route
  attributes['http.response.status_code'] = activity.statusCode
  if (activity.statusCode >= 500) attributes['error.type'] = String(activity.statusCode)
}
