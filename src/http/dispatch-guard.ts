// The last net under a request from a server (sockets, HTTP/2 streams, a serverFactory's server):
// user code that runs before the lifecycle owns the request (genReqId, a constraint strategy, a
// childLoggerFactory) and throws synchronously gets a 500 and an error line instead of reaching
// Node as an uncaught exception (Fastify's process crashes there). inject() is not guarded: its
// caller gets the throw, as from Fastify's.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from '../app/logger.js'

/** What the listener serves: the app's dispatch and its logger. */
export interface Dispatcher {
  readonly log: Logger
  dispatch (req: IncomingMessage, res: ServerResponse): void
}

/** The app's dispatch as a server's request listener that never throws into Node. */
export function guardDispatch (app: Dispatcher): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      app.dispatch(req, res)
    } catch (err) {
      dispatchFailed(app.log, err, req, res)
    }
  }
}

function dispatchFailed (log: Logger, err: unknown, req: IncomingMessage, res: ServerResponse): void {
  try {
    log.error({ err }, 'request failed before its lifecycle began (user code threw synchronously)')
  } catch {}
  if (res.headersSent || res.writableEnded || res.destroyed) {
    res.destroy()
    return
  }
  const message = err instanceof Error ? err.message : String(err)
  const body = JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message })
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }
  // the connection's state after a failure outside the lifecycle is unknown: HTTP/1 closes it (HTTP/2 has no such header)
  if (req.httpVersionMajor < 2) headers.connection = 'close'
  res.writeHead(500, headers)
  res.end(body)
}
