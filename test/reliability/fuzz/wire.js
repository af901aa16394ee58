// The fuzzer's raw HTTP client: writes a request's bytes on a loopback socket, reads the answer
// with a strict HTTP/1.1 response parser, then probes whether the connection still serves requests.
import net from 'node:net'

const PROBE = 'GET /?probe=1 HTTP/1.1\r\nHost: probe\r\n\r\n'
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Parses one response at `buf[from..]` (latin1 text). Returns { done: false } while incomplete,
 * { done: true, end, status, headers, body, malformed } once whole. `head` is true for a HEAD
 * request (no body whatever the headers say). 1xx interim answers are skipped.
 */
export function parseOne (buf, from, head, closed) {
  let at = from
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at)
    if (end === -1) return closed && buf.length > at ? bad('truncated head', buf.length) : { done: false }
    const lines = buf.slice(at, end).split('\r\n')
    const match = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*$/.exec(lines[0])
    if (match === null) return bad(`bad status line ${JSON.stringify(lines[0].slice(0, 60))}`, buf.length)
    const status = Number(match[1])
    const headers = {}
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':')
      const name = line.slice(0, i)
      if (i <= 0 || !TOKEN.test(name)) return bad(`bad header line ${JSON.stringify(line.slice(0, 60))}`, buf.length)
      const key = name.toLowerCase()
      const value = line.slice(i + 1).trim()
      if (key in headers) {
        if (key === 'content-length' || key === 'transfer-encoding' || key === 'content-type') return bad(`duplicate ${key}`, buf.length)
        headers[key] += `, ${value}`
      } else headers[key] = value
    }
    const bodyAt = end + 4
    if (status >= 100 && status < 200) { at = bodyAt; continue }
    const result = { done: true, status, headers, malformed: undefined }
    if (head || status === 204 || status === 304) {
      if (status === 204 && headers['content-length'] !== undefined && headers['content-length'] !== '0') return bad('204 with a content-length', buf.length)
      return { ...result, end: bodyAt, body: '' }
    }
    const te = headers['transfer-encoding']
    const cl = headers['content-length']
    if (te !== undefined) {
      if (cl !== undefined) return bad('both content-length and transfer-encoding', buf.length)
      if (te.toLowerCase() !== 'chunked') return bad(`transfer-encoding ${te}`, buf.length)
      return chunked(buf, bodyAt, result, closed)
    }
    if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) return bad(`content-length ${cl}`, buf.length)
      const length = Number(cl)
      if (buf.length - bodyAt < length) return closed ? bad(`body shorter than content-length ${cl}`, buf.length) : { done: false }
      return { ...result, end: bodyAt + length, body: buf.slice(bodyAt, bodyAt + length) }
    }
    // no framing: the body runs to the close
    if (!closed) return { done: false }
    return { ...result, end: buf.length, body: buf.slice(bodyAt), unframed: true }
  }
}

function chunked (buf, at, result, closed) {
  let body = ''
  for (;;) {
    const eol = buf.indexOf('\r\n', at)
    if (eol === -1) return closed ? bad('truncated chunk size', buf.length) : { done: false }
    const sizeText = buf.slice(at, eol).split(';')[0]
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return bad(`chunk size ${JSON.stringify(sizeText)}`, buf.length)
    const size = parseInt(sizeText, 16)
    if (size === 0) {
      const trailerEnd = buf.indexOf('\r\n', eol + 2)
      if (trailerEnd !== eol + 2) {
        // trailers: find the blank line
        const end = buf.indexOf('\r\n\r\n', eol)
        if (end === -1) return closed ? bad('truncated trailers', buf.length) : { done: false }
        return { ...result, end: end + 4, body }
      }
      return { ...result, end: eol + 4, body }
    }
    if (buf.length < eol + 2 + size + 2) return closed ? bad('truncated chunk', buf.length) : { done: false }
    body += buf.slice(eol + 2, eol + 2 + size)
    if (buf.slice(eol + 2 + size, eol + 4 + size) !== '\r\n') return bad('chunk without CRLF', buf.length)
    at = eol + 4 + size
  }
}

function bad (why, end) {
  return { done: true, end, status: 0, headers: {}, body: '', malformed: why }
}

/**
 * Sends `bytes` to 127.0.0.1:`port` and resolves (never rejects) with what happened:
 * { status, headers, body, malformed, hang, closed, reused, extra } where `hang` means no whole
 * answer and no close within `ms`; `closed` that the server closed (or reset) before the probe
 * got an answer; `reused` that a follow-up request on the same connection was answered.
 * `halfClose` ends the writing side after the request (the client has nothing more to send).
 * `split` [permille, delayMs] writes the bytes in two parts, the second `delayMs` later.
 * `next` is the status of the answer that came after the first on the same connection (a
 * pipelined request's, or the probe's), 0 if none. `reset` tells the connection was reset (the
 * server closed it with bytes of ours unread: TCP may then drop the answer it had sent).
 */
export function exchange (port, bytes, { head = false, halfClose = false, split = null, ms = 1500 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let buf = ''
    let first
    let probed = false
    let writing = null
    let closed = false
    let reset = false
    let settled = false
    const finish = (outcome) => {
      if (settled) return
      settled = true
      outcome.reset = reset
      clearTimeout(timer)
      clearTimeout(writing)
      socket.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(() => {
      if (first === undefined) finish({ status: 0, headers: {}, body: '', hang: true, closed: false, reused: false })
      else finish({ ...first, hang: false, closed: false, reused: false, next: 0, probeHang: true })
    }, ms)
    const look = () => {
      if (first === undefined) {
        const r = parseOne(buf, 0, head, closed)
        if (!r.done) {
          if (closed) finish({ status: 0, headers: {}, body: '', hang: false, closed: true, reused: false, silent: buf.length === 0 })
          return
        }
        first = r
        if (r.malformed !== undefined) {
          finish({ ...first, hang: false, closed, reused: false, next: 0 })
          return
        }
        if (!closed && !halfClose && writing === null) {
          probed = true
          socket.write(PROBE)
        }
      }
      // the next answer on this connection (a pipelined request's or the probe's), or its close
      const r = parseOne(buf, first.end, false, closed)
      if (r.done && r.malformed === undefined && r.status !== 0) finish({ ...first, hang: false, closed: false, reused: true, next: r.status })
      else if (closed || (r.done && r.malformed !== undefined)) finish({ ...first, hang: false, closed: true, reused: false, next: 0, extra: buf.length - first.end })
    }
    socket.setEncoding('latin1')
    socket.on('connect', () => {
      if (split === null) {
        socket.write(bytes)
        if (halfClose) socket.end()
        return
      }
      const at = Math.floor(bytes.length * split[0] / 1000)
      socket.write(bytes.subarray(0, at))
      writing = setTimeout(() => {
        writing = null
        if (socket.destroyed) return
        socket.write(bytes.subarray(at))
        if (halfClose) socket.end()
        else if (first !== undefined && !probed) { probed = true; socket.write(PROBE) }
      }, split[1])
    })
    socket.on('data', (chunk) => { buf += chunk; look() })
    // a reset is reported by 'close'; noted, as it may discard an answer the server did send
    socket.on('error', (err) => { if (err.code === 'ECONNRESET' || err.code === 'EPIPE') reset = true })
    socket.on('close', () => { closed = true; look() })
  })
}
