// addHook('onClose', resource): a resource with Symbol.asyncDispose (preferred) or Symbol.dispose
// becomes an onClose hook that disposes it, as Fastify 5.12 accepts; anything else is left to validateHook.

type Done = (err?: unknown) => void

/** The onClose hook disposing `resource`, or `resource` itself when it is not disposable. */
export function disposableHook (resource: unknown): unknown {
  if (resource === null || (typeof resource !== 'object' && typeof resource !== 'function') || typeof resource === 'function') return resource
  const r = resource as { [Symbol.asyncDispose]?: unknown, [Symbol.dispose]?: unknown }
  const asyncDispose = typeof Symbol.asyncDispose === 'symbol' ? r[Symbol.asyncDispose] : undefined
  if (typeof asyncDispose === 'function') {
    return function disposeAsync (_instance: unknown, done: Done): void {
      let p: unknown
      try { p = asyncDispose.call(resource) } catch (err) { done(err); return }
      Promise.resolve(p).then(() => done(), done)
    }
  }
  const dispose = typeof Symbol.dispose === 'symbol' ? r[Symbol.dispose] : undefined
  if (typeof dispose === 'function') {
    return function disposeSync (_instance: unknown, done: Done): void {
      try { dispose.call(resource) } catch (err) { done(err); return }
      done()
    }
  }
  return resource
}
