// Call-site capture for the `stacks` level: finds the first user frame of the synchronous stack
// (not node:internal, not Weft's own files) and the Node API it called, e.g. `fs.readFile`.
import { fileURLToPath } from 'node:url'
import { relative, sep } from 'node:path'

export interface CallSiteInfo {
  /** A user frame is on the synchronous stack: user code started this resource. */
  readonly user: boolean
  /** `fs.readFile`, `http.get`, `setTimeout`… from the Node frame the user called, if any. */
  readonly api: string | undefined
  /** Module of that frame: `fs`, `http`, `timers`… */
  readonly module: string | undefined
  /** `path:line:column` of the first user frame (relative to the working directory). */
  readonly site: string | undefined
  /** The stack was deeper than the frames read, and no user frame was among them. */
  readonly truncated?: boolean
  /** A connection pool's code is on the stack (poolFile): what it makes is the pool's. */
  readonly pool?: boolean
}

/**
 * Files of the connection pools whose connections outlive the request that opened them: pg-pool,
 * mysql2's and mariadb's pools, tarn (knex, mssql), generic-pool, the MongoDB driver's pool.
 */
const poolFile = /[\\/]node_modules[\\/](?:pg-pool[\\/]|tarn[\\/]|generic-pool[\\/]|mysql2[\\/]lib[\\/](?:base[\\/])?pool|mariadb[\\/]lib[\\/]pool|mongodb[\\/]lib[\\/]cmap[\\/])/

const NO_USER: CallSiteInfo = { user: false, api: undefined, module: undefined, site: undefined }
const UNKNOWN_USER: CallSiteInfo = { user: false, api: undefined, module: undefined, site: undefined, truncated: true }
/** Frames read per call site: enough for undici's fetch (about 40 frames) under the hook's own. */
const STACK_FRAMES = 64

const ownDirUrl = new URL('.', import.meta.url).href
const ownDirPath = fileURLToPath(ownDirUrl)
/** All of Weft (async, observe, …): what an application frame is not. */
const weftDirUrl = new URL('..', import.meta.url).href
const weftDirPath = fileURLToPath(weftDirUrl)

function isOwn (file: string): boolean {
  return file.startsWith(ownDirUrl) || file.startsWith(ownDirPath)
}

const structured = (_: Error, frames: NodeJS.CallSite[]): NodeJS.CallSite[] => frames

/** Module part of an API name from a `node:` file name. */
function moduleOf (file: string): string {
  let m = file.slice(5)
  if (m.startsWith('internal/')) m = m.slice(9)
  if (m.startsWith('deps/undici')) return 'undici'
  if (m.startsWith('_http_')) return 'http'
  if (m.startsWith('_tls_')) return 'tls'
  if (m.startsWith('_stream_')) return 'stream'
  if (m === 'worker') return 'worker_threads'
  if (m === 'fs/promises' || m === 'dns/promises' || m === 'timers/promises' || m === 'stream/promises') return m.replace('/', '.')
  const slash = m.indexOf('/')
  return slash === -1 ? m : m.slice(0, slash)
}

function apiName (frame: NodeJS.CallSite): string | undefined {
  const file = frame.getFileName()
  if (file == null || !file.startsWith('node:')) return undefined
  const mod = moduleOf(file)
  const fn = frame.getMethodName() ?? frame.getFunctionName()
  // the global fetch (node:internal/bootstrap/web/...) and undici's own
  if (fn === 'fetch' && (mod === 'undici' || mod === 'bootstrap')) return 'fetch'
  if (fn == null || fn === '' || fn.startsWith('emit')) return mod
  const bare = fn.startsWith('Object.') ? fn.slice(7) : fn
  if (mod === 'timers') return bare
  return `${mod}.${bare}`
}

function siteOf (frame: NodeJS.CallSite, cwd: string): string {
  let file = frame.getFileName() ?? '<anonymous>'
  if (file.startsWith('file://')) {
    try { file = fileURLToPath(file) } catch { /* keep the URL */ }
  }
  if (file.startsWith(cwd + sep)) file = relative(cwd, file)
  return `${file}:${frame.getLineNumber() ?? 0}:${frame.getColumnNumber() ?? 0}`
}

/** The frames below `below` (the hook function), at most `limit`. */
function framesBelow (below: Function, limit: number): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace
  const stackLimit = Error.stackTraceLimit
  let frames: unknown
  try {
    Error.prepareStackTrace = structured
    Error.stackTraceLimit = limit
    const holder: { stack?: unknown } = {}
    Error.captureStackTrace(holder, below)
    frames = holder.stack
  } finally {
    Error.prepareStackTrace = prepare
    Error.stackTraceLimit = stackLimit
  }
  return Array.isArray(frames) ? frames as NodeJS.CallSite[] : []
}

