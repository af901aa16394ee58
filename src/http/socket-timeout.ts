// onTimeout hooks: a socket's 'timeout' listener (added once per socket, on its first request
// whose route has onTimeout hooks) runs the hooks of the request the socket serves now. The
// socket forgets that request once its response finished or the reply was hijacked, so a
// keep-alive socket does not hold a finished request and reply until its next request or its end.
import type { Socket } from 'node:net'
import { Guard, runHooks, Shape, type HookRun } from '../hooks/request-hook-runner.js'
import { newHookRun } from './reply-flow.js'
import { inRequestContext } from './request-context.js'
import { kContext } from './request.js'
import type { ReplyState } from './reply-state.js'

const kTimeoutReply = Symbol('weft.timeoutReply')
/** The reply of the request a socket serves now (null: none; undefined: no listener yet). */
interface CarriesTimeoutReply { [kTimeoutReply]?: ReplyState | null }

/** From now on the socket's 'timeout' runs this reply's onTimeout hooks. */
export function watchTimeout (socket: Socket, reply: ReplyState): void {
  const carrier = socket as Socket & CarriesTimeoutReply
  if (carrier[kTimeoutReply] === undefined) socket.on('timeout', onSocketTimeout)
  carrier[kTimeoutReply] = reply
}

/** The reply's response finished, or it was hijacked: its socket lets go of it. */
export function unwatchTimeout (reply: ReplyState): void {
  const socket = reply.request.raw.socket as (Socket & CarriesTimeoutReply) | null
  if (socket != null && socket[kTimeoutReply] === reply) socket[kTimeoutReply] = null
}

function onSocketTimeout (this: Socket & CarriesTimeoutReply): void {
  const reply = this[kTimeoutReply]
  if (reply == null || reply.raw.writableFinished) return
  if (reply[kContext].onTimeout !== null) inRequestContext(reply.request, runTimeoutHooks, reply, undefined)
}

function runTimeoutHooks (reply: ReplyState): void {
  runHooks(newHookRun(reply), reply[kContext].onTimeout!, Shape.plain, undefined, Guard.none, logOnTimeoutError)
}

function logOnTimeoutError (run: HookRun<ReplyState>, err: unknown): void {
  if (err !== null) run.reply.log.error({ err }, 'onTimeout hook failed')
}
