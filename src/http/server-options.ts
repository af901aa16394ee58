// The node:http(s) server Weft makes (node:http2 with `http2: true`: http2-server.ts). The
// `http` / `https` option objects reach Node as in Fastify, with Weft's timeouts on top. Defaults,
// none of them unlimited where Node's is not: requestTimeout 300000 (Node's; Fastify's 0 would
// allow a request to take forever), headersTimeout 60000 (Node's), keepAliveTimeout 72000
// (Fastify's), connectionTimeout 0 (both), maxRequestsPerSocket 0 (both),
// connectionsCheckingInterval 30000 (Node's).
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { answerExpectationOrMissingHost, answerUnknownExpectation, noteRequestOnSocket, onConnectionTimeout } from './client-errors.js'
import { createWeftHttp2Server } from './http2-server.js'

export interface ServerSettings {
  connectionTimeout?: number
  keepAliveTimeout?: number
  requestTimeout?: number
  maxRequestsPerSocket?: number
  http?: ServerOptions | null
  https?: Record<string, unknown> | boolean | null
  /** A node:http2 server (h2c; h2 over TLS with `https`, plus HTTP/1.1 with `https.allowHTTP1`). */
  http2?: boolean
  http2SessionTimeout?: number
}

export interface WeftServer {
  server: Server
  /** Node was asked not to answer Host-less HTTP/1.1 requests: Weft answers them with JSON. */
  answersMissingHost: boolean
  /** An HTTP/2 server's: closes its open sessions (GOAWAY) at close(); null for HTTP/1. */
  closeSessions: (() => void) | null
}

const defaultRequestTimeout = 300000
const defaultHeadersTimeout = 60000
const defaultKeepAliveTimeout = 72000

/** The options object handed to http.createServer / https.createServer. */
export function nodeServerOptions (settings: ServerSettings): Record<string, unknown> {
  const https = settings.https
  const given: Record<string, unknown> = https != null && https !== false
    ? (https === true ? {} : { ...https })
    : { ...settings.http }
  // top-level Weft options win over the same field in the http/https object
  const requestTimeout = settings.requestTimeout ?? given.requestTimeout ?? defaultRequestTimeout
  given.requestTimeout = requestTimeout
  // Node derives headersTimeout from requestTimeout, which would make it 0 (none) with requestTimeout 0.
  // (Derived, it is min(60 s, requestTimeout): with one above requestTimeout, node:http would time a
  // request's body by headersTimeout instead, and Weft cuts slow bodies at requestTimeout.)
  if (given.headersTimeout === undefined && requestTimeout === 0) given.headersTimeout = defaultHeadersTimeout
  given.keepAliveTimeout = settings.keepAliveTimeout ?? given.keepAliveTimeout ?? defaultKeepAliveTimeout
  // unless the user decides, Weft answers Host-less HTTP/1.1 requests itself (a JSON 400)
  if (given.requireHostHeader === undefined) given.requireHostHeader = false
  return given
}

export function createWeftServer (settings: ServerSettings, handler: (req: IncomingMessage, res: ServerResponse) => void): WeftServer {
  if (settings.http2 === true) {
    // Node answers Host-less HTTP/1.1 requests of an allowHTTP1 server itself, as with Fastify
    const { server, closeSessions } = createWeftHttp2Server(settings, handler)
    return { server: server as unknown as Server, answersMissingHost: false, closeSessions }
  }
  const given = settings.https != null && settings.https !== false ? settings.https : settings.http
  const answersMissingHost = typeof given !== 'object' || given === null || (given as ServerOptions).requireHostHeader === undefined
  const options = nodeServerOptions(settings)
  const secure = settings.https != null && settings.https !== false
  // a headersTimeout given above requestTimeout: Node refuses it when making the server, Fastify
  // (setting requestTimeout afterwards) does not; so it is set once the server is made
  const headersTimeout = options.headersTimeout
  const late = typeof headersTimeout === 'number' && typeof options.requestTimeout === 'number' && options.requestTimeout > 0 && headersTimeout > options.requestTimeout
  if (late) delete options.headersTimeout
  const server = secure ? createHttpsServer(options, handler) as unknown as Server : createServer(options, handler)
  if (late) server.headersTimeout = headersTimeout
  server.keepAliveTimeout = options.keepAliveTimeout as number
  const maxRequestsPerSocket = settings.maxRequestsPerSocket ?? (options.maxRequestsPerSocket as number | undefined) ?? 0
  if (maxRequestsPerSocket > 0) server.maxRequestsPerSocket = maxRequestsPerSocket
  const connectionTimeout = settings.connectionTimeout ?? 0
  if (connectionTimeout > 0) {
    server.setTimeout(connectionTimeout)
    server.on('timeout', onConnectionTimeout)
    server.on('request', noteRequestOnSocket)
  }
  server.on('checkExpectation', answersMissingHost ? answerExpectationOrMissingHost : answerUnknownExpectation)
  return { server, answersMissingHost, closeSessions: null }
}

/** The `https` option as initialConfig shows it (Fastify's): never the key or the certificate. */
export function initialHttps (https: unknown): unknown {
  if (https === null || typeof https === 'boolean') return https
  const allowHTTP1 = typeof https === 'object' ? (https as { allowHTTP1?: unknown }).allowHTTP1 : undefined
  return typeof allowHTTP1 === 'boolean' ? { allowHTTP1 } : true
}
