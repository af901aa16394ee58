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
  function onHttpRequest (message: unknown): void {
    try {
      const trace = current()
      if (trace !== undefined) addToClientRequest((message as { request: http.ClientRequest }).request, trace)
    } catch (error) {
      onError(error)
    }
  }

  dc.subscribe('undici:request:create', onUndiciRequest)
  if (hasCreatedChannel()) {
    dc.subscribe('http.client.request.created', onHttpRequest)
    return () => {
      dc.unsubscribe('undici:request:create', onUndiciRequest)
      dc.unsubscribe('http.client.request.created', onHttpRequest)
    }
  }

  const prototype = http.ClientRequest.prototype as unknown as { _implicitHeader: (this: http.ClientRequest) => void }
  const storeHeaders = prototype._implicitHeader
  const implicitHeaderWithTrace = function (this: http.ClientRequest): void {
    try {
      const trace = current()
      if (trace !== undefined) addToClientRequest(this, trace)
    } catch (error) {
      onError(error)
    }
    storeHeaders.call(this)
  }
  prototype._implicitHeader = implicitHeaderWithTrace
  return () => {
    dc.unsubscribe('undici:request:create', onUndiciRequest)
    if (prototype._implicitHeader === implicitHeaderWithTrace) prototype._implicitHeader = storeHeaders
  }
}
