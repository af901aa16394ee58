// A request whose method no router tree knows (only HTTP/2 carries one: Node's HTTP/1 parser refuses
// them). As in Fastify: no hook runs, the root error handler gets FST_ERR_NOT_FOUND (404), a warning.
import { METHODS, type IncomingMessage, type ServerResponse } from 'node:http'
import { codes } from '../errors.js'
import { fail } from './reply-flow.js'
import { requestId, requestLogger } from './request-lifecycle.js'
import type { Reply } from './reply.js'
import type { Request } from './request.js'
import type { RouteContext } from './route-context.js'
import type { WeftRuntime } from './runtime.js'

const knownMethods = new Set(METHODS)

/** True when the router has no tree for `method` (a method Node's http module does not list). */
export function isUnknownMethod (method: string): boolean {
  return !knownMethods.has(method)
}

export function answerUnknownMethod (app: WeftRuntime, context: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const observer = app.observer
  if (observer !== null) observer.request(req, res, () => { answer(app, context, req, res) })
  else answer(app, context, req, res)
}

function answer (app: WeftRuntime, context: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const id = requestId(app, context, req)
  // the request's logger as any request's (the childLoggerFactory option's child, even with the logger off)
  const log = requestLogger(app, context, id, req)
  const url = req.url ?? ''
  const query = url.indexOf('?')
  const request: Request = new context.Request(id, {}, req, query < 0 ? '' : url.slice(query + 1), log, context)
  const reply: Reply = new context.Reply(res, request, log, context)
  if (context.requestLogging) app.logController.incomingRequest(request, reply)
  log.warn(`method ${req.method} is not routed by any tree: answered 404`)
  fail(reply, new codes.FST_ERR_NOT_FOUND())
}
