// Unknown option keys: which given keys a known list lacks, and the closest known one to suggest
// ("did you mean `serverTiming`?"), by edit distance ignoring case.

function distance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]!
}

/** The known key closest to `key`, when it is close enough to be a likely typo; else undefined. */
export function closestKey (key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined
}

/** The first own key of `options` not in `known` (nor in `ignored`), with what to say about it; null when all are known. */
export function unknownKey (options: object, known: readonly string[], ignored: readonly string[] = []): { key: string, expected: string } | null {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || ignored.includes(key)) continue
    const near = closestKey(key, known)
    return { key, expected: near !== undefined ? `a known option (did you mean \`${near}\`?)` : `one of ${known.join(', ')}` }
  }
  return null
}
