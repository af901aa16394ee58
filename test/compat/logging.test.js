// Logging side by side (issue 17, "Logging"): the logger built from options (streams, files, levels),
// loggerInstance, the request and response lines, disableRequestLogging, serializers, childLoggerFactory.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pino from 'pino'
import { both, inject, logLines, turns } from './harness.js'

/** Listens on an ephemeral port, GETs `path` over a real socket and waits for the response's log lines. */
async function get (app, path, init) {
  const address = app.server.listening ? `http://127.0.0.1:${app.server.address().port}` : await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(address + path, init)
  const body = await res.text()
  await turns(3)
  return { status: res.status, body, port: app.server.address().port }
}

const require = createRequire(import.meta.url)

/** Runs `code` in a fresh Node process (no module loaded yet) with `ENTRY` set to the framework's entry; its stdout. */
async function fresh (framework, code, type = 'commonjs') {
  const entry = framework.name === 'fastify' ? require.resolve('fastify') : type === 'module' ? import.meta.resolve('weft') : require.resolve('weft')
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=' + type, '-e', code], { env: { ...process.env, ENTRY: entry } })
  return stdout.trim()
}

/** The lines without pino's changing fields, to compare shapes. */
const msgs = (lines) => lines.map((l) => l.msg)

describe('the request and response lines', () => {
  both('a request logs incoming request then request completed, with reqId, req, res and responseTime', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.get('/hello', async (request) => { request.log.info('in handler'); return 'hi' })
    const { port } = await get(app, '/hello?x=1')
    const request = lines.filter((l) => l.reqId !== undefined)
    assert.deepEqual(msgs(request), ['incoming request', 'in handler', 'request completed'])
    assert.equal(new Set(request.map((l) => l.reqId)).size, 1)
    assert.deepEqual(request[0].req, { method: 'GET', url: '/hello?x=1', host: `127.0.0.1:${port}`, remoteAddress: '127.0.0.1', remotePort: request[0].req.remotePort })
    assert.equal(typeof request[0].req.remotePort, 'number')
    assert.deepEqual(request[2].res, { statusCode: 200 })
    assert.equal(typeof request[2].responseTime, 'number')
    assert.ok(request.every((l) => l.level === 30))
  })

  both('a failing handler logs the error at error level with req, res and err, then request completed', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.get('/', async () => { throw new Error('kaboom') })
    await get(app, '/')
    const failed = lines.find((l) => l.msg === 'kaboom')
    assert.equal(failed.level, 50)
    assert.equal(failed.err.message, 'kaboom')
    assert.equal(failed.err.type, 'Error')
    assert.deepEqual(failed.res, { statusCode: 500 })
    assert.equal(failed.req.method, 'GET')
    assert.deepEqual(msgs(lines.filter((l) => l.reqId !== undefined)), ['incoming request', 'kaboom', 'request completed'])
  })

  both('a 4xx error is logged at info level; a missing route logs Route GET:/x not found', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.get('/', async (request, reply) => reply.code(400).send(new Error('bad input')))
    await get(app, '/')
    await get(app, '/nowhere')
    const bad = lines.find((l) => l.msg === 'bad input')
    assert.equal(bad.level, 30)
    assert.deepEqual(bad.res, { statusCode: 400 })
    assert.ok(lines.some((l) => l.msg === 'Route GET:/nowhere not found' && l.level === 30))
  })

  both('disableRequestLogging: true drops the request lines but keeps request.log', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream }, disableRequestLogging: true })
    app.get('/', async (request) => { request.log.info('kept'); return 'ok' })
    await get(app, '/')
    assert.deepEqual(msgs(lines.filter((l) => l.reqId !== undefined)), ['kept'])
  })

  both('disableRequestLogging as a function decides per request', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream }, disableRequestLogging: (request) => request.url.startsWith('/health') })
    app.get('/health', async () => 'ok')
    app.get('/work', async () => 'ok')
    await get(app, '/health')
    await get(app, '/work')
    const request = lines.filter((l) => l.reqId !== undefined)
    assert.deepEqual(request.map((l) => [l.msg, l.req?.url ?? null]), [['incoming request', '/work'], ['request completed', null]])
  })

  both('with the logger off, a disableRequestLogging function is still asked for each line Fastify attempts', async (factory) => {
    const asked = []
    const app = factory({ disableRequestLogging: (request) => { asked.push(request.url); return false } })
    app.get('/plain', async () => 'ok')
    app.get('/hooked', { onResponse: async () => {} }, async () => 'ok')
    app.get('/boom', async () => { throw new Error('boom') })
    for (const path of ['/plain', '/hooked', '/boom', '/nowhere']) await get(app, path)
    assert.deepEqual(asked, ['/plain', '/hooked', '/hooked', '/boom', '/boom', '/nowhere', '/nowhere'])
  })
  both('at trace, boot, listen, a 404 and close log exactly these lines (nothing of Weft\'s own at ready)', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { level: 'trace', stream } })
    app.register(async function plugin (instance) { instance.get('/a', async () => 'a') })
    await app.ready()
    assert.deepEqual(msgs(lines), [])
    const { status, port } = await get(app, '/missing')
    assert.equal(status, 404)
    await app.close()
    await turns(3)
    const listening = `Server listening at http://127.0.0.1:${port}`
    assert.deepEqual(msgs(lines), [listening, 'incoming request', 'Route GET:/missing not found', 'request completed'])
  })
})

