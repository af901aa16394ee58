// A stream payload: piped into the response; a failing source becomes the request's error (or
// ends the response once headers are out); a client gone early closes the source.
import { finished } from 'node:stream'
import { fail } from './reply-flow.js'
import { kHeaders, kTrailers, type ReplyState } from './reply-state.js'
import { kContext } from './request.js'
import { sendTrailers } from './reply-trailers.js'

export function sendStream (reply: ReplyState, stream: NodeJS.ReadableStream): void {
  const res = reply.raw
  const headers = reply[kHeaders]
  for (const key in headers) res.setHeader(key, headers[key]!)
  let failed = false
  let sourceOpen = true
  const trailers = reply[kTrailers]
  stream.on('error', (err: Error) => {
    sourceOpen = false
    if (failed) return
    failed = true
    if (!res.headersSent) {
      // as Fastify, the headers stay set for the error's answer (the error flow re-chooses its content type)
      fail(reply, err)
    } else {
      reply[kContext].app.logController.streamError(err, reply.request, reply)
      res.destroy()
    }
  })
  // finished() also reports a stream that had already ended when it was sent
  try {
    finished(stream, { readable: true, writable: false }, (err) => {
      sourceOpen = false
      if (err == null && trailers !== null && !failed) sendTrailers(reply, trailers, res, null)
    })
  } catch {
    // a stream-like payload Node does not take for a stream: its own pipe() ends the response
  }
  // the response is over while the source still runs (the client left, or code ended reply.raw itself): stop it
  res.once('close', () => {
    // a source that has ended is done, though finished() may not have said so yet (inject's response closes at once)
    if (!sourceOpen || (stream as { readableEnded?: boolean }).readableEnded === true) return
    if (!res.writableFinished && res.headersSent && !failed) reply[kContext].app.logController.streamError(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }), reply.request, reply)
    closeSource(reply, stream)
  })
  // with trailers, they end the response once the stream has ended (finished() above)
  stream.pipe(res, trailers === null ? undefined : { end: false })
}

/** Stops a stream payload the client no longer reads: destroy(), else close(), else abort() (as Fastify tries them). */
function closeSource (reply: ReplyState, stream: NodeJS.ReadableStream): void {
  const source = stream as unknown as { destroy?: unknown, close?: unknown, abort?: unknown }
  try {
    if (typeof source.destroy === 'function') source.destroy()
    else if (typeof source.close === 'function') source.close(ignore)
    else if (typeof source.abort === 'function') source.abort()
    else reply.log.warn('stream payload does not end properly')
  } catch (err) {
    reply.log.warn({ err }, 'closing the stream payload failed')
  }
}

function ignore (): void {}
