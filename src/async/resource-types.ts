// The classification of async_hooks type strings: kind, how a resource of that type joins an
// operation, whether it is a one-shot request, and its default operation name. Types Node adds in
// later releases are classified by pattern, and anything unrecognised is kind `other`.
import type { ResourceKind } from './types.js'
import { fsJobs } from './node-support.js'

/** Kind ids, index into KIND_NAMES. */
export const K_OTHER = 0
export const K_FS = 1
export const K_DNS = 2
export const K_NET = 3
export const K_TLS = 4
export const K_HTTP_SERVER = 5
export const K_HTTP_CLIENT = 6
export const K_ZLIB = 7
export const K_CRYPTO = 8
export const K_CHILD = 9
export const K_TIMER = 10
export const K_PROMISE = 11
export const K_USER = 12
export const K_SCHED = 13
export const K_WORKER = 14

export const KIND_NAMES: readonly ResourceKind[] = [
  'other', 'fs', 'dns', 'net', 'tls', 'http.server', 'http.client', 'zlib', 'crypto',
  'child_process', 'timer', 'promise', 'user', 'scheduling', 'worker'
]

/** When a member joins a group, the group takes the member's kind if it ranks higher. */
export const KIND_RANK: readonly number[] = [0, 1, 1, 1, 2, 3, 3, 1, 1, 4, 0, 0, 0, 0, 4]

/** Type flags. */
export const F_SCHED = 1 << 0 // scheduling: folds into the operation that scheduled it
export const F_PROMISE = 1 << 1
export const F_ONESHOT = 1 << 2 // done once its callback ran
export const F_AUX = 1 << 3 // when it joins another kind's operation it is a helper: never a leak, does not keep it open
export const F_NOGROUP = 1 << 4 // infrastructure (stdio, signals, resolver channels): no operation, never a leak
export const F_VIA_TURN = 1 << 5 // may join the operation started earlier in the same synchronous turn
export const F_UPGRADES = 1 << 6 // may raise the operation's kind (net → http.client)
export const F_FILEHANDLE = 1 << 7 // fs.promises FileHandle: attaches to the open request that made it
export const F_HANDLE_REQ = 1 << 8 // a request on an open FileHandle (promise-based fs internals)
export const F_CLOSES_HANDLE = 1 << 9 // closes the operation's FileHandle
export const F_TIMER = 1 << 10 // read `_repeat` at init to tell setInterval from setTimeout
export const F_REARM = 1 << 11 // destroyed only by GC, called back any number of times: pending only while a callback runs
export const F_TICK = 1 << 12 // a nextTick callback: runs straight after another callback ends (see recorder.ts, `chained`)
export const F_MAY_BE_JOB = 1 << 13 // Node 26 whole-file jobs share this type: their constructor says which (node-support.ts)
export const F_REFABLE = 1 << 15 // a handle held weakly: whether it is still open and ref'ed is asked of Node (fd, hasRef()) when reporting
export const F_MAY_BE_STDIO = 1 << 16 // may be the process's own stdin/stdout/stderr, made on first use (node-support.ts)
export const F_UNSTORED = 1 << 17 // counted, never stored: a callback binding only GC destroys, that keeps nothing alive
export const F_SOCKET = 1 << 18 // a socket handle: a pool may own it (socket-pools.ts)
export const F_CONTINUES = 1 << 14 // done at its callback, but JavaScript may go on with its work (a FILEHANDLE for a handed-back fd): its operation stays quiet, not final, until it is destroyed

const bit = (k: number): number => 1 << k
const NETLIKE = bit(K_NET) | bit(K_TLS) | bit(K_HTTP_CLIENT) | bit(K_HTTP_SERVER)

interface TypeSpec {
  kind: number
  flags: number
  /** Operation kinds it may join as part of them; 0: it always starts its own operation. */
  joins: number
  /** At most one member of this type per operation (bit in the operation's flags). */
  unique: number
  name: string
}

const U_HTTP_CLIENT = 1
const U_HTTP_SERVER = 2
const U_TLS = 4

