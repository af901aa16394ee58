// Preloaded by `weft trace` (node --import): enables a tracker and a process sampler for the whole
// program and, when it exits, writes the trace report where the `weft` command reads it. Settings
// come from WEFT_TRACE_* variables, which it removes so the program sees its own environment.
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
  process.on('exit', code => {
    try {
      sampler.sampleNow()
      const trace: TraceReport = {
        version: 1,
        node: process.versions.node,
        pid: process.pid,
        argv: process.argv.slice(1),
        exitCode: code,
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
  })
}
