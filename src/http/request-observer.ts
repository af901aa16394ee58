// The seam weft/observe plugs into, costing one null check per stage when nothing is plugged:
// the lifecycle announces each stage of a request and wraps the whole request in the observer's
// `request()`; the request-hook runner tells it as each hook starts. http never imports observe.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The stages the request path announces, in order. */
export const Stage = {
  onRequest: 0,
  preParsing: 1,
  parsing: 2,
  preValidation: 3,
  validation: 4,
  preHandler: 5,
  handler: 6,
  preSerialization: 7,
  serialization: 8,
  onSend: 9,
  write: 10,
  onResponse: 11,
  onError: 12,
  errorHandler: 13,
  /** onResponse hooks have run; the request is over. */
  done: 14
} as const
export type StageValue = typeof Stage[keyof typeof Stage]

export const stageNames = ['onRequest', 'preParsing', 'parsing', 'preValidation', 'validation', 'preHandler', 'handler',
  'preSerialization', 'serialization', 'onSend', 'write', 'onResponse', 'onError', 'errorHandler', 'done'] as const

export interface RequestObserver {
  /** Runs the whole request path (`run`) in the observer's context; called before routing. */
  request (req: IncomingMessage, res: ServerResponse, run: () => void): void
  /** A stage of this request begins. `reply` is the request's Reply; `error` is given for onError and errorHandler. */
  stage (reply: any, stage: StageValue, error?: unknown): void
  /** A hook function of this request starts (it ends when the next one, or the next stage, starts). Bound: called as a plain function. */
  readonly hook: (reply: any, fn: Function) => void
}
