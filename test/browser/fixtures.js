// Test fixtures for the live page: an ActivitySource filled by hand, activities and process
// samples built by construction, and the page's API (from the build) until weft/observe exports it.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import http from 'node:http'
import { existsSync } from 'node:fs'
export { registerActivityPage } from 'weft/observe'

/** Debian's chromium (or CHROMIUM_PATH), and the reason to skip when there is none. */
export function findChromium () {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate
  }
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}
export const noChromium = 'no chromium binary found (install the Debian package `chromium`, or set CHROMIUM_PATH)'

/** An ActivitySource the test fills; weft/observe's own source has the same methods. */
export class TestSource {
  activities = [] // newest first
  samples = []
  listeners = new Set()
  startupView = null

  recent () { return this.activities.slice() }
  routes () { return routeSummaries(this.activities) }
  processSamples () { return this.samples.slice() }
  startup () { return this.startupView }
  subscribe (listener) {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  push (activity) {
    this.activities.unshift(activity)
    for (const l of this.listeners) l({ type: 'activity', activity })
  }

  pushSample (sample) {
    this.samples.push(sample)
    for (const l of this.listeners) l({ type: 'process', sample })
  }
}

const nearestRank = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]
const percentiles = (values) => {
  const s = values.slice().sort((a, b) => a - b)
  return { p50: nearestRank(s, 50), p95: nearestRank(s, 95), p99: nearestRank(s, 99), max: s[s.length - 1] }
}

/** Per-route figures computed plainly from the activities (the page only draws them). */
export function routeSummaries (activities) {
  const byRoute = new Map()
  for (const a of activities) {
    if (a.route === null) continue
    const key = a.method + ' ' + a.route
    if (!byRoute.has(key)) byRoute.set(key, [])
    byRoute.get(key).push(a)
  }
  return [...byRoute.values()].map((list) => {
    const ops = new Map()
    for (const a of list) for (const op of a.operations) ops.set(op.kind + ' ' + op.name, { kind: op.kind, name: op.name, count: (ops.get(op.kind + ' ' + op.name)?.count ?? 0) + op.count })
    const leaks = {}
    for (const a of list) for (const l of a.leaks) leaks[l.kind] = (leaks[l.kind] ?? 0) + 1
    return {
      method: list[0].method,
      route: list[0].route,
      count: list.length,
      errors: list.filter((a) => a.statusCode >= 500).length,
      wallMs: percentiles(list.map((a) => a.wallMs)),
      cpuMs: percentiles(list.map((a) => a.cpuMs)),
      operations: [...ops.values()].sort((x, y) => y.count - x.count),
      leaks
    }
  })
}

let nextId = 1

/**
 * A request that ran routing, two onRequest hooks, its handler (two file reads and an outgoing
 * call that was still open when the response finished), serialization and one onSend hook.
 * `scale` stretches every time, so requests differ in duration.
 */
