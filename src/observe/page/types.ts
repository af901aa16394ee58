// The live page's public types: what it reads (ActivitySource), how it is mounted (PageOptions)
// and the startup view it draws. Any object with these methods can feed the page.
import type { ProcessSample } from '../../async/types.js'
import type { RequestActivity, RouteSummary } from '../types.js'

/** One scope of the plugin tree, with what it declared. */
export interface PluginTreeNode {
  name: string
  /** Hook names added in this scope, e.g. `onRequest`, `preHandler`. */
  hooks: string[]
  decorators: string[]
  /** `GET /users/:id`, ... */
  routes: string[]
  children: PluginTreeNode[]
}

/** The app's startup: each plugin's load and each application hook, and the plugin tree. */
export interface StartupView {
  /** Milliseconds from the start of boot; `depth` 0 is the root's direct plugins. */
  plugins: Array<{ name: string, startMs: number, wallMs: number, depth: number }>
  hooks: Array<{ name: string, wallMs: number }>
  tree: PluginTreeNode
}

/** One live event the page receives over Server-Sent Events. */
export type ActivityEvent =
  | { type: 'activity', activity: RequestActivity }
  | { type: 'process', sample: ProcessSample }

/** What the page draws. weft/observe provides one; tests and other recorders can write their own. */
export interface ActivitySource {
  /** Recent requests, newest first. */
  recent(): RequestActivity[]
  routes(): RouteSummary[]
  /** Kept process samples, oldest first (weft/async's `sampleProcess().samples()`). */
  processSamples(): ProcessSample[]
  /** Null until the app has booted (or when nothing records startup). */
  startup(): StartupView | null
  /** Called for each finished request and each process sample; returns the unsubscribe function. */
  subscribe(listener: (event: ActivityEvent) => void): () => void
  /** With observe's `history` option: answers `runs`, `requests?run=`, `requests/<id>?run=`, `routes?run=` from the database. */
  history?: (resource: string, query: Record<string, unknown>) => { statusCode: number, body: unknown }
}

export interface PageOptions {
  /** Where the page is served. Default `/_weft`. */
  path?: string
  /**
   * The secret a loopback client must bring (`?token=` once, then the cookie it sets, or
   * `Authorization: Bearer`). Default: a random one per process, printed at startup. `false` turns it
   * off and is accepted only with `allow`, which then alone decides.
   */
  token?: string | false
  /** Lets a client in when it returns true, with or without the token (it adds to the token check, never replaces it for others). */
  allow?: (request: any) => boolean
  /** Milliseconds between heartbeat comments on each open event stream. Default 15 000. */
  heartbeatMs?: number
  /**
   * Most bytes an event stream holds unsent: events that would take it past this are dropped for that
   * client (counted, then told). A client holding nothing still gets one event larger than it. Default 1 MiB.
   */
  maxBufferedBytes?: number
  /** Most event streams open at once; more get 503. Default 16. */
  maxStreams?: number
  /** Milliseconds between event batches (one write per stream per batch). Default 200. */
  flushMs?: number
}

/** What `registerActivityPage` returns (and `app.observe.page` is): where the page is and its token. */
export interface PageAccess {
  /** `/_weft` by default. */
  readonly path: string
  /** The token a loopback client must bring; null with `token: false`. */
  readonly token: string | null
  /** The full URL with the token (`http://127.0.0.1:3000/_weft?token=…`); null until the server listens. */
  url(): string | null
}
