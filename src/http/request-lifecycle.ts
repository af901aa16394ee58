// The request path: raw request in, response out. Each stage is a named call that runs its
// hooks (if the route has any) and hands over to the next:
// route → onRequest → preParsing → parse → preValidation → validate → preHandler → handler → send;
// then, once the response finished, onResponse and the `request completed` line.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { Guard, HookRun, isThenable, kHijacked, kSendCalled, runHooks, Shape, type Continuation } from '../hooks/request-hook-runner.js'
import { handlerChannel, newHandlerTrace, traceError, type HandlerTrace } from './diagnostics.js'
import { checkLogger, defaultChildLoggerFactory, silentLogger, type Logger } from '../app/logger.js'
import { codes } from '../errors.js'
import { handleError } from './error-handler.js'
import { fail } from './reply-flow.js'
import { watchRequest } from './handler-timeout.js'
import { hookRun, kErrorHandler, kHeaders, newHookRun, sendLater, settleReply, type Reply } from './reply.js'
import { kContext, type Request } from './request.js'
import { captureAsyncContext, inRequestContext, releaseAsyncContext } from './request-context.js'
import { unwatchTimeout, watchTimeout } from './socket-timeout.js'
import type { RouteContext } from './route-context.js'
import type { RouteMatch, Router } from './router.js'
import { routingError } from './routing-errors.js'
import { Stage } from './request-observer.js'
import type { RequestStages, WeftRuntime } from './runtime.js'
import { validateRequest } from './schemas.js'

const kReply = Symbol('weft.reply')
/** The reply a raw request or response carries for its 'close' / 'finish' listener. */
interface CarriesReply { [kReply]?: Reply | undefined }

/**
 * The steps a reply hands over to, passed to the app at construction: the error flow (reached only
 * through reply-flow's fail(), its one entry) and not-found.
 */
export const requestStages: RequestStages = {
  fail: handleError as RequestStages['fail'],
  notFound: callNotFound as RequestStages['notFound']
}

export function handleRequest (app: WeftRuntime, router: Router, req: IncomingMessage, res: ServerResponse): void {
  const observer = app.observer
  if (observer !== null) observer.request(req, res, () => { route(app, router, req, res) })
  else route(app, router, req, res)
}

function route (app: WeftRuntime, router: Router, req: IncomingMessage, res: ServerResponse): void {
  if (router.asyncConstrained) {
    router.findAsync(req, (err, found) => {
      if (err === null) routeFound(app, router, req, res, found)
      else if (app.frameworkErrors !== null) frameworkError(app, new codes.FST_ERR_ASYNC_CONSTRAINT(), req, res)
      else refuseAsyncConstraint(res)
    })
    return
  }
  routeFound(app, router, req, res, router.find(req))
}

function routeFound (app: WeftRuntime, router: Router, req: IncomingMessage, res: ServerResponse, found: RouteMatch | null): void {
  const match = found ?? router.notFoundMatch(req)
  if (found === null && match.store !== null) {
    startRequest(app, match.store, req, res, {}, searchOf(req.url!))
  } else if (match.store === null) {
    match.handler(req, res) // records the routing error on req: a path that does not decode, a parameter too long
    const error = routingError(req)
    if (error === null) return // routerOptions.onBadUrl, onMaxParamLength or defaultRoute answered it
    if (app.frameworkErrors !== null) frameworkError(app, error, req, res)
    else refuseRoute(error, res)
  } else {
    startRequest(app, match.store, req, res, match.params, match.searchParams)
  }
}

/**
 * A request the router refused (a path that does not decode, a parameter too long) goes to the
 * `frameworkErrors` option with a request and reply of their own: no route, no hooks.
 */
export function frameworkError (app: WeftRuntime, error: Error, req: IncomingMessage, res: ServerResponse): void {
  const context = app.frameworkContext as RouteContext
  const id = requestId(app, context, req)
  const log = requestLogger(app, context, id, req)
  const request: Request = new context.Request(id, {}, req, searchOf(req.url ?? ''), log, context)
  const reply: Reply = new context.Reply(res, request, log, context)
  if (context.requestLogging) app.logController.incomingRequest(request, reply)
  let result: unknown
  try {
    result = app.frameworkErrors!(error, request, reply)
  } catch (err) {
    fail(reply, err)
    return
  }
  if (isThenable(result)) settleReply(reply, result)
}

