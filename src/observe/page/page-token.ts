// The page's secret: a random per-process token (or the user's), taken from `?token=`, an
// `Authorization: Bearer` header or the HttpOnly cookie the first valid `?token=` sets, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** What a token may look like: it travels in a URL, a header and a cookie as is. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{16,512}$/

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** A header value that is an array (repeated header) or missing is no token. */
function bearer (value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('Bearer ')) return undefined
  return value.slice(7).trim()
}

function cookie (header: unknown, name: string): string | undefined {
  if (typeof header !== 'string') return undefined
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return undefined
}

export class PageToken {
  /** The token itself (printed in the page's URL at startup). */
  readonly value: string
  /** True when weft made it (then the startup line prints it; a token the user set is theirs to know). */
  readonly generated: boolean
  readonly #digest: Buffer
  readonly #cookieName: string
  readonly #setCookie: string

  constructor (value: string | undefined, cookiePath: string) {
    this.generated = value === undefined
    // 192 bits from the system's CSPRNG, URL- and cookie-safe
    this.value = value ?? randomBytes(24).toString('base64url')
    this.#digest = digest(this.value)
    // a name of its own per token: two apps on one host (cookies ignore ports) do not overwrite each other's
    this.#cookieName = 'weft_page_' + this.#digest.subarray(0, 6).toString('hex')
    this.#setCookie = `${this.#cookieName}=${this.value}; Path=${cookiePath}; HttpOnly; SameSite=Strict`
  }

  #matches (candidate: string | undefined): boolean {
    if (candidate === undefined || candidate.length === 0 || candidate.length > 512) return false
    return timingSafeEqual(digest(candidate), this.#digest)
  }

  /**
   * Whether the request carries the token. `fromQuery` is true when it came in the URL: the answer
   * should then set the cookie, so the page's own calls (fetch, EventSource) carry it.
   */
  check (headers: Record<string, unknown>, query: unknown): { ok: boolean, fromQuery: boolean } {
    const fromUrl = (query as { token?: unknown } | null | undefined)?.token
    if (typeof fromUrl === 'string' && this.#matches(fromUrl)) return { ok: true, fromQuery: true }
    const ok = this.#matches(cookie(headers.cookie, this.#cookieName)) || this.#matches(bearer(headers.authorization))
    return { ok, fromQuery: false }
  }

  /** The Set-Cookie value: HttpOnly, SameSite=Strict, scoped to the page's path. */
  get setCookie (): string { return this.#setCookie }
}
