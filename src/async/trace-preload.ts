// Preloaded by `weft trace` (node --import): enables a tracker and a process sampler for the whole
// program and, when it exits or is first told to stop (SIGINT, SIGTERM), writes the trace report
// where the `weft` command reads it. Settings come from WEFT_TRACE_* variables, which it removes so
// the program sees its own environment.
import { writeFileSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'
import { createTracker } from './tracker.js'
import { sampleProcess } from './process-sampler.js'
import { isDetail } from './levels.js'
import type { TraceReport } from './format.js'

const env = process.env
const out = env.WEFT_TRACE_OUT
const parent = env.WEFT_TRACE_PARENT
const detail = env.WEFT_TRACE_DETAIL ?? 'resources'
const maxResources = Number(env.WEFT_TRACE_MAX_RESOURCES ?? 50_000)
const intervalMs = Number(env.WEFT_TRACE_INTERVAL_MS ?? 250)
delete env.WEFT_TRACE_OUT
delete env.WEFT_TRACE_PARENT
delete env.WEFT_TRACE_DETAIL
delete env.WEFT_TRACE_MAX_RESOURCES
delete env.WEFT_TRACE_INTERVAL_MS

// Only the program `weft trace` started: not its worker threads, not processes it forks.
if (out !== undefined && isMainThread && parent === String(process.ppid) && isDetail(detail)) {
  // Standard streams are created lazily on first use; make them now so they are not counted as
  // the program's sockets.
  void process.stdout
  void process.stderr
  const tracker = createTracker({ detail, maxResources })
  const sampler = sampleProcess({ intervalMs, history: 100_000 })
  tracker.enable()
  let written = false
  const write = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (written) return
    written = true
    try {
      sampler.sampleNow()
      const trace: TraceReport = {
        version: 1,
        node: process.versions.node,
        pid: process.pid,
        argv: process.argv.slice(1),
        exitCode: code,
        ...(signal !== null ? { signal } : {}),
        report: tracker.report(),
        process: { ...sampler.summary(), last: sampler.latest() },
        stats: tracker.stats()
      }
      tracker.disable()
      sampler.stop()
      writeFileSync(out, JSON.stringify(trace))
    } catch (error) {
      try { writeFileSync(out, JSON.stringify({ error: String(error) })) } catch {}
    }
  }
  process.on('exit', code => { write(code, null) })
  // A server is stopped with Ctrl-C or a TERM: the first one writes the report, then acts as it
  // would have: the program's own handlers decide, and with none the signal ends the process.
  // (the handlers stay installed while the report is written: a second signal then waits)
  const onSignal = (signal: NodeJS.Signals): void => {
    write(null, signal)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