const spec = (kind: number, flags: number, joins: number, name: string, unique = 0): TypeSpec =>
  ({ kind, flags, joins, unique, name })

/** Types Node 20–26 are known to emit. */
const KNOWN: Record<string, TypeSpec> = {
  TickObject: spec(K_SCHED, F_SCHED | F_ONESHOT | F_TICK, 0, 'process.nextTick'),
  Immediate: spec(K_SCHED, F_SCHED | F_ONESHOT, 0, 'setImmediate'),
  Microtask: spec(K_SCHED, F_SCHED | F_ONESHOT, 0, 'queueMicrotask'),
  PROMISE: spec(K_PROMISE, F_PROMISE, 0, 'promise'),
  Timeout: spec(K_TIMER, F_ONESHOT | F_AUX | F_TIMER | F_REFABLE, NETLIKE, 'setTimeout'),
  // stream.finished()/pipeline() bind their callback in one (Node 22+); it is gone only at GC.
  STREAM_END_OF_STREAM: spec(K_SCHED, F_SCHED | F_UNSTORED, 0, 'stream.finished'),
  // Weft's own: a request's context, re-entered where its lifecycle resumes from someone else's
  // (a body's end, a timeout): a scheduling step of the request, whose callbacks are the request's.
  WEFT_REQUEST_CONTEXT: spec(K_SCHED, F_SCHED, 0, 'request context'),
  // Fastify's (and Weft's) body parse: made in the request's context, the parse and what follows it run in it.
  'content-type-parser:run': spec(K_SCHED, F_SCHED, 0, 'body parse'),

  FSREQCALLBACK: spec(K_FS, F_ONESHOT | (fsJobs !== undefined ? F_MAY_BE_JOB : 0), bit(K_FS), 'fs'),
  FSREQPROMISE: spec(K_FS, F_ONESHOT | F_HANDLE_REQ, bit(K_FS), 'fs.promises'),
  FILEHANDLE: spec(K_FS, F_FILEHANDLE | F_REFABLE, bit(K_FS), 'fs.promises'),
  FILEHANDLECLOSEREQ: spec(K_FS, F_ONESHOT | F_HANDLE_REQ | F_CLOSES_HANDLE, bit(K_FS), 'fs.promises'),
  STATWATCHER: spec(K_FS, F_REFABLE, 0, 'fs.watchFile'),
  FSEVENTWRAP: spec(K_FS, F_REFABLE, 0, 'fs.watch'),

  GETADDRINFOREQWRAP: spec(K_DNS, F_ONESHOT, NETLIKE, 'dns.lookup'),
  GETNAMEINFOREQWRAP: spec(K_DNS, F_ONESHOT, NETLIKE, 'dns.lookupService'),
  QUERYWRAP: spec(K_DNS, F_ONESHOT, NETLIKE, 'dns.resolve'),
  DNSCHANNEL: spec(K_DNS, F_NOGROUP, 0, 'dns.Resolver'),

  TCPWRAP: spec(K_NET, F_REFABLE | F_SOCKET, 0, 'net.Socket'),
  TCPSERVERWRAP: spec(K_NET, F_REFABLE, 0, 'net.Server'),
  PIPEWRAP: spec(K_NET, F_VIA_TURN | F_REFABLE | F_MAY_BE_STDIO | F_SOCKET, bit(K_CHILD), 'net.Socket'),
  PIPESERVERWRAP: spec(K_NET, F_REFABLE, 0, 'net.Server'),
  TCPCONNECTWRAP: spec(K_NET, F_ONESHOT, NETLIKE, 'net.connect'),
  PIPECONNECTWRAP: spec(K_NET, F_ONESHOT, NETLIKE, 'net.connect'),
  WRITEWRAP: spec(K_NET, F_ONESHOT, NETLIKE | bit(K_CHILD), 'net.write'),
  SHUTDOWNWRAP: spec(K_NET, F_ONESHOT, NETLIKE | bit(K_CHILD), 'net.end'),
  UDPWRAP: spec(K_NET, F_REFABLE, 0, 'dgram.Socket'),
  UDPSENDWRAP: spec(K_NET, F_ONESHOT, bit(K_NET), 'dgram.send'),
  JSSTREAM: spec(K_NET, 0, NETLIKE, 'net.stream'),
  STREAMPIPE: spec(K_NET, 0, NETLIKE, 'net.pipe'),
  TTYWRAP: spec(K_NET, F_NOGROUP, 0, 'tty'),
  SIGNALWRAP: spec(K_OTHER, F_NOGROUP, 0, 'process.on(signal)'),

  TLSWRAP: spec(K_TLS, F_UPGRADES, bit(K_NET), 'tls', U_TLS),
  SSLCONNECTION: spec(K_TLS, F_UPGRADES, bit(K_NET), 'tls', U_TLS),

  HTTPCLIENTREQUEST: spec(K_HTTP_CLIENT, F_UPGRADES, bit(K_NET) | bit(K_TLS), 'http.request', U_HTTP_CLIENT),
  HTTPINCOMINGMESSAGE: spec(K_HTTP_SERVER, F_UPGRADES, bit(K_NET) | bit(K_TLS), 'http.server', U_HTTP_SERVER),

  ZLIB: spec(K_ZLIB, F_REARM, 0, 'zlib'),
  PROCESSWRAP: spec(K_CHILD, F_REFABLE, 0, 'child_process'),
  // A worker thread runs until it exits, its one callback; the ports made with it are its helpers.
  WORKER: spec(K_WORKER, F_ONESHOT | F_REFABLE, 0, 'worker_threads.Worker'),
  MESSAGEPORT: spec(K_OTHER, F_REFABLE | F_AUX | F_VIA_TURN, bit(K_WORKER), 'MessagePort'),
  ELDHISTOGRAM: spec(K_OTHER, F_NOGROUP, 0, 'perf_hooks.monitorEventLoopDelay'),
  WEFT_TRACK: spec(K_USER, F_NOGROUP, 0, 'track')
}

