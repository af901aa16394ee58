// Semver versions and ranges as plugin-meta `fastify` ranges are checked (the semver package's
// rules, which Fastify uses): `||` alternatives of space-separated comparators (`>=`, `<=`, `>`,
// `<`, `=`), caret, tilde, x-ranges and hyphen ranges, prerelease tags and their precedence.
// A prerelease version matches only a range naming a prerelease of its own x.y.z, unless
// `includePrerelease` is asked for. An unreadable range matches nothing.
type Identifier = string | number
interface Version { major: number, minor: number, patch: number, pre: Identifier[] }
type Op = '<' | '<=' | '>' | '>=' | '='
interface Bound { op: Op, v: Version }

const NUM = '0|[1-9]\\d*'
const IDENT = `(?:${NUM}|\\d*[A-Za-z-][0-9A-Za-z-]*)`
const PRE = `${IDENT}(?:\\.${IDENT})*`
const BUILD = '(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?'
const VERSION = new RegExp(`^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE}))?${BUILD}$`)
const XID = `${NUM}|[xX*]`
/** A partial version (`5`, `5.x`, `5.2.1-rc.1`); groups: major, minor, patch, prerelease. */
const PARTIAL = `[v=\\s]*(${XID})(?:\\.(${XID})(?:\\.(${XID})(?:-(${PRE}))?${BUILD})?)?`
const PRIMITIVE = new RegExp(`^(\\^|~>?|<=?|>=?|=)?${PARTIAL}$`)
const HYPHEN = new RegExp(`^${PARTIAL}\\s+-\\s+${PARTIAL}$`)

function identifiers (pre: string | undefined): Identifier[] {
  if (pre === undefined || pre === '') return []
  return pre.split('.').map(id => /^\d+$/.test(id) ? Number(id) : id)
}

/** A full version (`5.12.8`, `v99.0.0-rc.1+build`); null when it is not one. */
function parseVersion (text: unknown): Version | null {
  if (typeof text !== 'string') return null
  const m = VERSION.exec(text.trim())
  if (m === null) return null
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: identifiers(m[4]) }
}

function compareIdentifiers (a: Identifier, b: Identifier): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a === b ? 0 : a < b ? -1 : 1
}

/** Precedence: x.y.z first; then a release is above its prereleases, compared identifier by identifier. */
function compare (a: Version, b: Version): number {
  const main = compareIdentifiers(a.major, b.major) || compareIdentifiers(a.minor, b.minor) || compareIdentifiers(a.patch, b.patch)
  if (main !== 0) return main
  if (a.pre.length === 0 && b.pre.length === 0) return 0
  if (a.pre.length === 0) return 1
  if (b.pre.length === 0) return -1
  for (let i = 0; ; i++) {
    const x = a.pre[i]
    const y = b.pre[i]
    if (x === undefined && y === undefined) return 0
    if (x === undefined) return -1
    if (y === undefined) return 1
    const order = compareIdentifiers(x, y)
    if (order !== 0) return order
  }
}

const isX = (id: string | undefined): boolean => id === undefined || id === '' || id === 'x' || id === 'X' || id === '*'
/** `below` marks the lowest prerelease (`-0`), under every prerelease of that x.y.z. */
const v = (major: number, minor: number, patch: number, below = false, pre: Identifier[] = []): Version =>
  ({ major, minor, patch, pre: below ? [0] : pre })

/** One comparator (`^5.2`, `>=4`, `1.x`) as the bounds it stands for; null when unreadable. */
function primitive (text: string, includePre: boolean): Bound[] | null {
  const m = PRIMITIVE.exec(text)
  if (m === null) return null
  let op = m[1] ?? ''
  const [M, mi, p, pre] = [m[2], m[3], m[4], m[5]]
  if (isX(M)) return op === '<' || op === '>' ? [{ op: '<', v: v(0, 0, 0, true) }] : []
  const maj = Number(M)
  const min = Number(mi)
  const pat = Number(p)
  if (op === '^' || op === '~' || op === '~>') {
    const caret = op === '^'
    if (isX(mi)) return [{ op: '>=', v: v(maj, 0, 0, includePre) }, { op: '<', v: v(maj + 1, 0, 0, true) }]
    if (isX(p)) {
      const top = caret && maj !== 0 ? v(maj + 1, 0, 0, true) : v(maj, min + 1, 0, true)
      return [{ op: '>=', v: v(maj, min, 0, includePre) }, { op: '<', v: top }]
    }
    const low = v(maj, min, pat, false, identifiers(pre))
    const top = !caret ? v(maj, min + 1, 0, true)
      : maj !== 0 ? v(maj + 1, 0, 0, true)
        : min !== 0 ? v(0, min + 1, 0, true) : v(0, 0, pat + 1, true)
    return [{ op: '>=', v: low }, { op: '<', v: top }]
  }
  if (!isX(p)) return [{ op: op === '' ? '=' : op as Op, v: v(maj, min, pat, false, identifiers(pre)) }]
  const noMinor = isX(mi)
  if (op === '' || op === '=') {
    const top = noMinor ? v(maj + 1, 0, 0, true) : v(maj, min + 1, 0, true)
    return [{ op: '>=', v: v(maj, noMinor ? 0 : min, 0, includePre) }, { op: '<', v: top }]
  }
  // a partial with an operator: `>5` is `>=6.0.0`, `<=5.2` is `<5.3.0`, `<5` is `<5.0.0-0`
  let [a, b] = [maj, noMinor ? 0 : min]
  if (op === '>' || op === '<=') {
    if (noMinor) { a += 1; b = 0 } else b += 1
    op = op === '>' ? '>=' : '<'
  }
  return [{ op: op as Op, v: v(a, b, 0, op === '<' || includePre) }]
}

