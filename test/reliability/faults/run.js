// Runs the whole fault matrix on Weft and Fastify, each in child processes (a batch of cases per
// child, several children at once). A child that dies takes its running case with it (crashed);
// one that stops reporting for `stallMs` is killed (the case wedged). Results come back per case.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { matrix } from './matrix.js'

const idleMs = 60000
const childFile = fileURLToPath(new URL('./child.js', import.meta.url))

/**
 * @param {{ frameworks?: string[], targets?: string[] | null, children?: number, node?: string, stallMs?: number }} options
 * @returns {Promise<{ cases: object[], skipped: Record<string, number>, results: Record<string, object[]> }>}
 */
export async function runMatrix ({ frameworks = ['weft', 'fastify'], targets = null, children = 6, node = process.execPath, stallMs = 10000 } = {}) {
  const { run, skipped } = matrix()
  // the cases to run (all, or those of `targets`); results are indexed like `run`, null where not run
  const chosen = run.map((_, i) => i).filter((i) => targets === null || targets.includes(run[i].target))
  const results = {}
  const jobs = []
  // killed itself (node:test's timeout sends SIGTERM), this process takes its children with it:
  // a wedged child spinning on microtasks would never see its stdin close
  const live = new Set()
  const onTerm = () => { for (const child of live) child.kill('SIGKILL'); process.exit(1) }
  process.once('SIGTERM', onTerm)
  process.once('SIGINT', onTerm)
  for (const framework of frameworks) {
    results[framework] = new Array(run.length).fill(null)
    // interleaved batches: each child gets a mix of cheap and slow (never-settle) cases
    for (let k = 0; k < children; k++) {
      const indexes = chosen.filter((_, j) => j % children === k)
      jobs.push(runBatch(node, framework, indexes, results[framework], stallMs, live))
    }
  }
  try {
    await Promise.all(jobs)
  } finally {
    process.removeListener('SIGTERM', onTerm)
    process.removeListener('SIGINT', onTerm)
  }
  return { cases: run, skipped, results }
}

/** Runs `indexes` in one child, and in a new child for what is left after a crash or a wedge. */
async function runBatch (node, framework, indexes, out, stallMs, live) {
  let left = indexes
  let startFailures = 0
  while (left.length > 0) {
    const { running, reason } = await runChild(node, framework, left, out, stallMs, live)
    left = left.filter((i) => out[i] === null)
    if (reason === null) continue
    if (running !== null) {
      if (out[running] === null) out[running] = { outcome: { child: reason }, escapes: [] }
      left = left.filter((i) => i !== running)
    } else if (++startFailures >= 2) {
      // a child that dies between cases twice: the cases left are reported, not retried forever
      for (const i of left) out[i] = { outcome: { child: `between cases: ${reason}` }, escapes: [] }
      left = []
    }
  }
}

function runChild (node, framework, indexes, out, stallMs, live) {
  return new Promise((resolve) => {
    const child = spawn(node, [childFile, framework, indexes.join(',')], { stdio: ['pipe', 'pipe', 'pipe'] })
    live.add(child)
    let running = null
    let buffer = ''
    let stderr = ''
    let wedged = false
    // a case gets `stallMs` from its start line to its result; a child starting (or between
    // cases) on a loaded machine gets longer
    let stall = setTimeout(onStall, idleMs)
    function onStall () {
      wedged = true
      child.kill('SIGKILL')
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      let nl
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        let msg
        try { msg = JSON.parse(line) } catch { continue } // a framework's own output
        clearTimeout(stall)
        stall = setTimeout(onStall, msg.start !== undefined ? stallMs : idleMs)
        if (msg.start !== undefined) running = msg.start
        else if (msg.result !== undefined) {
          out[msg.result] = { outcome: msg.outcome, escapes: msg.escapes, ms: msg.ms }
          running = null
        }
      }
    })
    child.stderr.on('data', (d) => { if (stderr.length < 2000) stderr += d })
    child.on('close', (code, signal) => {
      live.delete(child)
      clearTimeout(stall)
      const clean = code === 0 && !wedged
      const reason = clean ? null : wedged ? 'wedged' : `exited ${signal ?? code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`
      resolve({ running: clean ? null : running, reason })
    })
  })
}

/** What became of a case on one framework: answered, closed, hung or crashed (escapes count as crashes: Node's default would have died). */
export function verdict (r) {
  if (r === null) return 'missing'
  const o = r.outcome
  if (r.escapes.length > 0 || o.child !== undefined) return o.child === 'wedged' ? 'hung' : 'crashed'
  if (o.harness !== undefined) return 'harness'
  if (o.setup !== undefined) return 'hung'
  if (o.first !== undefined) {
    if (o.close.state === 'hung' || o.first.kind === 'hung') return 'hung'
    return o.first.kind === 'answered' ? 'answered' : 'closed'
  }
  // an application case: every call settled in time, and the process still serves a fresh app
  if ([o.listen, o.close].some((s) => s.state === 'hung') || o.fresh !== true) return 'hung'
  return 'answered'
}

/** The status (request case) or the call outcomes (application case) to compare across frameworks. */
export function answerOf (r) {
  const o = r.outcome
  if (o.first !== undefined) return o.first.kind === 'answered' ? o.first.status : o.first.kind
  if (o.listen !== undefined) return `install:${o.install === undefined ? 'ok' : 'threw'} listen:${o.listen.state} close:${o.close.state}`
  return null
}
