// Lists import cycles among src/ modules (type-only imports included), for `npm test`'s check
// that the code has none. Prints each cycle once; exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

// src/, or the directory given (test/scripts/import-cycles.test.js checks the script on its own)
const root = process.argv[2] !== undefined ? resolve(process.argv[2]) : resolve(import.meta.dirname, '..', 'src')
const files = []
;(function walk (dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.ts')) files.push(p)
  }
})(root)

// Drops comments (keeping strings, whose quotes the patterns below need), so an example in a
// doc comment is no import
function code (text) {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)/g,
    (all, str) => str ?? ' ')
}

// Every way a module names another: `import ... from`, `import type ... from`, `export ... from`,
// a bare `import '...'`, and `import('...')`, a dynamic import or a type expression
// (`typeof import('./x.js')`, `import('./x.js').T`)
const importRes = [
  /(?:^|[\n;])\s*(?:import|export)\s[^'"`;]*?\sfrom\s*['"](\.[^'"]+)['"]/g,
  /(?:^|[\n;])\s*import\s*['"](\.[^'"]+)['"]/g,
  /\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)/g
]
const known = new Set(files)
const edges = new Map()
for (const file of files) {
  const text = code(readFileSync(file, 'utf8'))
  const deps = new Set()
  for (const re of importRes) {
    for (const m of text.matchAll(re)) deps.add(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')))
  }
  edges.set(file, [...deps].filter((d) => known.has(d)))
}

// Tarjan's strongly connected components: every component of more than one module is a cycle
let index = 0
const stack = []
const info = new Map()
const cycles = []
function connect (v) {
  info.set(v, { index, low: index, on: true })
  index++
  stack.push(v)
  for (const w of edges.get(v)) {
    if (!info.has(w)) { connect(w); info.get(v).low = Math.min(info.get(v).low, info.get(w).low) } else if (info.get(w).on) info.get(v).low = Math.min(info.get(v).low, info.get(w).index)
  }
  if (info.get(v).low === info.get(v).index) {
    const comp = []
    let w
    do { w = stack.pop(); info.get(w).on = false; comp.push(w) } while (w !== v)
    if (comp.length > 1 || edges.get(v).includes(v)) cycles.push(comp)
  }
}
for (const f of files) if (!info.has(f)) connect(f)
for (const c of cycles) console.log('import cycle: ' + c.map((f) => relative(root, f)).sort().join(', '))
if (cycles.length === 0) console.log(`no import cycles in ${files.length} modules`)
process.exit(cycles.length === 0 ? 0 : 1)
