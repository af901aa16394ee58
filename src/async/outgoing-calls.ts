// Outgoing calls read from Node's diagnostics_channel events (node:http and fetch requests, socket
// connects, child processes, workers), each attributed to the running operation by the tracker's
// carrier: the one source of them at `timing`, where no async_hooks hook is installed.
import dc from 'node:diagnostics_channel'
import { executionAsyncId } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import type { ScopeSpace, TrackScope } from './scopes.js'
import { outgoingChannels } from './node-support.js'
import { captureAppSite } from './call-sites.js'
import { dbChannels, type DbChannel } from './db-channels.js'
import { addDbCallSink, coveredByChannel, removeDbCallSink, type DbCallSink, type DbCallStart } from './db-calls.js'
import { describeStatement } from './db-statement.js'
import type { OperationKind, OperationReport, OperationSpan, OperationSummary, RepeatedStatement } from './types.js'

/** Spans listed per operation; later ones still count in its operations rows. */
export const MAX_LISTED_SPANS = 50
/** Unlisted calls followed while running, per operation; past it they are not followed at all. */
const MAX_RUNNING_UNLISTED = 1000
/** Distinct (kind, name) totals of unlisted finished calls, per operation. */
const MAX_UNLISTED_ROWS = 64

/** Where a call was seen. At `resources` and up, async_hooks already groups all but fetch's requests. */
const SRC_HTTP = 0
const SRC_UNDICI = 1
const SRC_NET = 2
const SRC_CHILD = 3
const SRC_WORKER = 4
/** Database calls: async_hooks cannot group them (a pooled socket belongs to the pool), so always rows. */
const SRC_DB = 5
/** The same statement shape this often in one operation is flagged (N+1). */
const REPEATED_AT = 3

type Attributes = Record<string, string | number | boolean>

class Call {
  end = -1
  /** A connect that an HTTP request of the same operation made: part of that request, not a call of its own. */
  folded = false
  /** A database call's statement with its values made `?` (what repeats in an N+1). */
  shape: string | undefined = undefined
  /** Where the application issued it (at `stacks`). */
  site: string | undefined = undefined
  attributes: Attributes
  constructor (
    readonly kind: OperationKind,
    public name: string,
    readonly source: number,
    readonly start: number,
    readonly book: CallBook,
    attributes: Attributes
  ) { this.attributes = attributes }
}

interface UnlistedRow { kind: OperationKind, name: string, source: number, count: number, wallMs: number, shape?: string, site?: string }

/** Unlisted calls are totalled by kind and name; database calls by statement shape. */
const rowKey = (kind: OperationKind, name: string, shape: string | undefined): string => shape === undefined ? `${kind} ${name}` : `db ${shape}`

const noCalls: ReadonlySet<Call> = new Set<Call>()
const noRows: ReadonlyMap<string, UnlistedRow> = new Map<string, UnlistedRow>()

