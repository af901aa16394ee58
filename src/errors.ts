// Every error code Weft throws, declared once with its message and HTTP status.
// Codes, messages and the error name follow Fastify 5's FST_ERR_* (word for word, "Fastify instance"
// included) so existing code and tests that check them keep working; Weft's own WEFT_ERR_* are WeftErrors.
import { format } from 'node:util'

export interface WeftError extends Error {
  code: string
  statusCode?: number
}

export interface WeftErrorConstructor<A extends unknown[] = unknown[]> {
  new (...args: A): WeftError
  (...args: A): WeftError
  readonly prototype: WeftError
  readonly code: string
}

/** Declares an error class whose instances carry `code`, `statusCode` and a formatted message. */
export function createError (code: string, message: string, statusCode?: number, Base: ErrorConstructor = Error): WeftErrorConstructor {
  const fastifyCode = code.startsWith('FST_') || code.startsWith('AVV_')
  function WeftErr (this: WeftError | undefined, ...args: unknown[]): WeftError {
    if (!(this instanceof WeftErr)) return new (WeftErr as any)(...args)
    const self = this as WeftError
    self.code = code
    // Fastify's codes carry Fastify's name (@fastify/error's), so code matching on it keeps working
    self.name = fastifyCode ? 'FastifyError' : 'WeftError'
    self.message = args.length > 0 ? format(message, ...args) : message
    if (statusCode !== undefined) self.statusCode = statusCode
    Error.captureStackTrace(self, WeftErr)
    return self
  }
  WeftErr.prototype = Object.create(Base.prototype, {
    constructor: { value: WeftErr, enumerable: false, writable: true, configurable: true },
    [Symbol.toStringTag]: { value: 'Error', enumerable: false, configurable: true }
  })
  WeftErr.prototype.toString = function (this: WeftError) { return `${this.name} [${this.code}]: ${this.message}` }
  Object.defineProperty(WeftErr, 'code', { value: code })
  Object.defineProperty(WeftErr, 'name', { value: code })
  return WeftErr as unknown as WeftErrorConstructor
}