/** A 500 as Fastify answers when an async constraint strategy fails (no hooks: no route was found). */
function refuseAsyncConstraint (res: ServerResponse): void {
  const body = '{"error":"Internal Server Error","message":"Unexpected error from async constraint","statusCode":500}'
  res.writeHead(500, { 'content-type': 'application/json', 'content-length': body.length })
  res.end(body)
}

/** A path that does not decode (400) or a parameter over maxParamLength (414): answered before any hook runs, as Fastify does. */
function refuseRoute (error: Error & { code: string, statusCode?: number }, res: ServerResponse): void {
  const statusCode = error.statusCode ?? 400
  const body = JSON.stringify({ error: 'Bad Request', code: error.code, message: error.message, statusCode })
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function searchOf (url: string): string {
  const i = url.indexOf('?')
  return i === -1 ? '' : url.slice(i + 1)
}

function startRequest (app: WeftRuntime, context: RouteContext, req: IncomingMessage, res: ServerResponse,
  params: Record<string, string>, search: string): void {
  const id = requestId(app, context, req)
  const log = requestLogger(app, context, id, req)
  const request: Request = new context.Request(id, params, req, search, log, context)
  const reply: Reply = new context.Reply(res, request, log, context)
  watchRequest(reply) // request.signal's response, and the handlerTimeout timer if the route has one
  if (context.requestLogging) app.logController.incomingRequest(request, reply)
  if (context.watchResponse) {
    (res as ServerResponse & CarriesReply)[kReply] = reply
    res.on('finish', onResponseFinish) // on() avoids once()'s wrapper per request
    if (context.onRequestAbort !== null) {
      (req as IncomingMessage & CarriesReply)[kReply] = reply
      req.on('close', onRequestClose)
    }
  }
  if (context.onTimeout !== null) watchTimeout(req.socket, reply)
  if (app.observer !== null) app.observer.stage(reply, Stage.onRequest)
  if (context.onRequest !== null) runHooks(hookRun(reply), context.onRequest, Shape.plain, undefined, Guard.reply, afterOnRequest)
  else preParsingStage(reply)
}

/** The request's id: its route scope's setGenReqId() generator (called on the route's instance), else the app's. */
export function requestId (app: WeftRuntime, context: RouteContext, req: IncomingMessage): string {
  return context.genReqId === null ? app.genReqId(req) : context.genReqId.call(context.instance, req)
}

/** The request's logger: the app logger's child bound to the request id (with the route's level and serializers),
 *  or what a childLoggerFactory makes of it (called even with the logger off, as in Fastify). A factory that throws,
 *  or returns something not a logger (FST_ERR_LOG_INVALID_LOGGER), throws out of the request's dispatch as in Fastify. */
export function requestLogger (app: WeftRuntime, context: RouteContext, id: string, req: IncomingMessage): Logger {
  const factory = context.childLoggerFactory
  if (factory === null) {
    if (!app.loggerEnabled) return silentLogger
    const bindings = { [app.requestIdLogLabel]: id }
    const options = context.childLoggerOptions
    return options !== undefined ? app.log.child(bindings, options) : app.log.child(bindings)
  }
  const made: unknown = factory.call(context.instance, app.log, { [app.requestIdLogLabel]: id }, context.childLoggerOptions ?? {}, req)
  if (factory === defaultChildLoggerFactory) return made as Logger
  checkLogger(made, true)
  return made as Logger
}

const afterOnRequest: Continuation<Reply> = (run, err) => {
  if (err !== null) fail(run.reply, err)
  else preParsingStage(run.reply)
}

function preParsingStage (reply: Reply): void {
  const context = reply[kContext]
  // a timer or a socket event may resume this request: it does so in the context onRequest left
  if (context.handlerTimeout > 0 || context.onTimeout !== null || context.onRequestAbort !== null) captureAsyncContext(reply.request)
  const observer = context.app.observer
  if (observer !== null) observer.stage(reply, Stage.preParsing)
  const hooks = context.preParsing
  if (hooks !== null) runHooks(hookRun(reply), hooks, Shape.payload, reply.request.raw, Guard.reply, afterPreParsing)
  else parseStage(reply, reply.request.raw)
}

const afterPreParsing: Continuation<Reply> = (run, err, payload) => {
  if (err !== null) fail(run.reply, err)
  else parseStage(run.reply, payload as Readable) // a preParsing hook's stream, as Fastify takes it
}

function parseStage (reply: Reply, payload: Readable): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.parsing)
  const method = reply.request.raw.method!
  const context = reply[kContext]
  // only the methods with a body (POST, PUT, PATCH, DELETE, OPTIONS, QUERY and addHttpMethod's, GET included) are parsed
  if (!context.app.methods.bodywith.has(method)) {
    preValidationStage(reply)
    return
  }
  context.contentTypeParser.run(reply.request, payload, context.ownBodyLimit, context.is404, (err, refused) => {
    if (err === null) {
      preValidationStage(reply)
    } else {
      // a parser failed: the client may still be sending the body, the connection ends after this answer
      // (a request refused on its headers alone keeps it, as in Fastify)
      if (refused !== true) reply[kHeaders].connection = 'close'
      fail(reply, err)
    }
  })
}

