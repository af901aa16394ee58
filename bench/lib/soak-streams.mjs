// The soak's live-page readers: event-stream clients on /_weft/events with the page's token. Readers
// consume every byte and count events; a stalled one connects and never reads, so the server holds
// what it cannot send (bounded by the page's maxBufferedBytes).
import http from 'node:http'

function open ({ port, path, token, consume }) {
  const stream = { events: 0, bytes: 0, dropped: 0, status: 0, ended: false, req: null, res: null }
  let tail = ''
  stream.req = http.get({ host: '127.0.0.1', port, path: path + '/events', agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
    stream.status = res.statusCode
    stream.res = res
    res.on('end', () => { stream.ended = true })
    res.on('error', () => { stream.ended = true })
    if (!consume) { res.pause(); return }
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      stream.bytes += chunk.length
      tail += chunk
      let end
      while ((end = tail.indexOf('\n\n')) !== -1) {
        const frame = tail.slice(0, end)
        tail = tail.slice(end + 2)
        if (frame.startsWith('event: dropped')) stream.dropped += JSON.parse(frame.slice(frame.indexOf('data: ') + 6)).count
        else if (frame.startsWith('event: ')) stream.events++
      }
    })
  })
  stream.req.on('error', () => { stream.ended = true })
  return stream
}

/** `readers` consuming streams and `stalled` ones that never read. */
export function openStreams ({ port, path, token, readers, stalled }) {
  const streams = [
    ...Array.from({ length: readers }, () => open({ port, path, token, consume: true })),
    ...Array.from({ length: stalled }, () => open({ port, path, token, consume: false }))
  ]
  return {
    readers: streams.slice(0, readers),
    stalled: streams.slice(readers),
    close () { for (const s of streams) s.req.destroy() }
  }
}
