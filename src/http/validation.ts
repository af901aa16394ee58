// Request validation: the default Ajv validator compiler (Fastify 5's Ajv options plus ajv-formats) and
// checking a request's params, body, querystring and headers against a route's compiled validators.
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { codes } from '../errors.js'
import { mediaType } from './serialization.js'
import type { CompiledRouteSchemas, SchemaErrorFormatter, SchemaStore, ValidateFunction, ValidatorCompiler } from './schema-store.js'

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv) => Ajv

/** Fastify 5's defaults; allErrors stays false (true would let one request make Ajv do unbounded work). */
const AJV_DEFAULTS = {
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: true,
  addUsedSchema: false,
  allErrors: false
} as const

type AjvPlugin = ((ajv: Ajv, opts?: unknown) => unknown) | [(ajv: Ajv, opts?: unknown) => unknown, unknown]

const kDefaultCompiler = Symbol('weft.defaultValidatorCompiler')

export function isDefaultValidatorCompiler (compiler: ValidatorCompiler): boolean {
  return (compiler as { [kDefaultCompiler]?: boolean })[kDefaultCompiler] === true
}

/** A compiler backed by one new Ajv instance holding the scope's shared schemas, so `$ref: 'user#'` resolves.
 *  `ajvOptions` is either Fastify's `ajv` option (`{ customOptions, plugins, onCreate }`) or plain Ajv options. */
export function defaultValidatorCompiler (store: SchemaStore, ajvOptions?: object): ValidatorCompiler {
  const opts = (ajvOptions ?? {}) as { customOptions?: object; plugins?: AjvPlugin[]; onCreate?: (ajv: Ajv) => void }
  const fastifyShape = 'customOptions' in opts || 'plugins' in opts || 'onCreate' in opts
  const ajv = new Ajv({ ...AJV_DEFAULTS, ...(fastifyShape ? opts.customOptions : opts) })
  let withFormats = true
  for (const plugin of (fastifyShape && Array.isArray(opts.plugins) ? opts.plugins : [])) {
    const [fn, pluginOpts] = Array.isArray(plugin) ? plugin : [plugin, undefined]
    if (fn.name === 'formatsPlugin') withFormats = false
    fn(ajv, pluginOpts)
  }
  if (withFormats) addFormats(ajv)
  if (fastifyShape) opts.onCreate?.(ajv)
  for (const schema of Object.values((store.getSchemas() ?? {}) as Record<string, any>)) ajv.addSchema(schema)

  const compiler: ValidatorCompiler = ({ schema }) => {
    // Ajv refuses to compile a second schema with an $id it already holds: reuse the shared one
    if (schema !== null && typeof schema === 'object' && typeof schema.$id === 'string') {
      const stored = ajv.getSchema(schema.$id)
      if (stored !== undefined) return stored as ValidateFunction
    }
    return ajv.compile(schema) as ValidateFunction
  }
  ;(compiler as { [kDefaultCompiler]?: boolean })[kDefaultCompiler] = true
  return compiler
}

/** Throws FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN unless `formatter` is a plain (not async) function; returns it bound to `self`. */
export function checkSchemaErrorFormatter (formatter: unknown, self: unknown): SchemaErrorFormatter {
  if (typeof formatter !== 'function') throw new codes.FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN(typeof formatter)
  if (formatter.constructor.name === 'AsyncFunction') throw new codes.FST_ERR_SCHEMA_ERROR_FORMATTER_NOT_FN('AsyncFunction')
  return formatter.bind(self) as SchemaErrorFormatter
}

/** `body must have required property 'name'`, `body/age must be integer`; several errors joined by ', '. */
export const defaultSchemaErrorFormatter: SchemaErrorFormatter = (errors, dataVar) => {
  let text = ''
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]
    if (i > 0) text += ', '
    text += dataVar + (e.instancePath ?? '') + ' ' + e.message
  }
  // a plain Error, as Fastify's: its status and code are added with the rest (`Error: body must ...` as a string)
  return new Error(text)
}

/** Ajv can replace a root value (type coercion) only through its parent; reused, since validation is synchronous. */
const dataCxt: { parentData: unknown; parentDataProperty: string } = { parentData: null, parentDataProperty: '' }

/** What validating a request gives: null (valid), the error, or — when a validator answered a promise (an Ajv `$async`
 *  schema, an async custom validator) — a promise of either, settled once the remaining parts are checked. */
export type ValidationOutcome = Error | null | Promise<Error | null>

/** Validates params, body, querystring, headers in that order, replacing each with the coerced/defaulted value;
 *  returns null, or the error: statusCode 400, code FST_ERR_VALIDATION, .validation (the errors), .validationContext (the part).
 *  Synchronous validators allocate nothing here; the first pending one makes the rest wait for it (`from`: the part to resume at). */