/** The calls of one operation: the first ones listed, later ones followed and totalled. */
class CallBook {
  readonly listed: Call[] = []
  dropped = 0
  // made only past MAX_LISTED_SPANS calls: an operation with a few calls allocates neither
  #running: Set<Call> | undefined = undefined
  #done: Map<string, UnlistedRow> | undefined = undefined
  /** Unlisted calls still running. */
  get runningUnlisted (): ReadonlySet<Call> { return this.#running ?? noCalls }
  /** Totals of unlisted calls that finished, by `kind name`. */
  get doneUnlisted (): ReadonlyMap<string, UnlistedRow> { return this.#done ?? noRows }

  addRunning (call: Call): void {
    const running = this.#running ??= new Set()
    if (running.size < MAX_RUNNING_UNLISTED) running.add(call)
  }

  /** Stops following a running unlisted call; true when it was followed. */
  removeRunning (call: Call): boolean { return this.#running?.delete(call) ?? false }
  /** The enclosing operation's book, once this operation ended inside it: its calls count there too. */
  into: CallBook | undefined

  take (call: Call): void {
    if (this.listed.length < MAX_LISTED_SPANS) { this.listed.push(call); return }
    this.dropped++
    if (call.end < 0) this.addRunning(call)
    else this.total(call, 1)
  }

  total (call: Call, sign: 1 | -1): void {
    const key = rowKey(call.kind, call.name, call.shape)
    const done = this.#done ??= new Map()
    let row = done.get(key)
    if (row === undefined) {
      if (sign < 0 || done.size >= MAX_UNLISTED_ROWS) return
      row = { kind: call.kind, name: call.name, source: call.source, count: 0, wallMs: 0 }
      if (call.shape !== undefined) row.shape = call.shape
      if (call.site !== undefined) row.site = call.site
      done.set(key, row)
    }
    row.count += sign
    row.wallMs += sign * (call.end - call.start)
  }

  /** Adds a child operation's totals of unlisted calls to this one's. */
  addRow (row: UnlistedRow): void {
    const done = this.#done ??= new Map()
    const key = rowKey(row.kind, row.name, row.shape)
    const mine = done.get(key)
    if (mine !== undefined) { mine.count += row.count; mine.wallMs += row.wallMs } else if (done.size < MAX_UNLISTED_ROWS) done.set(key, { ...row })
  }

  /** This operation ended inside `parent`: its calls are the parent's too. */
  mergeInto (parent: CallBook): void {
    this.into = parent
    for (const call of this.listed) if (!call.folded) parent.take(call)
    for (const call of this.runningUnlisted) { parent.dropped++; parent.addRunning(call) }
    for (const row of this.doneUnlisted.values()) parent.addRow(row)
    parent.dropped += this.dropped
  }
}

/** `host:port` of an origin such as `http://127.0.0.1:5001` (never a path or query). */
function hostPortOfOrigin (origin: string): { host: string, port: number } {
  const scheme = origin.indexOf('://')
  const rest = scheme < 0 ? origin : origin.slice(scheme + 3)
  const slash = rest.indexOf('/')
  const authority = slash < 0 ? rest : rest.slice(0, slash)
  const colon = authority.lastIndexOf(':')
  const https = origin.startsWith('https')
  if (colon < 0 || authority.endsWith(']')) return { host: authority, port: https ? 443 : 80 }
  return { host: authority.slice(0, colon), port: Number(authority.slice(colon + 1)) }
}

function errorType (error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string') return code
    const name = (error as { name?: unknown }).name
    if (typeof name === 'string') return name
  }
  return 'Error'
}

function baseName (file: unknown): string {
  if (typeof file !== 'string') return 'child_process'
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))
  return slash < 0 ? file : file.slice(slash + 1)
}

interface HttpClientRequest { method?: unknown, host?: unknown, protocol?: unknown, socket?: unknown, getHeader?: (name: string) => unknown }
interface Emitter { once: (event: string, listener: (...args: any[]) => void) => unknown, removeListener: (event: string, listener: (...args: any[]) => void) => unknown }

/**
 * Subscribes (while its tracker is enabled) to the channels the running Node has, and books each
 * call in the operation whose async context published it. Every handler catches what it throws.
 */
export class OutgoingCalls {
  internalErrors = 0
  readonly #space: ScopeSpace
  /** This instance's key for the call booked on a Node object (request, socket, process, worker): a
   *  property on that object, so the call lives as long as it does and never keeps it alive. */
  readonly #kCall = Symbol('weft.outgoingCall')
  readonly #handlers: ReadonlyArray<readonly [string, (message: any) => void]>
  #subscribed = false
  /** Database TracingChannels and their subscribers. */
  readonly #tracing: ReadonlyArray<readonly [string, Record<string, (context: any) => void>]>
  /** Capture where the application issued each database call (`stacks`). */
  readonly #sites: boolean
  /** This instance's keys on a traced call's context object: the operation that asked, and whether its callback runs now. */
  readonly #kOwner = Symbol('weft.dbOwner')
  readonly #kSite = Symbol('weft.dbSite')
  readonly #kInCallback = Symbol('weft.dbInCallback')
  /** Operations whose database callbacks are running (innermost last): what starts inside is theirs. */
  readonly #owners: TrackScope[] = []
  readonly #ownerSites: Array<string | undefined> = []
  /** A pool checkout that just ended hands its asker to what starts in the same synchronous run. */
  #handoff: TrackScope | undefined = undefined
  #handoffSite: string | undefined = undefined
  #handoffAt = -1
  readonly #sink: DbCallSink

