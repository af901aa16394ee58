// The types route schemas are described with, and the shared-schema store that app.addSchema()
// fills (one per scope). A leaf: validation, serialization and schemas.ts all import it.
import { codes } from '../errors.js'

export type HttpPart = 'body' | 'querystring' | 'params' | 'headers'
export interface ValidationResult { value?: unknown; error?: Error }
export type ValidateFunction = ((data: any) => boolean | ValidationResult | PromiseLike<unknown>) & { errors?: any[] | null }
export type ValidatorCompiler = (opts: { schema: any; method: string; url: string; httpPart: HttpPart }) => ValidateFunction
export type SerializerFunction = (data: unknown) => string
export type SerializerCompiler = (opts: { schema: any; method: string; url: string; httpStatus: string; contentType?: string }) => SerializerFunction
export type SchemaErrorFormatter = (errors: any[], dataVar: string) => Error

/** Fastify's `schemaController.compilersFactory`: builds each scope's compilers from its shared schemas. */
export interface CompilersFactory {
  buildValidator?: (externalSchemas: Record<string, unknown>, ajvOptions: object) => ValidatorCompiler
  buildSerializer?: (externalSchemas: Record<string, unknown>, serializerOptions: object | null) => SerializerCompiler
}

export interface CompiledRouteSchemas {
  /** bodyByContentType: a body schema split by content type (`body: { content: { 'text/plain': { schema } } }`), by media type */
  validators: Partial<Record<HttpPart, ValidateFunction>> & { bodyByContentType?: Record<string, ValidateFunction> }
  /** keys lowercased as declared: '200', '2xx', 'default', ... */
  serializers: Record<string, SerializerFunction> | null
  /** a response schema split by content type (`{ 200: { content: { 'application/json': { schema } } } }`): by status key, then media type */
  serializersByType: Record<string, Record<string, SerializerFunction>> | null
}

/** Fastify's schema bucket: where one scope keeps the schemas app.addSchema() gives it. */
export interface SchemaBucket {
  add: (schema: any) => void
  getSchema: (id: string) => unknown
  getSchemas: () => any
}

/** Fastify's `schemaController.bucket`: makes a scope's bucket, given the parent's getSchemas() (nothing for the root). */
export type BucketFactory = (parentSchemas?: any) => SchemaBucket

/** Weft's own bucket, by $id: each schema is copied (a fluent schema as its JSON Schema); a second $id is refused. */
class OwnBucket implements SchemaBucket {
  #schemas: Record<string, any> = Object.create(null)

  constructor (parentSchemas?: Record<string, any>) {
    if (parentSchemas !== null && typeof parentSchemas === 'object') Object.assign(this.#schemas, parentSchemas)
  }

  add (schema: any): void {
    const source = schema !== null && typeof schema === 'object' && (schema.isFluentSchema || schema.isFluentJSONSchema || schema[Symbol.for('fluent-schema-object')])
      ? schema.valueOf()
      : schema
    const copy = cloneSchema(source)
    const id = copy?.$id
    if (!id) throw new codes.FST_ERR_SCH_MISSING_ID()
    if (this.#schemas[id] !== undefined) throw new codes.FST_ERR_SCH_ALREADY_PRESENT(id)
    this.#schemas[id] = copy
  }

  getSchemas (): Record<string, any> {
    return { ...this.#schemas }
  }

  getSchema (id: string): any {
    return this.#schemas[id]
  }
}

/** One scope's shared schemas: Weft's bucket, or the one `schemaController.bucket` makes. A child scope starts from its parent's. */
export class SchemaStore {
  readonly bucket: SchemaBucket
  /** null: Weft's own bucket */
  readonly factory: BucketFactory | null

  /** The root's store: `factory()` is called with nothing, as Fastify's root bucket is. */
  constructor (factory: BucketFactory | null = null, bucket?: SchemaBucket) {
    this.factory = factory
    this.bucket = bucket ?? (factory === null ? new OwnBucket() : factory())
  }

  add (schema: any): void { this.bucket.add(schema) }
  getSchemas (): any { return this.bucket.getSchemas() }
  getSchema (id: string): any { return this.bucket.getSchema(id) }

  /** The store of a child scope (or of setSchemaController() with `factory`): a new bucket from this one's schemas. */
  child (factory: BucketFactory | null = this.factory): SchemaStore {
    const schemas = this.getSchemas()
    return new SchemaStore(factory, factory === null ? new OwnBucket(schemas) : factory(schemas))
  }
}

function cloneSchema (value: any): any {
  if (Array.isArray(value)) return value.map(cloneSchema)
  if (!isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(out, key, cloneSchema(value[key]))
  return out
}

export function setOwn (obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  else obj[key] = value
}

export function isPlainObject (value: unknown): value is Record<string, any> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