function preValidationStage (reply: Reply): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.preValidation)
  const hooks = reply[kContext].preValidation
  if (hooks !== null) runHooks(hookRun(reply), hooks, Shape.plain, undefined, Guard.reply, afterPreValidation)
  else validationStage(reply)
}

const afterPreValidation: Continuation<Reply> = (run, err) => {
  if (err !== null) fail(run.reply, err)
  else validationStage(run.reply)
}

function validationStage (reply: Reply): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.validation)
  const context = reply[kContext]
  if (context.validators !== null) {
    const err = validateRequest(context.validators, reply.request, context.schemaErrorFormatter)
    if (err !== null) {
      if (err instanceof Promise) {
        // an async validator (Ajv `$async`, a custom one returning a promise): the request waits for its answer
        err.then((settled) => afterValidation(reply, settled), (thrown: unknown) => afterValidation(reply, asError(thrown)))
        return
      }
      afterValidation(reply, err)
      return
    }
  }
  preHandlerStage(reply)
}

function afterValidation (reply: Reply, err: Error | null): void {
  if (err !== null) {
    if (!reply[kContext].attachValidation) {
      fail(reply, err)
      return
    }
    reply.request.validationError = err
  }
  preHandlerStage(reply)
}

/** A schema error formatter that threw while an async validation settled: a server error, never an unhandled rejection. */
function asError (thrown: unknown): Error {
  const err = thrown instanceof Error ? thrown : new Error(String(thrown))
  ;(err as { statusCode?: number }).statusCode ??= 500
  return err
}

function preHandlerStage (reply: Reply): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.preHandler)
  const hooks = reply[kContext].preHandler
  if (hooks !== null) runHooks(hookRun(reply), hooks, Shape.plain, undefined, Guard.reply, afterPreHandler)
  else handlerStage(reply)
}

const afterPreHandler: Continuation<Reply> = (run, err) => {
  const reply = run.reply
  if (err === null) handlerStage(reply)
  else if (handlerChannel.hasSubscribers && !reply[kContext].is404) tracedFailure(reply, err)
  else fail(reply, err)
}

/** A preHandler hook failed: Fastify traces it as the handler call (start, error, end). */
function tracedFailure (reply: Reply, err: unknown): void {
  const context = reply[kContext]
  const trace = newHandlerTrace(reply.request, reply, context.url, context.method)
  handlerChannel.start.runStores(trace, failTraced, undefined, reply, trace, err)
}

function failTraced (reply: Reply, trace: HandlerTrace, err: unknown): void {
  try {
    traceError(reply, trace, err)
    fail(reply, err)
  } finally {
    handlerChannel.end.publish(trace)
  }
}