  constructor (space: ScopeSpace, sites = false) {
    this.#space = space
    this.#sites = sites
    const guard = (fn: (message: any) => void) => (message: any): void => {
      try { fn(message) } catch { this.internalErrors++ }
    }
    const handlers: Array<readonly [string, (message: any) => void]> = [
      [outgoingChannels.httpStart, guard(m => { this.#httpStart(m.request) })],
      ['http.client.response.finish', guard(m => { this.#httpResponse(m.request, m.response) })],
      ['http.client.request.error', guard(m => { this.#httpError(m.request, m.error) })],
      ['undici:request:create', guard(m => { this.#undiciCreate(m.request) })],
      ['undici:request:headers', guard(m => { this.#undiciHeaders(m.request, m.response) })],
      ['undici:request:trailers', guard(m => { this.#finishOf(m.request) })],
      ['undici:request:error', guard(m => { this.#failOf(m.request, m.error) })],
      ['net.client.socket', guard(m => { this.#netSocket(m.socket) })],
      [outgoingChannels.childStart, guard(m => { this.#child(m.process, m.options) })],
      ['worker_threads', guard(m => { this.#worker(m.worker) })]
    ]
    // Node 22+ publishes `created` at construction; `start` (once its socket is assigned) still lets a connect fold in.
    if (outgoingChannels.httpStart !== 'http.client.request.start') {
      handlers.push(['http.client.request.start', guard(m => { this.#httpFold(m.request) })])
    }
    this.#handlers = handlers
    this.#tracing = dbChannels.map(channel => [channel.name, {
      start: guard(c => { this.#dbChannelStart(channel, c) }),
      asyncStart: guard(c => { this.#dbChannelAsyncStart(channel, c) }),
      asyncEnd: guard(c => { this.#dbChannelAsyncEnd(c) }),
      error: guard(c => { if (c !== null && typeof c === 'object') this.#failOf(c, c.error) })
    }] as const)
    this.#sink = {
      dbStart: (key, call) => { try { this.#dbExternalStart(key, call) } catch { this.internalErrors++ } },
      dbEnd: (key, rows, error, text) => { try { this.#dbEnd(key, rows, error, text) } catch { this.internalErrors++ } },
      dbDrop: (key) => { try { this.#dbDrop(key) } catch { this.internalErrors++ } },
      checkoutStart: (key) => { try { this.#checkoutStart(key) } catch { this.internalErrors++ } },
      checkoutEnd: (key) => { try { this.#checkoutEnd(key) } catch { this.internalErrors++ } }
    }
  }

  /** Channel names subscribed while enabled. */
  get channels (): string[] {
    return this.#subscribed ? [...this.#handlers.map(h => h[0]), ...this.#tracing.map(t => `tracing:${t[0]}`)] : []
  }

  enable (): void {
    if (this.#subscribed) return
    for (const [name, handler] of this.#handlers) dc.subscribe(name, handler)
    // TracingChannel arrived in Node 19.9: every supported Node has it
    for (const [name, subscribers] of this.#tracing) dc.tracingChannel(name).subscribe(subscribers as any)
    addDbCallSink(this.#sink)
    this.#subscribed = true
  }

  disable (): void {
    if (!this.#subscribed) return
    for (const [name, handler] of this.#handlers) dc.unsubscribe(name, handler)
    for (const [name, subscribers] of this.#tracing) dc.tracingChannel(name).unsubscribe(subscribers as any)
    removeDbCallSink(this.#sink)
    this.#owners.length = 0
    this.#ownerSites.length = 0
    this.#handoff = undefined
    this.#subscribed = false
  }

  /**
   * Adds an ended scope's calls to its report: spans always, operations rows for what async_hooks
   * does not group itself (everything at `timing`; only fetch requests when `hookRows`).
   */
  addTo (report: OperationReport, scope: TrackScope, hookRows: boolean): void {
    const book = scope.calls as CallBook | undefined
    if (book === undefined) return
    const now = performance.now()
    const rows = new Map<string, OperationSummary>()
    const row = (kind: OperationKind, name: string): OperationSummary => {
      const key = `${kind} ${name}`
      let r = rows.get(key)
      // their callbacks run in their connection's context: not measured as theirs (null, not 0)
      if (r === undefined) { r = { kind, name, count: 0, active: 0, wallMs: 0, cpuMs: null, maxBlockMs: null }; rows.set(key, r) }
      return r
    }
    const counted = (source: number): boolean => !hookRows || source === SRC_UNDICI || source === SRC_DB
    const addCall = (call: Call): void => {
      if (call.folded || !counted(call.source)) return
      const r = row(call.kind, call.name)
      r.count++
      if (call.end < 0) r.active++
      r.wallMs += (call.end < 0 ? now : call.end) - call.start
    }
    const spans: OperationSpan[] = []
    for (const call of book.listed) {
      if (call.folded) continue
      addCall(call)
      const span: OperationSpan = {
        kind: call.kind, name: call.name, startMs: call.start - scope.start,
        wallMs: (call.end < 0 ? now : call.end) - call.start, active: call.end < 0
      }
      // a finished call's attributes are final: shared; a running one's may still change: copied
      for (const _ in call.attributes) { span.attributes = call.end < 0 ? { ...call.attributes } : call.attributes; break }
      spans.push(span)
    }
    for (const call of book.runningUnlisted) addCall(call)
    for (const r of book.doneUnlisted.values()) {
      if (!counted(r.source) || r.count <= 0) continue
      const into = row(r.kind, r.name)
      into.count += r.count
      into.wallMs += r.wallMs
    }
    // the report may hold the scope's single operations already (op-spans.ts): one list, in start order
    report.spans = report.spans.length === 0 ? spans : report.spans.concat(spans).sort((a, b) => a.startMs - b.startMs)
    report.droppedSpans += book.dropped
    const repeated = repeatedOf(book, now)
    if (repeated !== undefined) report.repeated = repeated
    if (rows.size > 0) {
      for (const r of rows.values()) report.operations.push(r)
      report.operations.sort((a, b) => b.wallMs - a.wallMs)
    }
  }

  /** A scope ended: its calls (and those still running) count in the enclosing operation too. */
  close (scope: TrackScope): void {
    const book = scope.calls as CallBook | undefined
    if (book === undefined) return
    const parent = scope.parent?.current()
    if (parent === undefined || parent.id === 0) return
    book.mergeInto(this.#bookOf(parent))
  }

  #bookOf (scope: TrackScope): CallBook {
    return (scope.calls as CallBook | undefined) ?? (scope.calls = new CallBook())
  }

  #callOf (key: object): Call | undefined {
    return (key as Record<symbol, Call | undefined>)[this.#kCall]
  }

  /** Books a call in the running operation (or `owner`'s), or in the process's own book outside any (bounded as every book is). */
  #open (key: object, kind: OperationKind, name: string, source: number, attributes: Attributes, owner?: TrackScope): Call | undefined {
    const scope = owner ?? this.#space.current() ?? this.#space.root
    const book = this.#bookOf(scope)
    const call = new Call(kind, name, source, performance.now(), book, attributes)
    book.take(call)
    ;(key as Record<symbol, Call | undefined>)[this.#kCall] = call
    return call
  }

  #finish (call: Call): void {
    if (call.end >= 0) return
    call.end = performance.now()
    for (let book: CallBook | undefined = call.book; book !== undefined; book = book.into) {
      if (book.removeRunning(call)) book.total(call, 1)
    }
  }

  #finishOf (key: unknown): void {
    if (key === null || typeof key !== 'object') return
    const call = this.#callOf(key)
    if (call !== undefined) this.#finish(call)
  }

  #failOf (key: unknown, error: unknown): void {
    if (key === null || typeof key !== 'object') return
    const call = this.#callOf(key)
    if (call === undefined) return
    call.attributes['error.type'] = errorType(error)
    this.#finish(call)
  }

  #httpStart (request: HttpClientRequest): void {
    if (request === null || typeof request !== 'object') return
    const method = typeof request.method === 'string' ? request.method : 'GET'
    const host = typeof request.host === 'string' ? request.host : 'localhost'
    const https = request.protocol === 'https:'
    // Node writes `host:port` into the Host header unless the port is the default; a user's own Host header is not trusted.
    let port = https ? 443 : 80
    const header = typeof request.getHeader === 'function' ? request.getHeader('host') : undefined
    if (typeof header === 'string') {
      const bare = host.includes(':') ? `[${host}]` : host
      if (header.startsWith(bare + ':')) {
        const p = Number(header.slice(bare.length + 1))
        if (Number.isInteger(p) && p > 0) port = p
      }
    }
    const call = this.#open(request, 'http.client', `${method} ${host}:${port}`, SRC_HTTP,
      { 'http.request.method': method, 'server.address': host, 'server.port': port })
    if (call !== undefined) this.#foldConnect(call, request)
  }

  #httpFold (request: HttpClientRequest): void {
    if (request === null || typeof request !== 'object') return
    const call = this.#callOf(request)
    if (call !== undefined) this.#foldConnect(call, request)
  }

  /** The connect a node:http request made for itself is part of it (as async_hooks groups it). */
  #foldConnect (call: Call, request: HttpClientRequest): void {
    const socket = request.socket
    if (socket === null || typeof socket !== 'object') return
    const connect = this.#callOf(socket)
    if (connect === undefined || connect.folded || connect.kind !== 'net' || connect.book !== call.book) return
    connect.folded = true
    for (let book: CallBook | undefined = connect.book; book !== undefined; book = book.into) {
      if (book.removeRunning(connect)) continue
      if (connect.end >= 0 && !book.listed.includes(connect)) book.total(connect, -1)
    }
  }

  #httpResponse (request: HttpClientRequest, response: unknown): void {
    if (request === null || typeof request !== 'object') return
    const call = this.#callOf(request)
    if (call === undefined) return
    this.#foldConnect(call, request)
    const status = (response as { statusCode?: unknown } | null)?.statusCode
    if (typeof status === 'number') call.attributes['http.response.status_code'] = status
    // The call ends with its response's body (`close` follows `end`, or an abort).
    if (response !== null && typeof response === 'object' && typeof (response as Emitter).once === 'function') {
      (response as Emitter).once('close', () => { this.#finish(call) })
    } else this.#finish(call)
  }

  #httpError (request: HttpClientRequest, error: unknown): void {
    if (request === null || typeof request !== 'object') return
    const call = this.#callOf(request)
    if (call !== undefined) this.#foldConnect(call, request)
    this.#failOf(request, error)
  }

  #undiciCreate (request: { origin?: unknown, method?: unknown } | null): void {
    if (request === null || typeof request !== 'object') return
    const method = typeof request.method === 'string' ? request.method : 'GET'
    const { host, port } = hostPortOfOrigin(String(request.origin))
    this.#open(request, 'http.client', `${method} ${host}:${port}`, SRC_UNDICI,
      { 'http.request.method': method, 'server.address': host, 'server.port': port })
  }

  #undiciHeaders (request: unknown, response: { statusCode?: unknown } | null): void {
    if (request === null || typeof request !== 'object') return
    const call = this.#callOf(request)
    const status = response?.statusCode
    if (call !== undefined && typeof status === 'number') call.attributes['http.response.status_code'] = status
  }

  #netSocket (socket: (Emitter & { remoteAddress?: unknown, remotePort?: unknown }) | null): void {
    if (socket === null || typeof socket !== 'object' || typeof socket.once !== 'function') return
    const call = this.#open(socket, 'net', 'connect', SRC_NET, {})
    if (call === undefined) return
    // Published before it connects: named once it has, ended by its connect or its close.
    const onClose = (hadError: unknown): void => {
      if (call.end >= 0) return
      if (hadError === true) call.attributes['error.type'] = 'connect'
      this.#finish(call)
    }
    const onConnect = (): void => {
      try {
        socket.removeListener('close', onClose)
        const address = socket.remoteAddress
        const port = socket.remotePort
        if (typeof address === 'string' && !call.folded) {
          this.#rename(call, `connect ${address}:${String(port)}`)
          call.attributes['server.address'] = address
          if (typeof port === 'number') call.attributes['server.port'] = port
        }
        this.#finish(call)
      } catch { this.internalErrors++ }
    }
    socket.once('connect', onConnect)
    socket.once('close', onClose)
  }

  /** Names a running call once its name is known (nothing is totalled under a running call's name). */
  #rename (call: Call, name: string): void { call.name = name }

  #child (proc: (Emitter & { spawnfile?: unknown }) | null, options: { file?: unknown } | undefined): void {
    if (proc === null || typeof proc !== 'object' || typeof proc.once !== 'function') return
    // The `child_process` channel publishes before the file is set; the spawn tracing channel carries it.
    const file = options?.file
    const call = this.#open(proc, 'child_process', typeof file === 'string' ? `spawn ${baseName(file)}` : 'spawn', SRC_CHILD, {})
    if (call === undefined) return
    proc.once('spawn', () => { if (call.end < 0 && call.name === 'spawn') this.#rename(call, `spawn ${baseName(proc.spawnfile)}`) })
    proc.once('exit', (code: unknown, signal: unknown) => {
      try {
        if (call.name === 'spawn') this.#rename(call, `spawn ${baseName(proc.spawnfile)}`)
        if (typeof code === 'number') call.attributes['process.exit.code'] = code
        if (typeof signal === 'string') call.attributes['process.exit.signal'] = signal
        this.#finish(call)
      } catch { this.internalErrors++ }
    })
  }

  #worker (worker: (Emitter & { threadId?: unknown }) | null): void {
    if (worker === null || typeof worker !== 'object' || typeof worker.once !== 'function') return
    const attributes: Attributes = {}
    if (typeof worker.threadId === 'number') attributes['thread.id'] = worker.threadId
    const call = this.#open(worker, 'worker', 'Worker', SRC_WORKER, attributes)
    if (call === undefined) return
    worker.once('exit', (code: unknown) => {
      if (typeof code === 'number') call.attributes['worker.exit.code'] = code
      this.#finish(call)
    })
  }

  /** The operation a database call starting now belongs to: the one whose callback runs, else the running one. */
  #dbOwner (): TrackScope | undefined {
    const n = this.#owners.length
    if (n > 0) return this.#owners[n - 1]!.current()
    const handoff = this.#handoff
    if (handoff !== undefined) {
      this.#handoff = undefined
      // only what starts in the same synchronous run as the checkout's end (its callback)
      if (this.#handoffAt === executionAsyncId()) return handoff.current()
    }
    return this.#space.current()
  }

  #dbSite (): string | undefined {
    if (!this.#sites) return undefined
    const site = captureAppSite(captureAppSite)
    if (site !== undefined) return site
    const n = this.#ownerSites.length
    return n > 0 ? this.#ownerSites[n - 1] : this.#handoffSite
  }

  /** Books one statement; its name is the summary (`SELECT tasks`), never the text. */
  #dbOpen (key: object, system: string, text: unknown, attributes: Attributes, owner: TrackScope): Call | undefined {
    attributes['db.system.name'] = system
    const call = this.#open(key, 'db', system, SRC_DB, attributes, owner)
    if (call === undefined) return undefined
    this.#describe(call, text)
    if (this.#sites) call.site = this.#dbSite()
    return call
  }

  /** Names a query by its statement's summary, once the text is known (at its start, or its end for some spans). */
  #describe (call: Call, text: unknown): void {
    if (typeof text !== 'string' || text.length === 0) return
    const { shape, summary } = describeStatement(text)
    call.shape = shape
    this.#rename(call, summary.summary)
    call.attributes['db.query.summary'] = summary.summary
    if (summary.operation !== undefined) call.attributes['db.operation.name'] = summary.operation
    if (summary.collection !== undefined) call.attributes['db.collection.name'] = summary.collection
  }

  #dbChannelStart (channel: DbChannel, context: any): void {
    if (context === null || typeof context !== 'object') return
    if (channel.sameAs !== undefined) coveredByChannel(channel.sameAs)
    const owner = this.#dbOwner()
    if (owner === undefined || owner.id === 0) return
    context[this.#kOwner] = owner
    if (channel.role === 'checkout') {
      if (this.#sites) context[this.#kSite] = this.#dbSite()
      return
    }
    const attributes: Attributes = {}
    const namespace = channel.namespace?.(context)
    if (typeof namespace === 'string' && namespace !== '') attributes['db.namespace'] = namespace
    const address = channel.serverAddress?.(context)
    if (typeof address === 'string') attributes['server.address'] = address
    const port = channel.serverPort?.(context)
    if (typeof port === 'number') attributes['server.port'] = port
    const call = this.#dbOpen(context, channel.system, channel.statement?.(context), attributes, owner)
    if (call === undefined) return
    call.shape ??= call.name
    context[this.#kSite] = call.site
  }

  /** The call answered (its callback is about to run): it ends, and what its callback starts is its asker's. */
  #dbChannelAsyncStart (channel: DbChannel, context: any): void {
    if (context === null || typeof context !== 'object') return
    const call = this.#callOf(context)
    if (call !== undefined && call.end < 0) {
      const rows = channel.rows?.(context)
      if (typeof rows === 'number') call.attributes['db.response.returned_rows'] = rows
      this.#finish(call)
    }
    const owner = context[this.#kOwner] as TrackScope | undefined
    if (owner !== undefined && context[this.#kInCallback] !== true) {
      context[this.#kInCallback] = true
      this.#owners.push(owner)
      this.#ownerSites.push(context[this.#kSite])
    }
  }

  #dbChannelAsyncEnd (context: any): void {
    if (context === null || typeof context !== 'object' || context[this.#kInCallback] !== true) return
    context[this.#kInCallback] = false
    this.#owners.pop()
    this.#ownerSites.pop()
  }

  #dbExternalStart (key: object, start: DbCallStart): void {
    const owner = this.#dbOwner()
    if (owner === undefined || owner.id === 0) return
    this.#dbOpen(key, start.system, start.statement, { ...start.attributes }, owner)
  }

  #dbEnd (key: object, rows: number | undefined, error: string | undefined, text: string | undefined): void {
    const call = this.#callOf(key)
    if (call === undefined || call.end >= 0) return
    if (call.shape === undefined) this.#describe(call, text)
    // a statement never described is still one: its system is its shape
    call.shape ??= call.name
    if (rows !== undefined) call.attributes['db.response.returned_rows'] = rows
    if (error !== undefined) call.attributes['error.type'] = error
    this.#finish(call)
  }

  /** Not a call of its own (the same query seen twice): out of the lists and totals, as a folded connect. */
  #dbDrop (key: object): void {
    const call = this.#callOf(key)
    if (call === undefined || call.folded) return
    call.folded = true
    for (let book: CallBook | undefined = call.book; book !== undefined; book = book.into) {
      if (book.removeRunning(call)) continue
      if (call.end >= 0 && !book.listed.includes(call)) book.total(call, -1)
    }
  }

  #checkoutStart (key: object): void {
    const owner = this.#dbOwner()
    if (owner === undefined || owner.id === 0) return
    const k = key as Record<symbol, unknown>
    k[this.#kOwner] = owner
    if (this.#sites) k[this.#kSite] = this.#dbSite()
  }

  #checkoutEnd (key: object): void {
    const k = key as Record<symbol, unknown>
    const owner = k[this.#kOwner] as TrackScope | undefined
    if (owner === undefined) return
    this.#handoff = owner
    this.#handoffSite = k[this.#kSite] as string | undefined
    this.#handoffAt = executionAsyncId()
  }
}

/** Statement shapes seen REPEATED_AT times or more in the book (listed and totalled calls), most time first. */
function repeatedOf (book: CallBook, now: number): RepeatedStatement[] | undefined {
  // fewer than REPEATED_AT database calls in all cannot repeat: no map for most requests
  let calls = book.runningUnlisted.size + book.doneUnlisted.size
  for (let i = 0; i < book.listed.length && calls < REPEATED_AT; i++) if (book.listed[i]!.shape !== undefined) calls++
  if (calls < REPEATED_AT) return undefined
  let byShape: Map<string, RepeatedStatement> | undefined
  const add = (shape: string, summary: string, count: number, wallMs: number, site: string | undefined): void => {
    byShape ??= new Map()
    let r = byShape.get(shape)
    if (r === undefined) {
      r = { summary, statement: shape, count: 0, wallMs: 0 }
      if (site !== undefined) r.callSite = site
      byShape.set(shape, r)
    }
    r.count += count
    r.wallMs += wallMs
    if (r.callSite === undefined && site !== undefined) r.callSite = site
  }
  for (const call of book.listed) {
    if (call.shape !== undefined && !call.folded) add(call.shape, call.name, 1, (call.end < 0 ? now : call.end) - call.start, call.site)
  }
  for (const call of book.runningUnlisted) {
    if (call.shape !== undefined) add(call.shape, call.name, 1, now - call.start, call.site)
  }
  for (const row of book.doneUnlisted.values()) {
    if (row.shape !== undefined && row.count > 0) add(row.shape, row.name, row.count, row.wallMs, row.site)
  }
  if (byShape === undefined) return undefined
  let out: RepeatedStatement[] | undefined
  for (const r of (byShape as Map<string, RepeatedStatement>).values()) if (r.count >= REPEATED_AT) (out ??= []).push(r)
  return out?.sort((a, b) => b.wallMs - a.wallMs)
}
