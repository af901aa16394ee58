// Who may see the page: clients on this machine (loopback socket address, not forwarded by a proxy),
// or whoever the user's allow(request) lets in.

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress (address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4.startsWith('127.') || address === '::1' || address === '0:0:0:0:0:0:0:1'
}

/** A request that came through a proxy on this machine looks local by its socket: its forwarding headers say otherwise. */
function isForwarded (headers: Record<string, unknown>): boolean {
  return headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined || headers['x-real-ip'] !== undefined
}

export function isLocalClient (request: { raw: { socket?: { remoteAddress?: string } | null, headers: Record<string, unknown> } }): boolean {
  return isLoopbackAddress(request.raw.socket?.remoteAddress ?? undefined) && !isForwarded(request.raw.headers)
}
