// Fastify's types for validator and serializer compilers and the validation errors they report,
// as Weft calls them: setValidatorCompiler() and setSerializerCompiler() take these.
import type { HttpPart } from '../http/schema-store.js'

/** An Ajv-style error, as `error.validation` lists them and a schema error formatter receives them. */
export interface FastifySchemaValidationError {
  keyword: string
  instancePath: string
  schemaPath: string
  params: Record<string, unknown>
  message?: string
}
/** @deprecated Fastify's old name of FastifySchemaValidationError. */
export type ValidationResult = FastifySchemaValidationError

/** The request part a validation error is about. */
export type SchemaErrorDataVar = HttpPart

/** What a validator or serializer compiler is handed for one schema of one route. */
export interface FastifyRouteSchemaDef<T> {
  schema: T
  url: string
  method: string
  httpPart?: string
  httpStatus?: string
  contentType?: string
}

/** A compiled validator: true / false (with `errors`), `{ value }` / `{ error }`, or a promise (pass/fail: it rejects, or resolves to false, to fail). */
export interface FastifyValidationResult {
  (data: any): boolean | { error?: Error | FastifySchemaValidationError[], value?: any } | PromiseLike<any>
  errors?: FastifySchemaValidationError[] | null
}

export type FastifySchemaCompiler<T> = (routeSchema: FastifyRouteSchemaDef<T>) => FastifyValidationResult
export type FastifySerializerCompiler<T> = (routeSchema: FastifyRouteSchemaDef<T>) => (data: any) => string