export const codes = {
  // instance and options
  FST_ERR_OPTIONS_NOT_OBJ: createError('FST_ERR_OPTIONS_NOT_OBJ', 'Options must be an object', 500, TypeError),
  FST_ERR_INIT_OPTS_INVALID: createError('FST_ERR_INIT_OPTS_INVALID', 'Invalid initialization options: \'%s\'', 500),
  FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN: createError('FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN', 'schemaErrorFormatter option should be a non async function. Instead got \'%s\'.', 500, TypeError),
  FST_ERR_ASYNC_CONSTRAINT: createError('FST_ERR_ASYNC_CONSTRAINT', 'Unexpected error from async constraint', 500),
  FST_ERR_QSP_NOT_FN: createError('FST_ERR_QSP_NOT_FN', 'querystringParser option should be a function, instead got \'%s\'', 500, TypeError),
  FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE: createError('FST_ERR_FORCE_CLOSE_CONNECTIONS_IDLE_NOT_AVAILABLE', 'Cannot set forceCloseConnections to \'idle\' as your HTTP server does not support closeIdleConnections method', 500),
  FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ: createError('FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_OBJ', 'ajv.customOptions option should be an object, instead got \'%s\'', 500, TypeError),
  FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR: createError('FST_ERR_AJV_CUSTOM_OPTIONS_OPT_NOT_ARR', 'ajv.plugins option should be an array, instead got \'%s\'', 500, TypeError),
  FST_ERR_LISTEN_OPTIONS_INVALID: createError('FST_ERR_LISTEN_OPTIONS_INVALID', 'Invalid listen options: \'%s\'', 500, TypeError),
  FST_ERR_ERROR_HANDLER_NOT_FN: createError('FST_ERR_ERROR_HANDLER_NOT_FN', 'Error Handler must be a function', 500, TypeError),
  FST_ERR_ERROR_HANDLER_ALREADY_SET: createError('FST_ERR_ERROR_HANDLER_ALREADY_SET', 'Error Handler already set in this scope. Set \'allowErrorHandlerOverride: true\' to allow overriding.', 500),
  FST_ERR_INSTANCE_ALREADY_LISTENING: createError('FST_ERR_INSTANCE_ALREADY_LISTENING', 'Fastify instance is already listening. %s', 500),
  FST_ERR_REOPENED_CLOSE_SERVER: createError('FST_ERR_REOPENED_CLOSE_SERVER', 'Fastify has already been closed and cannot be reopened', 500),
  FST_ERR_REOPENED_SERVER: createError('FST_ERR_REOPENED_SERVER', 'Fastify is already listening', 500),
  FST_ERR_LOG_INVALID_LOGGER: createError('FST_ERR_LOG_INVALID_LOGGER', 'Invalid logger object provided. The logger instance should have these functions(s): \'%s\'.', 500, TypeError),
  FST_ERR_LOG_INVALID_LOG_CONTROLLER: createError('FST_ERR_LOG_INVALID_LOG_CONTROLLER', 'logController option must be an instance of LogController, got \'%s\'.', 500, TypeError),
  FST_ERR_LOG_INVALID_LOGGER_INSTANCE: createError('FST_ERR_LOG_INVALID_LOGGER_INSTANCE', 'loggerInstance only accepts a logger instance.', 500, TypeError),
  FST_ERR_LOG_LOGGER_AND_LOGGER_INSTANCE_PROVIDED: createError('FST_ERR_LOG_LOGGER_AND_LOGGER_INSTANCE_PROVIDED', 'You cannot provide both logger and loggerInstance. Please provide only one.', 500, TypeError),
  FST_ERR_LOG_INVALID_DESTINATION: createError('FST_ERR_LOG_INVALID_DESTINATION', 'Cannot specify both logger.stream and logger.file options', 500),
  FST_ERR_LOG_INVALID_LOGGER_CONFIG: createError('FST_ERR_LOG_INVALID_LOGGER_CONFIG', 'logger options only accepts a configuration object.', 500, TypeError),
  // hooks
  FST_ERR_HOOK_INVALID_TYPE: createError('FST_ERR_HOOK_INVALID_TYPE', 'The hook name must be a string', 500, TypeError),
  FST_ERR_HOOK_INVALID_HANDLER: createError('FST_ERR_HOOK_INVALID_HANDLER', '%s hook should be a function, instead got %s', 500, TypeError),
  FST_ERR_HOOK_INVALID_ASYNC_HANDLER: createError('FST_ERR_HOOK_INVALID_ASYNC_HANDLER', 'Async function has too many arguments. Async hooks should not use the \'done\' argument.', 500, TypeError),
  FST_ERR_HOOK_NOT_SUPPORTED: createError('FST_ERR_HOOK_NOT_SUPPORTED', '%s hook not supported!', 500, TypeError),
  FST_ERR_HOOK_TIMEOUT: createError('FST_ERR_HOOK_TIMEOUT', 'A callback for \'%s\' hook%s timed out. You may have forgotten to call \'done\' function or to resolve a Promise', 500),
  // decorators
  FST_ERR_DEC_ALREADY_PRESENT: createError('FST_ERR_DEC_ALREADY_PRESENT', 'The decorator \'%s\' has already been added!', 500),
  FST_ERR_DEC_DEPENDENCY_INVALID_TYPE: createError('FST_ERR_DEC_DEPENDENCY_INVALID_TYPE', 'The dependencies of decorator \'%s\' must be of type Array.', 500, TypeError),
  FST_ERR_DEC_MISSING_DEPENDENCY: createError('FST_ERR_DEC_MISSING_DEPENDENCY', 'The decorator is missing dependency \'%s\'.', 500),
  FST_ERR_DEC_AFTER_START: createError('FST_ERR_DEC_AFTER_START', 'The decorator \'%s\' has been added after start!', 500),
  FST_ERR_DEC_REFERENCE_TYPE: createError('FST_ERR_DEC_REFERENCE_TYPE', 'The decorator \'%s\' of type \'%s\' is a reference type. Use the { getter, setter } interface instead.', 500),
  FST_ERR_DEC_UNDECLARED: createError('FST_ERR_DEC_UNDECLARED', 'No decorator \'%s\' has been declared on %s.', 500),
  // plugins
  FST_ERR_PLUGIN_NOT_VALID: createError('FST_ERR_PLUGIN_NOT_VALID', 'fastify-plugin: %s', 500),
  FST_ERR_PLUGIN_TIMEOUT: createError('FST_ERR_PLUGIN_TIMEOUT', 'fastify-plugin: %s', 500),
  FST_ERR_PLUGIN_VERSION_MISMATCH: createError('FST_ERR_PLUGIN_VERSION_MISMATCH', 'fastify-plugin: %s - expected \'%s\' fastify version, \'%s\' is installed', 500),
  FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE: createError('FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE', 'The decorator \'%s\'%s is not present in %s', 500),
  FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED: createError('FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED', 'The dependency \'%s\' of plugin \'%s\' is not registered', 500),
  FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER: createError('FST_ERR_PLUGIN_INVALID_ASYNC_HANDLER', 'The %s plugin being registered mixes async and callback styles. Async plugin should not mix async and callback style.', 500, TypeError),
  // the plugin loader's own errors (Fastify passes avvio's through with these codes)
  AVV_ERR_PLUGIN_NOT_VALID: createError('AVV_ERR_PLUGIN_NOT_VALID', 'Plugin must be a function or a promise. Received: \'%s\'', 500),
  AVV_ERR_ROOT_PLG_BOOTED: createError('AVV_ERR_ROOT_PLG_BOOTED', 'Root plugin has already booted', 500),
  AVV_ERR_PLUGIN_EXEC_TIMEOUT: createError('AVV_ERR_PLUGIN_EXEC_TIMEOUT', 'Plugin did not start in time: \'%s\'. You may have forgotten to call \'done\' function or to resolve a Promise', 500),
  AVV_ERR_READY_TIMEOUT: createError('AVV_ERR_READY_TIMEOUT', 'Plugin did not start in time: \'%s\'. You may have forgotten to call \'done\' function or to resolve a Promise', 500),
  // content type parsing
  FST_ERR_CTP_ALREADY_PRESENT: createError('FST_ERR_CTP_ALREADY_PRESENT', 'Content type parser \'%s\' already present.', 500),
  FST_ERR_CTP_INVALID_TYPE: createError('FST_ERR_CTP_INVALID_TYPE', 'The content type should be a string or a RegExp', 500, TypeError),
  FST_ERR_CTP_EMPTY_TYPE: createError('FST_ERR_CTP_EMPTY_TYPE', 'The content type cannot be an empty string', 500, TypeError),
  FST_ERR_CTP_INVALID_HANDLER: createError('FST_ERR_CTP_INVALID_HANDLER', 'The content type handler should be a function', 500, TypeError),
  FST_ERR_CTP_INVALID_PARSE_TYPE: createError('FST_ERR_CTP_INVALID_PARSE_TYPE', 'The body parser can only parse your data as \'string\' or \'buffer\', you asked \'%s\' which is not supported.', 500, TypeError),
  FST_ERR_CTP_BODY_TOO_LARGE: createError('FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large', 413, RangeError),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: createError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type', 415),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: createError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'Request body size did not match Content-Length', 400, RangeError),
  FST_ERR_CTP_EMPTY_JSON_BODY: createError('FST_ERR_CTP_EMPTY_JSON_BODY', 'Body cannot be empty when content-type is set to \'application/json\'', 400),
  FST_ERR_CTP_INVALID_JSON_BODY: createError('FST_ERR_CTP_INVALID_JSON_BODY', 'Body is not valid JSON but content-type is set to \'application/json\'', 400),
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: createError('FST_ERR_CTP_INSTANCE_ALREADY_STARTED', 'Cannot call "%s" when fastify instance is already started!', 400),
  // reply
  FST_ERR_REP_INVALID_PAYLOAD_TYPE: createError('FST_ERR_REP_INVALID_PAYLOAD_TYPE', 'Attempted to send payload of invalid type \'%s\'. Expected a string or Buffer.', 500, TypeError),
  FST_ERR_REP_ALREADY_SENT: createError('FST_ERR_REP_ALREADY_SENT', 'Reply was already sent, did you forget to "return reply" in "%s" (%s)?', 500),
  FST_ERR_REP_SENT_VALUE: createError('FST_ERR_REP_SENT_VALUE', 'The only possible value for reply.sent is true.', 500, TypeError),
  FST_ERR_SEND_INSIDE_ONERR: createError('FST_ERR_SEND_INSIDE_ONERR', 'You cannot use `send` inside the `onError` hook', 500),
  FST_ERR_SEND_UNDEFINED_ERR: createError('FST_ERR_SEND_UNDEFINED_ERR', 'Undefined error has occurred', 500),
  FST_ERR_BAD_STATUS_CODE: createError('FST_ERR_BAD_STATUS_CODE', 'Called reply with an invalid status code: %s', 500),
  FST_ERR_FAILED_ERROR_SERIALIZATION: createError('FST_ERR_FAILED_ERROR_SERIALIZATION', 'Failed to serialize an error. Error: %s. Original error: %s', 500),
  FST_ERR_MISSING_SERIALIZATION_FN: createError('FST_ERR_MISSING_SERIALIZATION_FN', 'Missing serialization function. Key "%s"', 500),
  FST_ERR_MISSING_CONTENTTYPE_SERIALIZATION_FN: createError('FST_ERR_MISSING_CONTENTTYPE_SERIALIZATION_FN', 'Missing serialization function. Key "%s:%s"', 500),
  FST_ERR_REP_RESPONSE_BODY_CONSUMED: createError('FST_ERR_REP_RESPONSE_BODY_CONSUMED', 'Response.body is already consumed.', 500),
  FST_ERR_REP_READABLE_STREAM_LOCKED: createError('FST_ERR_REP_READABLE_STREAM_LOCKED', 'ReadableStream was locked. You should call releaseLock() method on reader before sending.', 500),
  FST_ERR_BAD_TRAILER_NAME: createError('FST_ERR_BAD_TRAILER_NAME', 'Called reply.trailer with an invalid header name: %s', 500),
  FST_ERR_BAD_TRAILER_VALUE: createError('FST_ERR_BAD_TRAILER_VALUE', "Called reply.trailer('%s', fn) with an invalid type: %s. Expected a function.", 500),
  // schemas and validation
  FST_ERR_SCH_MISSING_ID: createError('FST_ERR_SCH_MISSING_ID', 'Missing schema $id property', 500),
  FST_ERR_SCHEMA_CONTROLLER_BUCKET_OPT_NOT_FN: createError('FST_ERR_SCHEMA_CONTROLLER_BUCKET_OPT_NOT_FN', 'schemaController.bucket option should be a function, instead got \'%s\'', 500, TypeError),
  FST_ERR_SCH_ALREADY_PRESENT: createError('FST_ERR_SCH_ALREADY_PRESENT', 'Schema with id \'%s\' already declared!', 500),
  FST_ERR_SCH_DUPLICATE: createError('FST_ERR_SCH_DUPLICATE', 'Schema with \'%s\' already present!', 500),
  FST_ERR_SCH_VALIDATION_BUILD: createError('FST_ERR_SCH_VALIDATION_BUILD', 'Failed building the validation schema for %s: %s, due to error %s', 500),
  FST_ERR_SCH_SERIALIZATION_BUILD: createError('FST_ERR_SCH_SERIALIZATION_BUILD', 'Failed building the serialization schema for %s: %s, due to error %s', 500),
  FST_ERR_VALIDATION: createError('FST_ERR_VALIDATION', '%s', 400),
  FST_ERR_SCH_RESPONSE_SCHEMA_NOT_NESTED_2XX: createError('FST_ERR_SCH_RESPONSE_SCHEMA_NOT_NESTED_2XX', 'response schemas should be nested under a valid status code, e.g { 2xx: { type: "object" } }', 500),
  FST_ERR_SCH_CONTENT_MISSING_SCHEMA: createError('FST_ERR_SCH_CONTENT_MISSING_SCHEMA', 'Schema is missing for the content type \'%s\'', 500),
  // Weft's own, where Fastify throws a plain Error or does not check
  WEFT_ERR_REPLY_SERIALIZER_NOT_FN: createError('WEFT_ERR_REPLY_SERIALIZER_NOT_FN', 'The reply serializer must be a function, got %s', 500, TypeError),
  WEFT_ERR_NOT_FOUND_HANDLER_ALREADY_SET: createError('WEFT_ERR_NOT_FOUND_HANDLER_ALREADY_SET', 'Not found handler already set for Fastify instance with prefix: \'%s\'', 500),
  WEFT_ERR_ASYNC_VALIDATOR: createError('WEFT_ERR_ASYNC_VALIDATOR', 'Asynchronous validators are not supported (%s)', 500),
  // weft/observe
  WEFT_ERR_OBSERVE_OPTION: createError('WEFT_ERR_OBSERVE_OPTION', 'weft/observe: option "%s" must be %s, got %s', 500, TypeError),
  WEFT_ERR_OBSERVE_TWICE: createError('WEFT_ERR_OBSERVE_TWICE', 'weft/observe is already registered on this app', 500),
  // the client closed the connection before its whole body arrived (Weft's own: Fastify passes Node's error on)
  WEFT_ERR_REQUEST_ABORTED: createError('ECONNRESET', 'Request aborted while reading the body', 400),
  // weft/observe's live page: a bad registerActivityPage() option (Weft's own)
  WEFT_ERR_PAGE_INVALID_OPTION: createError('WEFT_ERR_PAGE_INVALID_OPTION', 'The activity page option \'%s\' must be %s, got %s', 500, TypeError),
  // weft/observe tracing needs the optional OpenTelemetry peer packages (Weft's own)
  WEFT_ERR_OTEL_PACKAGE_MISSING: createError('WEFT_ERR_OTEL_PACKAGE_MISSING', 'OpenTelemetry export (tracing or metrics) needs the optional package \'%s\', which is not installed: npm install %s', 500),
  // routing
  FST_ERR_NOT_FOUND: createError('FST_ERR_NOT_FOUND', 'Not Found', 404),
  FST_ERR_BAD_URL: createError('FST_ERR_BAD_URL', '\'%s\' is not a valid url component', 400),
  FST_ERR_MAX_PARAM_LENGTH: createError('FST_ERR_MAX_PARAM_LENGTH', '\'%s\' is exceeding the max param length', 414, URIError),
  FST_ERR_HANDLER_TIMEOUT: createError('FST_ERR_HANDLER_TIMEOUT', 'Request timed out after %s ms on route \'%s\'', 503),
  FST_ERR_INVALID_URL: createError('FST_ERR_INVALID_URL', 'URL must be a string. Received \'%s\'', 400, TypeError),
  FST_ERR_DUPLICATED_ROUTE: createError('FST_ERR_DUPLICATED_ROUTE', 'Method \'%s\' already declared for route \'%s\'', 500),
  FST_ERR_ROUTE_OPTIONS_NOT_OBJ: createError('FST_ERR_ROUTE_OPTIONS_NOT_OBJ', 'Options for "%s:%s" route must be an object', 500),
  FST_ERR_ROUTE_DUPLICATED_HANDLER: createError('FST_ERR_ROUTE_DUPLICATED_HANDLER', 'Duplicate handler for "%s:%s" route is not allowed!', 500),
  FST_ERR_ROUTE_HANDLER_NOT_FN: createError('FST_ERR_ROUTE_HANDLER_NOT_FN', 'Error Handler for %s:%s route, if defined, must be a function', 500, TypeError),
  FST_ERR_ROUTE_MISSING_HANDLER: createError('FST_ERR_ROUTE_MISSING_HANDLER', 'Missing handler function for "%s:%s" route.', 500),
  FST_ERR_ROUTE_LOG_LEVEL_INVALID: createError('FST_ERR_ROUTE_LOG_LEVEL_INVALID', 'Log level for \'%s:%s\' route must be a valid logger level. Received: \'%s\'', 500, TypeError),
  FST_ERR_ROUTE_METHOD_INVALID: createError('FST_ERR_ROUTE_METHOD_INVALID', 'Provided method is invalid!', 500, TypeError),
  FST_ERR_ROUTE_METHOD_NOT_SUPPORTED: createError('FST_ERR_ROUTE_METHOD_NOT_SUPPORTED', '%s method is not supported.', 500),
  FST_ERR_ROUTE_BODY_VALIDATION_SCHEMA_NOT_SUPPORTED: createError('FST_ERR_ROUTE_BODY_VALIDATION_SCHEMA_NOT_SUPPORTED', 'Body validation schema for %s:%s route is not supported!', 500),
  FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT: createError('FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT', '\'bodyLimit\' option must be an integer > 0. Got \'%s\'', 500, TypeError),
  FST_ERR_ROUTE_HANDLER_TIMEOUT_OPTION_NOT_INT: createError('FST_ERR_ROUTE_HANDLER_TIMEOUT_OPTION_NOT_INT', '\'handlerTimeout\' option must be an integer > 0. Got \'%s\'', 500, TypeError),
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: createError('FST_ERR_ROUTE_MISSING_CONTENT_TYPE', 'Method \'%s\' must provide a \'Content-Type\' header.', 400),
  FST_ERR_ROUTE_REWRITE_NOT_STR: createError('FST_ERR_ROUTE_REWRITE_NOT_STR', 'Rewrite url for "%s" needs to be of type "string" but received "%s"', 500, TypeError)
} as const

export type ErrorCodes = typeof codes
