// What the send path reads and writes of a reply, and the symbols of its slots: a leaf, so the
// Reply class (reply.ts) can call the send path's modules and they can name a reply without a cycle.
import type { ServerResponse } from 'node:http'
import type { Logger } from '../app/logger.js'
import type { HookRun, kHijacked, kSendCalled } from '../hooks/request-hook-runner.js'
import type { Trailers } from './reply-trailers.js'
import type { kContext, Request } from './request.js'
import type { RouteContext } from './route-context.js'

export const kHeaders = Symbol('weft.headers')
export const kRun = Symbol('weft.run')
export const kErrorHandler = Symbol('weft.errorHandler')
export const kRunningOnError = Symbol('weft.runningOnError')
export const kOnErrorRan = Symbol('weft.onErrorRan')
export const kSerializer = Symbol('weft.serializer')
export const kStart = Symbol('weft.start')
export const kTrailers = Symbol('weft.trailers')
/** The handler finished without sending: a later send may come from another async context (a driver's callback). */
export const kSendLater = Symbol('weft.sendLater')

export type Headers = Record<string, string | number | string[]>

/** The reply as the send path sees it; the Reply class implements it. */
export interface ReplyState {
  raw: ServerResponse
  request: Request
  log: Logger
  /** The response's status code (the raw response's). */
  readonly statusCode: number
  /** Milliseconds since the request started. */
  readonly elapsedTime: number
  [kSendCalled]: boolean
  [kHeaders]: Headers
  [kContext]: RouteContext
  /** This reply's own hook run (see hookRun in reply-flow.ts). */
  [kRun]: HookRun<this> | null
  [kSerializer]: ((payload: unknown) => string) | null
  [kHijacked]: boolean
  [kSendLater]: boolean
  [kTrailers]: Trailers | null
  readonly sent: boolean
  code (statusCode: number): this
  header (key: string, value: unknown): this
  send (payload?: unknown): this
}
