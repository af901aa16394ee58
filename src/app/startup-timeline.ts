// How the app started: each plugin's load time (nested: a plugin's time includes its children's),
// each application hook's duration, how many onRoute calls there were, and the times to ready and
// to listening, all in milliseconds from the app's creation. Recorded at boot only (no request cost).
import { performance } from 'node:perf_hooks'

export interface StartupPlugin {
  name: string
  /** Nesting level: 1 for a plugin the root registered. */
  depth: number
  startMs: number
  /** From its body starting to its last child loaded. */
  wallMs: number
}

export interface StartupHook {
  hook: 'onRegister' | 'onReady' | 'onListen'
  /** The hook function's name, or `anonymous`. */
  name: string
  startMs: number
  wallMs: number
}

export interface StartupView {
  plugins: StartupPlugin[]
  hooks: StartupHook[]
  onRoute: { calls: number, wallMs: number }
  /** Milliseconds from the app's creation to ready (null until then). */
  readyMs: number | null
  /** ... to `listen()` reporting success (null until then, or with inject() only). */
  listenMs: number | null
}

export class StartupTimeline {
  readonly #origin = performance.now()
  readonly #plugins: StartupPlugin[] = []
  readonly #hooks: StartupHook[] = []
  #onRouteCalls = 0
  #onRouteMs = 0
  #readyMs: number | null = null
  #listenMs: number | null = null

  now (): number { return performance.now() - this.#origin }

  /** A plugin starts loading (in load order, so parents come before their children). */
  pluginStarted (depth: number): StartupPlugin {
    const entry: StartupPlugin = { name: '', depth, startMs: this.now(), wallMs: 0 }
    this.#plugins.push(entry)
    return entry
  }

  /** It and its children have loaded (or failed); its name is known by now (an import() plugin's too). */
  pluginLoaded (entry: StartupPlugin, name: string): void {
    entry.name = name
    entry.wallMs = this.now() - entry.startMs
  }

  hook (hook: StartupHook['hook'], fn: Function, startMs: number): void {
    this.#hooks.push({ hook, name: fn.name === '' ? 'anonymous' : fn.name, startMs, wallMs: this.now() - startMs })
  }

  onRoute (startMs: number): void {
    this.#onRouteCalls++
    this.#onRouteMs += this.now() - startMs
  }

  ready (): void { this.#readyMs ??= this.now() }
  listening (): void { this.#listenMs ??= this.now() }

  view (): StartupView {
    return {
      plugins: this.#plugins.map(p => ({ ...p })),
      hooks: this.#hooks.map(h => ({ ...h })),
      onRoute: { calls: this.#onRouteCalls, wallMs: this.#onRouteMs },
      readyMs: this.#readyMs,
      listenMs: this.#listenMs
    }
  }
}
