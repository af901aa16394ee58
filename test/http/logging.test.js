// Request logging: a child logger per request bound to its id, the "incoming request" and
// "request completed" lines, disableRequestLogging, request ids (genReqId, requestIdHeader),
// how errors are logged, and an app with logging off writing nothing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import weft from 'weft'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** An app logging into `lines` (one parsed object per line), closed when the test ends. */
function loggedApp (t, opts = {}, loggerOpts = {}) {
  const lines = []
  const stream = { write (line) { lines.push(JSON.parse(line)) } }
  const app = weft({ ...opts, logger: { ...loggerOpts, stream } })
  t.after(() => app.close())
  return { app, lines }
}

function deferred () {
  let resolve
  const promise = new Promise((r) => { resolve = r })
  return { promise, resolve }
}

/** Resolves once `predicate` holds for some line, failing after a short wait instead of hanging. */
async function lineMatching (lines, predicate, what, ms = 1000) {
  const start = Date.now()
  while (Date.now() - start < ms) {
    const found = lines.find(predicate)
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`no log line ${what} within ${ms} ms`)
}

describe('a child logger per request', () => {
  test('request.log lines carry reqId, the request\'s id', async (t) => {
    const { app, lines } = loggedApp(t)
    let id
    app.get('/', async (req) => { id = req.id; req.log.info({ extra: 1 }, 'inside the handler'); return 'ok' })

    await app.inject('/')
    const line = lines.find((l) => l.msg === 'inside the handler')
    assert.ok(line, 'the handler\'s line was logged')
    assert.equal(line.reqId, id)
    assert.equal(line.extra, 1)
    assert.equal(line.level, 30)
  })

  test('each request gets its own id in its lines', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/', async (req) => { req.log.info('hello'); return 'ok' })

    await Promise.all([app.inject('/'), app.inject('/'), app.inject('/')])
    const ids = lines.filter((l) => l.msg === 'hello').map((l) => l.reqId)
    assert.equal(ids.length, 3)
    assert.equal(new Set(ids).size, 3)
  })

  test('the same logger reaches hooks through request.log', async (t) => {
    const { app, lines } = loggedApp(t)
    let id
    app.addHook('onRequest', async (req) => { id = req.id; req.log.warn('from a hook') })
    app.get('/', async () => 'ok')

    await app.inject('/')
    const line = lines.find((l) => l.msg === 'from a hook')
    assert.equal(line.reqId, id)
    assert.equal(line.level, 40)
  })

  test('app.log lines are not bound to a request', async (t) => {
    const { app, lines } = loggedApp(t)
    app.log.info('from the app')

    const line = lines.find((l) => l.msg === 'from the app')
    assert.ok(line)
    assert.equal(line.reqId, undefined)
  })
})

describe('request logging', () => {
  test('"incoming request" is logged with the method and url', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/path', async (req) => req.id)

    const id = (await app.inject('/path?q=1')).body
    const incoming = lines.find((l) => l.msg === 'incoming request')
    assert.ok(incoming, 'an "incoming request" line')
    assert.equal(incoming.reqId, id)
    assert.equal(incoming.req.method, 'GET')
    assert.equal(incoming.req.url, '/path?q=1')
  })

  test('"request completed" is logged with the status code and response time (inject)', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/', (req, reply) => { reply.code(201).send(req.id) })

    const id = (await app.inject('/')).body
    const completed = await lineMatching(lines, (l) => l.msg === 'request completed', '"request completed"', 200)
    assert.equal(completed.reqId, id)
    assert.equal(completed.res.statusCode, 201)
    assert.equal(typeof completed.responseTime, 'number')
    assert.equal(lines.some((l) => l.msg === 'request aborted'), false)
  })

  test('"request completed" is logged with the status code and response time (real socket)', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/', (req, reply) => { reply.code(201).send(req.id) })
    await app.listen({ port: 0, host: '127.0.0.1' })

    const id = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: app.server.address().port, path: '/', agent: false }, (res) => {
        let body = ''
        res.on('data', (c) => { body += c })
        res.on('end', () => resolve(body))
      }).on('error', reject)
    })
    const completed = await lineMatching(lines, (l) => l.msg === 'request completed', '"request completed"')
    assert.equal(completed.reqId, id)
    assert.equal(completed.res.statusCode, 201)
    assert.equal(typeof completed.responseTime, 'number')
    assert.ok(lines.findIndex((l) => l.msg === 'incoming request') < lines.indexOf(completed))
  })

  test('disableRequestLogging: true removes both lines, request.log still works', async (t) => {
    const { app, lines } = loggedApp(t, { disableRequestLogging: true })
    let id
    app.get('/', async (req) => { id = req.id; req.log.info('still here'); return 'ok' })

    await app.inject('/')
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(lines.some((l) => l.msg === 'incoming request'), false)
    assert.equal(lines.some((l) => l.msg === 'request completed'), false)
    assert.equal(lines.some((l) => l.msg === 'request aborted'), false)
    assert.equal(lines.find((l) => l.msg === 'still here')?.reqId, id)
  })

  test('a route\'s logLevel silences lines below it for that route only', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/quiet', { logLevel: 'warn' }, async (req) => { req.log.info('quiet info'); req.log.warn('quiet warn'); return 'ok' })
    app.get('/loud', async (req) => { req.log.info('loud info'); return 'ok' })

    await app.inject('/quiet')
    await app.inject('/loud')
    const msgs = lines.map((l) => l.msg)
    assert.equal(msgs.includes('quiet info'), false)
    assert.equal(msgs.includes('quiet warn'), true)
    assert.equal(msgs.includes('loud info'), true)
  })
})

