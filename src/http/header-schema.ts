// A route's headers schema made to match Node's lowercased header names (a new tree, the input
// untouched), and the $refs that lowercasing cannot reach, which Fastify warns about (FSTSEC002/003).
import { setOwn } from './schema-store.js'

/** Keywords holding one subschema, or an array of them, whose header names are lowercased in turn. */
const SUBSCHEMAS = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'items', 'additionalItems',
  'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contains', 'contentSchema'])

/** Keywords holding a map of subschemas keyed by something other than a header name (kept as they are). */
const SUBSCHEMA_MAPS = new Set(['definitions', '$defs', 'patternProperties'])

/**
 * Lowercases every header name the schema holds: keys of `properties`, `dependencies`,
 * `dependentSchemas`, `dependentRequired`; names in `required` and in dependency lists; and, under
 * `propertyNames` (where values are header names themselves), string `enum` items and `const`.
 */
export function lowerCaseHeaders (schema: unknown, namesHere = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => lowerCaseHeaders(item, namesHere))
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(schema)) {
    const value = (schema as Record<string, unknown>)[key]
    let next: unknown = value
    if (key === 'properties' || key === 'dependentSchemas') {
      next = mapEntries(value, true, (v) => lowerCaseHeaders(v, namesHere))
    } else if (key === 'dependencies') {
      next = mapEntries(value, true, (v) => Array.isArray(v) ? v.map(lower) : lowerCaseHeaders(v, namesHere))
    } else if (key === 'dependentRequired') {
      next = mapEntries(value, true, (v) => Array.isArray(v) ? v.map(lower) : v)
    } else if (key === 'required') {
      next = Array.isArray(value) ? value.map(lower) : value
    } else if (key === 'propertyNames') {
      next = lowerCaseHeaders(value, true)
    } else if (SUBSCHEMAS.has(key)) {
      next = lowerCaseHeaders(value, namesHere)
    } else if (SUBSCHEMA_MAPS.has(key)) {
      next = mapEntries(value, false, (v) => lowerCaseHeaders(v, namesHere))
    } else if (namesHere && key === 'enum' && Array.isArray(value)) {
      next = value.map(lower)
    } else if (namesHere && key === 'const') {
      next = lower(value)
    }
    setOwn(out, key, next)
  }
  return out
}

/** The first `$ref` to another document (a shared schema), whose header names stay as written. */
export function externalRef (schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined
  const ref = (schema as { $ref?: unknown }).$ref
  if (!Array.isArray(schema) && typeof ref === 'string' && !ref.startsWith('#')) return ref
  for (const value of Object.values(schema)) {
    const found = externalRef(value)
    if (found !== undefined) return found
  }
  return undefined
}

/** The first local `$ref` under `propertyNames`: the definition it reaches keeps its names' case. */
export function propertyNamesRef (schema: unknown, namesHere = false): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined
  const ref = (schema as { $ref?: unknown }).$ref
  if (namesHere && !Array.isArray(schema) && typeof ref === 'string' && ref.startsWith('#')) return ref
  for (const key of Object.keys(schema)) {
    const found = propertyNamesRef((schema as Record<string, unknown>)[key], namesHere || key === 'propertyNames')
    if (found !== undefined) return found
  }
  return undefined
}

function lower (value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value
}

function mapEntries (value: unknown, lowerKeys: boolean, fn: (v: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(out, lowerKeys ? key.toLowerCase() : key, fn((value as Record<string, unknown>)[key]))
  return out
}
