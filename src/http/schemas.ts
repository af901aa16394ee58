// Route schemas: the shared-schema store that app.addSchema() fills (one per scope), and turning a route's
// `schema` option into its validators and response serializers once, when the app becomes ready.
import { codes } from '../errors.js'
import { isDefaultValidatorCompiler } from './validation.js'
import { externalRef, lowerCaseHeaders, propertyNamesRef } from './header-schema.js'

import type { ValidatorCompiler, SerializerCompiler, CompiledRouteSchemas, SerializerFunction, ValidateFunction } from './schema-store.js'

/** A body schema split by content type is compiled per type, and the compiler is told which (as Fastify does). */
type ContentTypeCompiler = (opts: Parameters<ValidatorCompiler>[0] & { contentType: string }) => ValidateFunction
import { isPlainObject, setOwn } from './schema-store.js'
export type { BucketFactory, SchemaBucket, CompilersFactory, HttpPart, ValidationResult, ValidateFunction, ValidatorCompiler, SerializerFunction, SerializerCompiler, SchemaErrorFormatter, CompiledRouteSchemas } from './schema-store.js'
export { SchemaStore } from './schema-store.js'
export { checkSchemaErrorFormatter, defaultValidatorCompiler, validateRequest, defaultSchemaErrorFormatter } from './validation.js'
export { defaultSerializerCompiler, serializerFor } from './serialization.js'

const kNormalised = Symbol('weft.schemaNormalised')
const fluentParts = ['params', 'body', 'querystring', 'query', 'headers'] as const

function isFluent (value: any): boolean {
  return value !== null && typeof value === 'object' && (value.isFluentSchema === true || value.isFluentJSONSchema === true || value[Symbol.for('fluent-schema-object')] !== undefined)
}

/**
 * Normalises a route's schema object in place, once, as Fastify does when the app becomes ready
 * (onRoute hooks and plugins such as @fastify/swagger read it afterwards): `query` is copied to
 * `querystring`, and fluent-json-schema objects become their JSON Schema.
 */
export function normaliseRouteSchema (schema: any): void {
  if (schema === null || typeof schema !== 'object' || schema[kNormalised] === true) return
  if (schema.query !== undefined) {
    if (schema.querystring !== undefined) throw new codes.FST_ERR_SCH_DUPLICATE('querystring')
    schema.querystring = schema.query
  }
  for (const part of fluentParts) if (isFluent(schema[part])) schema[part] = schema[part].valueOf()
  const response = schema.response
  if (response !== null && typeof response === 'object') {
    for (const code of Object.keys(response)) if (isFluent(response[code])) response[code] = response[code].valueOf()
  }
  // a schema split by content type needs a schema for each type: the error itself, as Fastify (not a build error)
  if (isPlainObject(schema.body)) checkContent(schema.body.content)
  if (response !== null && typeof response === 'object') {
    for (const code of Object.keys(response)) if (isPlainObject(response[code])) checkContent(response[code].content)
  }
  Object.defineProperty(schema, kNormalised, { value: true })
}

function checkContent (content: unknown): void {
  if (content === null || typeof content !== 'object') return
  for (const type of Object.keys(content)) {
    const entry = (content as Record<string, any>)[type]
    if (entry === null || entry === undefined || !entry.schema) throw new codes.FST_ERR_SCH_CONTENT_MISSING_SCHEMA(type)
  }
}

