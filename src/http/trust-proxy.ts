// trustProxy as Fastify reads it: true, a function (address, hop), a hop count (trusts no peer),
// or addresses, CIDR ranges and the names loopback/linklocal/uniquelocal (a comma-separated string or an array).
import type { IncomingMessage } from 'node:http'
import { BlockList, isIP } from 'node:net'

export type TrustFn = (address: string, hop: number) => boolean

const named: Record<string, string[]> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.1/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']
}

const trustAll: TrustFn = () => true
const trustNone: TrustFn = () => false

/** The trust function of a trustProxy option; null when nothing is trusted (the option is off). */
export function compileTrust (option: unknown): TrustFn | null {
  if (option === undefined || option === null || option === false) return null
  if (typeof option === 'function') return option as TrustFn
  if (option === true) return trustAll
  // a hop count cannot check the peer itself: trusting none keeps clients from forging X-Forwarded-*
  if (typeof option === 'number') return trustNone
  const list = typeof option === 'string' ? option.split(',').map(s => s.trim()) : option
  if (!Array.isArray(list)) throw new TypeError('unsupported trust argument')
  const blocks = new BlockList()
  for (const entry of list) {
    for (const range of named[entry as string] ?? [entry as string]) addRange(blocks, String(range))
  }
  return (address) => trusted(blocks, address)
}

function addRange (blocks: BlockList, note: string): void {
  const slash = note.lastIndexOf('/')
  const ip = unmap(slash === -1 ? note : note.slice(0, slash))
  const family = isIP(ip)
  if (family === 0) throw new TypeError('invalid IP address: ' + ip)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (slash === -1) return blocks.addAddress(ip, type)
  const mask = note.slice(slash + 1)
  let prefix: number
  if (/^\d+$/.test(mask)) prefix = Number(mask)
  else if (family === 4 && isIP(mask) === 4) prefix = netmaskBits(mask)
  else prefix = NaN
  if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) throw new TypeError('invalid range on address: ' + note)
  blocks.addSubnet(ip, prefix, type)
}

/** The prefix length of a dotted netmask (255.255.0.0 → 16); NaN when its bits are not contiguous. */
function netmaskBits (mask: string): number {
  const n = mask.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
  let bits = 0
  while (bits < 32 && (n & (0x80000000 >>> bits)) !== 0) bits++
  return n === (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0) ? bits : NaN
}

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4) as its IPv4 address. */
function unmap (address: string): string {
  return address.length > 7 && address.slice(0, 7).toLowerCase() === '::ffff:' && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

function trusted (blocks: BlockList, address: string): boolean {
  const ip = unmap(address)
  const family = isIP(ip)
  if (family === 0) return false
  return blocks.check(ip, family === 4 ? 'ipv4' : 'ipv6')
}

/** The socket's address then each X-Forwarded-For address from the nearest, as long as each hop is trusted. */
export function forwardedAddresses (req: IncomingMessage, trust: TrustFn): string[] {
  const addresses = [req.socket?.remoteAddress as string]
  const header = req.headers['x-forwarded-for']
  if (typeof header === 'string') {
    const parts = header.split(',')
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = parts[i]!.trim()
      if (part.length > 0) addresses.push(part)
    }
  }
  for (let i = 0; i < addresses.length - 1; i++) {
    if (!trust(addresses[i]!, i)) {
      addresses.length = i + 1
      break
    }
  }
  return addresses
}

/** The last value of a header a chain of proxies may have appended to. */
export function lastEntry (value: string): string {
  const comma = value.lastIndexOf(',')
  return comma === -1 ? value.trim() : value.slice(comma + 1).trim()
}