const CRYPTO_WORDS = /PBKDF2|SCRYPT|HKDF|RANDOM|CIPHER|HASH|HMAC|SHA|SIGN|VERIFY|KEY|DERIVE|PRIME|SECRET|ECDH|DIFFIEHELLMAN|DH|AES|RSA/

/** Classifies a type string Weft has no entry for (a newer Node, or a user AsyncResource). */
function classify (type: string): TypeSpec {
  const known = KNOWN[type]
  if (known !== undefined) return known
  const t = type.toUpperCase()
  const oneShot = /REQ|REQUEST/.test(t) ? F_ONESHOT : 0
  const name = type.toLowerCase()
  if (/^FS|FILEHANDLE|STATWATCH/.test(t)) return spec(K_FS, oneShot, oneShot !== 0 ? bit(K_FS) : 0, 'fs')
  if (/^GETADDRINFO|^GETNAMEINFO|^QUERY.*WRAP$|^DNS/.test(t)) return spec(K_DNS, oneShot, oneShot !== 0 ? NETLIKE : 0, 'dns')
  if (/^HTTPCLIENT/.test(t)) return spec(K_HTTP_CLIENT, F_UPGRADES, bit(K_NET) | bit(K_TLS), 'http.request', U_HTTP_CLIENT)
  if (/^HTTPINCOMING|^HTTPSERVER/.test(t)) return spec(K_HTTP_SERVER, F_UPGRADES, bit(K_NET) | bit(K_TLS), 'http.server', U_HTTP_SERVER)
  if (/TLS|SSL|SECURE/.test(t)) return spec(K_TLS, 0, 0, 'tls')
  if (/^TCP|^PIPE|^UDP|WRITEWRAP|SHUTDOWN|STREAM/.test(t)) return spec(K_NET, oneShot, oneShot !== 0 ? NETLIKE : 0, 'net')
  if (/ZLIB|BROTLI|ZSTD|COMPRESS/.test(t)) return spec(K_ZLIB, oneShot !== 0 ? oneShot : F_REARM, 0, 'zlib')
  if (oneShot !== 0 && CRYPTO_WORDS.test(t)) return spec(K_CRYPTO, F_ONESHOT, 0, 'crypto.' + name.replace(/request$|job$/, ''))
  if (/PROCESS/.test(t)) return spec(K_CHILD, 0, 0, 'child_process')
  if (/TIMEOUT|TIMER/.test(t)) return spec(K_TIMER, oneShot, 0, 'timer')
  // A user AsyncResource: often destroyed only by GC, so it counts as pending only between callbacks.
  return spec(K_OTHER, oneShot !== 0 ? oneShot : F_REARM, 0, type)
}

