// The package as users load it: `import weft from 'weft'`, require() of the ES module on
// Node 20.19+, the version, and the error catalogue exposed on every instance.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import weft, { weft as namedWeft, errorCodes, weftVersion } from 'weft'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))

describe('loading the package', () => {
  test("import weft from 'weft' gives the factory, also exported as `weft`", async () => {
    assert.equal(typeof weft, 'function')
    assert.equal(namedWeft, weft)
    const app = weft()
    app.get('/', async () => ({ hello: 'world' }))
    assert.deepEqual((await app.inject('/')).json(), { hello: 'world' })
  })

  test("require('weft') works (require of an ES module): the factory is at .default and .weft", async () => {
    const require = createRequire(import.meta.url)
    const mod = require('weft')
    assert.equal(typeof mod.default, 'function')
    assert.equal(typeof mod.weft, 'function')
    assert.equal(mod.default, weft)
    assert.equal(mod.weft, weft)
    const app = mod.default()
    app.get('/', async () => 'required')
    assert.equal((await app.inject('/')).body, 'required')
  })
})

describe('the factory carries what Fastify\'s does', () => {
  test('weft.errorCodes is the error catalogue; weft.default and weft.weft are the factory itself', () => {
    assert.equal(weft.errorCodes, errorCodes)
    assert.equal(typeof weft.errorCodes.FST_ERR_PLUGIN_TIMEOUT, 'function')
    assert.equal(weft.default, weft)
    assert.equal(weft.weft, weft)
    const require = createRequire(import.meta.url)
    const { default: required } = require('weft')
    assert.equal(required.default.default, weft)
  })
})

describe('versions', () => {
  test("app.version is the Fastify API version Weft implements, as plugins read Fastify's", () => {
    const app = weft()
    const fastifyPkg = createRequire(import.meta.url)('fastify/package.json')
    assert.equal(app.version, fastifyPkg.version)
  })

  test("the weftVersion export (and the factory's weftVersion, for require()) is the package's version", () => {
    assert.equal(weftVersion, pkg.version)
    assert.equal(weft.weftVersion, pkg.version)
    assert.equal(createRequire(import.meta.url)('weft').weftVersion, pkg.version)
  })
})

describe('app.errorCodes', () => {
  test('app.errorCodes.FST_ERR_HOOK_TIMEOUT is a constructor whose instances are instanceof it', () => {
    const app = weft()
    const HookTimeout = app.errorCodes.FST_ERR_HOOK_TIMEOUT
    assert.equal(typeof HookTimeout, 'function')
    const err = new HookTimeout('onReady', ' "stuck"')
    assert.ok(err instanceof HookTimeout)
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'FST_ERR_HOOK_TIMEOUT')
    assert.match(err.message, /onReady/)
    assert.ok(!(err instanceof app.errorCodes.FST_ERR_PLUGIN_TIMEOUT))
  })

  test('the errors Weft throws are instances of the matching app.errorCodes constructor', async () => {
    const app = weft()
    assert.equal(app.errorCodes, errorCodes)
    assert.throws(() => app.addHook('onBoot', async () => {}), (err) => err instanceof app.errorCodes.FST_ERR_HOOK_NOT_SUPPORTED)
    app.decorate('db', {})
    assert.throws(() => app.decorate('db', {}), (err) => err instanceof app.errorCodes.FST_ERR_DEC_ALREADY_PRESENT)
    await app.close()
    await assert.rejects(app.listen({ port: 0 }), (err) => err instanceof app.errorCodes.FST_ERR_REOPENED_CLOSE_SERVER)
  })
})