export function validateRequest (validators: CompiledRouteSchemas['validators'],
  request: RequestParts, formatter: SchemaErrorFormatter = defaultSchemaErrorFormatter, from = 0): ValidationOutcome {
  let out: Error | PromiseLike<unknown> | null = null
  let validate: ValidateFunction | undefined
  if (from <= 0 && (validate = validators.params) !== undefined) {
    out = validatePart(validate, request, 'params', 'params', formatter)
    if (out !== null) return settle(out, validators, request, formatter, validate, 'params', 1)
  }
  if (from <= 1) {
    validate = validators.body ?? (validators.bodyByContentType === undefined
      ? undefined
      : validators.bodyByContentType[mediaType(request.headers['content-type'])])
    if (validate !== undefined) {
      out = validatePart(validate, request, 'body', 'body', formatter)
      if (out !== null) return settle(out, validators, request, formatter, validate, 'body', 2)
    }
  }
  if (from <= 2 && (validate = validators.querystring) !== undefined) {
    out = validatePart(validate, request, 'query', 'querystring', formatter)
    if (out !== null) return settle(out, validators, request, formatter, validate, 'querystring', 3)
  }
  if (from <= 3 && (validate = validators.headers) !== undefined) {
    out = validatePart(validate, request, 'headers', 'headers', formatter)
    if (out !== null) return settle(out, validators, request, formatter, validate, 'headers', 4)
  }
  return null
}

/** An error is returned as is; a pending validator's promise becomes the outcome of this part, then of the parts after it.
 *  As in Fastify, an async validator is pass/fail only: what it resolves with never replaces the request part. */
function settle (out: Error | PromiseLike<unknown>, validators: CompiledRouteSchemas['validators'], request: RequestParts,
  formatter: SchemaErrorFormatter, validate: ValidateFunction, dataVar: string, next: number): ValidationOutcome {
  if (out instanceof Error) return out
  return Promise.resolve(out).then(
    (result) => result === false && validate.errors
      ? schemaError(validate.errors, dataVar, formatter)
      : validateRequest(validators, request, formatter, next),
    (rejected: unknown) => {
      // Ajv's $async rejects with a ValidationError (an Error holding `.errors`); a falsy reason passes, as in Fastify
      if (!rejected) return validateRequest(validators, request, formatter, next)
      return rejected instanceof Error ? customError(rejected, dataVar) : schemaError(rejected as any[], dataVar, formatter)
    })
}

type RequestParts = { params: any; body: any; query: any; headers: any }

/** null (valid), the error, or the pending result of an async validator. */
function validatePart (validate: ValidateFunction, request: RequestParts, key: keyof RequestParts, dataVar: string,
  formatter: SchemaErrorFormatter): Error | PromiseLike<unknown> | null {
  const value = request[key]
  const data = value === undefined ? null : value
  let result: unknown
  try {
    if ((validate as { schemaEnv?: unknown }).schemaEnv !== undefined) {
      dataCxt.parentData = request
      dataCxt.parentDataProperty = key
      try {
        result = (validate as (data: unknown, cxt: unknown) => unknown)(data, dataCxt)
      } finally {
        dataCxt.parentData = null
      }
    } else {
      result = validate(data)
    }
  } catch (thrown) {
    // a validator that throws is a server bug, not a bad request
    return serverError(thrown)
  }
  if (result === true) return null
  // false without errors passes, as in Fastify (the errors are what fail a request)
  if (result === false) return validate.errors ? schemaError(validate.errors, dataVar, formatter) : null
  if (result !== null && typeof result === 'object') {
    if (typeof (result as { then?: unknown }).then === 'function') return result as PromiseLike<unknown>
    const { error } = result as ValidationResultLike
    if (error) return error instanceof Error ? customError(error, dataVar) : schemaError(error as any[], dataVar, formatter)
    if ('value' in result) request[key] = (result as ValidationResultLike).value
  }
  return null
}

function serverError (thrown: unknown): Error {
  const err = thrown instanceof Error ? thrown : new Error(String(thrown))
  ;(err as { statusCode?: number }).statusCode = 500
  return err
}

interface ValidationResultLike { value?: unknown; error?: unknown }

function schemaError (errors: any[], dataVar: string, formatter: SchemaErrorFormatter): Error {
  let error: Error & { statusCode?: number; code?: string; validation?: unknown; validationContext?: string }
  let formatted: unknown
  try {
    formatted = formatter(errors, dataVar)
  } catch (thrown) {
    // a formatter that throws is a server bug: its error answers 500, as in Fastify
    return serverError(thrown)
  }
  error = formatted instanceof Error ? formatted : new codes.FST_ERR_VALIDATION(String(formatted))
  error.statusCode ??= 400
  error.code ??= 'FST_ERR_VALIDATION'
  error.validation = errors
  error.validationContext = dataVar
  return error
}

/** An `{ error }` result holding an Error (Joi/zod style compilers): kept, given the validation status, code and
 *  part. Any other error value (an array of errors) goes through the schema error formatter, as in Fastify. */
function customError (error: Error, dataVar: string): Error {
  const err = error as Error & { statusCode?: number; code?: string; validationContext?: string }
  err.statusCode ||= 400
  err.code ||= 'FST_ERR_VALIDATION'
  err.validationContext ||= dataVar
  return err
}
