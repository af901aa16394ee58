// listen(): boots the app, binds the server, resolves with the address (the caller then starts onListen).
import type { AddressInfo } from 'node:net'
import { codes } from '../errors.js'
import type { HttpApp } from './http-app.js'

export interface ListenOptions {
  port?: number
  host?: string
  path?: string
  backlog?: number
  exclusive?: boolean
  ipv6Only?: boolean
  signal?: AbortSignal
  listenTextResolver?: (address: string) => string
}

function formatAddress (address: string | AddressInfo | null, https: boolean): string {
  if (address === null) return ''
  if (typeof address === 'string') return address
  const host = address.family === 'IPv6' || address.family as unknown === 6 ? `[${address.address}]` : address.address
  return `${https ? 'https' : 'http'}://${host}:${address.port}`
}

export async function listen (app: HttpApp, opts: ListenOptions = {}): Promise<string> {
  if (opts === null || typeof opts !== 'object') throw new codes.FST_ERR_LISTEN_OPTIONS_INVALID(String(opts))
  if (app.state.closing || app.state.closed) throw new codes.FST_ERR_REOPENED_CLOSE_SERVER()
  if (app.state.listening || app.server.listening) throw new codes.FST_ERR_REOPENED_SERVER()
  await app.ready()
  if (app.state.closing || app.state.closed) throw new codes.FST_ERR_REOPENED_CLOSE_SERVER()
  const server = app.server
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => { server.off('listening', onListening); reject(err) }
    const onListening = (): void => { server.off('error', onError); resolve() }
    server.once('error', onError)
    server.once('listening', onListening)
    const listenOptions = opts.path !== undefined
      ? { path: opts.path, backlog: opts.backlog, exclusive: opts.exclusive }
      : { port: opts.port ?? 3000, host: opts.host ?? 'localhost', backlog: opts.backlog, exclusive: opts.exclusive, ipv6Only: opts.ipv6Only, signal: opts.signal }
    server.listen(listenOptions)
  })
  app.state.listening = true
  const address = formatAddress(server.address(), Boolean(app.options.https))
  app.log.info((opts.listenTextResolver ?? ((a: string) => `Server listening at ${a}`))(address))
  return address
}
