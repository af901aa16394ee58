// Whether a client is on this machine: a loopback socket address and no header a proxy adds
// (necessary for the page's token to count, not sufficient: see page-token.ts).

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress (address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4.startsWith('127.') || address === '::1' || address === '0:0:0:0:0:0:0:1'
}

/**
 * Headers proxies and CDNs add and a browser never sends. A request that came through a proxy on this
 * machine looks local by its socket; any of these says otherwise (many proxies send none: the token is
 * what guards the page, this only refuses what is surely not local).
 */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via', 'x-forwarded-host', 'true-client-ip', 'cf-connecting-ip'] as const

function isForwarded (headers: Record<string, unknown>): boolean {
  for (const name of FORWARDING_HEADERS) if (headers[name] !== undefined) return true
  return false
}

export function isLocalClient (request: { raw: { socket?: { remoteAddress?: string } | null, headers: Record<string, unknown> } }): boolean {
  return isLoopbackAddress(request.raw.socket?.remoteAddress ?? undefined) && !isForwarded(request.raw.headers)
}
