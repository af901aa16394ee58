// The shapes body parsing shares (a leaf: no imports of its own beyond the request's context key): a user
// parser and its options, what a parser reads a body into, and a parser as the registry holds it.
import type { IncomingMessage, IncomingHttpHeaders } from 'node:http'
import type { kAsyncContext, RequestAsyncContext } from './request-context.js'

export type BodyParserDone = (err: Error | null, body?: unknown) => void
/** A user parser: (request, payload, done) where payload is the body stream, or the string/Buffer when parseAs is set.
 *  It may call done, or return a promise (async parser). */
export type ContentTypeParserFunction = (request: any, payload: any, done: BodyParserDone) => unknown
export interface AddContentTypeParserOptions { parseAs?: 'string' | 'buffer'; bodyLimit?: number }
export interface ParsableRequest { raw: IncomingMessage; headers: IncomingHttpHeaders; body: unknown; [kAsyncContext]: RequestAsyncContext | null }
export type PoisoningAction = 'error' | 'remove' | 'ignore'

/** The synchronous form a built-in parser carries: the body in, the value out (throws on a bad body). */
export type SyncParse = (body: string | Buffer) => unknown

/** A parser as the registry holds it. */
export interface RegisteredParser {
  readonly fn: ContentTypeParserFunction
  readonly asString: boolean
  readonly asBuffer: boolean
  /** the parser's own limit; undefined: the app's applies (a route's own limit wins over both) */
  readonly bodyLimit: number | undefined
  readonly sync: SyncParse | undefined
  /** true for the two defaults the constructor installs: the user may replace them once */
  readonly overridable: boolean
}
