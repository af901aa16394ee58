// Type-checks every ```ts / ```js code sample of README.md and docs/*.md under `strict`: each is
// written to a temporary folder as its own module, with a tsconfig resolving `weft` to dist/.
// A sample that is not meant to compile is preceded by the line `<!-- not-checked -->`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]
const fence = /^```(ts|typescript|js|javascript|mjs)\s*$/

const samples = []
for (const doc of docs) {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!fence.test(lines[i])) continue
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const skipped = before >= 0 && lines[before].trim() === '<!-- not-checked -->'
    const start = i + 1
    let end = start
    while (end < lines.length && !lines[end].startsWith('```')) end++
    if (!skipped) samples.push({ doc, line: start + 1, code: lines.slice(start, end).join('\n') })
    i = end
  }
}

const dir = mkdtempSync(join(tmpdir(), 'weft-doc-samples-'))
try {
  const files = samples.map((s, n) => {
    const name = `${s.doc.replace(/[^a-z0-9]+/gi, '-')}-line-${s.line}.ts`
    // blank lines first, so tsc's line numbers are the Markdown file's
    writeFileSync(join(dir, name), '\n'.repeat(s.line - 1) + s.code + '\nexport {}\n')
    return { ...s, name, n }
  })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  // the samples' other imports (typebox, node types) resolve to this project's packages
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: {
        weft: [join(root, 'dist', 'index.d.ts')],
        'weft/async': [join(root, 'dist', 'async', 'index.d.ts')],
        'weft/observe': [join(root, 'dist', 'observe', 'index.d.ts')]
      }
    },
    include: ['*.ts']
  }, null, 2))
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8', cwd: dir })
  } catch (err) {
    const out = String(err.stdout ?? '') + String(err.stderr ?? '')
    // name the Markdown file instead of the temporary one
    let text = out
    for (const f of files) text = text.split(f.name).join(f.doc)
    process.stdout.write(text)
    console.error(`\n${relative(process.cwd(), root) || '.'}: doc samples failed to type-check (mark one that is not meant to compile with <!-- not-checked -->)`)
    process.exitCode = 1
  }
  if (process.exitCode !== 1) console.log(`doc samples: ${files.length} type-checked (${docs.join(', ')})`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
