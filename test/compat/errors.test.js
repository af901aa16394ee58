// Issue 17 "Errors and not-found" side by side: the error flow (default and custom handlers, what
// reaches them, thrown non-Errors), not-found handlers and their routes, and the automatic HEAD
// route's answer when its GET's payload is a stream; over real sockets where the feature meets one.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { STATUS_CODES } from 'node:http'
import net from 'node:net'
import { Readable } from 'node:stream'
import { both, deferred, inject, logLines, request } from './harness.js'

/** Sends `method path` to a listening app; resolves { status, headers, body } once the answer ended. */
async function call (app, method, path, options) {
  const { status, headers, text } = await request(app, method, path, options)
  return { status, headers, body: text }
}

async function listening (app) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

describe('automatic HEAD routes', () => {
  both('a GET stream that fails: HEAD still answers 200, the error is logged', async (factory) => {
    const log = logLines()
    const app = factory({ logger: { level: 'error', stream: log.stream } })
    const failure = new Error('stream broke')
    app.get('/file', () => {
      const stream = new Readable({ read () {} })
      stream.push('some bytes')
      setImmediate(() => stream.destroy(failure))
      return stream
    })
    await listening(app)
    const res = await call(app, 'HEAD', '/file')
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], undefined)
    assert.equal(res.body, '')
    for (let i = 0; i < 50 && log.lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.deepEqual(log.lines.map((l) => [l.level, l.msg, l.err?.message]), [[50, 'Error on Stream found for HEAD route', 'stream broke']])
  })

  both('a GET web stream is cancelled for HEAD, with the reason given', async (factory) => {
    const app = factory()
    const cancelled = deferred()
    app.get('/web', () => new ReadableStream({
      start (controller) { controller.enqueue(new TextEncoder().encode('never read')) },
      cancel (reason) { cancelled.resolve(reason) }
    }))
    await listening(app)
    const res = await call(app, 'HEAD', '/web')
    assert.deepEqual([res.status, res.body], [200, ''])
    assert.equal(await cancelled.promise, 'Stream cancelled by HEAD route')
  })

  both('HEAD of a GET answering a string, a Buffer, nothing: content-length of what GET sends', async (factory) => {
    const app = factory()
    app.get('/text', () => 'héllo')
    app.get('/bytes', (request, reply) => { reply.send(Buffer.alloc(7)) })
    app.get('/empty', (request, reply) => { reply.send() })
    await listening(app)
    for (const path of ['/text', '/bytes', '/empty']) {
      const get = await call(app, 'GET', path)
      const head = await call(app, 'HEAD', path)
      assert.deepEqual([head.status, head.headers['content-length'], head.body], [200, get.headers['content-length'], ''], path)
    }
  })

  both('onRoute sees the HEAD route with the GET route\'s onSend hooks and one more', async (factory) => {
    const app = factory({ exposeHeadRoutes: true })
    const seen = []
    const own = function ownOnSend (request, reply, payload, done) { done(null, payload) }
    app.addHook('onRoute', (route) => { seen.push([route.method, Array.isArray(route.onSend) ? route.onSend.length : typeof route.onSend]) })
    app.get('/', { onSend: own }, () => 'x')
    await app.ready()
    assert.deepEqual(seen, [['GET', 'function'], ['HEAD', 2]])
  })
})

/** Writes `bytes` on a new connection to a listening app; resolves all it received once it closed. */
function rawExchange (app, bytes) {
  const { port } = app.server.address()
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => { received += chunk })
    socket.on('error', reject)
    socket.on('close', () => resolve(received))
    socket.end(bytes)
  })
}