/**
 * Whether JavaScript (not Node's C++ completing a request) made the resource being initialized: a
 * frame other than the hook machinery is on the stack below `below`, the hook function. Costs a
 * short stack walk: used only where the answer decides where a rare resource belongs.
 */
export function madeByJavaScript (below: Function): boolean {
  for (const frame of framesBelow(below, 4)) {
    const file = frame.getFileName()
    if (file != null && file !== '' && !file.startsWith('node:internal/async_hooks')) return true
  }
  return false
}

/** Whether a frame of `file` is among the first frames below `below` (a short stack walk). */
export function madeIn (below: Function, file: string): boolean {
  for (const frame of framesBelow(below, 8)) if (frame.getFileName() === file) return true
  return false
}

/**
 * Captures the current stack and reads it. `below` is the hook function, so the frames of the
 * tracker itself are skipped. Costs a stack walk: only used at `stacks`.
 */
export function captureCallSite (below: Function): CallSiteInfo {
  const frames = framesBelow(below, STACK_FRAMES)
  let lastNode: NodeJS.CallSite | undefined
  const pool = inPool(frames)
  for (const frame of frames) {
    if (frame.isAsync()) break // only the synchronous part says who started it
    const file = frame.getFileName()
    if (file == null || file === '') continue
    if (file.startsWith('node:')) {
      // The hook machinery itself (emitInit, promise hooks) is not the API the user called.
      if (!file.startsWith('node:internal/async_hooks')) lastNode = frame
      continue
    }
    if (isOwn(file)) continue
    const module = lastNode === undefined ? undefined : moduleOf(lastNode.getFileName() ?? '')
    const info: CallSiteInfo = { user: true, api: lastNode === undefined ? undefined : apiName(lastNode), module, site: siteOf(frame, process.cwd()) }
    return pool ? { ...info, pool } : info
  }
  // Library code deeper than the frames read (undici's fetch is about 40 deep): who called it is
  // unknown, and must not be guessed from the trigger (the line of the previous await).
  const info = frames.length >= STACK_FRAMES ? UNKNOWN_USER : NO_USER
  return pool ? { ...info, pool } : info
}

function inPool (frames: NodeJS.CallSite[]): boolean {
  for (const frame of frames) {
    const file = frame.getFileName()
    if (file != null && poolFile.test(file)) return true
  }
  return false
}

/**
 * Whether a connection pool's code is on the stack below `below` (a walk of 24 frames): a socket it
 * opens is its connection, the pool's and not the request's that needed it first. Taken only for
 * sockets JavaScript opens inside an operation (new connections: rare once a pool is warm).
 */
export function madeByPool (below: Function): boolean {
  return inPool(framesBelow(below, 24))
}

/**
 * Who made the timer being initialized: Node's own JavaScript (its bundled undici, an
 * `AbortSignal.timeout()`): the first frame below the timers machinery is a `node:` one. A short
 * stack walk (6 frames: the hook's 2, the Timeout's 2, the timers API, its caller), taken only for
 * timers not made unref'ed.
 */
export function timerMaker (below: Function): number {
  for (const frame of framesBelow(below, 6)) {
    const file = frame.getFileName()
    if (file == null || file === '' || file.startsWith('node:internal/async_hooks') || file.startsWith('node:internal/timers') || file.startsWith('node:timers')) continue
    return file.startsWith('node:') ? MADE_BY_NODE : poolFile.test(file) ? MADE_BY_POOL : MADE_BY_CODE
  }
  return MADE_BY_CODE
}
/** Who called the timers API (timerMaker): the application or a library, Node's own JavaScript, a connection pool (its idle timer). */
export const MADE_BY_CODE = 0
export const MADE_BY_NODE = 1
export const MADE_BY_POOL = 2

/**
 * The first application frame of the synchronous stack below `below`: not Node's, not Weft's, not a
 * package's (node_modules), e.g. where a query was issued through a driver. Costs a stack walk.
 */
export function captureAppSite (below: Function): string | undefined {
  for (const frame of framesBelow(below, 40)) {
    if (frame.isAsync()) break
    const file = frame.getFileName()
    if (file == null || file === '' || file.startsWith('node:') || file.startsWith(weftDirUrl) || file.startsWith(weftDirPath)) continue
    if (file.includes('/node_modules/') || file.includes('\\node_modules\\')) continue
    return siteOf(frame, process.cwd())
  }
  return undefined
}
