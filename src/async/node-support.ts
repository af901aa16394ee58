// What differs between the Node releases weft/async supports (20, 22, 24, 26): async_hooks features
// and the resources Node makes for the same call. The one place that knows Node versions.

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)

/** `createHook({ trackPromises: false })` exists from Node 24.14 and 25.6. */
export const canSkipPromises: boolean =
  major > 25 || (major === 25 && minor >= 6) || (major === 24 && minor >= 14)

/**
 * Whether AsyncLocalStorage rides on AsyncContextFrame (Node 24+ by default) instead of
 * promise hooks, so that using it costs about nothing. Below it, an AsyncLocalStorage that was
 * used keeps V8's promise hooks on until it is disabled.
 */
export const alsUsesContextFrame: boolean = major >= 24

/**
 * Node 26 does some whole-file calls as one thread-pool job instead of a chain of requests, and the
 * job's async_hooks type is still `FSREQCALLBACK`; only its constructor tells it apart:
 * - `fs.readFile` and `fs.promises.readFile` of a file up to one read chunk (512 KiB): one
 *   `ReadFileJob` does open + fstat + read + close (Node 20–24: four `FSREQCALLBACK`s, or
 *   `FSREQPROMISE`s around a `FILEHANDLE` for the promise API). A larger file comes back as an open
 *   fd, read on by the old requests (the promise API wraps it in a `FILEHANDLE` made in JavaScript).
 * - `fs.writeFile`, `fs.appendFile` and their promise forms: one `WriteFileJob`.
 * - `fs.cp`: a `CpDirJob` per directory.
 * Seen on Node 26.12, not on 24.22. Maps the job's constructor name to the operation it is, and
 * whether it may hand back an open fd for JavaScript to go on with.
 */
export interface FsJob { readonly name: string, readonly handsBackFd: boolean }
export const fsJobs: Readonly<Record<string, FsJob>> | undefined = major >= 26
  ? {
      ReadFileJob: { name: 'fs.readFile', handsBackFd: true },
      WriteFileJob: { name: 'fs.writeFile', handsBackFd: false },
      CpDirJob: { name: 'fs.cp', handsBackFd: false }
    }
  : undefined

/**
 * Node 20–26 make `process.stdin`, `stdout` and `stderr` on first use, in this file: a pipe or
 * socket made there is the process's own stdio, never an operation or a leak of the code that
 * happened to print first.
 */
export const stdioStreamsFile = 'node:internal/bootstrap/switches/is_main_thread'

/**
 * The diagnostics_channel channels Weft reads outgoing calls from, as each supported Node publishes
 * them (seen on 20.20, 22.23, 24.22 and 26.12 with a local server: an `http.get`, a `fetch`, a
 * `net.connect`, an `execFile` and a `Worker`):
 * - `http.client.request.start`, `http.client.response.finish`, `http.client.request.error`: all four.
 *   Node 22+ also publishes `http.client.request.created` from the request's constructor (before its
 *   socket connects); Node 20 only `start`, when the request's head is sent.
 * - `undici:request:create`, `undici:request:headers`, `undici:request:trailers`,
 *   `undici:request:error` (Node's bundled undici, behind `fetch`): all four.
 * - `net.client.socket` (from `net.connect`, before it connects): all four. No release of these
 *   publishes `tracing:net.client.socket:*`.
 * - `child_process` (from the ChildProcess constructor, before its file is known): all four. Node 24+
 *   also publishes `tracing:child_process.spawn:start` with the spawn options (the file to run).
 * - `worker_threads` (a Worker made): all four.
 */
export interface OutgoingChannels {
  /** Where an outgoing `node:http` request starts. */
  readonly httpStart: 'http.client.request.created' | 'http.client.request.start'
  /** Where a child process starts, and whether its message carries the spawn options. */
  readonly childStart: 'tracing:child_process.spawn:start' | 'child_process'
}
export const outgoingChannels: OutgoingChannels = {
  httpStart: major >= 22 ? 'http.client.request.created' : 'http.client.request.start',
  childStart: major >= 24 ? 'tracing:child_process.spawn:start' : 'child_process'
}
