// The page's Server-Sent Events: one subscription to the source while any page is open, at most
// `maxStreams` pages, and one write per page per tick carrying every event since the last one
// (each serialized once), so open pages cost the same whatever the request rate. A page whose
// unsent bytes pass a bound misses events (counted, then told); heartbeats; all ended at close.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ActivityEvent } from './types.js'

interface StreamClient {
  readonly res: ServerResponse
  /** Events not sent to this client since it fell behind. */
  dropped: number
}

export interface EventStreamOptions {
  heartbeatMs: number
  maxBufferedBytes: number
  maxStreams: number
  /** Milliseconds between batches. */
  flushMs: number
}

const HEARTBEAT = ': heartbeat\n\n'
/** Most events held for the next batch; more are counted as dropped for every page (the page keeps 500 rows). */
const MAX_PENDING = 1000

/** What chunked transfer-encoding adds around one write (its size line and CRLF), counted in writableLength. */
const CHUNK_FRAMING = 16

function droppedFrame (count: number): string {
  return `event: dropped\ndata: {"count":${count}}\n\n`
}

/** The page's frame for one event: `activity` (the whole activity) or `process` (a sample). */
export function activityFrame (event: ActivityEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event.type === 'activity' ? event.activity : event.sample)}\n\n`
}

/** Where a hub's events come from: the page's ActivitySource, or any feed with `subscribe`. */
export interface EventFeed<E> { subscribe(listener: (event: E) => void): () => void }

export class EventStreamHub<E = ActivityEvent> {
  readonly #source: EventFeed<E>
  readonly #frame: (event: E) => string
  readonly #o: EventStreamOptions
  readonly #clients = new Set<StreamClient>()
  /** Events since the last batch: references only, serialized when the batch goes out. */
  #pending: E[] = []
  #overflow = 0
  #unsubscribe: (() => void) | null = null
  #heartbeat: NodeJS.Timeout | null = null
  #flushTimer: NodeJS.Timeout | null = null
  #closed = false

  /** `frame` makes one event's SSE frame (`activityFrame` for the page), once per batch whatever the number of clients. */
  constructor (source: EventFeed<E>, options: EventStreamOptions, frame: (event: E) => string) {
    this.#source = source
    this.#o = options
    this.#frame = frame
  }

  get closed (): boolean { return this.#closed }
  get clients (): number { return this.#clients.size }
  /** What the hub holds now: streams, events for the next batch, the largest unsent bytes of one stream. */
  sizes (): { streams: number, maxStreams: number, events: number, maxEvents: number, bufferedBytes: number, maxBufferedBytes: number } {
    let bufferedBytes = 0
    for (const client of this.#clients) if (client.res.writableLength > bufferedBytes) bufferedBytes = client.res.writableLength
    return {
      streams: this.#clients.size,
      maxStreams: this.#o.maxStreams,
      events: this.#pending.length,
      maxEvents: MAX_PENDING,
      bufferedBytes,
      maxBufferedBytes: this.#o.maxBufferedBytes
    }
  }

  /** True when another stream would pass `maxStreams`. */
  get full (): boolean { return this.#clients.size >= this.#o.maxStreams }

  /** Takes over a response as an event stream. The caller has hijacked the reply and checked `full`. */
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
    this.#unsubscribe = this.#source.subscribe((event) => { this.#queue(event) })
    this.#heartbeat = setInterval(() => { this.#beat() }, this.#o.heartbeatMs)
    this.#heartbeat.unref()
  }

  #stop (): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat)
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer)
    this.#heartbeat = this.#flushTimer = null
    this.#pending = []
    this.#overflow = 0
    const unsubscribe = this.#unsubscribe
    this.#unsubscribe = null
    unsubscribe?.()
  }

  #remove (client: StreamClient): void {
    if (!this.#clients.delete(client)) return
    if (this.#clients.size === 0) this.#stop()
  }

  /** Per request: keep a reference, and make sure a batch is due (a timer only while events wait). */
  #queue (event: E): void {
    if (this.#pending.length < MAX_PENDING) this.#pending.push(event)
    else this.#overflow++
    if (this.#flushTimer === null) {
      this.#flushTimer = setTimeout(() => { this.#flush() }, this.#o.flushMs)
      this.#flushTimer.unref()
    }
  }

  #flush (): void {
    this.#flushTimer = null
    const events = this.#pending
    const overflow = this.#overflow
    this.#pending = []
    this.#overflow = 0
    const parts = new Array<string>(events.length)
    let frames = ''
    // an event JSON cannot carry (a BigInt, a cycle, a throwing toJSON in what a source handed over) is
    // missed by every page, and said so, instead of throwing out of this timer into the process
    let unserializable = 0
    for (let i = 0; i < events.length; i++) {
      let part = ''
      try { part = this.#frame(events[i]!) } catch { unserializable++ }
      frames += parts[i] = part
    }
    let bytes = -1
    for (const client of this.#clients) {
      client.dropped += overflow + unserializable
      const held = client.res.writableLength
      // one write: what it missed (if anything), then as much of this batch as stays under the bound
      const missed = client.dropped > 0 ? droppedFrame(client.dropped) : ''
      const room = this.#o.maxBufferedBytes - held - missed.length - CHUNK_FRAMING
      if (bytes < 0) bytes = Buffer.byteLength(frames)
      if (bytes <= room) {
        client.dropped = 0
        if (missed !== '' || frames !== '') client.res.write(missed + frames)
        continue
      }
      // a reader that fell behind gets the events that fit, and is told of the rest with its next write;
      // one holding nothing gets at least one event, however large
      let fit = 0
      for (let used = 0; fit < parts.length; fit++) {
        used += Buffer.byteLength(parts[fit]!)
        if (used > room && !(fit === 0 && held === 0)) break
      }
      if (fit === 0) {
        client.dropped += events.length
      } else {
        client.dropped = events.length - fit
        client.res.write(missed + parts.slice(0, fit).join(''))
      }
      // no 'drain' may come to tell it what it missed: the next batch does, even an empty one
      if (!client.res.writableNeedDrain && this.#flushTimer === null) {
        this.#flushTimer = setTimeout(() => { this.#flush() }, this.#o.flushMs)
        this.#flushTimer.unref()
      }
    }
  }

  /** Tells a client that caught up how many events it missed, so the page can say so. */
  #reportDropped (client: StreamClient): void {
    if (client.dropped === 0 || client.res.writableLength + 64 > this.#o.maxBufferedBytes) return
    client.res.write(droppedFrame(client.dropped))
    client.dropped = 0
  }

  #beat (): void {
    for (const client of this.#clients) {
      if (client.res.writableLength + HEARTBEAT.length + CHUNK_FRAMING <= this.#o.maxBufferedBytes) client.res.write(HEARTBEAT)
    }
  }
}