describe('client errors (what Node rejects before routing)', () => {
  const cases = [
    ['bytes that are not HTTP', 'oooops!', 400, 'Client Error'],
    ['headers over the size limit', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`, 431, 'Exceeded maximum allowed HTTP header size']
  ]
  for (const [name, bytes, statusCode, message] of cases) {
    both(`${name}: the whole answer, byte for byte`, async (factory) => {
      const app = factory()
      app.get('/', () => 'ok')
      await listening(app)
      const body = JSON.stringify({ error: STATUS_CODES[statusCode], message, statusCode })
      const answer = await rawExchange(app, bytes)
      assert.equal(answer, `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`)
    })
  }

  both('the default handler writes its answer and destroys the socket with the error, without end()', async (factory) => {
    const app = factory()
    await app.ready()
    const calls = []
    const socket = {
      destroyed: false,
      writable: true,
      write (data) { calls.push(['write', data.split('\r\n')[0]]) },
      end () { calls.push(['end']) },
      destroy (err) { calls.push(['destroy', err?.code]) }
    }
    const err = Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' })
    app.server.emit('clientError', err, socket)
    assert.deepEqual(calls, [['write', 'HTTP/1.1 400 Bad Request'], ['destroy', 'HPE_INVALID_METHOD']])
  })
})

describe('what is thrown or rejected that is not an Error', () => {
  const values = { null: null, undefined, 'an empty object': {}, 'an empty array': [], zero: 0, 'an empty string': '' }
  for (const [name, value] of Object.entries(values)) {
    both(`a handler's promise rejected with ${name}: the error handler gets it as it is`, async (factory) => {
      const app = factory()
      const seen = []
      app.get('/', () => Promise.reject(value))
      app.setErrorHandler((err, request, reply) => {
        seen.push(err)
        reply.code(500).send('handled')
      })
      await listening(app)
      const res = await call(app, 'GET', '/')
      assert.deepEqual([res.status, res.body, seen], [500, 'handled', [value]])
    })
  }

  both('the default handler\'s answer for a rejected null or undefined, a thrown Symbol, a Symbol sent', async (factory) => {
    const app = factory()
    app.get('/null', () => Promise.reject(null))
    app.get('/undefined', () => Promise.reject(undefined))
    app.get('/symbol', () => { throw Symbol('failed') })
    app.get('/sent-symbol', (request, reply) => { reply.send(Symbol('sent')) })
    await listening(app)
    const answers = {}
    for (const path of ['/null', '/undefined', '/symbol', '/sent-symbol']) {
      const res = await call(app, 'GET', path)
      answers[path] = [res.status, res.headers['content-type'] ?? null, res.headers['content-length'], res.body]
    }
    assert.deepEqual(answers, {
      '/null': [500, 'application/json; charset=utf-8', '4', 'null'],
      '/undefined': [500, null, '0', ''],
      '/symbol': [500, 'application/json; charset=utf-8', '0', ''],
      '/sent-symbol': [200, 'application/json; charset=utf-8', '0', '']
    })
  })
})

describe('onError hooks', () => {
  for (const stage of ['preSerialization', 'onSend']) {
    both(`a ${stage} hook setting a header Node refuses: onError runs for the first failure and once more when the default answer fails too`, async (factory) => {
      const app = factory()
      const seen = []
      app.addHook(stage, async (request, reply, payload) => {
        seen.push(stage)
        reply.header('x-broken', 'a\nb')
        return payload
      })
      app.addHook('onError', (request, reply, err, done) => { seen.push(`onError ${err.code}`); done() })
      app.get('/', async () => ({ ok: true }))
      await listening(app)
      const res = await call(app, 'GET', '/')
      assert.deepEqual([res.status, JSON.parse(res.body).code, res.headers['x-broken']], [500, 'ERR_INVALID_CHAR', undefined])
      const expected = stage === 'onSend'
        ? ['onSend', 'onError ERR_INVALID_CHAR', 'onSend', 'onError ERR_INVALID_CHAR']
        : ['preSerialization', 'onError ERR_INVALID_CHAR', 'onError ERR_INVALID_CHAR']
      assert.deepEqual(seen, expected)
    })
  }

  both('a failure in a custom error handler\'s answer does not run onError again', async (factory) => {
    const app = factory()
    const seen = []
    app.addHook('onError', (request, reply, err, done) => { seen.push(err.message); done() })
    app.setErrorHandler((err, request, reply) => { throw new Error(`handler failed on ${err.message}`) })
    app.get('/', async () => { throw new Error('first') })
    await listening(app)
    const res = await call(app, 'GET', '/')
    assert.deepEqual([res.status, JSON.parse(res.body).message, seen], [500, 'handler failed on first', ['first']])
  })
})

