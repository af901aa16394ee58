// A typed async context over AsyncLocalStorage: a value that follows awaits, timers and event
// emitters started inside run(), with nothing to pass by hand.
import { AsyncLocalStorage } from 'node:async_hooks'
import { noContext } from './errors.js'

export class Context<T> {
  readonly name: string
  readonly #storage = new AsyncLocalStorage<T>()

  constructor (name = 'context') { this.name = name }

  /** Runs `fn` with `value` as this context's value, for `fn` and all async work it starts. */
  run<R> (value: T, fn: () => R): R { return this.#storage.run(value, fn) }

  /** The value of the current async context, or undefined outside any run(). */
  get (): T | undefined { return this.#storage.getStore() }

  /** The value of the current async context; throws outside any run(). */
  require (): T {
    const value = this.#storage.getStore()
    if (value === undefined) throw noContext(this.name)
    return value
  }

  /** Runs `fn` outside this context. */
  exit<R> (fn: () => R): R { return this.#storage.exit(fn) }

  /** Sets the value for the rest of the current synchronous execution and what it starts. */
  enterWith (value: T): void { this.#storage.enterWith(value) }

  /** Returns `fn` bound to the current value: it runs with it wherever it is called from. */
  bind<A extends unknown[], R> (fn: (...args: A) => R): (...args: A) => R {
    const value = this.#storage.getStore()
    if (value === undefined) return (...args: A) => this.#storage.exit(() => fn(...args))
    return (...args: A) => this.#storage.run(value, () => fn(...args))
  }
}
