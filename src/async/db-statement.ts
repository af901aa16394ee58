// Reads a database statement without keeping its values: its summary (`SELECT tasks`: operation and
// first table) and its shape (the text with every literal made `?`), which repeated statements share.

/** Longest shape kept (a longer statement is cut: its start still tells it apart). */
const MAX_SHAPE = 240

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12
const isWord = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127
const isDigit = (c: number): boolean => c >= 48 && c <= 57

/**
 * The statement with comments dropped, whitespace collapsed, and string, number and placeholder
 * literals (`'x'`, `42`, `$1`, `?`, `:name`) each made `?`; a list of them, `(?, ?, ?)`, made `(?)`.
 * Two statements that differ only by their values have the same shape.
 */
export function statementShape (text: string): string {
  literals = false
  let out = ''
  const n = text.length
  let i = 0
  let space = false
  const put = (s: string): void => {
    if (space && out.length > 0) out += ' '
    space = false
    out += s
  }
  while (i < n && out.length < MAX_SHAPE) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) { space = true; i++; continue }
    // comments: -- to the end of the line, /* ... */
    if (c === 45 && text.charCodeAt(i + 1) === 45) { while (i < n && text.charCodeAt(i) !== 10) i++; space = true; continue }
    if (c === 47 && text.charCodeAt(i + 1) === 42) { const end = text.indexOf('*/', i + 2); i = end < 0 ? n : end + 2; space = true; continue }
    // quoted strings ('…', with '' or \' inside) and E'…' / N'…' prefixes
    if (c === 39) {
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if (d === 92) { i += 2; continue }
        if (d === 39) { if (text.charCodeAt(i + 1) === 39) { i += 2; continue } break }
        i++
      }
      i++
      put('?')
      literals = true
      continue
    }
    // quoted identifiers keep their name
    if (c === 34 || c === 96) {
      const end = text.indexOf(String.fromCharCode(c), i + 1)
      const stop = end < 0 ? n : end + 1
      put(text.slice(i, stop))
      i = stop
      continue
    }
    // placeholders: $1, ?, :name, @name
    if ((c === 36 && isDigit(text.charCodeAt(i + 1))) || ((c === 58 || c === 64) && isWord(text.charCodeAt(i + 1)) && text.charCodeAt(i - 1) !== 58)) {
      i++
      while (i < n && isWord(text.charCodeAt(i))) i++
      put('?')
      continue
    }
    if (c === 63) { i++; put('?'); continue }
    // numbers (not digits inside a word: t1, col_2)
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      while (i < n && (isWord(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++
      put('?')
      literals = true
      continue
    }
    if (isWord(c)) {
      // words as written: the same code sends the same text (summaries read keywords in any case)
      const from = i
      while (i < n && isWord(text.charCodeAt(i))) i++
      put(text.slice(from, i))
      continue
    }
    // punctuation: no space before , ) and after (
    if (c === 44 || c === 41) space = false
    put(text[i]!)
    if (c === 40) space = false
    i++
  }
  return collapseLists(out)
}

/** Whether the last statementShape() replaced a value written in the text (not a placeholder). */
let literals = false

/** A statement read once: its shape and summary. */
export interface DescribedStatement { shape: string, summary: StatementSummary }

/** Statements without values in their text (placeholders only) repeat: read each once. */
const MAX_CACHED = 256
const cache = new Map<string, DescribedStatement>()

/**
 * statementShape and summarizeShape together, remembered for texts that hold no value (`$1`, `?`
 * placeholders): the same prepared text is read once. A text with values in it is never kept.
 */
export function describeStatement (text: string): DescribedStatement {
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  const shape = statementShape(text)
  const described = { shape, summary: summarizeShape(shape) }
  if (!literals && text.length <= 2000) {
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(text, described)
  }
  return described
}

/** `(?, ?, ?)` → `(?)`, and `VALUES (?), (?)` → `VALUES (?)`: a list's length is a value too. */
function collapseLists (shape: string): string {
  if (!shape.includes('?,') && !shape.includes('?),')) return shape
  return shape.replace(/\(\?(?:, ?\?)+\)/g, '(?)').replace(/\(\?\)(?:, ?\(\?\))+/g, '(?)')
}

