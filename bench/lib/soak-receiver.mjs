// The soak's OTLP/HTTP receiver, on one port whatever its mode: `accept` (answers 200 at once),
// `slow` (reads the export, answers after `slowMs`) and `down` (not listening: connection refused).
// It counts the exports and spans (OTLP/JSON `"spanId":` keys) it answered.
import http from 'node:http'

const SPAN_KEY = '"spanId":'

export async function startReceiver ({ slowMs = 2000 } = {}) {
  const stats = { exports: 0, spans: 0, bytes: 0 }
  const held = new Set()
  let mode = 'accept'
  const server = http.createServer((req, res) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => { text += chunk })
    req.on('end', () => {
      const answer = () => {
        held.delete(timer)
        stats.exports++
        stats.bytes += Buffer.byteLength(text)
        for (let i = text.indexOf(SPAN_KEY); i !== -1; i = text.indexOf(SPAN_KEY, i + SPAN_KEY.length)) stats.spans++
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      }
      const timer = mode === 'slow' ? setTimeout(answer, slowMs) : null
      if (timer === null) answer()
      else held.add(timer)
    })
  })
  server.keepAliveTimeout = 5000
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()

  async function setMode (next) {
    if (next === mode) return
    if (next === 'down') {
      // answers already promised are dropped with their connections: the exporter sees them fail
      for (const timer of held) clearTimeout(timer)
      held.clear()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    } else if (mode === 'down') {
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve() })
      })
    }
    mode = next
  }

  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    stats,
    get mode () { return mode },
    setMode,
    async close () {
      for (const timer of held) clearTimeout(timer)
      held.clear()
      if (mode === 'down') return
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
