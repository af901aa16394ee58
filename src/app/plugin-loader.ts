// Loads plugins in order: each plugin's body runs, then the plugins it registered, depth-first,
// before its next sibling. Registrations go to the plugin currently loading; after() callbacks
// run once everything queued before them has loaded. Progress needs only promises: timers are
// used for timeouts alone, so booting works under mock timers.
import { codes } from '../errors.js'
import { callSettled } from '../hooks/app-hook-runner.js'

export interface PluginEntry {
  kind: 'plugin'
  name: string
  /** Runs the plugin body; resolves when it called done or its promise settled. */
  start: (node: PluginNode) => Promise<void>
  /** Settles register()'s own promise. */
  loaded: Deferred
}

export interface AfterEntry {
  kind: 'after'
  fn: (err: Error | null) => Promise<void>
  loaded: Deferred
}

type Entry = PluginEntry | AfterEntry

export class Deferred {
  promise: Promise<void>
  resolve!: () => void
  reject!: (err: unknown) => void
  constructor () {
    this.promise = new Promise<void>((resolve, reject) => { this.resolve = resolve; this.reject = reject })
    this.promise.catch(ignore) // a load error is reported through ready(); nobody has to await this
  }
}
function ignore (): void {}

export class PluginNode {
  name: string
  readonly parent: PluginNode | null
  readonly children: PluginNode[] = []
  readonly queue: Entry[] = []
  /** An after() callback's node: it holds what the callback registers and is not printed. */
  readonly hidden: boolean
  constructor (name: string, parent: PluginNode | null, hidden = false) {
    this.name = name
    this.parent = parent
    this.hidden = hidden
    if (parent !== null) parent.children.push(this)
  }
}

export class PluginLoader {
  readonly root: PluginNode
  /** The node whose queue receives new registrations. */
  current: PluginNode
  /** The error of the last failed plugin, waiting for an after() callback or ready() to take it. */
  pendingError: Error | null = null
  #loading: Promise<void> | null = null

  constructor (rootName: string) {
    this.root = new PluginNode(rootName, null)
    this.current = this.root
  }

  enqueue (entry: Entry): void {
    this.current.queue.push(entry)
  }

  /** Loads everything queued so far under the current node; concurrent callers share one run. */
  loadPending (): Promise<void> {
    // inside a plugin body that awaits its own registrations: load them now, nested
    if (this.#loading !== null) return this.#drain(this.current)
    this.#loading = this.#drain(this.current).finally(() => { this.#loading = null })
    return this.#loading
  }

  /** Loads the root until nothing is left (what ready() waits for), then hands back a pending error. */
  async loadAll (): Promise<void> {
    // entries may keep arriving while we load (an after() registering more); loop until quiet
    while (this.#loading !== null || this.root.queue.length > 0) {
      await (this.#loading ?? this.loadPending())
    }
    const err = this.pendingError
    this.pendingError = null
    if (err !== null) throw err
  }

  async #drain (node: PluginNode): Promise<void> {
    while (node.queue.length > 0) {
      const entry = node.queue.shift()!
      if (entry.kind === 'after') {
        const err = this.pendingError
        this.pendingError = null
        // what the callback registers loads right after it, before the entries queued behind it
        const holder = new PluginNode('after', node, true)
        const previous = this.current
        this.current = holder
        try {
          await entry.fn(err)
          await this.#drain(holder)
          if (this.pendingError !== null) throw this.pendingError
          entry.loaded.resolve()
        } catch (e) {
          this.pendingError = e as Error
          entry.loaded.reject(e)
        } finally {
          this.current = previous
        }
        continue
      }
      if (this.pendingError !== null) {
        // a failed plugin stops the plugins after it until an after() handles the error
        entry.loaded.reject(this.pendingError)
        continue
      }
      const child = new PluginNode(entry.name, node)
      const previous = this.current
      this.current = child
      try {
        await entry.start(child)
        await this.#drain(child)
        if (this.pendingError !== null) throw this.pendingError
        entry.loaded.resolve()
      } catch (err) {
        this.pendingError = err as Error
        entry.loaded.reject(err)
      } finally {
        this.current = previous
      }
    }
  }

  /** The plugin tree as indented text. */
  print (): string {
    const lines: string[] = []
    // an after() node is not shown: its plugins appear as children of the plugin that called after()
    const visible = (node: PluginNode): PluginNode[] => node.children.flatMap(c => c.hidden ? visible(c) : [c])
    const walk = (node: PluginNode, prefix: string, last: boolean, top: boolean): void => {
      lines.push(top ? node.name : `${prefix}${last ? '└── ' : '├── '}${node.name}`)
      const childPrefix = top ? '' : prefix + (last ? '    ' : '│   ')
      const children = visible(node)
      children.forEach((c, i) => walk(c, childPrefix, i === children.length - 1, false))
    }
    walk(this.root, '', true, true)
    return lines.join('\n') + '\n'
  }
}

/** Runs a plugin function in callback, promise or sync style, failing after `timeout` ms. */
export function callPlugin (name: string, fn: Function, instance: unknown, opts: unknown, timeout: number): Promise<void> {
  return callSettled(fn, undefined, [instance, opts], {
    timeout,
    onTimeout: () => new codes.FST_ERR_PLUGIN_TIMEOUT(name),
    notAPromise: isInstance,
    onMixedStyles: () => new codes.FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER(name),
    onEmptyRejection: () => new Error(`plugin '${name}' rejected without a reason`)
  }).catch((err: unknown) => { throw nameError(err, name) })
}

const kInstance = Symbol.for('weft.instance')
function isInstance (value: object): boolean { return (value as Record<symbol, unknown>)[kInstance] === true }

/** Makes sure a plugin's failure says which plugin failed, without losing the original error. */
function nameError (err: unknown, name: string): unknown {
  if (err instanceof Error) {
    const e = err as Error & { plugin?: string }
    if (e.plugin === undefined) {
      e.plugin = name
      if (!e.message.includes(name)) e.message = `Plugin '${name}' failed: ${e.message}`
    }
    return e
  }
  return new codes.FST_ERR_PLUGIN_FAILED(name, String(err))
}
