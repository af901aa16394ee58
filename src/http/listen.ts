// listen(): boots the app, binds the server, logs and resolves with the address (the caller then
// starts onListen). On 'localhost' it binds each address the name resolves to (IPv4 and IPv6), as Fastify.
import { lookup } from 'node:dns'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { Server } from 'node:http'
import { codes } from '../errors.js'
import type { HttpApp } from './http-app.js'

export interface ListenOptions {
  port?: number
  host?: string
  path?: string
  backlog?: number
  exclusive?: boolean
  readableAll?: boolean
  writableAll?: boolean
  ipv6Only?: boolean
  signal?: AbortSignal
  listenTextResolver?: (address: string) => string
}

function defaultListeningText (address: string): string { return `Server listening at ${address}` }

/**
 * The addresses a bound server is reachable at, as Fastify logs them: a unix socket's path; an
 * IPv4 wildcard (0.0.0.0) as each IPv4 interface, internal ones first; an IPv6 address in brackets.
 */
export function listeningAddresses (address: string | AddressInfo | null, https: boolean): string[] {
  if (address === null) return []
  if (typeof address === 'string') return [address]
  const scheme = https ? 'https://' : 'http://'
  if (address.address.includes(':')) return [`${scheme}[${address.address}]:${address.port}`]
  let hosts = [address.address]
  if (address.address === '0.0.0.0') {
    const ipv4 = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((i) => i.family === 'IPv4'))
    hosts = [...ipv4.filter((i) => i.internal), ...ipv4.filter((i) => !i.internal)].map((i) => i.address)
  }
  return hosts.map((host) => `${scheme}${host}:${address.port}`)
}

/** One address (or an AddressInfo) as an origin: `http://127.0.0.1:3000`, `https://[::1]:3000`, a socket's path. */
export function originOf (address: string | AddressInfo, https: boolean): string {
  if (typeof address === 'string') return address
  const host = address.family === 'IPv6' || address.family as unknown === 6 ? `[${address.address}]` : address.address
  return `${https ? 'https' : 'http'}://${host}:${address.port}`
}

function bind (server: Server, options: Record<string, unknown>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => { server.off('listening', onListening); reject(err) }
    const onListening = (): void => { server.off('error', onError); resolve() }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(options)
  })
}

/** Logs each address of a bound server through `resolver`; returns the first. */
function logListening (app: HttpApp, server: Server, resolver: (address: string) => string): string {
  const addresses = listeningAddresses(server.address(), Boolean(app.options.https))
  for (const address of addresses) app.log.info(resolver(address))
  return addresses[0] ?? ''
}

/** Binds the other addresses `host` resolves to on the main server's port; a failure only skips that address. */
async function bindOthers (app: HttpApp, host: string, options: Record<string, unknown>, resolver: (address: string) => string): Promise<void> {
  const primary = app.server.address()
  if (primary === null || typeof primary === 'string') return
  const found = await new Promise<Array<{ address: string }>>((resolve) => {
    lookup(host, { all: true }, (err, addresses) => { resolve(err === null ? addresses : []) })
  })
  for (const { address } of found) {
    if (address === primary.address || app.state.closing) continue
    const server = app.createBinding()
    try {
      await bind(server, { ...options, host: address, port: primary.port })
      logListening(app, server, resolver)
    } catch {
      app.dropBinding(server)
    }
  }
}

/** What listen() refuses at once, thrown to its caller (not through its callback or promise), as Fastify. */
export function checkListenSignal (opts: unknown): void {
  const signal = (opts as ListenOptions | null | undefined)?.signal as (AbortSignal & { on?: unknown }) | undefined | null
  if (signal === undefined || signal === null) return
  if (typeof signal.on !== 'function' && typeof signal.addEventListener !== 'function') throw new codes.FST_ERR_LISTEN_OPTIONS_INVALID('Invalid options.signal')
}

export async function listen (app: HttpApp, opts: ListenOptions = {}): Promise<string | undefined> {
  if (opts === null || typeof opts !== 'object') throw new codes.FST_ERR_LISTEN_OPTIONS_INVALID(String(opts))
  const signal = opts.signal as (AbortSignal & { on?: unknown }) | undefined
  if (signal !== undefined && signal !== null) {
    checkListenSignal(opts)
    // an aborted signal closes the app instead of binding it; an abort later closes it
    if (signal.aborted) { await app.close(); return undefined }
    signal.addEventListener('abort', () => { app.close().catch(() => {}) }, { once: true })
  }
  if (app.state.closing || app.state.closed) throw new codes.FST_ERR_REOPENED_CLOSE_SERVER()
  if (app.state.listening || app.server.listening) throw new codes.FST_ERR_REOPENED_SERVER()
  await app.ready()
  if (signal?.aborted === true) return undefined
  if (app.state.closing || app.state.closed) throw new codes.FST_ERR_REOPENED_CLOSE_SERVER()
  const resolver = opts.listenTextResolver ?? defaultListeningText
  // a unix socket path gets no default host; a port left out means any free port, as on Fastify
  const { listenTextResolver, signal: _signal, ...rest } = opts
  const options: Record<string, unknown> = opts.path === undefined || opts.path === null
    ? { ...rest, port: opts.port ?? 0, host: opts.host ?? 'localhost' }
    : { ...rest }
  await bind(app.server, options)
  app.state.listening = true
  const address = logListening(app, app.server, resolver)
  // a serverFactory may hand back one server each call: its app stays on one address, as on Fastify
  if (options.host === 'localhost' && typeof app.options.serverFactory !== 'function') await bindOthers(app, 'localhost', options, resolver)
  return address
}
