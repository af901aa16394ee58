// What closing means for connections: a request that arrives once close() has begun gets 503
// with Connection: close (and the logController's serviceUnavailable line), and the sockets Weft
// force-closes itself when forceCloseConnections is true on a server without closeAllConnections.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from '../app/logger.js'
import type { LogController } from './log-controller.js'

const unavailableBody = '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}'

export interface ClosingSettings {
  readonly return503OnClosing: boolean
  readonly logController: LogController
  readonly rootScope: { readonly instance: unknown }
  /** The logger of a request refused while closing, made as any request's is (its id, the childLoggerFactory option). */
  refusedRequestLogger (req: IncomingMessage): Logger
}

/**
 * A request that arrived while the app is closing. With return503OnClosing it is answered here
 * (true is returned: nothing else runs); otherwise it is served, with Connection: close.
 */
export function answerWhileClosing (app: ClosingSettings, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.httpVersionMajor !== 2) res.setHeader('Connection', 'close')
  if (!app.return503OnClosing) return false
  res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': unavailableBody.length })
  res.end(unavailableBody)
  // always called, as Fastify's (a logController of the user's sees it with the logger off too)
  app.logController.serviceUnavailable(app.refusedRequestLogger(req), app.rootScope.instance)
  return true
}

/** The sockets that carried a request, destroyed at close (forceCloseConnections: true). */
export class TrackedSockets {
  readonly #sockets = new Set<Socket>()

  add (socket: Socket): void {
    if (this.#sockets.has(socket)) return
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  destroyAll (): void {
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
  }
}