describe('a stream payload failing before its headers went out', () => {
  /** A route sending a stream (with a header and a content type set first) that fails on its next tick. */
  function failingStreamRoute (app) {
    app.get('/', async (request, reply) => {
      const stream = new Readable({ read () {} })
      process.nextTick(() => stream.destroy(new Error('stream failed')))
      reply.header('x-from-handler', 'kept').type('application/text')
      return reply.send(stream)
    })
  }

  both('the error handler\'s answer keeps the handler\'s headers', async (factory) => {
    const app = factory()
    failingStreamRoute(app)
    app.setErrorHandler((err, request, reply) => { reply.code(400).type('application/json').send({ failed: err.message }) })
    await listening(app)
    const res = await call(app, 'GET', '/')
    assert.deepEqual([res.status, res.headers['x-from-handler'], res.headers['content-type'], res.body], [400, 'kept', 'application/json; charset=utf-8', '{"failed":"stream failed"}'])
  })

  both('an object sent by the error handler meets the stream\'s content type: a 500 for its type', async (factory) => {
    const app = factory()
    failingStreamRoute(app)
    app.setErrorHandler((err, request, reply) => { reply.code(400).send({ failed: err.message }) })
    await listening(app)
    const res = await call(app, 'GET', '/')
    assert.deepEqual([res.status, JSON.parse(res.body).code], [500, 'FST_ERR_REP_INVALID_PAYLOAD_TYPE'])
  })
})

describe('one not-found handler per level (the root, or a plugin registered with a prefix)', () => {
  const alreadySet = (prefix) => new RegExp(`^Not found handler already set for \\w+ instance with prefix: '${prefix}'$`)

  /** Calls setNotFoundHandler on `instance`; resolves to the error it threw, or null. */
  const tryToSet = (instance, body) => {
    try {
      instance.setNotFoundHandler((request, reply) => { reply.code(404).send(body) })
      return null
    } catch (err) {
      return err
    }
  }

  both('a plugin without a prefix shares its parent\'s level: setting again there throws', async (factory) => {
    const app = factory()
    const errors = []
    app.register(async (child) => { errors.push(tryToSet(child, 'child')) })
    errors.push(tryToSet(app, 'root'))
    await app.ready()
    assert.equal(errors[0], null)
    assert.match(errors[1]?.message ?? '', alreadySet('/'))
  })

  both('sibling plugins under one prefix share a level; a prefixed plugin has its own', async (factory) => {
    const app = factory()
    const errors = []
    app.register(async (scoped) => {
      scoped.register(async (a) => { errors.push(tryToSet(a, 'a')) })
      scoped.register(async (b) => { errors.push(tryToSet(b, 'b')) })
    }, { prefix: '/api' })
    app.register(async (other) => { errors.push(tryToSet(other, 'other')) }, { prefix: '/other' })
    await listening(app)
    assert.deepEqual(errors.map((e) => e === null ? null : alreadySet('/api').test(e.message)), [null, true, null])
    const answers = []
    for (const path of ['/api/x', '/other/x', '/x']) answers.push([(await call(app, 'GET', path)).body])
    assert.deepEqual(answers.slice(0, 2), [['a'], ['other']])
    assert.equal(JSON.parse(answers[2][0]).statusCode, 404)
  })

  both('a handler set in a plugin without a prefix serves its level, with that plugin\'s hooks', async (factory) => {
    const app = factory()
    app.register(async (child) => {
      child.addHook('onSend', async (request, reply, payload) => { reply.header('x-child-hook', 'ran'); return payload })
      child.setNotFoundHandler(function (request, reply) { reply.code(404).send({ inChild: this.hasDecorator('inChild') }) })
      child.decorate('inChild', true)
    })
    app.get('/', (request, reply) => { reply.callNotFound() })
    await listening(app)
    // reply.callNotFound() keeps the route's own onSend hooks (the root's here: none)
    const answers = []
    for (const path of ['/missing', '/']) {
      const res = await call(app, 'GET', path)
      answers.push([res.status, res.headers['x-child-hook'] ?? null, JSON.parse(res.body)])
    }
    assert.deepEqual(answers, [[404, 'ran', { inChild: true }], [404, null, { inChild: true }]])
  })

  both('setNotFoundHandler declares no route: onRoute is not called for it, at the root or under a prefix', async (factory) => {
    const app = factory()
    const seen = []
    app.addHook('onRoute', (route) => { seen.push(`${route.method} ${route.url}`) })
    app.setNotFoundHandler((request, reply) => { reply.code(404).send('root') })
    app.register(async (child) => {
      child.addHook('onRoute', (route) => { seen.push(`child ${route.method} ${route.url}`) })
      child.setNotFoundHandler((request, reply) => { reply.code(404).send('api') })
      child.get('/thing', () => 'thing')
    }, { prefix: '/api' })
    await listening(app)
    assert.deepEqual(seen, ['GET /api/thing', 'child GET /api/thing', 'HEAD /api/thing', 'child HEAD /api/thing'])
    assert.deepEqual([(await call(app, 'GET', '/api/nope')).body, (await call(app, 'GET', '/nope')).body], ['api', 'root'])
  })
})

