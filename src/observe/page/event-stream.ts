// The page's Server-Sent Events: one subscription to the source while any page is open, each
// event serialized once, dropped (and counted) for a client whose unsent bytes pass a bound,
// a heartbeat comment per client, and every stream ended when the app closes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ActivityEvent, ActivitySource } from './types.js'

interface StreamClient {
  readonly res: ServerResponse
  /** Events not sent to this client since it fell behind. */
  dropped: number
}

const HEARTBEAT = ': heartbeat\n\n'

export class EventStreamHub {
  readonly #source: ActivitySource
  readonly #heartbeatMs: number
  readonly #maxBufferedBytes: number
  readonly #clients = new Set<StreamClient>()
  #unsubscribe: (() => void) | null = null
  #heartbeat: NodeJS.Timeout | null = null
  #closed = false

  constructor (source: ActivitySource, heartbeatMs: number, maxBufferedBytes: number) {
    this.#source = source
    this.#heartbeatMs = heartbeatMs
    this.#maxBufferedBytes = maxBufferedBytes
  }

  get closed (): boolean { return this.#closed }
  get clients (): number { return this.#clients.size }

  /** Takes over a response as an event stream. The caller has hijacked the reply. */
  open (req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // ended streams must not leave a keep-alive connection that holds close() open
      connection: 'close'
    })
    res.write('retry: 2000\n: open\n\n')
    const client: StreamClient = { res, dropped: 0 }
    this.#clients.add(client)
    const forget = (): void => { this.#remove(client) }
    req.once('close', forget)
    res.once('close', forget)
    res.on('drain', () => { this.#reportDropped(client) })
    if (this.#clients.size === 1) this.#start()
  }

  /** Ends every stream and stops listening to the source; later opens are refused by the caller. */
  close (): void {
    this.#closed = true
    for (const client of [...this.#clients]) {
      this.#remove(client)
      client.res.end()
    }
  }

  #start (): void {
    this.#unsubscribe = this.#source.subscribe((event) => { this.#broadcast(event) })
    this.#heartbeat = setInterval(() => { this.#beat() }, this.#heartbeatMs)
    this.#heartbeat.unref()
  }

  #stop (): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat)
    this.#heartbeat = null
    const unsubscribe = this.#unsubscribe
    this.#unsubscribe = null
    unsubscribe?.()
  }

  #remove (client: StreamClient): void {
    if (!this.#clients.delete(client)) return
    if (this.#clients.size === 0) this.#stop()
  }

  #broadcast (event: ActivityEvent): void {
    const data = event.type === 'activity' ? event.activity : event.sample
    const frame = `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`
    for (const client of this.#clients) {
      if (client.res.writableLength >= this.#maxBufferedBytes) {
        client.dropped++
        continue
      }
      this.#reportDropped(client)
      client.res.write(frame)
    }
  }

  /** Tells a client that caught up how many events it missed, so the page can say so. */
  #reportDropped (client: StreamClient): void {
    if (client.dropped === 0 || client.res.writableLength >= this.#maxBufferedBytes) return
    client.res.write(`event: dropped\ndata: {"count":${client.dropped}}\n\n`)
    client.dropped = 0
  }

  #beat (): void {
    for (const client of this.#clients) {
      if (client.res.writableLength < this.#maxBufferedBytes) client.res.write(HEARTBEAT)
    }
  }
}