describe('the logger from options', () => {
  both('level filters lines; a route logLevel and a register logLevel override it', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { level: 'warn', stream } })
    app.get('/quiet', async (request) => { request.log.info('dropped'); request.log.warn('kept warn'); return 'ok' })
    app.get('/loud', { logLevel: 'debug' }, async (request) => { request.log.debug('kept debug'); return 'ok' })
    app.register(async (child) => { child.get('/child', async (request) => { request.log.info('kept child info'); return 'ok' }) }, { logLevel: 'info' })
    await get(app, '/quiet')
    await get(app, '/loud')
    await get(app, '/child')
    const mine = msgs(lines).filter((m) => m.startsWith('kept') || m === 'dropped')
    assert.deepEqual(mine, ['kept warn', 'kept debug', 'kept child info'])
    assert.equal(app.log.level, 'warn')
  })

  both('logger.file writes the lines to that file', async (factory) => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-log-'))
    try {
      const file = join(dir, 'app.log')
      const app = factory({ logger: { file } })
      app.get('/', async (request) => { request.log.info('to the file'); return 'ok' })
      await get(app, '/')
      await app.close()
      let text = ''
      for (let i = 0; i < 50 && !text.includes('request completed'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        text = await readFile(file, 'utf8').catch(() => '')
      }
      const written = text.trim().split('\n').map((l) => JSON.parse(l).msg)
      assert.ok(written.includes('to the file'))
      assert.ok(written.includes('request completed'))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  both('custom serializers replace the req and res ones; other keys get theirs', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({
      logger: {
        stream,
        serializers: {
          req: (request) => ({ m: request.method, u: request.url }),
          res: (reply) => ({ code: reply.statusCode }),
          user: (user) => user.name
        }
      }
    })
    app.get('/', async (request) => { request.log.info({ user: { name: 'ada', secret: 1 } }, 'who'); return 'ok' })
    await get(app, '/')
    assert.deepEqual(lines.find((l) => l.msg === 'incoming request').req, { m: 'GET', u: '/' })
    assert.deepEqual(lines.find((l) => l.msg === 'request completed').res, { code: 200 })
    assert.equal(lines.find((l) => l.msg === 'who').user, 'ada')
  })

  both('a route logSerializers applies to its request logger', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.get('/', { logSerializers: { user: (user) => 'user:' + user.id } }, async (request) => { request.log.info({ user: { id: 7 } }, 'route'); return 'ok' })
    app.get('/other', async (request) => { request.log.info({ user: { id: 8 } }, 'other'); return 'ok' })
    await get(app, '/')
    await get(app, '/other')
    assert.equal(lines.find((l) => l.msg === 'route').user, 'user:7')
    assert.deepEqual(lines.find((l) => l.msg === 'other').user, { id: 8 })
  })

  both('requestIdLogLabel and genReqId name the request id in every line', async (factory) => {
    const { lines, stream } = logLines()
    let n = 0
    const app = factory({ logger: { stream }, requestIdLogLabel: 'rid', genReqId: () => `req-${++n}` })
    app.get('/', async () => 'ok')
    await get(app, '/')
    await get(app, '/')
    const ids = lines.filter((l) => l.msg === 'incoming request').map((l) => l.rid)
    assert.deepEqual(ids, ['req-1', 'req-2'])
  })
})

