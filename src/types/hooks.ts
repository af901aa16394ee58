// The handler type of every hook, per style: an async hook leaves `done` out, a callback hook
// takes a `done` typed for its hook (payload hooks pass the new payload on). addHook() takes the
// callback signature, which async hooks fit too. `I` is the instance
// (`this`), `Req` / `Rep` the request and reply, `P` the payload type of preSerialization.
import type { Readable } from 'node:stream'

export type HookDone = (err?: Error | null) => void
export type PayloadDone<T> = (err?: Error | null, value?: T) => void

/** [async style, callback style] for each hook name. */
export interface HookHandlers<I, Req, Rep, P = unknown> {
  onRequest: [(this: I, request: Req, reply: Rep) => Promise<unknown>, (this: I, request: Req, reply: Rep, done: HookDone) => void]
  preParsing: [(this: I, request: Req, reply: Rep, payload: Readable) => Promise<Readable | NodeJS.ReadableStream | void>,
    (this: I, request: Req, reply: Rep, payload: Readable, done: PayloadDone<Readable | NodeJS.ReadableStream>) => void]
  preValidation: [(this: I, request: Req, reply: Rep) => Promise<unknown>, (this: I, request: Req, reply: Rep, done: HookDone) => void]
  preHandler: [(this: I, request: Req, reply: Rep) => Promise<unknown>, (this: I, request: Req, reply: Rep, done: HookDone) => void]
  /** The payload the handler sent, before serialization (not strings, Buffers or streams: those skip this hook). */
  preSerialization: [(this: I, request: Req, reply: Rep, payload: P) => Promise<unknown>,
    (this: I, request: Req, reply: Rep, payload: P, done: PayloadDone<unknown>) => void]
  /** The serialized payload (a string, Buffer, stream, or undefined), or an object sent under a non-JSON content type. */
  onSend: [(this: I, request: Req, reply: Rep, payload: unknown) => Promise<unknown>,
    (this: I, request: Req, reply: Rep, payload: unknown, done: PayloadDone<unknown>) => void]
  onResponse: [(this: I, request: Req, reply: Rep) => Promise<unknown>, (this: I, request: Req, reply: Rep, done: HookDone) => void]
  onTimeout: [(this: I, request: Req, reply: Rep) => Promise<unknown>, (this: I, request: Req, reply: Rep, done: HookDone) => void]
  onError: [(this: I, request: Req, reply: Rep, error: WeftHookError) => Promise<unknown>,
    (this: I, request: Req, reply: Rep, error: WeftHookError, done: () => void) => void]
  onRequestAbort: [(this: I, request: Req) => Promise<unknown>, (this: I, request: Req, done: HookDone) => void]
}

/** What onError hooks see: an Error with Fastify's optional fields. */
export interface WeftHookError extends Error {
  statusCode?: number
  code?: string
  validation?: unknown[]
  validationContext?: string
}

/** Application hooks: [async style, callback style]; onRoute and onRegister are synchronous only. */
export interface AppHookHandlers<I, RouteOpts> {
  onReady: [(this: I) => Promise<unknown>, (this: I, done: HookDone) => void]
  onListen: [(this: I) => Promise<unknown>, (this: I, done: HookDone) => void]
  preClose: [(this: I) => Promise<unknown>, (this: I, done: HookDone) => void]
  onClose: [(this: I, instance: I) => Promise<unknown>, (this: I, instance: I, done: HookDone) => void]
  onRoute: [(this: I, routeOptions: RouteOpts) => void, (this: I, routeOptions: RouteOpts) => void]
  onRegister: [(this: I, instance: I, opts: Record<string, any>) => void, (this: I, instance: I, opts: Record<string, any>) => void]
}

export type RequestHookName = keyof HookHandlers<unknown, unknown, unknown>
export type AppHookName = keyof AppHookHandlers<unknown, unknown>

/** A route's own hook option: one handler or a list, either style. */
export type RouteHookOption<H extends [unknown, unknown]> = H[0] | H[1] | Array<H[0] | H[1]>
