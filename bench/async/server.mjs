// Benchmark server for bench/async.mjs: a node:http server whose handler awaits a few times,
// yields with setImmediate and stats a file, run under one tracker mode given as argv[2].
// Reports its port over IPC; answers { type: 'mark' } with requests served and CPU time used, and
// { type: 'memory' } with heap and tracker figures.
import http from 'node:http'
import fs from 'node:fs'
import { AsyncLocalStorage, createHook } from 'node:async_hooks'
import { createTracker, canSkipPromises } from 'weft/async'

const mode = process.argv[2] ?? 'none'
const file = new URL(import.meta.url).pathname
const body = JSON.stringify({ ok: true })

const immediate = () => new Promise(resolve => setImmediate(resolve))
const stat = () => new Promise((resolve, reject) => fs.stat(file, (err, s) => err ? reject(err) : resolve(s)))

async function handler (req, res) {
  await null
  await immediate()
  const s = await stat()
  await null
  res.setHeader('content-type', 'application/json')
  res.setHeader('x-size', String(s.size))
  res.end(body)
}

const fail = (res) => () => { res.statusCode = 500; res.end() }
let serve
let tracker
if (mode === 'none' || mode === 'baseline') {
  // 'baseline' is the same server as 'none': a control that shows the harness's own bias and noise
  serve = (req, res) => { handler(req, res).catch(fail(res)) }
} else if (mode === 'als') {
  const als = new AsyncLocalStorage()
  let n = 0
  serve = (req, res) => { als.run(++n, () => handler(req, res)).catch(fail(res)) }
} else if (mode === 'empty-hook') {
  // Node's own cost of any hook: four no-op callbacks (without promises where Node allows).
  const callbacks = { init () {}, before () {}, after () {}, destroy () {} }
  if (canSkipPromises) callbacks.trackPromises = false
  createHook(callbacks).enable()
  serve = (req, res) => { handler(req, res).catch(fail(res)) }
} else {
  // `<detail>` wraps every request in track(); `<detail>-hook` only enables the tracker.
  const [detail, variant] = mode.split('-')
  tracker = createTracker({ detail }).enable()
  serve = variant === 'hook'
    ? (req, res) => { handler(req, res).catch(fail(res)) }
    : (req, res) => { tracker.track('request', () => handler(req, res)).catch(fail(res)) }
}

let served = 0
const counted = (req, res) => { served++; serve(req, res) }
const server = http.createServer(counted)
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.send({ type: 'port', port: server.address().port }))

process.on('message', msg => {
  if (msg?.type === 'mark') {
    const cpu = process.cpuUsage()
    process.send({ type: 'mark', served, cpuUs: cpu.user + cpu.system })
    return
  }
  if (msg?.type !== 'memory') return
  globalThis.gc?.()
  const m = process.memoryUsage()
  const stats = tracker?.stats()
  process.send({ type: 'memory', heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss, live: stats?.live ?? 0, created: stats?.created ?? 0, dropped: stats?.dropped ?? 0, internalErrors: stats?.internalErrors ?? 0 })
})
