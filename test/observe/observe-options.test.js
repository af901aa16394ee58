// Observe's options are checked, not guessed: an unknown key (at the top, or inside serverTiming,
// tracing, page) throws WEFT_ERR_OBSERVE_OPTION naming the closest key; the Startup tab's data
// names scopes by their own name and lists only real decorators; the page docs' allow sample is safe.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import weft from 'weft'
import { observe } from 'weft/observe'

async function registerFails (options) {
  const app = weft()
  app.register(observe, options)
  try {
    await app.ready()
  } catch (err) {
    return err
  } finally {
    await app.close().catch(() => {})
  }
  assert.fail('registration succeeded with ' + JSON.stringify(Object.keys(options)))
}

describe('unknown observe option keys', () => {
  for (const [options, key, near] of [
    [{ servertiming: true }, 'servertiming', 'serverTiming'],
    [{ serverTimings: true }, 'serverTimings', 'serverTiming'],
    [{ pgae: true }, 'pgae', 'page'],
    [{ detial: 'resources' }, 'detial', 'detail'],
    [{ leakWarning: false }, 'leakWarning', 'leakWarnings'],
    [{ serverTiming: { operation: 3 } }, 'serverTiming.operation', 'operations'],
    [{ tracing: { servicename: 'x' } }, 'tracing.servicename', 'serviceName'],
    [{ page: { alow: () => true } }, 'page.alow', 'allow'],
    [{ page: { tokn: 'abcdefabcdefabcdef' } }, 'page.tokn', 'token']
  ]) {
    test(`${key} throws, suggesting ${near}`, async () => {
      const err = await registerFails(options)
      assert.ok(err instanceof TypeError)
      assert.equal(err.code, 'WEFT_ERR_OBSERVE_OPTION')
      assert.equal(err.message, `weft/observe: option "${key}" must be a known option (did you mean \`${near}\`?), got an unknown option`)
    })
  }

  test('a key like none of them lists the known ones', async () => {
    const err = await registerFails({ somethingElseEntirely: 1 })
    assert.equal(err.code, 'WEFT_ERR_OBSERVE_OPTION')
    assert.match(err.message, /"somethingElseEntirely" must be one of detail, sample, onActivity, serverTiming, recent, maxRoutes, maxSpans, leakWarnings, tracing, page, metrics, history, keepSlowest, got an unknown option/)
  })

  test('through weft({ observe }) too', async () => {
    const app = weft({ observe: { sampel: 0.5 } })
    await assert.rejects(app.ready(), (err) => err.code === 'WEFT_ERR_OBSERVE_OPTION' && /did you mean `sample`\?/.test(err.message))
    await app.close().catch(() => {})
  })

  test("register()'s own options (prefix, logLevel) are not refused", async (t) => {
    const app = weft()
    await app.register(observe, { logLevel: 'warn', detail: 'timing' })
    t.after(() => app.close())
    await app.ready()
    assert.equal(app.observe.detail, 'timing')
  })

  test('every documented option is accepted', async (t) => {
    const app = weft()
    await app.register(observe, {
      detail: 'timing', sample: 1, onActivity () {}, serverTiming: { when: () => true, operations: 2 }, recent: 10, maxRoutes: 10,
      maxSpans: 10, leakWarnings: true, page: { path: '/ops', token: 'a-documented-token-123', heartbeatMs: 1000, maxBufferedBytes: 1024, maxStreams: 2, flushMs: 100 }
    })
    t.after(() => app.close())
    await app.ready()
    assert.equal(app.observe.page.path, '/ops')
  })
})

describe('the Startup tab data', () => {
  test('the root is named by its own name, and route shorthands are not decorators', async (t) => {
    const token = 'startup-view-token-0123456789'
    const app = weft()
    await app.register(observe, { page: { token } })
    app.decorate('db', { query () {} })
    app.register(async function users (scope) {
      scope.decorate('cache', new Map())
      scope.get('/users', async () => [])
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(() => app.close())
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/_weft/api/startup.json`, { headers: { authorization: 'Bearer ' + token } })
    assert.equal(res.status, 200)
    const { tree } = await res.json()
    assert.equal(tree.name, 'fastify', 'not the chain "fastify -> weft-observe"')
    assert.deepEqual(tree.decorators, ['observe', 'db'])
    assert.deepEqual(tree.children.map((c) => [c.name, c.decorators, c.routes]), [['users', ['cache'], ['GET /users']]])
  })
})

describe("docs/page.md's allow sample", () => {
  const doc = readFileSync(new URL('../../docs/page.md', import.meta.url), 'utf8')
  const sample = doc.slice(doc.indexOf('A safe `allow`')).match(/```ts\n([\s\S]*?)```/)[1]
  const js = ts.transpileModule(sample, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText

  /** Runs the sample as a module inside the project (so `weft` resolves), then tries three clients. */
  function run (env) {
    const dir = mkdtempSync(fileURLToPath(new URL('./', import.meta.url)) + '.doc-sample-')
    try {
      const file = `${dir}/sample.mjs`
      writeFileSync(file, js + `
const status = async (headers) => (await app.inject({ url: '/_weft', remoteAddress: '10.0.0.1', headers })).statusCode
console.log(JSON.stringify([await status({}), await status({ 'x-ops-token': 'wrong-wrong-wrong-wrong' }), await status({ 'x-ops-token': process.env.OPS_TOKEN })]))
await app.close()
`)
      const childEnv = { ...process.env, ...env }
      if (env.OPS_TOKEN === undefined) delete childEnv.OPS_TOKEN
      return execFileSync(process.execPath, [file], { env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  test('without OPS_TOKEN it refuses to start instead of letting everyone in', () => {
    assert.throws(() => run({ OPS_TOKEN: undefined }), (err) => /set OPS_TOKEN/.test(err.stderr))
  })

  test('with OPS_TOKEN only the right header gets in', () => {
    assert.equal(run({ OPS_TOKEN: 'an-ops-token-of-some-length' }).trim(), '[403,403,200]')
  })
})
