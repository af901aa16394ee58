// The weft package: `weft(options)` makes an application instance. Its API follows Fastify 5.
import { createLogger } from './app/logger.js'
import { kApp, kScope } from './app/symbols.js'
import { codes, createError } from './errors.js'
import { weftVersion } from './app/plugin-host.js'
import { initializationChannel } from './http/diagnostics.js'
import { checkOptionsBeforeLogger, HttpApp, type WeftOptions } from './http/http-app.js'
import { LogController } from './http/log-controller.js'
import { HttpInstance } from './http/weft-instance.js'
import type { PluginDeclaredMember, WeftInstance } from './types/api.js'

/** What plugins of Weft's own declare on WeftInstance and add by decorating, once registered. */
type PluginDeclared = Pick<WeftInstance, Extract<keyof WeftInstance, PluginDeclaredMember>>

export function weft (options: WeftOptions = {}): WeftInstance {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new codes.FST_ERR_OPTIONS_NOT_OBJ()
  checkOptionsBeforeLogger(options)
  const { log, enabled } = createLogger(options.logger, options.loggerInstance)
  const app = new HttpApp(options, log, enabled)
  const instance = new HttpInstance()
  Object.defineProperty(instance, kApp, { value: app, enumerable: false })
  const scope = app.createScope(instance, null, 'fastify', '')
  Object.defineProperty(instance, kScope, { value: scope, enumerable: false })
  app.rootScope = scope
  // `observe: { ... }` registers weft/observe first; its modules load only when asked for
  const observeOptions = options.observe
  if (observeOptions !== undefined && observeOptions !== false) {
    instance.register(import('./observe/observe-plugin.js'), observeOptions === true ? {} : observeOptions)
  }
  // Fastify's `fastify.initialization` message, for APM agents (a subscriber's throw reaches
  // process 'uncaughtException' on the next tick, as diagnostics_channel does, never this call)
  if (initializationChannel.hasSubscribers) initializationChannel.publish({ fastify: instance })
  // the one assertion is what those plugins add: every other member of WeftInstance is checked
  // against the class by this assignment
  const typed: WeftInstance = instance as HttpInstance & PluginDeclared
  return typed
}

// as on Fastify's factory: `weft.errorCodes`, and the factory under `default` and its own name;
// every named export is a property too: require('weft') (dist/index.cjs) is the factory itself
weft.errorCodes = codes
weft.default = weft
weft.weft = weft
weft.fastify = weft
weft.createError = createError
weft.weftVersion = weftVersion
weft.LogController = LogController

export default weft
export { weft as fastify, codes as errorCodes, createError, LogController }
export type { LogControllerOptions } from './http/log-controller.js'
export type { WeftOptions } from './http/http-app.js'
export type * from './types/public.js'
export type { ListenOptions } from './http/listen.js'
export type { WeftError, WeftErrorConstructor } from './errors.js'
/** Weft's own version; an instance's `version` is the Fastify API version Weft implements. */
export { weftVersion }
