// The request path: raw request in, response out. Each stage is a named call that runs its
// hooks (if the route has any) and hands over to the next:
// route → onRequest → preParsing → parse → preValidation → validate → preHandler → handler → send.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { codes } from '../errors.js'
import { HookRun, kSendCalled, runHooks, Shape, type Continuation } from '../hooks/request-hook-runner.js'
import { silentLogger } from '../app/logger.js'
import { handleError } from './error-handler.js'
import { watchRequest } from './handler-timeout.js'
import { hookRun, kHijacked, type Reply } from './reply.js'
import { kContext } from './request.js'
import type { RouteContext } from './route-context.js'
import type { Router } from './router.js'
import { routingError } from './routing-errors.js'
import type { WeftRuntime } from './runtime.js'
import { validateRequest } from './schemas.js'

const kReply = Symbol('weft.reply')
const kTimeoutReply = Symbol('weft.timeoutReply')

export function handleRequest (app: WeftRuntime, router: Router, req: IncomingMessage, res: ServerResponse): void {
  const match = router.find(req)
  if (match === null) {
    startRequest(app, router.notFoundContext(req), req, res, {}, searchOf(req.url!), null)
  } else if (match.store === null) {
    match.handler(req, res) // records the routing error on req
    startRequest(app, router.notFoundContext(req), req, res, {}, '', routingError(req))
  } else {
    startRequest(app, match.store, req, res, match.params, match.searchParams, null)
  }
}

function searchOf (url: string): string {
  const i = url.indexOf('?')
  return i === -1 ? '' : url.slice(i + 1)
}

function startRequest (app: WeftRuntime, context: RouteContext, req: IncomingMessage, res: ServerResponse,
  params: Record<string, string>, search: string, error: Error | null): void {
  const id = app.genReqId(req)
  const log = app.loggerEnabled ? childLogger(app, context, id) : silentLogger
  const request = new context.Request(id, params, req, search, log, context)
  const reply = new context.Reply(res, request, log, context)
  watchRequest(reply) // request.signal's response, and the handlerTimeout timer if the route has one
  if (app.requestLogging) log.info({ req: request }, 'incoming request')
  if (context.watchResponse) {
    (res as any)[kReply] = reply
    res.on('close', onResponseClose) // fires once; on() avoids once()'s wrapper per request
  }
  if (context.onTimeout !== null) watchTimeout(req.socket, reply)
  if (error !== null) {
    handleError(reply, error)
    return
  }
  if (context.onRequest !== null) runHooks(hookRun(reply), context.onRequest, Shape.plain, undefined, true, afterOnRequest)
  else preParsingStage(reply)
}

function childLogger (app: WeftRuntime, context: RouteContext, id: string) {
  const bindings = { [app.requestIdLogLabel]: id }
  return context.logLevel !== undefined ? app.log.child(bindings, { level: context.logLevel }) : app.log.child(bindings)
}

const afterOnRequest: Continuation = (run, err) => {
  if (err !== null) handleError(run.reply as Reply, err)
  else preParsingStage(run.reply as Reply)
}

function preParsingStage (reply: Reply): void {
  const hooks = reply[kContext].preParsing
  if (hooks !== null) runHooks(hookRun(reply), hooks, Shape.payload, reply.request.raw, true, afterPreParsing)
  else parseStage(reply, reply.request.raw)
}

const afterPreParsing: Continuation = (run, err, payload) => {
  if (err !== null) handleError(run.reply as Reply, err)
  else parseStage(run.reply as Reply, payload as NodeJS.ReadableStream)
}

function parseStage (reply: Reply, payload: NodeJS.ReadableStream): void {
  const method = reply.request.raw.method
  if (method === 'GET' || method === 'HEAD') {
    preValidationStage(reply)
    return
  }
  const context = reply[kContext]
  context.contentTypeParser.run(reply.request, payload as any, context.bodyLimit, (err) => {
    if (err !== null) handleError(reply, err)
    else preValidationStage(reply)
  })
}

function preValidationStage (reply: Reply): void {
  const hooks = reply[kContext].preValidation
  if (hooks !== null) runHooks(hookRun(reply), hooks, Shape.plain, undefined, true, afterPreValidation)
  else validationStage(reply)
}

const afterPreValidation: Continuation = (run, err) => {
  if (err !== null) handleError(run.reply as Reply, err)
  else validationStage(run.reply as Reply)
}

function validationStage (reply: Reply): void {
  const context = reply[kContext]
  if (context.validators !== null) {
    const err = validateRequest(context.validators, reply.request, context.schemaErrorFormatter)
    if (err !== null) {
      if (!context.attachValidation) {
        handleError(reply, err)
        return
      }
      reply.request.validationError = err
    }
  }
  preHandlerStage(reply)
}

function preHandlerStage (reply: Reply): void {
  const hooks = reply[kContext].preHandler
  if (hooks !== null) runHooks(hookRun(reply), hooks, Shape.plain, undefined, true, afterPreHandler)
  else handlerStage(reply)
}

const afterPreHandler: Continuation = (run, err) => {
  if (err !== null) handleError(run.reply as Reply, err)
  else handlerStage(run.reply as Reply)
}

export function handlerStage (reply: Reply): void {
  const context = reply[kContext]
  let result: unknown
  try {
    result = context.handler.call(context.instance, reply.request, reply)
  } catch (err) {
    handlerFailed(reply, err)
    return
  }
  if (result === undefined) return // the handler sends, now or later
  if (result !== null && typeof (result as PromiseLike<unknown>).then === 'function' && result !== reply) {
    (result as PromiseLike<unknown>).then(
      (value) => { afterAsyncHandler(reply, value) },
      (err: unknown) => { handlerFailed(reply, err ?? new codes.FST_ERR_SEND_UNDEFINED_ERR()) }
    )
    return
  }
  if (result !== reply) reply.send(result)
}

function afterAsyncHandler (reply: Reply, value: unknown): void {
  if (reply[kHijacked]) return
  if (value !== undefined || !reply[kSendCalled]) reply.send(value)
}

function handlerFailed (reply: Reply, err: unknown): void {
  if (reply[kSendCalled] && reply.raw.headersSent) {
    reply.log.error({ err }, 'handler failed after the reply was sent')
    return
  }
  handleError(reply, err)
}

function logHookError (run: HookRun, err: unknown): void {
  if (err !== null) (run.reply as Reply).log.error({ err }, 'hook failed')
}

function onResponseClose (this: ServerResponse): void {
  const reply: Reply = (this as any)[kReply]
  ;(this as any)[kReply] = undefined
  const context = reply[kContext]
  if (!this.writableEnded) {
    if (context.app.requestLogging) reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request aborted')
    if (context.onRequestAbort !== null) {
      runHooks(new HookRun(reply.request, reply), context.onRequestAbort, Shape.request, undefined, false, logHookError)
    }
    return
  }
  if (context.app.requestLogging) reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  if (context.onResponse !== null) runHooks(hookRun(reply), context.onResponse, Shape.plain, undefined, false, logHookError)
}

function watchTimeout (socket: Socket, reply: Reply): void {
  if ((socket as any)[kTimeoutReply] === undefined) socket.on('timeout', onSocketTimeout)
  ;(socket as any)[kTimeoutReply] = reply
}

function onSocketTimeout (this: Socket): void {
  const reply: Reply | undefined = (this as any)[kTimeoutReply]
  if (reply === undefined || reply.raw.writableFinished) return
  const hooks = reply[kContext].onTimeout
  if (hooks !== null) runHooks(new HookRun(reply.request, reply), hooks, Shape.plain, undefined, false, logHookError)
}
