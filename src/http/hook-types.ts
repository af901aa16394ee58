// The signatures addHook accepts, per hook name: one signature each, with `done` last, so
// callback hooks and async hooks (which simply leave `done` out) are both typed from context.
import type { Readable } from 'node:stream'
import type { Reply } from './reply.js'
import type { Request } from './request.js'

export type HookDone = (err?: Error | null) => void
export type PayloadDone<T> = (err?: Error | null, value?: T) => void
type Req = Request & Record<string, any>
type Rep = Reply & Record<string, any>

export interface HookSignatures<I> {
  onRequest: (this: I, request: Req, reply: Rep, done: HookDone) => unknown
  preParsing: (this: I, request: Req, reply: Rep, payload: Readable, done: PayloadDone<Readable>) => unknown
  preValidation: (this: I, request: Req, reply: Rep, done: HookDone) => unknown
  preHandler: (this: I, request: Req, reply: Rep, done: HookDone) => unknown
  preSerialization: (this: I, request: Req, reply: Rep, payload: any, done: PayloadDone<unknown>) => unknown
  onError: (this: I, request: Req, reply: Rep, error: any, done: HookDone) => unknown
  onSend: (this: I, request: Req, reply: Rep, payload: any, done: PayloadDone<unknown>) => unknown
  onResponse: (this: I, request: Req, reply: Rep, done: HookDone) => unknown
  onTimeout: (this: I, request: Req, reply: Rep, done: HookDone) => unknown
  onRequestAbort: (this: I, request: Req, done: HookDone) => unknown
  onRoute: (this: I, routeOptions: Record<string, any>) => void
  onRegister: (this: I, instance: I, opts: Record<string, any>) => void
  onReady: (this: I, done: HookDone) => unknown
  onListen: (this: I, done: HookDone) => unknown
  preClose: (this: I, done: HookDone) => unknown
  onClose: (this: I, instance: I, done: HookDone) => unknown
}
