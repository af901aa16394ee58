// Helpers for suites that talk to a listening server over real sockets: raw bytes written on a
// node:net connection (for what an http client refuses to send), bounded in time.
import net from 'node:net'
import { once } from 'node:events'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Fails instead of hanging when something the test waits for never happens. */
export function within (promise, what, ms = 3000) {
  let timer
  const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Listens on a random loopback port; the app is closed when the test ends. Returns the port. */
export async function listenOn (t, app) {
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

/** A raw connection: write() bytes, read what arrived so far, wait for the server to close it. */
export async function connect (port) {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk) => { received += chunk })
  socket.on('error', () => {}) // a reset after the answer is part of what is tested
  const closed = new Promise((resolve) => socket.once('close', resolve))
  return {
    write: (bytes) => { if (!socket.destroyed) socket.write(bytes) },
    get received () { return received },
    closed: () => within(closed, 'the server closing the connection').then(() => received),
    destroy: () => socket.destroy()
  }
}

/** Sends bytes on a new connection; resolves with everything written back before the server closed it. */
export async function exchange (port, bytes) {
  const conn = await connect(port)
  conn.write(bytes)
  try {
    return await conn.closed()
  } finally {
    conn.destroy()
  }
}

/** Writes `first`, then one more chunk every `everyMs` (a slow client) until the server closes the connection. */
export async function trickle (port, first, chunk, everyMs, deadlineMs = 3000) {
  const conn = await connect(port)
  conn.write(first)
  const timer = setInterval(() => conn.write(chunk), everyMs)
  try {
    return await within(conn.closed(), 'the server cutting the slow client', deadlineMs)
  } finally {
    clearInterval(timer)
    conn.destroy()
  }
}

/** Splits a raw HTTP/1.1 response into status, lower-cased headers and body. */
export function parseResponse (text) {
  const end = text.indexOf('\r\n\r\n')
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const headers = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
  }
  return { statusCode: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) }
}