function hyphen (text: string, includePre: boolean): Bound[] | null {
  const m = HYPHEN.exec(text)
  if (m === null) return null
  const [fM, fm, fp, fpre, tM, tm, tp, tpre] = m.slice(1)
  const bounds: Bound[] = []
  if (!isX(fM)) {
    const low = isX(fm) ? v(Number(fM), 0, 0, includePre)
      : isX(fp) ? v(Number(fM), Number(fm), 0, includePre)
        : fpre !== undefined ? v(Number(fM), Number(fm), Number(fp), false, identifiers(fpre))
          : v(Number(fM), Number(fm), Number(fp), includePre)
    bounds.push({ op: '>=', v: low })
  }
  if (!isX(tM)) {
    bounds.push(isX(tm) ? { op: '<', v: v(Number(tM) + 1, 0, 0, true) }
      : isX(tp) ? { op: '<', v: v(Number(tM), Number(tm) + 1, 0, true) }
        : tpre !== undefined ? { op: '<=', v: v(Number(tM), Number(tm), Number(tp), false, identifiers(tpre)) }
          : includePre ? { op: '<', v: v(Number(tM), Number(tm), Number(tp) + 1, true) }
            : { op: '<=', v: v(Number(tM), Number(tm), Number(tp)) })
  }
  return bounds
}

/** One `||` alternative as its bounds (none: any version); null when a comparator is unreadable. */
function alternative (text: string, includePre: boolean): Bound[] | null {
  const trimmed = text.trim().replace(/\s+/g, ' ')
  const asHyphen = hyphen(trimmed, includePre)
  if (asHyphen !== null) return asHyphen
  const bounds: Bound[] = []
  // an operator may stand apart from its version: `>= 1.2.3`, `^ 5`
  for (const piece of trimmed.replace(/(\^|~>?|<=?|>=?|=)\s+/g, '$1').split(' ')) {
    if (piece === '') continue
    const found = primitive(piece, includePre)
    if (found === null) return null
    bounds.push(...found)
  }
  // `>=0.0.0` (`>=0.0.0-0` with prereleases) is any version
  return bounds.filter(b => !(b.op === '>=' && b.v.major === 0 && b.v.minor === 0 && b.v.patch === 0 &&
    (includePre ? b.v.pre.length === 1 && b.v.pre[0] === 0 : b.v.pre.length === 0)))
}

function holds (version: Version, bound: Bound): boolean {
  const order = compare(version, bound.v)
  switch (bound.op) {
    case '<': return order < 0
    case '<=': return order <= 0
    case '>': return order > 0
    case '>=': return order >= 0
    default: return order === 0
  }
}

/** Whether `version` is in `range`; a prerelease only where a bound names a prerelease of its x.y.z, unless includePrerelease. */
export function satisfies (version: unknown, range: unknown, includePrerelease = false): boolean {
  const parsed = parseVersion(version)
  if (parsed === null || typeof range !== 'string') return false
  const alternatives: Bound[][] = []
  for (const text of range.split('||')) {
    const bounds = alternative(text, includePrerelease)
    if (bounds === null) return false
    alternatives.push(bounds)
  }
  return alternatives.some((bounds) => {
    if (!bounds.every(b => holds(parsed, b))) return false
    if (parsed.pre.length === 0 || includePrerelease) return true
    return bounds.some(b => b.v.pre.length > 0 && b.v.major === parsed.major && b.v.minor === parsed.minor && b.v.patch === parsed.patch)
  })
}

/** The first `x[.y[.z]]` in a text as a version (`^98.x` → 98.0.0), as semver's coerce reads it; null if none. */
function coerce (text: unknown): Version | null {
  const value = typeof text === 'number' ? String(text) : text
  if (typeof value !== 'string') return null
  const m = /(?:^|[^\d])(\d{1,16})(?:\.(\d{1,16}))?(?:\.(\d{1,16}))?(?:$|[^\d])/.exec(value)
  return m === null ? null : v(Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0))
}

/**
 * Whether `version` is above the version a range starts from (`99.0.0-rc.1` is above `^98.1.0`'s
 * 98.1.0). Throws a TypeError, as semver does, when `version` is not a version or the range names none.
 */
export function isAboveRange (version: unknown, range: unknown): boolean {
  const parsed = parseVersion(version)
  if (parsed === null) throw new TypeError(typeof version === 'string' ? `Invalid Version: ${version}` : `Invalid version. Must be a string. Got type "${typeof version}".`)
  const floor = coerce(range)
  if (floor === null) throw new TypeError('Invalid version. Must be a string. Got type "object".')
  return compare(parsed, floor) > 0
}