function handlerStage (reply: Reply): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.handler)
  const context = reply[kContext]
  // Fastify's `tracing:fastify.request.handler:*` events, only while someone subscribes (not for not-found routes)
  if (handlerChannel.hasSubscribers && !context.is404) {
    const trace = newHandlerTrace(reply.request, reply, context.url, context.method)
    handlerChannel.start.runStores(trace, tracedHandler, undefined, reply, context, trace)
    return
  }
  let result: unknown
  try {
    result = context.handler.call(context.instance, reply.request, reply)
  } catch (err) {
    handlerThrew(reply, err)
    return
  }
  handlerReturned(reply, result, undefined)
}

/** A handler threw: after a send or a hijack this only warns (FST_ERR_REP_ALREADY_SENT), as Fastify does. */
function handlerThrew (reply: Reply, err: unknown): void {
  if (reply[kSendCalled] || reply[kHijacked]) reply.send(err)
  else fail(reply, err)
}

/** What a handler returned: nothing or the reply (it sends later), a promise to settle, or the payload. */
function handlerReturned (reply: Reply, result: unknown, trace: HandlerTrace | undefined): void {
  if (result === undefined || result === reply) {
    // the handler sends later, maybe from another async context
    if (!reply[kSendCalled]) sendLater(reply)
    return
  }
  if (isThenable(result)) {
    settleReply(reply, result, trace)
    return
  }
  try {
    reply.send(result)
  } catch (err) {
    fail(reply, err) // a returned value send() refuses (FST_ERR_REP_INVALID_PAYLOAD_TYPE) is the request's error
  }
}

/** handlerStage under a trace: `error` when the handler throws, `end` once it returned. */
function tracedHandler (reply: Reply, context: RouteContext, trace: HandlerTrace): void {
  try {
    let result: unknown
    try {
      result = context.handler.call(context.instance, reply.request, reply)
    } catch (err) {
      traceError(reply, trace, err)
      handlerThrew(reply, err)
      return
    }
    handlerReturned(reply, result, trace)
  } finally {
    handlerChannel.end.publish(trace)
  }
}

/** reply.callNotFound(): the not-found route of the route's scope takes over, from its preHandler hooks on. */
function callNotFound (reply: Reply): void {
  const context = reply[kContext].notFound
  if (context === null) {
    reply.log.warn('Trying to send a NotFound error inside a 404 handler. Sending basic 404 response.')
    reply.code(404).send('404 Not Found')
    return
  }
  reply[kContext] = context
  reply.request[kContext] = context
  reply[kErrorHandler] = context.errorHandler
  preHandlerStage(reply)
}

function logHookError (run: HookRun<Reply>, err: unknown): void {
  if (err !== null) run.reply.log.error({ err }, 'onRequestAborted hook failed')
}

/** The response finished: onResponse hooks, then the `request completed` (or `request errored`) line. */
function onResponseFinish (this: ServerResponse & CarriesReply): void {
  const reply = this[kReply]
  if (reply === undefined) return // some responses (light-my-request's) emit 'finish' twice
  this[kReply] = undefined
  const context = reply[kContext]
  if (context.onTimeout !== null) unwatchTimeout(reply)
  if (context.app.observer !== null) context.app.observer.stage(reply, Stage.onResponse)
  if (context.onResponse !== null) runHooks(newHookRun(reply), context.onResponse, Shape.plain, undefined, Guard.none, afterOnResponse)
  else requestCompleted(reply, null)
}

const afterOnResponse: Continuation<Reply> = (run, err) => { requestCompleted(run.reply, err) }

/** The request is over: the observer's last stage, then the `request completed` / `request errored` line. */
function requestCompleted (reply: Reply, err: unknown): void {
  releaseAsyncContext(reply.request)
  const context = reply[kContext]
  const app = context.app
  if (app.observer !== null) app.observer.stage(reply, Stage.done)
  if (context.completedLogging) app.logController.requestCompleted(err, reply.request, reply)
}

/** The client went away before the response finished: onRequestAbort hooks. */
function onRequestClose (this: IncomingMessage & CarriesReply): void {
  const reply = this[kReply]
  if (reply === undefined) return
  this[kReply] = undefined
  if (!this.aborted || reply.raw.writableFinished) return
  inRequestContext(reply.request, runAbortHooks, reply, undefined)
}

function runAbortHooks (reply: Reply): void {
  runHooks(newHookRun(reply), reply[kContext].onRequestAbort!, Shape.request, undefined, Guard.none, logHookError)
}
