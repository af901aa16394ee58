// The logController option (Fastify 5.12's LogController): the one place that writes the lines
// Weft logs about requests; users subclass it to change, add or drop them.
import { codes } from '../errors.js'

export interface LogControllerOptions {
  /** true, or a function of the request returning true, to leave a request's lines out. */
  disableRequestLogging?: boolean | ((request: any) => boolean)
  /** The binding that carries the request id on each request's logger ('reqId'). */
  requestIdLogLabel?: string
}

interface RequestLike { log: any, raw: { url?: string, method?: string } }
interface ReplyLike { log: any, statusCode: number, elapsedTime: number }

export class LogController {
  disableRequestLogging: boolean | ((request: any) => boolean)
  requestIdLogLabel: string
  readonly #filter: ((request: any) => boolean) | null

  constructor (options?: LogControllerOptions) {
    const given = options ?? {}
    this.disableRequestLogging = given.disableRequestLogging || false
    this.#filter = typeof this.disableRequestLogging === 'function' ? this.disableRequestLogging : null
    this.requestIdLogLabel = given.requestIdLogLabel || 'reqId'
  }

  /** Whether this request's lines are left out (`request` may be the raw request when none was made). */
  isLogDisabled (request: unknown): boolean {
    return this.#filter !== null ? this.#filter(request) : this.disableRequestLogging === true
  }

  /** `incoming request`, at info, when a request starts. */
  incomingRequest (request: RequestLike, reply: ReplyLike, metadata?: unknown): void {
    if (this.isLogDisabled(request)) return
    request.log.info({ req: request }, 'incoming request')
  }

  /** `request completed` at info, or `request errored` at error when the response failed. */
  requestCompleted (error: unknown, request: RequestLike, reply: ReplyLike, metadata?: unknown): void {
    if (this.isLogDisabled(request)) return
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }

  /** The default error handler's line: error with the request for a 5xx, info below. */
  defaultErrorLog (error: unknown, request: RequestLike, reply: ReplyLike, metadata?: unknown): void {
    if (this.isLogDisabled(request)) return
    const message = (error as { message?: string } | null | undefined)?.message
    if (reply.statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, message)
    else reply.log.info({ res: reply, err: error }, message)
  }

  /** A streamed body failing once its headers were sent (warn), or closed early by the client (info). */
  streamError (error: unknown, request: RequestLike, reply: ReplyLike, metadata?: unknown): void {
    if (this.isLogDisabled(request)) return
    if ((error as { code?: unknown } | null | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE') reply.log.info({ res: reply }, 'stream closed prematurely')
    else reply.log.warn({ err: error }, 'response terminated with an error with headers already sent')
  }

  /** The default not-found handler's line. */
  routeNotFound (request: RequestLike, reply: ReplyLike, metadata?: unknown): void {
    if (this.isLogDisabled(request)) return
    request.log.info(`Route ${request.raw.method}:${request.raw.url} not found`)
  }

  /** Writing the error response's head failed. */
  writeHeadError (error: unknown, request: RequestLike, reply: ReplyLike, metadata?: unknown): void {
    if (this.isLogDisabled(request)) return
    reply.log.warn({ req: request, res: reply, err: error }, (error as { message?: string } | null | undefined)?.message)
  }

  /** The response schema's serializer for `metadata.statusCode` failed on an error body. */
  serializerError (error: unknown, request: RequestLike, reply: ReplyLike, metadata: { statusCode: number }): void {
    if (this.isLogDisabled(request)) return
    reply.log.error({ err: error, statusCode: metadata.statusCode }, 'The serializer for the given status code failed')
  }

  /** A request refused with a 503 while the app closes; always logged. */
  serviceUnavailable (logger: { info: (obj: unknown, msg: string) => void }, server: unknown): void {
    logger.info({ res: { statusCode: 503 } }, 'request aborted - refusing to accept new requests as server is closing')
  }
}

/** The app's controller: the logController option (an instance of LogController), else (a falsy one, as in Fastify)
 *  one made from the older options. */
export function logControllerOf (options: LogControllerOptions & { logController?: unknown }): LogController {
  const given = options.logController
  if (!given) {
    return new LogController({ disableRequestLogging: options.disableRequestLogging, requestIdLogLabel: options.requestIdLogLabel })
  }
  if (given instanceof LogController) return given
  throw new codes.FST_ERR_LOG_INVALID_LOG_CONTROLLER(typeof given)
}
