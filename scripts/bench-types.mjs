// Measures how long `tsc --noEmit` takes on a generated project of N routes (default 200), each with
// params, querystring, body and two response schemas inferred by Weft's types; prints the figures.
// Usage: node scripts/bench-types.mjs [routes]   (needs `npm run build` first)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const routes = Number(process.argv[2] ?? 200)

function route (i) {
  return `
app.post('/r${i}/:id', {
  schema: {
    params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
    querystring: { type: 'object', properties: { verbose: { type: 'boolean' }, page: { type: 'integer', default: 1 } } },
    body: {
      type: 'object', required: ['name', 'tags'], additionalProperties: false,
      properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, kind: { enum: ['a', 'b', 'c${i}'] } }
    },
    response: {
      200: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' }, page: { type: 'integer' } } },
      '4xx': { type: 'object', required: ['message'], properties: { message: { type: 'string' } } }
    }
  }
}, async (request, reply) => {
  if (request.body.tags.length === 0) return reply.code(400).send({ message: 'no tags' })
  return { id: request.params.id, name: request.body.name, page: request.query.page }
})`
}

function run (count) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-types-'))
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
        types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
        paths: { weft: [join(root, 'dist', 'index.d.ts')] }
      },
      include: ['*.ts']
    }))
    writeFileSync(join(dir, 'app.ts'), `import weft from 'weft'\nconst app = weft()\n${Array.from({ length: count }, (_, i) => route(i)).join('\n')}\nexport {}\n`)
    const started = process.hrtime.bigint()
    const out = execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--extendedDiagnostics'], { encoding: 'utf8' })
    const wallS = Number(process.hrtime.bigint() - started) / 1e9
    const field = (name) => out.match(new RegExp(`^${name}:\\s+(.+)$`, 'm'))?.[1]?.trim()
    return { routes: count, wallS: wallS.toFixed(2), checkTime: field('Check time'), types: field('Types'), instantiations: field('Instantiations'), memory: field('Memory used') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const baseline = run(0)
const result = run(routes)
console.table([baseline, result])
console.log(`${routes} routes with schemas: tsc --noEmit ${result.wallS}s wall (${baseline.wallS}s for the same project with no route), check time ${result.checkTime}`)
