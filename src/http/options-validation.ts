// The factory's server options checked as Fastify 5 checks them: each documented option against its
// JSON type (Ajv's code, compiled ahead of time, coercing as Fastify does: '5' is 5, 'true' is
// true), a wrong one failing FST_ERR_INIT_OPTS_INVALID with Ajv's messages. The checked copy, with
// defaults, feeds initialConfig.
import type { ErrorObject } from 'ajv'
import { codes } from '../errors.js'
import { serverOptionsSchema } from './options-schema.js'
import * as generated from './options-validator.generated.js'

/** The standalone validator scripts/write-options-validator.mjs wrote from options-schema.ts. */
const validate = generated.validate as { (data: unknown): boolean, errors?: ErrorObject[] | null }

/** The options the schema names, copied (objects one level deep, so coercion never writes into the caller's). */
function copyOfChecked (options: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(serverOptionsSchema.properties)) {
    if (!Object.hasOwn(options, key)) continue
    const value = options[key]
    copy[key] = value !== null && typeof value === 'object' && !Array.isArray(value) && key !== 'https' ? { ...value } : value
  }
  return copy
}

/** The bodyLimit option, strictly as Fastify checks it before the others (a numeric string is refused, not coerced). */
export function checkBodyLimit (bodyLimit: unknown): void {
  if (bodyLimit !== undefined && (!Number.isInteger(bodyLimit) || (bodyLimit as number) <= 0)) throw new codes.FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT(bodyLimit)
}

/** Checks the options; returns the checked copy with Fastify's defaults filled in. */
export function checkServerOptions (options: object): Record<string, unknown> {
  checkBodyLimit((options as { bodyLimit?: unknown }).bodyLimit)
  const copy = copyOfChecked(options as Record<string, unknown>)
  if (!validate(copy)) {
    const errors = validate.errors ?? []
    const error = new codes.FST_ERR_INIT_OPTS_INVALID(JSON.stringify(errors.map((e) => e.message)))
    ;(error as { errors?: unknown }).errors = errors
    throw error
  }
  return copy
}