export function makeActivity ({ method = 'GET', route = '/users/:id', statusCode = 200, scale = 1 } = {}) {
  const id = 'req-' + nextId++
  const t = (ms) => ms * scale
  return {
    id,
    method,
    route,
    url: route === null ? '/nowhere' : route.replace(':id', String(nextId)),
    statusCode,
    detail: 'resources',
    startedAt: Date.now(),
    wallMs: t(40),
    cpuMs: t(6),
    cpuClock: 'thread',
    maxBlockMs: t(2),
    waitMs: t(34),
    loopWaitMs: t(12),
    phases: [
      { name: 'routing', startMs: 0, wallMs: t(0.5), hooks: [] },
      { name: 'onRequest', startMs: t(0.5), wallMs: t(4), hooks: [{ name: 'authenticate', startMs: t(0.5), wallMs: t(3) }, { name: 'anonymous', startMs: t(3.5), wallMs: t(1) }] },
      { name: 'handler', startMs: t(4.5), wallMs: t(30), hooks: [] },
      { name: 'serialization', startMs: t(34.5), wallMs: t(2), hooks: [] },
      { name: 'onSend', startMs: t(36.5), wallMs: t(2), hooks: [{ name: 'compress', startMs: t(36.5), wallMs: t(2) }] },
      { name: 'write', startMs: t(38.5), wallMs: t(1.5), hooks: [] }
    ],
    operations: [
      { kind: 'http.client', name: 'GET 127.0.0.1:5001', count: 1, active: 1, wallMs: t(26), cpuMs: t(0.5), maxBlockMs: t(0.3) },
      { kind: 'fs', name: 'fs.readFile', count: 2, active: 0, wallMs: t(14), cpuMs: t(1.2), maxBlockMs: t(0.7) }
    ],
    // deliberately not in start order: the waterfall sorts them
    spans: [
      { kind: 'http.client', name: 'GET 127.0.0.1:5001', startMs: t(12), wallMs: t(26), attributes: { 'http.response.status_code': 200 } },
      { kind: 'fs', name: 'fs.readFile', startMs: t(5), wallMs: t(6) },
      { kind: 'fs', name: 'fs.readFile', startMs: t(6), wallMs: t(8) }
    ],
    leaks: statusCode >= 500 ? [] : [{ asyncId: 90 + nextId, type: 'TCPWRAP', kind: 'net', ageMs: t(27), operation: 'http.client GET 127.0.0.1:5001' }],
    logs: [{ level: 'info', msg: 'incoming request', timeMs: t(0.3) }, { level: 'warn', msg: 'slow upstream', timeMs: t(20) }]
  }
}

/** The bars the waterfall must draw for an activity, in order: kind, start and duration. */
export function expectedBars (a) {
  const bars = [{ kind: 'request', startMs: 0, wallMs: a.wallMs }, { kind: 'cpu', startMs: null, wallMs: a.cpuMs }]
  for (const p of a.phases) {
    bars.push({ kind: 'phase', startMs: p.startMs, wallMs: p.wallMs })
    for (const h of p.hooks) bars.push({ kind: 'hook', startMs: h.startMs, wallMs: h.wallMs })
  }
  for (const s of a.spans.slice().sort((x, y) => x.startMs - y.startMs)) bars.push({ kind: 'span', startMs: s.startMs, wallMs: s.wallMs })
  return bars
}

export function makeSample (i, { cpuPercent = 10 + i, rssMb = 80 + i, heapMb = 30 + i / 2 } = {}) {
  return {
    time: Date.now() - 60_000 + i * 1000,
    cpuPercent,
    cpuUserMs: 5,
    cpuSystemMs: 1,
    rssBytes: rssMb * 1048576,
    heapUsedBytes: heapMb * 1048576,
    heapTotalBytes: 64 * 1048576,
    externalBytes: 2 * 1048576,
    elu: 0.1 + (i % 5) / 20,
    eventLoopDelay: { minMs: 0.1, meanMs: 1, p50Ms: 1, p99Ms: 2 + (i % 7), maxMs: 12 },
    activeResources: { Timeout: 2, TCPSocketWrap: 3 }
  }
}

export const startupView = {
  plugins: [
    { name: 'database', startMs: 0, wallMs: 40, depth: 0 },
    { name: 'auth', startMs: 40, wallMs: 12, depth: 0 },
    { name: 'users-routes', startMs: 52, wallMs: 8, depth: 1 }
  ],
  hooks: [{ name: 'onReady: warm cache', wallMs: 15 }, { name: 'onListen', wallMs: 1 }],
  tree: {
    name: 'root',
    hooks: ['onRequest'],
    decorators: ['db'],
    routes: [],
    children: [
      { name: 'auth', hooks: ['onRequest'], decorators: ['user'], routes: [], children: [] },
      { name: 'users-routes', hooks: ['preHandler'], decorators: [], routes: ['GET /users/:id', 'POST /users'], children: [] }
    ]
  }
}

/** Opens the page's event stream at `base` on a connection of its own; `text()` is what it received so far. */
export function openStream (base, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(base + '/_weft/events', { headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      resolve({ req, res, text: () => text })
    })
    req.on('error', reject)
  })
}

/** Resolves once `check()` holds; fails naming `what` after `ms`. */
export async function until (check, what, ms = 10_000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) assert.fail('timed out waiting for ' + what)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
