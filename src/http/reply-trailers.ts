// reply.trailer(): which names may be trailers, the Trailer header announcing them, and sending
// their values (callback or promise functions) once the body is written.
import type { ServerResponse } from 'node:http'
import type { Logger } from '../app/logger.js'

/** (reply, payload, done) → value, by callback or promise. */
export type TrailerFn = (reply: any, payload: unknown, done: (err: unknown, value?: unknown) => void) => unknown
export type Trailers = Record<string, TrailerFn | undefined>

/** Fields a trailer must not carry (RFC 9110 §6.5.1 and Fastify's list). */
export const FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  'transfer-encoding', 'content-length', 'host', 'cache-control', 'max-forwards', 'te', 'authorization',
  'set-cookie', 'content-encoding', 'content-type', 'content-range', 'trailer'
])

/** The names of the trailers still set, space-separated ('' when none). */
export function trailerNames (trailers: Trailers): string {
  let names = ''
  for (const name in trailers) {
    if (typeof trailers[name] !== 'function') continue
    names = names === '' ? name : names + ' ' + name
  }
  return names
}

/**
 * Calls every trailer function, then adds their values and ends the response. A trailer that fails
 * is left out (logged at debug level): the client already has the body.
 */
export function sendTrailers (reply: { log: Logger }, trailers: Trailers, res: ServerResponse, payload: unknown): void {
  const values: Record<string, string> = {}
  let pending = 0
  let any = false
  let ended = false
  const finish = (): void => {
    if (pending !== 0 || ended) return
    ended = true
    try {
      res.addTrailers(values)
    } catch (err) {
      reply.log.debug({ err }, 'invalid trailer value')
    }
    res.end()
  }
  for (const name in trailers) {
    const fn = trailers[name]
    if (typeof fn !== 'function') continue
    pending++
    any = true
    let called = false
    const done = (err: unknown, value?: unknown): void => {
      if (called) return
      called = true
      pending--
      if (err) reply.log.debug({ err }, `trailer ${name} failed`)
      else values[name] = value as string
      process.nextTick(finish)
    }
    let result: unknown
    try {
      result = fn(reply, payload, done)
    } catch (err) {
      done(err)
      continue
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then((v) => done(null, v), done)
    }
  }
  // no trailer function left (all removed): the response just ends
  if (!any) { ended = true; res.end() }
}
