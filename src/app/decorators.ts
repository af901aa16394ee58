// Adds decorators to an instance, or to a Request/Reply prototype: dependencies present,
// getter/setter objects honoured (the caller checks that the name is free).
import { codes } from '../errors.js'

export interface GetterSetter { getter?: () => unknown, setter?: (value: unknown) => void }

export function isGetterSetter (value: unknown): value is GetterSetter {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
    (typeof (value as GetterSetter).getter === 'function' || typeof (value as GetterSetter).setter === 'function') &&
    Object.keys(value).every(k => k === 'getter' || k === 'setter')
}

/**
 * Throws when a dependency list is malformed or names a decorator `target` does not have;
 * `builtIn` names the properties every instance gets when made (a request's `body`), which count.
 */
export function checkDependencies (target: object, name: string | symbol, dependencies: unknown, builtIn?: ReadonlySet<unknown>): void {
  if (dependencies === undefined || dependencies === null) return
  if (!Array.isArray(dependencies)) throw new codes.FST_ERR_DEC_DEPENDENCY_INVALID_TYPE(String(name))
  for (const dep of dependencies) {
    if (!(dep in target) && builtIn?.has(dep) !== true) throw new codes.FST_ERR_DEC_MISSING_DEPENDENCY(String(dep))
  }
}

/** Defines `name` on `target`: a getter/setter pair as an accessor, anything else as a value. */
export function defineDecorator (target: object, name: string | symbol, value: unknown, dependencies: unknown): void {
  checkDependencies(target, name, dependencies)
  if (isGetterSetter(value)) {
    Object.defineProperty(target, name, { get: value.getter, set: value.setter, configurable: true, enumerable: false })
  } else {
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: true })
  }
}
