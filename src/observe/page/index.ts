// The live activity page of weft/observe: registerActivityPage and the source it reads.
export { registerActivityPage, pageStreamSizes, PAGE_OPTION_KEYS } from './register-page.js'
export { isLoopbackAddress } from './client-address.js'
export type { ActivitySource, ActivityEvent, PageAccess, PageOptions, StartupView, PluginTreeNode } from './types.js'