describe('loggerInstance', () => {
  both('a pino instance given as loggerInstance is used, with its own serializers and bindings', async (factory) => {
    const { lines, stream } = logLines()
    const instance = pino({ base: { service: 'billing' } }, stream)
    const app = factory({ loggerInstance: instance })
    app.get('/', async (request) => { request.log.info('handled'); return 'ok' })
    await get(app, '/')
    const handled = lines.find((l) => l.msg === 'handled')
    assert.equal(handled.service, 'billing')
    assert.equal(typeof handled.reqId, 'string')
    assert.equal(lines.find((l) => l.msg === 'incoming request').req.method, 'GET')
  })

  both('logger and loggerInstance together, a logger instance as logger, an invalid instance: each throws its code', async (factory) => {
    const instance = pino({ level: 'silent' })
    assert.throws(() => factory({ logger: { level: 'info' }, loggerInstance: instance }), { code: 'FST_ERR_LOG_LOGGER_AND_LOGGER_INSTANCE_PROVIDED' })
    assert.throws(() => factory({ logger: instance }), { code: 'FST_ERR_LOG_INVALID_LOGGER_CONFIG' })
    assert.throws(() => factory({ loggerInstance: { info () {} } }), { code: 'FST_ERR_LOG_INVALID_LOGGER' })
  })
})

describe('loading pino', () => {
  const probe = `
    const pinoPath = require.resolve('pino', { paths: [require('node:path').dirname(process.env.ENTRY)] })
    const loaded = () => require.cache[pinoPath] !== undefined
    const seen = []
    const factory = require(process.env.ENTRY)
    factory(); seen.push(loaded())
    factory({ logger: true }); seen.push(loaded())
    console.log(JSON.stringify(seen))`

  both('pino is loaded by the first app with a logger (require), not by the module or an app without one', async (factory, framework) => {
    assert.deepEqual(JSON.parse(await fresh(framework, probe)), [false, true])
  }, { ms: 15000 })

  both('an app with a loggerInstance loads pino too', async (factory, framework) => {
    const code = probe.replace('factory({ logger: true })', 'const l = { fatal () {}, error () {}, warn () {}, info () {}, debug () {}, trace () {}, child () { return l } }; factory({ loggerInstance: l })')
    assert.deepEqual(JSON.parse(await fresh(framework, code)), [false, true])
  }, { ms: 15000 })

  both('pino is not loaded by importing the module (ESM) and making an app without a logger', async (factory, framework) => {
    const code = `
      import { createRequire } from 'node:module'
      import { dirname } from 'node:path'
      import { fileURLToPath } from 'node:url'
      const entry = process.env.ENTRY.startsWith('file:') ? fileURLToPath(process.env.ENTRY) : process.env.ENTRY
      const require = createRequire(entry)
      const { default: factory } = await import(process.env.ENTRY.startsWith('file:') ? process.env.ENTRY : 'file://' + entry)
      const loaded = () => require.cache[require.resolve('pino', { paths: [dirname(entry)] })] !== undefined
      const seen = []
      factory(); seen.push(loaded())
      factory({ logger: { level: 'silent' } }); seen.push(loaded())
      console.log(JSON.stringify(seen))`
    assert.deepEqual(JSON.parse(await fresh(framework, code, 'module')), [false, true])
  }, { ms: 15000 })
})

