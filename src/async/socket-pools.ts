// Whether a socket belongs to a connection pool rather than to the code that opened it: an
// http.Agent's free list, or an undici client (fetch). Told by ownership, never by ref state.
import dc from 'node:diagnostics_channel'

/** Most agents remembered; past it the oldest (or a collected one) makes room. */
const MAX_AGENTS = 256

type Sockets = Record<string, unknown[] | undefined>
interface AgentLike { freeSockets?: Sockets }

const agents: Array<WeakRef<AgentLike>> = []
const seen = new WeakSet<object>()
let users = 0
let ownerSymbol: symbol | undefined

/** An outgoing node:http request names its agent: remember the agent (weakly). */
function onRequest (message: unknown): void {
  try {
    const agent = (message as { request?: { agent?: unknown } } | null)?.request?.agent
    if (agent === null || typeof agent !== 'object' || seen.has(agent)) return
    seen.add(agent)
    if (agents.length >= MAX_AGENTS) {
      const gone = agents.findIndex(ref => ref.deref() === undefined)
      agents.splice(gone >= 0 ? gone : 0, 1)
    }
    agents.push(new WeakRef(agent as AgentLike))
  } catch {}
}

/** Starts remembering agents (one call per enabled tracker that reports leaks). */
export function retainPools (): void {
  if (users++ === 0) dc.subscribe('http.client.request.start', onRequest)
}

export function releasePools (): void {
  if (users > 0 && --users === 0) dc.unsubscribe('http.client.request.start', onRequest)
}

function symbolNamed (o: object, description: string): symbol | undefined {
  for (const s of Object.getOwnPropertySymbols(o)) if (s.description === description) return s
  return undefined
}

/**
 * The JavaScript socket that owns a native handle (Node keeps it under its `owner_symbol`). A
 * socket an agent hands out again gets a new asyncId through a `ReusedHandle` wrapping its handle.
 */
function ownerOf (resource: object): object | undefined {
  const inner = (resource as { handle?: unknown }).handle
  const handle = inner !== null && typeof inner === 'object' && resource.constructor?.name === 'ReusedHandle' ? inner : resource
  ownerSymbol ??= symbolNamed(handle, 'owner_symbol')
  if (ownerSymbol === undefined) return undefined
  const owner = (handle as Record<symbol, unknown>)[ownerSymbol]
  return owner !== null && typeof owner === 'object' ? owner : undefined
}

/** An undici Client holds the socket as its own connection (fetch's pool). */
function inUndiciClient (socket: object): boolean {
  // not cached: another library's socket may carry a symbol of the same name
  const clientSymbol = symbolNamed(socket, 'client')
  if (clientSymbol === undefined) return false
  const client = (socket as Record<symbol, unknown>)[clientSymbol]
  if (client === null || typeof client !== 'object') return false
  for (const s of Object.getOwnPropertySymbols(client)) {
    if (s.description === 'socket' && (client as Record<symbol, unknown>)[s] === socket) return true
  }
  return false
}

function inAgentFreeList (socket: object): boolean {
  for (const ref of agents) {
    const free = ref.deref()?.freeSockets
    if (free === undefined || free === null || typeof free !== 'object') continue
    for (const name in free) if (free[name]?.includes(socket) === true) return true
  }
  return false
}

/** True when the native socket handle is held by a pool (idle in an agent, or an undici connection). */
export function pooled (handle: object): boolean {
  const socket = ownerOf(handle)
  if (socket === undefined) return false
  return inAgentFreeList(socket) || inUndiciClient(socket)
}
