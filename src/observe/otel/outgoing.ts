// Puts the current request's `traceparent`/`tracestate` on outgoing node:http(s) and fetch()/undici
// requests: `http.client.request.created` and `undici:request:create` from diagnostics_channel.
// Node 20 has no channel before an http request's headers are written; there the headers are added
// when the request stores them (ClientRequest.prototype._implicitHeader), and removed on unsubscribe.
import dc from 'node:diagnostics_channel'
import http from 'node:http'
import type { RequestTrace } from './types.js'

type Current = () => RequestTrace | undefined

interface UndiciRequest {
  headers: string[] | string
  addHeader(name: string, value: string): unknown
}

function undiciHasTraceparent (headers: string[] | string): boolean {
  if (typeof headers === 'string') return headers.toLowerCase().includes('traceparent:')
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].length === 11 && headers[i].toLowerCase() === 'traceparent') return true
  }
  return false
}

function addToClientRequest (request: http.ClientRequest, trace: RequestTrace): void {
  // Headers given as an array are already serialised; a traceparent set by the caller wins.
  if (request.headersSent || request.hasHeader('traceparent')) return
  request.setHeader('traceparent', trace.traceparent)
  const tracestate = trace.tracestate
  if (tracestate !== undefined) request.setHeader('tracestate', tracestate)
}

let createdChannelPublishes: boolean | undefined

/** Whether this Node publishes `http.client.request.created` (22.12+): seen once on a request that never connects. */
function hasCreatedChannel (): boolean {
  if (createdChannelPublishes !== undefined) return createdChannelPublishes
  let seen = false
  const probe = (): void => { seen = true }
  dc.subscribe('http.client.request.created', probe)
  try {
    // createConnection never calls back: no socket, no lookup, nothing left alive.
    const request = new http.ClientRequest({ host: '127.0.0.1', createConnection: () => undefined as any })
    request.on('error', () => {}) // a request that never had a socket has nothing to report
  } finally {
    dc.unsubscribe('http.client.request.created', probe)
  }
  createdChannelPublishes = seen
  return seen
}

// Node 20: one wrapper on ClientRequest.prototype._implicitHeader, shared by every subscriber.
type Injector = (request: http.ClientRequest) => void
const storeHeadersInjectors = new Set<Injector>()
const clientRequestPrototype = http.ClientRequest.prototype as unknown as { _implicitHeader: (this: http.ClientRequest) => void }
let storeHeaders: ((this: http.ClientRequest) => void) | undefined

function storeHeadersWithTrace (this: http.ClientRequest): void {
  for (const inject of storeHeadersInjectors) inject(this)
  storeHeaders!.call(this)
}

function addStoreHeadersInjector (injector: Injector): void {
  storeHeadersInjectors.add(injector)
  if (storeHeaders === undefined) {
    storeHeaders = clientRequestPrototype._implicitHeader
    clientRequestPrototype._implicitHeader = storeHeadersWithTrace
  }
}

function removeStoreHeadersInjector (injector: Injector): void {
  storeHeadersInjectors.delete(injector)
  if (storeHeadersInjectors.size === 0 && storeHeaders !== undefined) {
    clientRequestPrototype._implicitHeader = storeHeaders
    storeHeaders = undefined
  }
}

export function injectOutgoing (current: Current, onError: (error: unknown) => void): () => void {
  function onUndiciRequest (message: unknown): void {
    try {
      const trace = current()
      if (trace === undefined) return
      const request = (message as { request: UndiciRequest }).request
      if (undiciHasTraceparent(request.headers)) return
      request.addHeader('traceparent', trace.traceparent)
      const tracestate = trace.tracestate
      if (tracestate !== undefined) request.addHeader('tracestate', tracestate)
    } catch (error) {
      onError(error) // a subscriber's throw would become an uncaught exception
    }
  }
  function injectInto (request: http.ClientRequest): void {
    try {
      const trace = current()
      if (trace !== undefined) addToClientRequest(request, trace)
    } catch (error) {
      onError(error)
    }
  }
  function onHttpRequest (message: unknown): void {
    injectInto((message as { request: http.ClientRequest }).request)
  }

  dc.subscribe('undici:request:create', onUndiciRequest)
  if (hasCreatedChannel()) {
    dc.subscribe('http.client.request.created', onHttpRequest)
    return () => {
      dc.unsubscribe('undici:request:create', onUndiciRequest)
      dc.unsubscribe('http.client.request.created', onHttpRequest)
    }
  }

  addStoreHeadersInjector(injectInto)
  return () => {
    dc.unsubscribe('undici:request:create', onUndiciRequest)
    removeStoreHeadersInjector(injectInto)
  }
}
