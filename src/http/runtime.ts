// The app-wide settings the request path reads, in one place; HttpApp provides them.
import type { IncomingMessage } from 'node:http'
import type { LifecycleState } from '../app/app-lifecycle.js'
import type { Logger } from '../app/logger.js'
import type { RouteContext } from './route-context.js'

export interface WeftRuntime {
  readonly state: LifecycleState
  readonly log: Logger
  /** Per-request child loggers and the incoming/completed lines are on. */
  readonly requestLogging: boolean
  readonly loggerEnabled: boolean
  readonly return503OnClosing: boolean
  readonly trustProxy: boolean
  readonly querystringParser: ((search: string) => Record<string, unknown>) | null
  readonly requestIdLogLabel: string
  genReqId (req: IncomingMessage): string
  /** The not-found route of the scope that owns this URL (reply.callNotFound). */
  notFoundContext (req: IncomingMessage): RouteContext
}