describe('errors in the log', () => {
  test('a 5xx error is logged at error level with the error', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/', async (req) => { throw new Error('exploded') })

    await app.inject('/')
    const line = lines.find((l) => l.err?.message === 'exploded')
    assert.ok(line, 'the error was logged')
    assert.equal(line.level, 50)
    assert.ok(line.reqId)
    assert.match(line.err.stack, /exploded/)
  })

  test('a 4xx error is logged below error level', async (t) => {
    const { app, lines } = loggedApp(t)
    app.get('/', async () => { throw Object.assign(new Error('bad input'), { statusCode: 400 }) })

    await app.inject('/')
    const line = lines.find((l) => l.err?.message === 'bad input')
    assert.ok(line, 'the error was logged')
    assert.ok(line.level < 50)
  })
})

describe('request ids', () => {
  test('genReqId sets request.id and the reqId of the request\'s lines', async (t) => {
    let n = 0
    const { app, lines } = loggedApp(t, { genReqId: (req) => `custom-${++n}-${req.method}` })
    app.get('/', async (req) => { req.log.info('with custom id'); return { id: req.id } })

    assert.deepEqual((await app.inject('/')).json(), { id: 'custom-1-GET' })
    assert.deepEqual((await app.inject('/')).json(), { id: 'custom-2-GET' })
    assert.deepEqual(lines.filter((l) => l.msg === 'with custom id').map((l) => l.reqId), ['custom-1-GET', 'custom-2-GET'])
  })

  test('genReqId works with logging off', async (t) => {
    const app = weft({ genReqId: () => 'fixed-id' })
    t.after(() => app.close())
    app.get('/', async (req) => req.id)

    assert.equal((await app.inject('/')).body, 'fixed-id')
  })

  test('requestIdHeader: \'x-request-id\' takes the id from that header, else generates one', async (t) => {
    const { app, lines } = loggedApp(t, { requestIdHeader: 'x-request-id', genReqId: () => 'generated' })
    app.get('/', async (req) => { req.log.info('line'); return req.id })

    assert.equal((await app.inject({ url: '/', headers: { 'x-request-id': 'from-client-123' } })).body, 'from-client-123')
    assert.equal((await app.inject('/')).body, 'generated')
    assert.deepEqual(lines.filter((l) => l.msg === 'line').map((l) => l.reqId), ['from-client-123', 'generated'])
  })

  test('without requestIdHeader the x-request-id header is ignored', async (t) => {
    const app = weft()
    t.after(() => app.close())
    app.get('/', async (req) => req.id)

    assert.notEqual((await app.inject({ url: '/', headers: { 'x-request-id': 'from-client' } })).body, 'from-client')
  })

  test('requestIdLogLabel renames the reqId key', async (t) => {
    const { app, lines } = loggedApp(t, { requestIdLogLabel: 'requestId' })
    app.get('/', async (req) => { req.log.info('labelled'); return req.id })

    const id = (await app.inject('/')).body
    const line = lines.find((l) => l.msg === 'labelled')
    assert.equal(line.requestId, id)
    assert.equal(line.reqId, undefined)
  })
})

describe('logger: false', () => {
  /** Runs a small app in a child process that logs from a handler, a hook and an error; returns what it printed. */
  function runApp (loggerOption) {
    const script = `
      import weft from 'weft'
      const app = weft({ logger: ${loggerOption} })
      app.addHook('onRequest', async (req) => { req.log.info('hook line') })
      app.get('/', async (req) => { req.log.info('handler line'); req.log.error('error line'); return 'ok' })
      app.get('/fail', async () => { throw new Error('failure line') })
      app.log.info('app line')
      const ok = await app.inject('/')
      const fail = await app.inject('/fail')
      process.stderr.write('statuses ' + ok.statusCode + ' ' + fail.statusCode)
      await app.close()
    `
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 10000 })
    return { stdout: r.stdout, stderr: r.stderr, status: r.status }
  }

  test('an app with logger: false writes nothing', () => {
    const off = runApp('false')
    assert.equal(off.status, 0, off.stderr)
    assert.equal(off.stderr, 'statuses 200 500')
    assert.equal(off.stdout, '')
  })

  test('the same app with logger: true does write (the check above can see output)', () => {
    const on = runApp('true')
    assert.equal(on.status, 0, on.stderr)
    for (const msg of ['hook line', 'handler line', 'error line', 'failure line', 'app line', 'incoming request']) {
      assert.match(on.stdout, new RegExp(msg))
    }
  })
})

describe('reply logging', () => {
  test('reply.log is the request\'s child logger', async (t) => {
    const { app, lines } = loggedApp(t)
    const done = deferred()
    app.get('/', (req, reply) => { reply.log.info('from reply'); done.resolve(req.id); reply.send('ok') })

    await app.inject('/')
    const id = await done.promise
    assert.equal(lines.find((l) => l.msg === 'from reply')?.reqId, id)
  })
})
