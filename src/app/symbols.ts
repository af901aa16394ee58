// Keys under which an instance keeps its internal state, out of the way of user decorators.
export const kScope = Symbol('weft.scope')
export const kApp = Symbol('weft.app')
export const kInstance = Symbol.for('weft.instance')
