// The node:http2 server Weft makes for `http2: true` (h2c, or h2 over TLS with `https`), and its
// sessions, tracked so close() ends each with a GOAWAY on every Node (Node 24+ also does it itself).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type ServerHttp2Session } from 'node:http2'
import { codes } from '../errors.js'

export interface Http2Settings {
  connectionTimeout?: number
  keepAliveTimeout?: number
  requestTimeout?: number
  /** An idle session is closed (GOAWAY) after this many ms; 0: never. Fastify's default, 72000. */
  http2SessionTimeout?: number
  http?: object | null
  https?: Record<string, unknown> | boolean | null
}

export interface WeftHttp2Server {
  server: Http2Server | Http2SecureServer
  /** Closes every open session gracefully: streams in flight finish, no new one is accepted. */
  closeSessions: () => void
}

const defaultSessionTimeout = 72000
const defaultKeepAliveTimeout = 72000

/** The sessions of one server, from 'session' until they close. */
class OpenSessions {
  readonly #sessions = new Set<ServerHttp2Session>()

  add (session: ServerHttp2Session): void {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
  }

  closeAll (): void {
    for (const session of this.#sessions) {
      this.#sessions.delete(session)
      if (session.closed || session.destroyed) continue
      try {
        session.close()
      } catch {
        session.destroy()
      }
    }
  }
}

/**
 * http2SessionTimeout as Fastify's option schema coerces it (a numeric string, null as 0); what
 * Node would refuse in each new session (a fraction, a negative) is refused here, at construction.
 */
function sessionTimeoutOf (value: unknown): number {
  if (value === undefined) return defaultSessionTimeout
  const ms = value === null ? 0 : typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof ms !== 'number' || !Number.isInteger(ms)) throw new codes.FST_ERR_INIT_OPTS_INVALID(JSON.stringify(['must be integer']))
  if (ms < 0) throw new codes.FST_ERR_INIT_OPTS_INVALID(JSON.stringify(['must be >= 0']))
  return ms
}

export function createWeftHttp2Server (settings: Http2Settings, handler: (req: IncomingMessage, res: ServerResponse) => void): WeftHttp2Server {
  const https = settings.https
  const secure = https != null && https !== false
  const onRequest = handler as unknown as Parameters<typeof createServer>[1]
  const server = secure
    ? createSecureServer(https === true ? {} : https, onRequest)
    : createServer(settings.http ?? {}, onRequest)
  const sessionTimeout = sessionTimeoutOf(settings.http2SessionTimeout)
  const sessions = new OpenSessions()
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session)
    // replaces the connectionTimeout the session got from the server, as in Fastify (0: none)
    session.setTimeout(sessionTimeout, () => { if (!session.closed) session.close() })
  })
  // HTTP/1.1 connections of an `allowHTTP1` server get Weft's HTTP/1 keep-alive and request
  // timeouts (Node 20 leaves keepAliveTimeout unset there: idle connections would never close)
  if (secure && (https as { allowHTTP1?: boolean }).allowHTTP1 === true) {
    const h1 = server as unknown as { keepAliveTimeout?: number, requestTimeout?: number }
    h1.keepAliveTimeout = settings.keepAliveTimeout ?? defaultKeepAliveTimeout
    if (settings.requestTimeout !== undefined) h1.requestTimeout = settings.requestTimeout
  }
  // as Fastify: the server's timeout (HTTP/1.1 sockets of allowHTTP1; sessions get http2SessionTimeout)
  const connectionTimeout = settings.connectionTimeout ?? 0
  if (connectionTimeout > 0) server.setTimeout(connectionTimeout)
  return { server, closeSessions: () => sessions.closeAll() }
}
