// CommonJS side by side (issue 17): from a .cjs file in a child process on this Node,
// require('<framework>') is the factory itself, its named exports are its properties, listen()
// and inject() work, and it is the same function ESM's import gives.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import weft from 'weft'
import { both } from './harness.js'

const fixtures = new URL('../fixtures/commonjs/', import.meta.url)

/** Runs `node <file> ...args` with this test's Node; resolves its stdout parsed as JSON. */
function runCommonJs (file, args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(new URL(file, fixtures)), ...args], { timeout: 12000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${file} failed: ${err.message}\n${stderr}`))
      try {
        resolve(JSON.parse(stdout))
      } catch {
        reject(new Error(`${file} printed no JSON: ${stdout}\n${stderr}`))
      }
    })
  })
}

both('require() from CommonJS returns the factory: named exports as properties, listen, inject, same as import', async (factory, framework) => {
  const seen = await runCommonJs('require-factory.cjs', [framework.name])
  assert.deepEqual(seen, {
    type: 'function',
    sameUnderNames: true,
    errorCode: 'function',
    destructured: true,
    interopDefault: 'function',
    listen: { status: 200, body: { hello: 'cjs' } },
    inject: { hello: 'inject' },
    callbackListen: 'cb',
    sameAsImport: true,
    namedExportsMissing: []
  })
}, { ms: 15000 }) // a child Node loading the framework: seconds on a loaded machine

test('weft: ESM import is unchanged: the default export is the factory, with the same properties', async () => {
  const namespace = await import('weft')
  assert.equal(namespace.default, weft)
  assert.equal(namespace.fastify, weft)
  assert.equal(typeof weft, 'function')
  assert.equal(weft.errorCodes, namespace.errorCodes)
  assert.equal(weft.createError, namespace.createError)
  assert.equal(weft.weftVersion, namespace.weftVersion)
})

test('weft: require() of weft/observe and weft/async gives their named exports', async () => {
  const seen = await runCommonJs('require-subpaths.cjs', [])
  const observe = await import('weft/observe')
  const async = await import('weft/async')
  assert.deepEqual(seen, {
    observe: Object.keys(observe).filter((k) => k !== 'default').sort(),
    observeDefault: 'function',
    async: Object.keys(async).filter((k) => k !== 'default').sort(),
    pluginIsDefault: true
  })
})
