// Fastify 5.12's documented server options as a JSON schema: their types and defaults (its
// reference, Server page). scripts/write-options-validator.mjs compiles it ahead of time.

const integer = (value: number) => ({ type: 'integer', default: value })
const boolean = (value: boolean) => ({ type: 'boolean', default: value })
const string = (value: string) => ({ type: 'string', default: value })

/** Fastify 5.12's documented server options: their types and defaults (its reference, Server page). */
export const serverOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    connectionTimeout: integer(0),
    keepAliveTimeout: integer(72000),
    forceCloseConnections: { oneOf: [{ type: 'string', pattern: 'idle' }, { type: 'boolean' }] },
    maxRequestsPerSocket: { type: 'integer', default: 0, nullable: true },
    requestTimeout: integer(0),
    handlerTimeout: integer(0),
    bodyLimit: integer(1048576),
    caseSensitive: boolean(true),
    allowUnsafeRegex: boolean(false),
    http2: { type: 'boolean' },
    // never rejected; initialConfig shows a stand-in for it (it holds keys and certificates)
    https: {},
    ignoreTrailingSlash: boolean(false),
    ignoreDuplicateSlashes: boolean(false),
    disableRequestLogging: { default: false },
    maxParamLength: integer(100),
    onProtoPoisoning: string('error'),
    onConstructorPoisoning: string('error'),
    pluginTimeout: integer(10000),
    requestIdHeader: { anyOf: [{ type: 'boolean' }, { type: 'string' }], default: false },
    requestIdLogLabel: string('reqId'),
    http2SessionTimeout: integer(72000),
    exposeHeadRoutes: boolean(true),
    useSemicolonDelimiter: boolean(false),
    routerOptions: {
      type: 'object',
      additionalProperties: true,
      properties: {
        compile: boolean(false),
        ignoreTrailingSlash: boolean(false),
        ignoreDuplicateSlashes: boolean(false),
        maxParamLength: integer(100),
        allowUnsafeRegex: boolean(false),
        useSemicolonDelimiter: boolean(false)
      }
    },
    constraints: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['name', 'storage', 'validate', 'deriveConstraint'],
        additionalProperties: true,
        properties: { name: { type: 'string' }, storage: {}, validate: {}, deriveConstraint: {} }
      }
    }
  }
}
