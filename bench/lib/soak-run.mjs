// One soak run: forks the observed server (soak-server.mjs) at a level, starts the upstream, the OTLP
// receiver cycling accept → slow → down every `modeSeconds`, the page's event-stream readers and the
// load; collects the server's samples (once a second, over IPC) and, after the load, checks the
// server still answers promptly. Shared by bench/soak.mjs and test/reliability/soak.test.js.
import { fork } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { startLoad, probe } from './soak-load.mjs'
import { startReceiver } from './soak-receiver.mjs'
import { openStreams } from './soak-streams.mjs'

const serverFile = fileURLToPath(new URL('./soak-server.mjs', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
export const MODES = ['accept', 'slow', 'down']

/** The outgoing fetch's target: every GET answered with a small JSON body. */
async function startUpstream () {
  const body = JSON.stringify({ ok: true })
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
  })
  server.keepAliveTimeout = 60_000
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => { server.closeAllConnections(); server.close() } }
}

function waitFor (child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`the soak server sent no "${type}" in ${timeoutMs / 1000} s`)) }, timeoutMs)
    const onMessage = (m) => { if (m?.type === type) { off(); resolve(m) } }
    const onExit = (code, signal) => { off(); reject(new Error(`the soak server exited (${code ?? signal}) before "${type}"`)) }
    const off = () => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit) }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/**
 * Runs the soak for `seconds` at `level`; `onProgress(status)` every `progressSeconds`. The server's
 * tracing takes `maxQueueSize` and `exportTimeoutMs` (shorter than `slowMs`: slow exports time out).
 * Resolves { samples, counts, receiver, streams, probe, closeMs, stderr, ready }.
 */
export async function runSoak ({
  level = 'timing', seconds = 30, modeSeconds = 10, concurrency = 8, readers = 4, stalled = 1,
  slowMs = 2000, maxQueueSize = 2048, exportTimeoutMs = 10_000, execPath = process.execPath, progressSeconds = 10, onProgress = () => {}
} = {}) {
  const upstream = await startUpstream()
  const receiver = await startReceiver({ slowMs })
  const child = fork(serverFile, [], {
    cwd: root,
    execPath,
    env: { ...process.env, NODE_ENV: 'production', SOAK_LEVEL: level, SOAK_UPSTREAM: upstream.url, SOAK_OTLP: receiver.url,
      SOAK_MAX_QUEUE: String(maxQueueSize), SOAK_EXPORT_TIMEOUT_MS: String(exportTimeoutMs)
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc']
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => { if (stderr.length < 20_000) stderr += d })
  const samples = []
  child.on('message', (m) => {
    if (m?.type === 'sample') samples.push({ ...m, mode: receiver.mode })
  })
  let streams = null
  let load = null
  const timers = []
  try {
    const ready = await waitFor(child, 'ready', 30_000)
    streams = openStreams({ port: ready.port, path: ready.pagePath, token: ready.token, readers, stalled })
    load = startLoad({ port: ready.port, concurrency })
    const begun = performance.now()
    const elapsed = () => (performance.now() - begun) / 1000
    timers.push(setInterval(() => {
      const next = MODES[Math.floor(elapsed() / modeSeconds) % MODES.length]
      if (next !== receiver.mode) receiver.setMode(next).catch((err) => { stderr += `receiver: ${err.message}\n` })
    }, 250))
    timers.push(setInterval(() => {
      const last = samples.at(-1)
      onProgress({ seconds: elapsed(), requests: load.counts.requests, rss: last?.rss, heapUsed: last?.heapUsed, mode: receiver.mode, dropped: last?.droppedSpans, spans: receiver.stats.spans })
    }, progressSeconds * 1000))
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    for (const t of timers) clearInterval(t)
    await load.stop()
    // the receiver back up, then: does the server still answer, one request at a time?
    await receiver.setMode('accept')
    const after = await probe(ready.port, 20)
    const streamFigures = {
      readers: streams.readers.map(s => ({ status: s.status, events: s.events, dropped: s.dropped, bytes: s.bytes, ended: s.ended })),
      stalled: streams.stalled.map(s => ({ status: s.status, ended: s.ended }))
    }
    child.send({ type: 'stop' })
    const closed = await waitFor(child, 'closed', 30_000)
    return { ready, samples, counts: load.counts, receiver: { ...receiver.stats }, streams: streamFigures, probe: after, closeMs: closed.closeMs, stderr, seconds }
  } finally {
    for (const t of timers) clearInterval(t)
    streams?.close()
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    upstream.close()
    await receiver.close()
  }
}