describe("Fastify's errors by name and text", () => {
  both('framework errors are FastifyErrors with Fastify\'s words: a route after listen, a plugin that is not one, listen after close', async (factory) => {
    const app = factory()
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.throws(() => app.get('/late', async () => 'late'), (err) => {
      assert.equal(err.name, 'FastifyError')
      assert.equal(err.code, 'FST_ERR_INSTANCE_ALREADY_LISTENING')
      assert.equal(err.message, 'Fastify instance is already listening. Cannot add route!')
      assert.equal(String(err), 'FastifyError [FST_ERR_INSTANCE_ALREADY_LISTENING]: Fastify instance is already listening. Cannot add route!')
      return true
    })
    await app.close()
    await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), { name: 'FastifyError', code: 'FST_ERR_REOPENED_CLOSE_SERVER', message: 'Fastify has already been closed and cannot be reopened' })
    const other = factory()
    assert.throws(() => other.register(123), { name: 'FastifyError', code: 'AVV_ERR_PLUGIN_NOT_VALID', message: "Plugin must be a function or a promise. Received: 'number'" })
  })
})

describe('writing the answer fails', () => {
  both('writeHead throwing ERR_HTTP_HEADERS_SENT every time: warned, the default answer tried, then the response is cut; the server lives', async (factory) => {
    const log = logLines()
    const app = factory({ logger: { level: 'warn', stream: log.stream } })
    app.get('/', {
      onSend: async (request, reply, payload) => {
        reply.raw.writeHead = function () {
          throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' })
        }
        return payload
      }
    }, async () => 'ok')
    await listening(app)
    await assert.rejects(call(app, 'GET', '/'))
    for (let i = 0; i < 50 && log.lines.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const sent = 'Reply was already sent, did you forget to "return reply" in the "/" (GET) route?'
    const headersSent = 'Cannot write headers after they are sent to the client'
    assert.deepEqual(log.lines.map((l) => [l.level, l.msg, l.err?.code]), [
      [40, sent, undefined],
      [50, headersSent, 'ERR_HTTP_HEADERS_SENT'],
      [40, sent, undefined],
      [40, headersSent, 'ERR_HTTP_HEADERS_SENT']
    ])
    assert.equal(app.server.listening, true)
    assert.equal((await call(app, 'GET', '/nowhere')).status, 404)
  })
})
