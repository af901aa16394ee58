// JSON for what the page sends that never throws: a value a source handed over may hold a BigInt, a
// cycle or a throwing toJSON (an app's error with such a `message`); the page leaves it out instead.

/** JSON text for a value, or undefined when it has none (JSON.stringify throws or gives nothing). */
export function toJson (value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}

/**
 * A snapshot's JSON: a list leaves out each item JSON cannot carry (one request recorded with, say, a
 * BigInt must not keep the page from loading); anything else that cannot be carried is `null`.
 */
export function snapshotJson (value: unknown): string {
  if (!Array.isArray(value)) return toJson(value) ?? 'null'
  let out = ''
  for (const item of value) {
    const text = toJson(item)
    if (text !== undefined) out += (out === '' ? '' : ',') + text
  }
  return '[' + out + ']'
}
