// What each fault case must end in on Weft, by construction (not by observation), and the cases
// where Weft deliberately answers differently from Fastify, each with its reason.

const answersBefore = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler', 'handler', 'preSerialization', 'onSend'])
const failures = new Set(['throw', 'reject-error', 'reject-string', 'reject-object', 'reject-number', 'status-99', 'status-700', "status-'500'"])

/**
 * A request case: the status (or 'closed' / 'aborted') the faulty request gets. An error ends in
 * 500 (a bogus statusCode is ignored); `done(null)` / `done(undefined)` is success, a rejection
 * without a reason is FST_ERR_SEND_UNDEFINED_ERR (500); a hook that never settles is cut by
 * handlerTimeout (503); the first send wins; a hijacked reply is the user's (200 'hijacked').
 */
export function expectedAnswer (c) {
  const f = c.fault.id
  if (c.target === 'onTimeout') return 'closed' // the socket timed out: nothing can be answered
  if (c.target === 'onRequestAbort') return 'aborted' // the client went away
  if (c.target === 'onResponse') return 200 // the response was written before the hook ran
  if (f === 'send-after-hijack') return 200
  if (f === 'never-settle') return 503
  if (c.target === 'onError') return 500 // the handler's error; the hook's own failure is only logged
  if (failures.has(f)) return 500
  // done(null) is success; the handler has no done: it throws the value
  if (f === 'reject-null' || f === 'reject-undefined') return c.style === 'callback' && c.target !== 'handler' ? 200 : 500
  if (f === 'send-twice' && (c.target === 'preSerialization' || c.target === 'onSend')) return 503
  if (answersBefore.has(c.target)) return 200
  throw new Error('no expectation for ' + c.id)
}

/**
 * An application case: which call fails. A hook or plugin that fails (throws, rejects, calls
 * done with an error, never settles within pluginTimeout) fails the call that runs it: ready()
 * and so listen() for plugins and onReady, close() for preClose and onClose; an onListen failure
 * is logged (the server listens); onRoute's throw reaches the route declaration; an async onRoute
 * or onRegister is not waited for and its rejection is logged. `done(null)`, and in this layer a
 * rejection without a reason, are success (as Fastify's application layer).
 */
export function expectedApp (c) {
  const f = c.fault.id
  const fails = failures.has(f) || f === 'never-settle'
  const install = c.target === 'onRoute' && f === 'throw' ? 'threw' : 'ok'
  let listen = 'resolved'
  let close = 'resolved'
  if (fails) {
    if (c.target === 'onReady' || c.target === 'plugin' || (c.target === 'onRegister' && f === 'throw')) listen = 'rejected'
    if (c.target === 'preClose' || c.target === 'onClose') close = 'rejected'
  }
  return `install:${install} listen:${listen} close:${close}`
}

/** Where Weft answers differently from Fastify on purpose (both answer; statuses differ). */
export const knownDifferences = {
  'preSerialization/callback/send-twice': 'a send from preSerialization after the handler\'s send is ignored (FST_ERR_REP_ALREADY_SENT warning) as any second send, and the hook never finishes: handlerTimeout answers 503; Fastify lets that send replace the answer (200 \'first\')',
  'preSerialization/async/send-twice': 'as preSerialization/callback/send-twice',
  'onSend/callback/send-twice': 'a send from onSend is ignored as a second send, handlerTimeout answers 503; Fastify recurses into onSend until the stack overflows (500, or the process aborts)',
  'onSend/async/send-twice': 'as onSend/callback/send-twice'
}
