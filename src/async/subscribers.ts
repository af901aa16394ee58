// Delivers raw lifecycle events to subscribers. A throwing subscriber is caught and counted, and
// resources a subscriber creates while handling an event are not delivered back to it (no loops).
import { executionAsyncId } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import type { AsyncEventHandlers, InitEvent, LifecycleEvent } from './types.js'
import { KIND_NAMES } from './resource-types.js'

type LifecycleName = 'before' | 'after' | 'destroy' | 'promiseResolve'

interface Counted { internalErrors: number, readonly types: { readonly names: string[], readonly kind: Uint8Array } }

export class Subscribers {
  /** Subscribers per event, read by the hooks to skip work when nobody listens. */
  init = 0
  before = 0
  after = 0
  destroy = 0
  promiseResolve = 0
  #list: AsyncEventHandlers[] = []
  #delivering = false
  readonly #owner: Counted

  constructor (owner: Counted) { this.#owner = owner }

  add (handlers: AsyncEventHandlers): () => void {
    const entry = { ...handlers }
    this.#list = [...this.#list, entry]
    this.#count()
    let removed = false
    return () => {
      if (removed) return
      removed = true
      this.#list = this.#list.filter(h => h !== entry)
      this.#count()
    }
  }

  emitInit (asyncId: number, type: string, typeId: number, triggerAsyncId: number): void {
    if (this.#delivering) return
    const event: InitEvent = {
      asyncId,
      type,
      kind: KIND_NAMES[this.#owner.types.kind[typeId]],
      triggerAsyncId,
      executionAsyncId: executionAsyncId(),
      time: performance.now()
    }
    this.#deliver('init', event)
  }

  emit (name: LifecycleName, asyncId: number, typeId: number): void {
    if (this.#delivering) return
    const event: LifecycleEvent = { asyncId, type: this.#owner.types.names[typeId], time: performance.now() }
    this.#deliver(name, event)
  }

  #deliver (name: keyof AsyncEventHandlers, event: InitEvent | LifecycleEvent): void {
    this.#delivering = true
    try {
      for (const handlers of this.#list) {
        const fn = handlers[name] as ((e: typeof event) => void) | undefined
        if (fn === undefined) continue
        try { fn(event) } catch { this.#owner.internalErrors++ }
      }
    } finally {
      this.#delivering = false
    }
  }

  #count (): void {
    const n = (k: keyof AsyncEventHandlers): number => this.#list.filter(h => typeof h[k] === 'function').length
    this.init = n('init')
    this.before = n('before')
    this.after = n('after')
    this.destroy = n('destroy')
    this.promiseResolve = n('promiseResolve')
  }
}