describe('childLoggerFactory', () => {
  both('the option builds each request logger from the app logger, bindings, options and raw request', async (factory) => {
    const { lines, stream } = logLines()
    const seen = []
    const app = factory({
      logger: { stream },
      childLoggerFactory (logger, bindings, opts, rawReq) {
        seen.push([this === app, Object.keys(bindings), typeof opts, rawReq.url])
        return logger.child({ ...bindings, agent: rawReq.headers['user-agent'] }, opts)
      }
    })
    app.get('/', async (request) => { request.log.info('child'); return 'ok' })
    await get(app, '/', { headers: { 'user-agent': 'probe/1' } })
    assert.deepEqual(seen, [[true, ['reqId'], 'object', '/']])
    assert.equal(lines.find((l) => l.msg === 'child').agent, 'probe/1')
    assert.equal(app.childLoggerFactory.name, 'childLoggerFactory')
  })

  both('setChildLoggerFactory is encapsulated: a plugin routes use it, the parent keeps the default', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.register(async (child) => {
      child.setChildLoggerFactory((logger, bindings, opts) => logger.child({ ...bindings, plugin: 'inner' }, opts))
      child.get('/inner', async (request) => { request.log.info('inner'); return 'ok' })
    })
    app.get('/outer', async (request) => { request.log.info('outer'); return 'ok' })
    await get(app, '/inner')
    await get(app, '/outer')
    assert.equal(lines.find((l) => l.msg === 'inner').plugin, 'inner')
    assert.equal(lines.find((l) => l.msg === 'outer').plugin, undefined)
  })

  both('a custom childLoggerFactory runs even with the logger off', async (factory) => {
    const got = []
    const sink = { info: (...args) => got.push(args.at(-1)), error () {}, debug () {}, fatal () {}, warn () {}, trace () {}, child () { return sink } }
    const app = factory({ childLoggerFactory: () => sink })
    app.get('/', async (request) => { request.log.info('through the factory'); return 'ok' })
    await inject(app, '/')
    await turns(3)
    assert.ok(got.includes('through the factory'))
  })

  both('with the logger off, a childLoggerFactory\'s logger gets the incoming, error and not-found lines; request completed only with onResponse hooks', async (factory) => {
    const { lines, stream } = logLines()
    const own = pino({ level: 'info' }, stream)
    const app = factory()
    app.register(async (child) => {
      child.setChildLoggerFactory((logger, bindings, opts) => own.child(bindings, opts))
      child.get('/fine', async () => 'ok')
      child.get('/boom', async () => { throw new Error('kaboom') })
      child.get('/hooked', { onResponse: async () => {} }, async () => 'ok')
      child.get('/missing', async (request, reply) => { reply.callNotFound() })
    })
    app.get('/outside', async () => 'ok')
    const byPath = {}
    for (const path of ['/fine', '/boom', '/hooked', '/missing', '/outside']) {
      const before = lines.length
      await get(app, path)
      byPath[path] = msgs(lines.slice(before))
    }
    assert.deepEqual(byPath, {
      '/fine': ['incoming request'],
      '/boom': ['incoming request', 'kaboom'],
      '/hooked': ['incoming request', 'request completed'],
      '/missing': ['incoming request', 'Route GET:/missing not found'],
      '/outside': []
    })
  })

  both('with the logger off and disableRequestLogging, a childLoggerFactory\'s logger gets no request lines', async (factory) => {
    const { lines, stream } = logLines()
    const own = pino({ level: 'info' }, stream)
    const app = factory({ disableRequestLogging: true, childLoggerFactory: (logger, bindings, opts) => own.child(bindings, opts) })
    app.get('/', async (request) => { request.log.info('mine'); return 'ok' })
    await get(app, '/')
    assert.deepEqual(msgs(lines), ['mine'])
  })

  both('a request the router refuses (frameworkErrors) gets its logger from the childLoggerFactory option, then the incoming line', async (factory, framework) => {
    const calls = []
    const app = factory({
      childLoggerFactory (logger, bindings, opts, rawReq) { calls.push(['factory', rawReq.url]); return logger.child(bindings, opts) },
      frameworkErrors (err, request, reply) { calls.push(['frameworkErrors', err.code, typeof request.log.info]); reply.code(400).send('bad') },
      logController: new (class extends framework.factory.LogController { incomingRequest (request) { calls.push(['incoming', request.url]) } })()
    })
    app.get('/:id', async () => 'ok')
    const res = await inject(app, '/%E0%A4%A')
    assert.equal(res.statusCode, 400)
    assert.deepEqual(calls, [['factory', '/%E0%A4%A'], ['incoming', '/%E0%A4%A'], ['frameworkErrors', 'FST_ERR_BAD_URL', 'function']])
  })

  both('a childLoggerFactory returning no logger: inject() throws FST_ERR_LOG_INVALID_LOGGER, its callback never runs', async (factory) => {
    const app = factory()
    app.setChildLoggerFactory(() => undefined)
    app.get('/', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    let called = false
    assert.throws(() => app.inject('/', () => { called = true }), { code: 'FST_ERR_LOG_INVALID_LOGGER' })
    await turns(3)
    assert.equal(called, false)
  })

  both('a childLoggerFactory returning a partial logger throws the missing methods\' names', async (factory) => {
    const app = factory({ childLoggerFactory: () => ({ info () {}, error () {} }) })
    app.get('/', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.throws(() => app.inject('/', () => {}), { code: 'FST_ERR_LOG_INVALID_LOGGER', message: /debug,fatal,warn,trace,child/ })
  })
})

describe('the logController option with the logger off', () => {
  both('incomingRequest runs for every request, requestCompleted only for routes with onResponse hooks or a handlerTimeout', async (factory, framework) => {
    const calls = []
    class Recording extends framework.factory.LogController {
      incomingRequest (request) { calls.push(['incoming', request.url]) }
      requestCompleted (error, request) { calls.push(['completed', request.url, error ?? null]) }
      routeNotFound (request) { calls.push(['not found', request.url]) }
    }
    const app = factory({ logController: new Recording() })
    app.get('/plain', async () => 'ok')
    app.get('/hooked', { onResponse: async () => {} }, async () => 'ok')
    app.get('/timed', { handlerTimeout: 1000 }, async () => 'ok')
    for (const path of ['/plain', '/hooked', '/timed', '/nowhere']) await get(app, path)
    assert.deepEqual(calls, [
      ['incoming', '/plain'],
      ['incoming', '/hooked'], ['completed', '/hooked', null],
      ['incoming', '/timed'], ['completed', '/timed', null],
      ['incoming', '/nowhere'], ['not found', '/nowhere']
    ])
  })

  both('a falsy logController (0, \'\', false, null) means none', async (factory) => {
    for (const logController of [0, '', false, null]) factory({ logController })
    assert.throws(() => factory({ logController: {} }), { code: 'FST_ERR_LOG_INVALID_LOG_CONTROLLER', message: "logController option must be an instance of LogController, got 'object'." })
  })
})

describe('register options', () => {
  both('register logSerializers reach the routes of the plugin and its children only', async (factory) => {
    const { lines, stream } = logLines()
    const app = factory({ logger: { stream } })
    app.register(async (child) => {
      child.register(async (grandchild) => {
        grandchild.get('/deep', async (request) => { request.log.info({ user: { id: 2 } }, 'deep'); return 'ok' })
      })
      child.get('/child', async (request) => { request.log.info({ user: { id: 1 } }, 'child'); return 'ok' })
    }, { logSerializers: { user: (user) => 'user ' + user.id } })
    app.get('/root', async (request) => { request.log.info({ user: { id: 0 } }, 'root'); return 'ok' })
    for (const path of ['/child', '/deep', '/root']) await get(app, path)
    assert.equal(lines.find((l) => l.msg === 'child').user, 'user 1')
    assert.equal(lines.find((l) => l.msg === 'deep').user, 'user 2')
    assert.deepEqual(lines.find((l) => l.msg === 'root').user, { id: 0 })
  })
})
