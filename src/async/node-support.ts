// Which async_hooks features this Node has, detected once from the version string.

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)

/** `createHook({ trackPromises: false })` exists from Node 24.14 and 25.6. */
export const canSkipPromises: boolean =
  major > 25 || (major === 25 && minor >= 6) || (major === 24 && minor >= 14)

/**
 * Whether AsyncLocalStorage rides on AsyncContextFrame (Node 24+ by default) instead of
 * promise hooks, so that using it costs about nothing.
 */
export const alsUsesContextFrame: boolean = major >= 24
