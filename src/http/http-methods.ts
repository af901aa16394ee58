// The methods an app routes (Fastify 5.12's supported methods): those without a body, those whose
// body is parsed, and addHttpMethod() moving a method Node knows into one or the other.
import { METHODS } from 'node:http'
import { codes } from '../errors.js'

export interface AddHttpMethodOptions { hasBody?: boolean; overrideExisting?: boolean }

const existingWarning = (method: string): string =>
  `Calling addHttpMethod for existing method "${method}" without { overrideExisting: true } is deprecated. In Fastify v6, this will throw an error.`

export class HttpMethods {
  /** routed, their body never read */
  readonly bodyless = new Set(['GET', 'HEAD', 'TRACE'])
  /** routed, their body parsed by the content-type parsers */
  readonly bodywith = new Set(['DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY'])

  has (method: string): boolean { return this.bodyless.has(method) || this.bodywith.has(method) }

  /** All routed methods, those without a body first (Fastify's `supportedMethods`). */
  list (): string[] { return [...this.bodyless, ...this.bodywith] }

  /** Adds (or moves) `method`, warning FSTDEP025 if it was routed already. Throws FST_ERR_ROUTE_METHOD_INVALID for a method Node does not know. */
  add (method: unknown, opts: AddHttpMethodOptions | undefined): void {
    if (typeof method !== 'string' || !METHODS.includes(method)) throw new codes.FST_ERR_ROUTE_METHOD_INVALID()
    if (this.has(method) && opts?.overrideExisting !== true) {
      process.emitWarning(existingWarning(method), { type: 'FastifyDeprecation', code: 'FSTDEP025' })
    }
    if (opts?.hasBody === true) {
      this.bodywith.add(method)
      this.bodyless.delete(method)
    } else {
      this.bodywith.delete(method)
      this.bodyless.add(method)
    }
  }
}
