// Helpers of the observe suites: CPU spent and a loop blocked by construction, on the clock the
// running Node measures CPU with; an observed app called over a real socket.
import assert from 'node:assert/strict'
import http from 'node:http'
import weft from 'weft'
import { observe } from 'weft/observe'

/** The event-loop thread's CPU clock in ms, or null where Node has none (Node 20). */
export const threadCpu = typeof process.threadCpuUsage === 'function'
  ? () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000 }
  : null
/** The clock observe reports CPU on here (activity.cpuClock). */
export const clock = threadCpu === null ? 'wall' : 'thread'

/** Spins `ms` of CPU: until both the wall clock and (where Node has it) the thread's CPU clock moved that far. */
export function spin (ms) {
  const end = performance.now() + ms
  const endCpu = threadCpu === null ? 0 : threadCpu() + ms
  while (performance.now() < end || (threadCpu !== null && threadCpu() < endCpu)) { /* busy */ }
}

/** Blocks the loop `ms` without using CPU. */
export const block = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * An app observed with `options`, listening on a real socket; the returned `call(path)` requests it
 * (a GET that must answer 200) and resolves with that request's activity once it was delivered.
 */
export async function served (t, options, routes) {
  const app = weft()
  await app.register(observe, options)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`
  const get = (url) => new Promise((resolve, reject) => {
    http.get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
  return async (path) => {
    const before = app.observe.recentActivity().length
    assert.equal(await get(base + path), 200)
    for (let i = 0; i < 300; i++) {
      const recent = app.observe.recentActivity()
      if (recent.length > before) return recent.find((a) => a.url === path)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`no activity for ${path}`)
  }
}
