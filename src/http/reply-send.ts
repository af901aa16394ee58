// The send pipeline: a payload's content type and serializer, preSerialization hooks,
// serialization, then onSend hooks before the write (reply-write.ts).
import { Guard, runHooks, Shape, type Continuation } from '../hooks/request-hook-runner.js'
import { kContext } from './request.js'
import { Stage } from './request-observer.js'
import { serializerFor, serializerForType } from './serialization.js'
import { replyMediaType } from './reply-content-type.js'
import { fail, hookRun } from './reply-flow.js'
import { kHeaders, kSerializer, type ReplyState } from './reply-state.js'
import { isWebResponse, isWebStream } from './reply-web.js'
import { writeResponse } from './reply-write.js'

/** send(): an Error goes to the error flow, anything else down the send pipeline. */
export function sendNow (reply: ReplyState, payload: unknown): void {
  if (payload instanceof Error) fail(reply, payload)
  else sendPayload(reply, payload)
}

/** send() for anything that is not an Error: decide content type and whether to serialize. */
export function sendPayload (reply: ReplyState, payload: unknown): void {
  if (payload === undefined) {
    onSendStage(reply, undefined)
    return
  }
  const headers = reply[kHeaders]
  // as Fastify: a content type set on the raw response counts; an empty or malformed one does not
  const header = headers['content-type'] ?? reply.raw.getHeader('content-type')
  const contentType = header === undefined ? null : replyMediaType(header)
  if (payload !== null) {
    if (typeof (payload as { pipe?: unknown }).pipe === 'function' || isWebStream(payload) || isWebResponse(payload)) {
      onSendStage(reply, payload)
      return
    }
    if ((payload as { buffer?: unknown }).buffer instanceof ArrayBuffer) {
      if (contentType === null) headers['content-type'] = 'application/octet-stream'
      const bytes = payload as ArrayBufferView
      onSendStage(reply, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      return
    }
    if (contentType === null && typeof payload === 'string') {
      headers['content-type'] = 'text/plain; charset=utf-8'
      onSendStage(reply, payload)
      return
    }
  }
  const serializer = reply[kSerializer]
  if (serializer !== null) {
    if (typeof payload === 'string') {
      let body: string
      try {
        body = serializer(payload)
      } catch (err) {
        fail(reply, err)
        return
      }
      onSendStage(reply, body)
      return
    }
  } else if (contentType === null) {
    headers['content-type'] = 'application/json; charset=utf-8'
  } else if (contentType.mediaType.indexOf('json') !== -1) {
    // a JSON type without a charset gets utf-8 (application/hal+json too), its parameters re-written
    if (!contentType.hasCharset) headers['content-type'] = contentType.normal + '; charset=utf-8'
  } else {
    // a non-JSON content type: a string goes as it is; anything else is for onSend to turn into bytes
    onSendStage(reply, payload)
    return
  }
  if (typeof payload === 'string') {
    onSendStage(reply, payload)
    return
  }
  const hooks = reply[kContext].preSerialization
  if (hooks !== null) {
    const observer = reply[kContext].app.observer
    if (observer !== null) observer.stage(reply, Stage.preSerialization)
    runHooks(hookRun(reply), hooks, Shape.payload, payload, Guard.hijack, afterPreSerialization)
    return
  }
  serializeAndContinue(reply, payload)
}

const afterPreSerialization: Continuation<ReplyState> = (run, err, payload) => {
  const reply = run.reply
  if (err !== null) { fail(reply, err); return }
  try {
    serializeAndContinue(reply, payload)
  } catch (thrown) {
    // after a hook, the write's refusal (FST_ERR_REP_INVALID_PAYLOAD_TYPE) is the request's error
    fail(reply, thrown)
  }
}

function serializeAndContinue (reply: ReplyState, payload: unknown): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.serialization)
  let body: string
  try {
    body = serializePayload(reply, payload)
  } catch (err) {
    // the error handler can tell a serialization failure: `serialization` is the route's config
    if (err !== null && typeof err === 'object') (err as { serialization?: unknown }).serialization = reply[kContext].config
    fail(reply, err)
    return
  }
  onSendStage(reply, body)
}

export function serializePayload (reply: ReplyState, payload: unknown): string {
  const custom = reply[kSerializer]
  if (custom !== null) return custom(payload)
  const context = reply[kContext]
  // setReplySerializer() wins over the response schemas, as on Fastify
  if (context.replySerializer !== null) return context.replySerializer(payload, reply.raw.statusCode)
  if (context.serializers !== null) {
    const fn = context.serializersByType === null
      ? serializerFor(context.serializers, reply.raw.statusCode)
      : serializerForType(context, reply.raw.statusCode, reply[kHeaders]['content-type'])
    if (fn !== undefined) return fn(payload)
  }
  // a value JSON has no text for (a Symbol, a function) is an empty body, as Fastify's
  return JSON.stringify(payload)
}

/** Runs onSend (for every response, errors included), then writes. */
export function onSendStage (reply: ReplyState, payload: unknown): void {
  const observer = reply[kContext].app.observer
  if (observer !== null) observer.stage(reply, Stage.onSend)
  const hooks = reply[kContext].onSend
  if (hooks !== null) {
    runHooks(hookRun(reply), hooks, Shape.payload, payload, Guard.hijack, afterOnSend)
    return
  }
  writeResponse(reply, payload)
}

const afterOnSend: Continuation<ReplyState> = (run, err, payload) => {
  const reply = run.reply
  if (err !== null) { fail(reply, err); return }
  try {
    writeResponse(reply, payload)
  } catch (thrown) {
    fail(reply, thrown)
  }
}
