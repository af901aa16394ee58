// The fault-injection matrix, generated from data: every request hook, the handler, every
// application hook and a plugin, in both styles, times every fault; combinations that cannot exist
// are skipped by a named rule (and counted), never by hand.

export const requestTargets = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'handler',
  'preSerialization', 'onSend', 'onError', 'onResponse', 'onTimeout', 'onRequestAbort']
export const appTargets = ['onRoute', 'onRegister', 'onReady', 'onListen', 'preClose', 'onClose', 'plugin']
export const styles = ['callback', 'async']

/**
 * The faults. `fail` faults end the hook with a value: `done(value)` in the callback style, a
 * rejection with it in the async style. `request` faults need a reply (request targets only).
 */
export const faults = [
  { id: 'throw', kind: 'throw' }, // a synchronous throw before the hook finishes
  { id: 'reject-error', kind: 'fail', value: 'error' },
  { id: 'reject-string', kind: 'fail', value: 'string' },
  { id: 'reject-null', kind: 'fail', value: 'null' },
  { id: 'reject-undefined', kind: 'fail', value: 'undefined' },
  { id: 'reject-object', kind: 'fail', value: 'object' },
  { id: 'reject-number', kind: 'fail', value: 'number' },
  { id: 'never-settle', kind: 'never' },
  { id: 'done-twice', kind: 'done-twice' },
  { id: 'done-after-resolve', kind: 'done-after-resolve' },
  { id: 'send-twice', kind: 'send-twice', request: true },
  { id: 'send-after-hijack', kind: 'send-after-hijack', request: true },
  { id: 'timer-send-after-finish', kind: 'timer-send', request: true },
  { id: 'status-99', kind: 'fail', value: 'status', statusCode: 99, request: true },
  { id: 'status-700', kind: 'fail', value: 'status', statusCode: 700, request: true },
  { id: "status-'500'", kind: 'fail', value: 'status', statusCode: '500', request: true }
]

/** Why a combination does not exist; the first rule that matches skips it. */
export const skipRules = [
  { rule: 'the handler takes no done', when: (c) => c.target === 'handler' && c.fault.kind.startsWith('done-') },
  { rule: 'an async hook has no done', when: (c) => c.style === 'async' && c.fault.kind.startsWith('done-') },
  { rule: 'onRoute and onRegister are synchronous: no done', when: (c) => (c.target === 'onRoute' || c.target === 'onRegister') && (c.style === 'callback' || c.fault.kind.startsWith('done-')) },
  { rule: 'an application hook has no reply and no status', when: (c) => c.scope === 'app' && c.fault.request === true },
  { rule: 'onRequestAbort gets no reply', when: (c) => c.target === 'onRequestAbort' && c.fault.kind.startsWith('send') },
  { rule: 'onRequestAbort gets no reply', when: (c) => c.target === 'onRequestAbort' && c.fault.kind === 'timer-send' },
  { rule: 'the response finished before onResponse: nothing to hijack', when: (c) => c.target === 'onResponse' && c.fault.kind === 'send-after-hijack' }
]

/** Every combination, numbered; `skip` names the rule for those that do not exist. */
export function generateCases () {
  const cases = []
  for (const [scope, targets] of [['request', requestTargets], ['app', appTargets]]) {
    for (const target of targets) {
      for (const style of styles) {
        for (const fault of faults) {
          const c = { id: `${target}/${style}/${fault.id}`, scope, target, style, fault }
          c.skip = skipRules.find((r) => r.when(c))?.rule ?? null
          cases.push(c)
        }
      }
    }
  }
  return cases
}

/** The cases that run, and the skipped ones counted by rule. */
export function matrix () {
  const all = generateCases()
  const skipped = {}
  for (const c of all) if (c.skip !== null) skipped[c.skip] = (skipped[c.skip] ?? 0) + 1
  return { all, run: all.filter((c) => c.skip === null), skipped }
}