const keywords = new Set([
  'select', 'insert', 'update', 'delete', 'replace', 'merge', 'upsert', 'with', 'from', 'into', 'where', 'join', 'left', 'right', 'inner',
  'outer', 'cross', 'on', 'and', 'or', 'not', 'in', 'is', 'null', 'as', 'set', 'values', 'order', 'group', 'by', 'having', 'limit',
  'offset', 'returning', 'distinct', 'union', 'all', 'create', 'drop', 'alter', 'table', 'index', 'begin', 'commit', 'rollback',
  'call', 'exec', 'execute', 'show', 'truncate', 'like', 'between', 'case', 'when', 'then', 'else', 'end', 'asc', 'desc', 'count',
  'exists', 'lateral', 'using', 'natural', 'full', 'for', 'lock', 'share', 'nowait', 'skip', 'locked', 'conflict', 'do', 'nothing',
  'duplicate', 'key', 'ignore', 'top', 'fetch', 'next', 'rows', 'only', 'start', 'transaction', 'savepoint', 'release', 'explain'
])

function isKeyword (word: string): boolean { return keywords.has(word.toLowerCase()) }

/** The operation (`SELECT`, `INSERT`, …) and the table it acts on, as far as the text says. */
export interface StatementSummary {
  operation: string | undefined
  collection: string | undefined
  /** `SELECT tasks`, `INSERT tasks`, `BEGIN`; `query` when nothing is recognised. */
  summary: string
}

const wordRe = /[A-Za-z_][\w$]*/y
const nameRe = /(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*))*/y

function unquote (name: string): string {
  return name.replace(/\s+/g, '').replace(/["`[\]]/g, '')
}

/** The table named right after `keyword` (at the statement's top level), if any. */
function tableAfter (shape: string, keyword: RegExp): string | undefined {
  let depth = 0
  let counted = 0
  keyword.lastIndex = 0
  for (let m = keyword.exec(shape); m !== null; m = keyword.exec(shape)) {
    // count parentheses up to the match: a sub-query's FROM is not the statement's
    for (; counted < m.index; counted++) {
      const c = shape.charCodeAt(counted)
      if (c === 40) depth++
      else if (c === 41) depth--
    }
    if (depth !== 0) continue
    nameRe.lastIndex = keyword.lastIndex
    const name = nameRe.exec(shape)
    if (name !== null && !isKeyword(name[0])) return unquote(name[0])
  }
  return undefined
}

const FROM = /\bFROM\s+/gi
const INTO = /\bINTO\s+/gi
const UPDATE = /\bUPDATE\s+(?:ONLY\s+)?/gi
const TABLE = /\bTABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?/gi

/** Summarizes a shape (see statementShape): never any value, only keywords and names. */
export function summarizeShape (shape: string): StatementSummary {
  wordRe.lastIndex = 0
  let start = 0
  while (start < shape.length && shape.charCodeAt(start) === 40) start++ // (SELECT …) UNION …
  wordRe.lastIndex = start
  const first = wordRe.exec(shape)
  if (first === null) return { operation: undefined, collection: undefined, summary: 'query' }
  let operation = first[0].toUpperCase()
  let body = shape
  if (operation === 'WITH') {
    // WITH x AS (…) SELECT …: the statement after the common table expressions
    const main = /\)\s*(SELECT|INSERT|UPDATE|DELETE|MERGE)\b/gi
    let last: RegExpExecArray | null = null
    for (let m = main.exec(shape); m !== null; m = main.exec(shape)) last = m
    if (last !== null) { operation = last[1]!.toUpperCase(); body = shape.slice(last.index + 1) }
  }
  let collection: string | undefined
  switch (operation) {
    case 'SELECT': case 'DELETE': collection = tableAfter(body, FROM); break
    case 'INSERT': case 'REPLACE': case 'MERGE': case 'UPSERT': collection = tableAfter(body, INTO); break
    case 'UPDATE': collection = tableAfter(body, UPDATE); break
    case 'CREATE': case 'DROP': case 'ALTER': case 'TRUNCATE': collection = tableAfter(body, TABLE); break
    case 'CALL': case 'EXEC': case 'EXECUTE': {
      nameRe.lastIndex = first.index + first[0].length + 1
      const name = nameRe.exec(body)
      if (name !== null) collection = unquote(name[0])
      break
    }
  }
  if (!isKeyword(operation) && operation.length > 16) operation = operation.slice(0, 16)
  return { operation, collection, summary: collection === undefined ? operation : `${operation} ${collection}` }
}