/** Compiles a route's schema option (normalised first). Throws FST_ERR_SCH_VALIDATION_BUILD / FST_ERR_SCH_SERIALIZATION_BUILD / FST_ERR_SCH_DUPLICATE. */
export function compileRouteSchemas (schema: any, method: string, url: string,
  validatorCompiler: ValidatorCompiler, serializerCompiler: SerializerCompiler): CompiledRouteSchemas {
  const validators: CompiledRouteSchemas['validators'] = {}
  if (schema === null || typeof schema !== 'object') return { validators, serializers: null, serializersByType: null }
  normaliseRouteSchema(schema)

  const querystring = schema.querystring

  try {
    if (schema.headers !== undefined) {
      // header names arrive lowercased; a custom compiler (Joi, TypeBox...) gets the schema untouched, as in Fastify
      let headers = schema.headers
      if (isDefaultValidatorCompiler(validatorCompiler) && isPlainObject(headers)) {
        const outside = externalRef(headers)
        if (outside !== undefined) process.emitWarning(fstsec002(method, url, outside), { type: 'FastifySecurity', code: 'FSTSEC002' })
        const inNames = propertyNamesRef(headers)
        if (inNames !== undefined) process.emitWarning(fstsec003(method, url, inNames), { type: 'FastifySecurity', code: 'FSTSEC003' })
        headers = lowerCaseHeaders(headers)
      }
      validators.headers = validatorCompiler({ schema: headers, method, url, httpPart: 'headers' })
    } else missing(schema, 'headers', method, url)
    const content = isPlainObject(schema.body) ? schema.body.content : undefined
    if (content !== null && typeof content === 'object') {
      const byType: Record<string, ValidateFunction> = {}
      for (const contentType of Object.keys(content)) {
        const contentSchema = content[contentType].schema
        setOwn(byType, contentType, (validatorCompiler as ContentTypeCompiler)({ schema: contentSchema, method, url, httpPart: 'body', contentType }))
      }
      validators.bodyByContentType = byType
    } else if (schema.body !== undefined) validators.body = validatorCompiler({ schema: schema.body, method, url, httpPart: 'body' })
    else missing(schema, 'body', method, url)
    if (querystring !== undefined) validators.querystring = validatorCompiler({ schema: querystring, method, url, httpPart: 'querystring' })
    else missing(schema, 'querystring', method, url)
    if (schema.params !== undefined) validators.params = validatorCompiler({ schema: schema.params, method, url, httpPart: 'params' })
    else missing(schema, 'params', method, url)
  } catch (err) {
    throw new codes.FST_ERR_SCH_VALIDATION_BUILD(method, url, (err as Error)?.message)
  }

  const response = schema.response
  if (response === null || typeof response !== 'object') return { validators, serializers: null, serializersByType: null }
  const serializers: Record<string, SerializerFunction> = {}
  let byType: Record<string, Record<string, SerializerFunction>> | null = null
  try {
    for (const key of Object.keys(response)) {
      const httpStatus = key.toLowerCase()
      if (!STATUS_KEY.test(httpStatus)) throw new codes.FST_ERR_SCH_RESPONSE_SCHEMA_NOT_NESTED_2XX()
      let responseSchema = response[key]
      let contentType: string | undefined
      // Fastify's { 200: { content: { 'application/json': { schema } } } }: one serializer per media type, chosen by
      // the reply's content type; where none is known (error handler, getSerializationFunction) the JSON entry is
      // used (else '*/*', else the first one)
      if (isPlainObject(responseSchema) && isPlainObject(responseSchema.content)) {
        const content = responseSchema.content
        const types: Record<string, SerializerFunction> = {}
        for (const mediaType of Object.keys(content)) {
          const contentSchema = content[mediaType].schema
          setOwn(types, mediaType, serializerCompiler({ schema: contentSchema, method, url, httpStatus, contentType: mediaType }))
        }
        byType ??= {}
        byType[httpStatus] = types
        contentType = content['application/json'] !== undefined ? 'application/json' : content['*/*'] !== undefined ? '*/*' : Object.keys(content)[0]
        serializers[httpStatus] = types[contentType]
        continue
      }
      serializers[httpStatus] = serializerCompiler({ schema: responseSchema, method, url, httpStatus, contentType })
    }
  } catch (err) {
    throw new codes.FST_ERR_SCH_SERIALIZATION_BUILD(method, url, (err as Error)?.message)
  }
  return { validators, serializers, serializersByType: byType }
}

/** A part given as `undefined` (not left out): likely a schema that failed to load; warned once per route, as Fastify's FSTWRN001. */
function missing (schema: object, part: string, method: string, url: string): void {
  if (Object.hasOwn(schema, part)) {
    process.emitWarning(`The ${part} schema for ${method}: ${url} is missing. This may indicate the schema is not well specified.`, { type: 'FastifyWarning', code: 'FSTWRN001' })
  }
}

const fstsec002 = (method: string, url: string, ref: string): string => `The headers schema for ${method}: ${url} references an external $ref (${ref}) that is not case-normalized. ` +
  'Header names in the referenced schema keep their original case and will not match the lowercased request headers, so case-insensitive assertions such as required and dependencies may not apply. ' +
  'Inline the header schema instead of referencing it with an external $ref.'

const fstsec003 = (method: string, url: string, ref: string): string => `The headers schema for ${method}: ${url} uses a $ref (${ref}) inside propertyNames that is not case-normalized. ` +
  'Header names held in the referenced schema keep their original case and will not match the lowercased request headers, so a case-insensitive deny-list or allow-list on header names may not apply. ' +
  'Inline the propertyNames constraint instead of referencing it with a $ref.'

const STATUS_KEY = /^[1-5](?:\d{2}|xx)$|^default$/


/** A deep copy of the plain-object / array structure; other values (RegExp, functions, class instances) are shared. */
