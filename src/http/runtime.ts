// The app-wide settings the request path reads, in one place; HttpApp provides them.
import type { IncomingMessage } from 'node:http'
import type { LifecycleState } from '../app/app-lifecycle.js'
import type { Logger } from '../app/logger.js'
import type { HttpMethods } from './http-methods.js'
import type { LogController } from './log-controller.js'
import type { RequestObserver } from './request-observer.js'
import type { TrustFn } from './trust-proxy.js'

export interface WeftRuntime {
  readonly state: LifecycleState
  readonly log: Logger
  /** The request lines are attempted on every route (a route with a childLoggerFactory may still turn them on:
   *  writesRequestLines, RouteContext.requestLogging). */
  readonly requestLogging: boolean
  /** The lines are wanted wherever a request's logger can write them: false only for disableRequestLogging: true
   *  without a logController. With the logger off, a route's childLoggerFactory may give its requests such a logger. */
  readonly requestLinesWanted: boolean
  readonly loggerEnabled: boolean
  /** Writes the request lines (the logController option, or one made from disableRequestLogging and requestIdLogLabel). */
  readonly logController: LogController
  readonly return503OnClosing: boolean
  /** The trustProxy option as a trust function; null when off. */
  readonly trustProxy: TrustFn | null
  readonly querystringParser: ((search: string) => Record<string, unknown>) | null
  /** Whether a route is constrained by version (request.routeOptions.version is then the Accept-Version sent). */
  readonly versioned: boolean
  readonly requestIdLogLabel: string
  genReqId (req: IncomingMessage): string
  /** The `frameworkErrors` option: the handler for requests the router refused. */
  readonly frameworkErrors: ((error: Error, request: any, reply: any) => unknown) | null
  /** The hookless route context those requests get (made at boot; typed by shape here: route-context imports this file). */
  readonly frameworkContext: object | null
  /** The routed methods: which have a body to parse (addHttpMethod changes them). */
  readonly methods: HttpMethods
  /** weft/observe's seam: null unless an observer is plugged in. */
  readonly observer: RequestObserver | null
  /** The steps a reply hands over to, passed in by the app (the request path's modules never import back). */
  readonly stages: RequestStages
}

/** A route's request lines are attempted (RouteContext.requestLogging): the app's setting, or a childLoggerFactory
 *  whose loggers may write them with the logger off, unless disableRequestLogging is true. */
export function writesRequestLines (app: WeftRuntime, childLoggerFactory: unknown): boolean {
  return app.requestLogging || (childLoggerFactory !== null && app.requestLinesWanted)
}

export interface RequestStages {
  /** The error flow: onError hooks, the error-handler chain, onSend, write. */
  fail (reply: unknown, error: unknown): void
  /** reply.callNotFound(): the not-found route of the request's URL, from its preHandler hooks on. */
  notFound (reply: unknown): void
}
