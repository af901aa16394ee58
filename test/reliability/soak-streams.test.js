// The live page's event streams under a reader that stops reading: what the server holds unsent for
// it stays within page.maxBufferedBytes (app.observe.sizes()), the events it could not take are
// counted and told once it reads again, and a reader that keeps up misses nothing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import weft from 'weft'
import { observe } from 'weft/observe'

const TOKEN = 'streams-test-token-0123456789'
const CAP = 256 * 1024
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** An event-stream client counting activity events and the `dropped` counts it is told. */
function reader (port, { paused }) {
  const seen = { activities: 0, dropped: 0, res: null }
  let tail = ''
  const req = http.get({ host: '127.0.0.1', port, path: '/_weft/events', agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
    seen.res = res
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      tail += chunk
      let end
      while ((end = tail.indexOf('\n\n')) !== -1) {
        const frame = tail.slice(0, end)
        tail = tail.slice(end + 2)
        if (frame.startsWith('event: activity')) seen.activities++
        else if (frame.startsWith('event: dropped')) seen.dropped += JSON.parse(frame.slice(frame.indexOf('data: ') + 6)).count
      }
    })
    if (paused) res.pause()
  })
  req.on('error', () => {})
  seen.close = () => req.destroy()
  return seen
}

async function get (agent, port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
}

describe('a page whose reader stops reading', () => {
  test('holds at most maxBufferedBytes unsent, counts what it missed, and the reader that keeps up gets everything', async (t) => {
    const app = weft()
    await app.register(observe, { page: { token: TOKEN, maxBufferedBytes: CAP, flushMs: 20 } })
    app.get('/big/:n', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    const { port } = app.server.address()

    const stalled = reader(port, { paused: true })
    const live = reader(port, { paused: false })
    t.after(() => { stalled.close(); live.close() })
    while (app.observe.sizes().streams.size < 2) await sleep(10)

    // each request's activity carries its 10 KB URL: the stalled socket's kernel buffers fill, then the server's
    let maxHeld = 0
    const watch = setInterval(() => { maxHeld = Math.max(maxHeld, app.observe.sizes().streamBufferedBytes.size) }, 5)
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
    const pad = 'x'.repeat(10_000)
    let sent = 0
    let saturatedAt = -1
    while (sent < 20_000 && (saturatedAt < 0 || sent < saturatedAt + 400)) {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => get(agent, port, `/big/${sent++}?pad=${pad}`)))
      assert.deepEqual(statuses, Array(8).fill(200))
      if (saturatedAt < 0 && app.observe.sizes().streamBufferedBytes.size > CAP / 2) saturatedAt = sent
    }
    agent.destroy()
    await sleep(100)
    clearInterval(watch)
    assert.ok(saturatedAt > 0, `the stalled stream never held more than half the bound after ${sent} requests`)
    assert.ok(maxHeld > CAP / 2, `held ${maxHeld} bytes unsent at most`)
    assert.ok(maxHeld <= CAP, `held ${maxHeld} bytes unsent, over the bound ${CAP}`)
    assert.equal(app.observe.sizes().streamBufferedBytes.cap, CAP)

    // reading again: what it missed is told, and with what it got accounts for every request
    stalled.res.resume()
    const until = Date.now() + 20_000
    while ((stalled.activities + stalled.dropped < sent || live.activities + live.dropped < sent) && Date.now() < until) await sleep(20)
    assert.ok(stalled.dropped > 0, 'the stalled reader is told it missed events')
    assert.ok(stalled.activities < sent, `the stalled reader got ${stalled.activities} of ${sent}`)
    assert.ok(stalled.activities + stalled.dropped >= sent, `got ${stalled.activities} + told missed ${stalled.dropped} ≥ ${sent}`)
    assert.ok(live.activities + live.dropped >= sent, `the live reader: ${live.activities} + ${live.dropped} ≥ ${sent}`)
    assert.equal(app.observe.internalErrors, 0)
  })
})
