// Answers for what Node rejects before a request reaches routing: unparsable requests, request
// and connection timeouts, a missing Host header, an Expect header other than 100-continue.
// Bodies are Fastify's, JSON like every other error; each answer closes the connection.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '../app/logger.js'

export type ClientErrorHandler = (this: unknown, err: NodeJS.ErrnoException, socket: Duplex) => void

function jsonBody (statusCode: number, message: string): string {
  return `{"error":"${STATUS_CODES[statusCode]!}","message":"${message}","statusCode":${statusCode}}`
}

const timeoutBody = jsonBody(408, 'Client Timeout')
const headerOverflowBody = jsonBody(431, 'Exceeded maximum allowed HTTP header size')
const badRequestBody = jsonBody(400, 'Client Error')
const expectationBody = jsonBody(417, 'Expectation Failed')

/** A whole JSON response as bytes for a raw socket: Fastify's, byte for byte (Content-Length before Content-Type). */
function rawAnswer (statusCode: number, body: string): string {
  return `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]!}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`
}

/** Writes a whole response on a raw socket, then closes it once the bytes are out. */
function answerOnSocket (socket: Duplex, statusCode: number, body: string): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.end(rawAnswer(statusCode, body), () => socket.destroy())
}

/**
 * The default `clientErrorHandler`, with `this` the app's root instance (its `log` is read): as
 * Fastify's, the answer is written on the socket when it still takes bytes, then the socket is
 * destroyed with the error (no end(): a socket whose other side is gone is not waited for).
 */
export function defaultClientErrorHandler (this: { log: Logger }, err: NodeJS.ErrnoException, socket: Duplex): void {
  // the client reset the connection: there is no one to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  let statusCode = 400
  let body = badRequestBody
  let label = 'error'
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    statusCode = 408
    body = timeoutBody
    label = 'timeout'
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    statusCode = 431
    body = headerOverflowBody
    label = 'header_overflow'
  }
  this.log.trace({ err }, `client ${label}`)
  if (socket.writable) socket.write(rawAnswer(statusCode, body))
  socket.destroy(err)
}

/**
 * The server's 'clientError' listener: the handler (the option's, or the default) with `this` the
 * root instance. One that throws has its error logged and the socket destroyed, instead of an
 * uncaught exception from Node's listener (which kills Fastify's process).
 */
export function clientErrorListener<T> (app: { readonly log: Logger, instance (): T }, handler: (this: T, err: NodeJS.ErrnoException, socket: Duplex) => void): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    try {
      handler.call(app.instance(), err, socket)
    } catch (thrown) {
      try { app.log.error({ err: thrown }, 'clientErrorHandler threw') } catch {}
      socket.destroy()
    }
  }
}

/** An HTTP/1.1 request without Host (Weft asks Node not to answer it with a bare 400 itself). As with
 *  Node's requireHostHeader, an upgrade request (handed to `routing` by an 'upgrade' listener) is not checked. */
export function lacksRequiredHost (req: IncomingMessage): boolean {
  return (req as { upgrade?: boolean }).upgrade !== true && req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1
}

export function answerMissingHost (res: ServerResponse): void {
  res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': badRequestBody.length, Connection: 'close' })
  res.end(badRequestBody)
}

/** Node's 'checkExpectation': an Expect header other than 100-continue gets a JSON 417. */
export function answerUnknownExpectation (this: { listenerCount (event: string): number }, _req: IncomingMessage, res: ServerResponse): void {
  if (this.listenerCount('checkExpectation') > 1) return // the user answers expectations
  res.writeHead(417, { 'Content-Type': 'application/json', 'Content-Length': expectationBody.length })
  res.end(expectationBody)
}

/**
 * The same, when Weft answers Host-less requests in Node's place: Node checks Host before Expect,
 * so a Host-less HTTP/1.1 request gets the 400 whatever it expects, as with Node's own check
 * (unless the user answers expectations: their listener runs anyway and must find `res` unanswered).
 */
export function answerExpectationOrMissingHost (this: { listenerCount (event: string): number }, req: IncomingMessage, res: ServerResponse): void {
  if (this.listenerCount('checkExpectation') > 1) return
  if (lacksRequiredHost(req)) answerMissingHost(res)
  else answerUnknownExpectation.call(this, req, res)
}

const kOpenResponse = Symbol('weft.openResponse')
const kIdleBytes = Symbol('weft.idleBytes')

interface WatchedSocket extends Socket {
  [kOpenResponse]?: ServerResponse | undefined
  [kIdleBytes]?: number
}

/**
 * With connectionTimeout: the server's 'request' listener that notes, per socket, the response
 * in progress and how many bytes had arrived when it finished (more bytes later: a request is
 * being received).
 */
export function noteRequestOnSocket (req: IncomingMessage, res: ServerResponse): void {
  (req.socket as WatchedSocket)[kOpenResponse] = res
  res.once('finish', onResponseFinished)
}

function onResponseFinished (this: ServerResponse): void {
  const socket = this.socket as WatchedSocket | null
  if (socket === null) return
  if (socket[kOpenResponse] === this) socket[kOpenResponse] = undefined
  socket[kIdleBytes] = socket.bytesRead
}

/**
 * The server's 'timeout' listener (connectionTimeout): a socket still receiving a request (slow
 * headers or a slow body) gets 408; one whose request is being handled, or an idle keep-alive
 * one, is closed as Node would close it.
 */
export function onConnectionTimeout (socket: Socket): void {
  const watched = socket as WatchedSocket
  const res = watched[kOpenResponse]
  const receiving = res !== undefined
    ? !res.req.complete && !res.headersSent
    : socket.bytesRead > (watched[kIdleBytes] ?? 0)
  if (receiving) answerOnSocket(socket, 408, timeoutBody)
  else socket.destroy()
}
