// A small semver range check for plugin-meta `fastify` ranges: `||` alternatives of
// space-separated comparators (`>=`, `<=`, `>`, `<`, `=`), caret, tilde, x-ranges and hyphen
// ranges. Prerelease tags on the checked version are not supported (Weft's is a release).
type Triple = [number, number, number]

interface Partial { parts: number[] }

function parsePartial (text: string): Partial | null {
  const cleaned = text.replace(/^v/, '').replace(/[-+].*$/, '')
  if (cleaned === '' || cleaned === '*' || /^[xX*]$/.test(cleaned)) return { parts: [] }
  const pieces = cleaned.split('.')
  if (pieces.length > 3) return null
  const parts: number[] = []
  for (const piece of pieces) {
    if (/^[xX*]$/.test(piece)) break
    if (!/^\d+$/.test(piece)) return null
    parts.push(Number(piece))
  }
  return { parts }
}

function compare (a: Triple, b: Triple): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  return 0
}

function floor (p: Partial): Triple { return [p.parts[0] ?? 0, p.parts[1] ?? 0, p.parts[2] ?? 0] }

/** The first version above every version the partial covers (`5` → 6.0.0, `5.2` → 5.3.0). */
function ceiling (p: Partial): Triple | null {
  const [maj, min] = p.parts
  if (maj === undefined) return null
  if (min === undefined) return [maj + 1, 0, 0]
  if (p.parts.length === 2) return [maj, min + 1, 0]
  return null
}

function satisfiesComparator (v: Triple, comparator: string): boolean {
  const m = /^(\^|~>?|>=|<=|>|<|=)?\s*(.*)$/.exec(comparator)
  if (m === null) return false
  const op = m[1] ?? ''
  const p = parsePartial(m[2]!)
  if (p === null) return false
  const low = floor(p)
  const high = ceiling(p)
  switch (op) {
    case '>=': return compare(v, low) >= 0
    case '>': return high !== null ? compare(v, high) >= 0 : p.parts.length === 0 ? false : compare(v, low) > 0
    case '<': return p.parts.length === 0 ? false : compare(v, low) < 0
    case '<=': return high !== null ? compare(v, high) < 0 : p.parts.length === 0 ? true : compare(v, low) <= 0
    case '^': {
      const [maj = 0, min = 0] = p.parts
      const top: Triple = maj > 0 || p.parts.length < 2 ? [maj + 1, 0, 0] : min > 0 || p.parts.length < 3 ? [0, min + 1, 0] : [0, 0, low[2] + 1]
      return compare(v, low) >= 0 && compare(v, top) < 0
    }
    case '~': case '~>': {
      const top: Triple = p.parts.length < 2 ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0]
      return compare(v, low) >= 0 && compare(v, top) < 0
    }
    default:
      if (p.parts.length === 3) return compare(v, low) === 0
      return compare(v, low) >= 0 && (high === null || compare(v, high) < 0)
  }
}

/** Whether `version` (x.y.z) is in `range`. An unreadable range matches nothing. */
export function satisfies (version: string, range: string): boolean {
  const parsed = parsePartial(version)
  if (parsed === null || parsed.parts.length !== 3) return false
  const v = floor(parsed)
  return range.split('||').some((alternative) => {
    const text = alternative.trim()
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text)
    if (hyphen !== null) return satisfiesComparator(v, '>=' + hyphen[1]!) && satisfiesComparator(v, '<=' + hyphen[2]!)
    const comparators = text.replace(/(\^|~>?|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter(Boolean)
    return comparators.length === 0 ? true : comparators.every(c => satisfiesComparator(v, c))
  })
}
