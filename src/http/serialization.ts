// Response serialization: the default fast-json-stringify serializer compiler and choosing a route's
// serializer for a status code (exact code, then '2xx'-style class, then 'default').
import fastJsonStringify from 'fast-json-stringify'
import type { CompiledRouteSchemas, SchemaStore, SerializerCompiler, SerializerFunction } from './schema-store.js'

/** A compiler that builds fast-json-stringify functions, with the scope's shared schemas available to `$ref`. */
export function defaultSerializerCompiler (store: SchemaStore, fjsOptions?: object): SerializerCompiler {
  const externals = store.getSchemas()
  return ({ schema }) => {
    let schemas = externals
    // a route schema that is itself a shared schema must not be declared twice to fast-json-stringify
    if (schema !== null && typeof schema === 'object' && typeof schema.$id === 'string' && externals[schema.$id] !== undefined) {
      schemas = { ...externals }
      delete schemas[schema.$id]
    }
    return fastJsonStringify(schema, { ...fjsOptions, schema: schemas }) as SerializerFunction
  }
}

const STATUS_CLASS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx']

/** The serializer for `statusCode`: exact code, then 'Nxx', then 'default'; undefined when none applies. */
export function serializerFor (serializers: CompiledRouteSchemas['serializers'], statusCode: number): SerializerFunction | undefined {
  if (serializers === null) return undefined
  return serializers[statusCode] ?? serializers[STATUS_CLASS[(statusCode / 100) | 0]] ?? serializers.default
}

/** As serializerFor, where the status's schema is split by content type: the one for the reply's media type,
 *  else the match-all type's, else none (the payload is then sent as JSON.stringify makes it), as in Fastify. */
export function serializerForType (schemas: Pick<CompiledRouteSchemas, 'serializers' | 'serializersByType'>, statusCode: number, contentType: unknown): SerializerFunction | undefined {
  const serializers = schemas.serializers
  const byType = schemas.serializersByType
  if (serializers === null) return undefined
  if (byType === null) return serializerFor(serializers, statusCode)
  const key = serializers[statusCode] !== undefined ? String(statusCode) : serializers[STATUS_CLASS[(statusCode / 100) | 0]] !== undefined ? STATUS_CLASS[(statusCode / 100) | 0] : 'default'
  const types = byType[key]
  if (types === undefined) return serializers[key]
  return types[mediaType(contentType)] ?? types['*/*']
}

/** 'Application/JSON; charset=utf-8' → 'application/json'. */
export function mediaType (header: unknown): string {
  if (typeof header !== 'string') return ''
  const end = header.indexOf(';')
  return (end === -1 ? header : header.slice(0, end)).trim().toLowerCase()
}