/** Most distinct type strings remembered; later new ones share the `(other types)` entry. */
export const MAX_TYPES = 4096
const OVERFLOW_TYPE = '(other types)'

/**
 * Interns type strings to small ids and holds each type's properties in fixed typed arrays, so the
 * hook looks a type up once per event and then reads numbers.
 */
export class TypeTable {
  readonly names: string[] = []
  readonly kind = new Uint8Array(MAX_TYPES)
  readonly flags = new Uint32Array(MAX_TYPES)
  readonly joins = new Uint16Array(MAX_TYPES)
  readonly unique = new Uint8Array(MAX_TYPES)
  /** Default operation name of each type. */
  readonly opName: string[] = []
  /** Type string → id; the hook reads it directly and calls id() only for a new type. */
  readonly ids = new Map<string, number>()
  /** Type id by the constructor of an `FSREQCALLBACK` resource (Node 26 jobs; a handful of classes). */
  readonly #jobs = new Map<unknown, number>()

  constructor () { this.#register(OVERFLOW_TYPE) }

  /**
   * The type id for an `F_MAY_BE_JOB` resource of type `t` made by `ctor`: a variant of `t` with the
   * same type name, named after the whole-file call the job is (`fs.readFile`), or `t` itself.
   */
  jobType (t: number, ctor: unknown): number {
    const known = this.#jobs.get(ctor)
    if (known !== undefined) return known
    if (this.#jobs.size >= 64) return t
    const job = typeof ctor === 'function' ? fsJobs?.[ctor.name] : undefined
    const id = job === undefined ? t : this.#registerVariant(t, job.name, job.handsBackFd ? F_CONTINUES : 0)
    this.#jobs.set(ctor, id)
    return id
  }

  /** The id of a type, registering it on first sight. */
  id (type: string): number {
    const id = this.ids.get(type)
    return id !== undefined ? id : this.#register(type)
  }

  #register (type: string): number {
    const id = this.names.length
    if (id === MAX_TYPES) return 0
    const s = classify(type)
    this.names.push(type)
    this.opName.push(s.name)
    this.kind[id] = s.kind
    this.flags[id] = s.flags
    this.joins[id] = s.joins
    this.unique[id] = s.unique
    this.ids.set(type, id)
    return id
  }

  /** Same type name and properties as `t`, another operation name; not found by name. */
  #registerVariant (t: number, opName: string, extraFlags: number): number {
    const id = this.names.length
    if (id === MAX_TYPES) return t
    this.names.push(this.names[t])
    this.opName.push(opName)
    this.kind[id] = this.kind[t]
    this.flags[id] = (this.flags[t] & ~F_MAY_BE_JOB) | extraFlags
    this.joins[id] = this.joins[t]
    this.unique[id] = this.unique[t]
    return id
  }
}

/** Node's names in `process.getActiveResourcesInfo()` that are not the async_hooks type upper-cased. */
export const ACTIVE_INFO_ALIASES: Readonly<Record<string, string>> = {
  TCPSocketWrap: 'TCPWRAP',
  TCPServerWrap: 'TCPSERVERWRAP',
  PipeServerWrap: 'PIPESERVERWRAP',
  ZlibContext: 'ZLIB',
  FSReqPromise: 'FSREQPROMISE'
}
