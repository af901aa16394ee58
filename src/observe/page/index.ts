// The live activity page of weft/observe: registerActivityPage and the source it reads.
export { registerActivityPage } from './register-page.js'
export { isLoopbackAddress } from './client-address.js'
export type { ActivitySource, ActivityEvent, PageOptions, StartupView, PluginTreeNode } from './types.js'
