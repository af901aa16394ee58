// scripts/import-cycles.mjs on small module trees built here: each way one module names another
// (import, import type, export from, a bare import, import() as a call or in a type) closes a
// cycle the script must report; a name in a comment or a string is no import.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const script = resolve(import.meta.dirname, '..', '..', 'scripts', 'import-cycles.mjs')

/** Writes `files` (path → text) into a new directory and runs the script on it. */
function check (t, files) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cycles-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' })
  return { status: run.status, out: run.stdout }
}

const back = "import type { A } from './a.js'\nexport type B = A\n"
const ways = {
  'import ... from': "import { b } from './b.js'\nexport const a = b\nexport type A = number\n",
  'import type': "import type { B } from './b.js'\nexport type A = B | number\n",
  'export ... from': "export { b } from './b.js'\nexport type A = number\n",
  "bare import '...'": "import './b.js'\nexport type A = number\n",
  'import() in a type': "export type A = number | import('./b.js').B\n",
  'import() as a call': "export type A = number\nexport const load = () => import('./b.js')\n",
  'import type over lines': "import type {\n  B\n} from './b.js'\nexport type A = B | number\n"
}

for (const [way, a] of Object.entries(ways)) {
  test(`a cycle closed by ${way} is reported, naming both modules`, (t) => {
    const { status, out } = check(t, { 'a.ts': a, 'b.ts': back })
    assert.equal(status, 1)
    assert.equal(out.trim(), 'import cycle: a.ts, b.ts')
  })
}

test('a cycle through a subdirectory and three modules is reported once', (t) => {
  const { status, out } = check(t, {
    'a.ts': "import type { C } from './sub/c.js'\nexport type A = C\n",
    'b.ts': "import type { A } from './a.js'\nexport type B = A\n",
    'sub/c.ts': "export type C = import('../b.js').B\n"
  })
  assert.equal(status, 1)
  assert.equal(out.trim(), 'import cycle: a.ts, b.ts, sub/c.ts')
})

test('names in comments and strings are no imports: no cycle', (t) => {
  const { status, out } = check(t, {
    'a.ts': "// import { b } from './b.js'\n/** `await import('./b.js')` */\nexport const text = \"import './b.js'\"\nexport type A = number\n",
    'b.ts': back
  })
  assert.equal(status, 0)
  assert.equal(out.trim(), 'no import cycles in 2 modules')
})

test("the project's own src/ has no import cycle", () => {
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stdout)
  assert.match(run.stdout, /^no import cycles in \d+ modules/)
})
