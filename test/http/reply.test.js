// The Request and Reply objects handlers and hooks see, and how a handler's result becomes the
// response: return values, promises, reply.send(), content types, streams, redirects, hijacking,
// sending twice and invalid status codes.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import weft from 'weft'

function newApp (t, opts) {
  const app = weft(opts)
  t.after(() => app.close())
  return app
}

/** A logger destination that keeps every line as an object. */
function logLines () {
  const lines = []
  return { lines, stream: { write (line) { lines.push(JSON.parse(line)) } } }
}

describe('Request', () => {
  test('params, query, body and headers', async (t) => {
    const app = newApp(t)
    app.post('/items/:id', async (req) => ({ params: req.params, query: req.query, body: req.body, header: req.headers['x-custom'] }))

    const res = await app.inject({ method: 'POST', url: '/items/5?sort=asc', payload: { name: 'x' }, headers: { 'x-custom': 'abc' } })
    assert.deepEqual(res.json(), { params: { id: '5' }, query: { sort: 'asc' }, body: { name: 'x' }, header: 'abc' })
  })

  test('url, method and raw (the raw request)', async (t) => {
    const app = newApp(t)
    app.put('/path', async (req) => ({
      url: req.url,
      method: req.method,
      rawIsStream: typeof req.raw.pipe === 'function',
      rawUrl: req.raw.url,
      rawMethod: req.raw.method,
      sameHeaders: req.raw.headers === req.headers
    }))

    assert.deepEqual((await app.inject({ method: 'PUT', url: '/path?a=1' })).json(), {
      url: '/path?a=1', method: 'PUT', rawIsStream: true, rawUrl: '/path?a=1', rawMethod: 'PUT', sameHeaders: true
    })
  })

  test('id is a string, different for each request', async (t) => {
    const app = newApp(t)
    app.get('/', async (req) => ({ id: req.id }))

    const a = (await app.inject('/')).json().id
    const b = (await app.inject('/')).json().id
    assert.equal(typeof a, 'string')
    assert.ok(a.length > 0)
    assert.notEqual(a, b)
  })

  test('ip is the client address', async (t) => {
    const app = newApp(t)
    app.get('/', async (req) => ({ ip: req.ip }))

    assert.deepEqual((await app.inject('/')).json(), { ip: '127.0.0.1' })
    assert.deepEqual((await app.inject({ url: '/', remoteAddress: '10.0.0.9' })).json(), { ip: '10.0.0.9' })
  })

  test('routeOptions carries the route\'s method, url and config', async (t) => {
    const app = newApp(t)
    app.get('/r/:x', { config: { flag: true } }, async (req) => ({
      method: req.routeOptions.method, url: req.routeOptions.url, flag: req.routeOptions.config.flag
    }))

    assert.deepEqual((await app.inject('/r/1')).json(), { method: 'GET', url: '/r/:x', flag: true })
  })

  test('log is a logger usable in handlers, even with logging off', async (t) => {
    const app = newApp(t)
    app.get('/', async (req) => {
      for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) req.log[level]('message')
      return { child: typeof req.log.child }
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { child: 'function' })
  })

  test('server is the instance (plugin scope) the route was declared in', async (t) => {
    const app = newApp(t)
    let servers
    app.register(async (child) => {
      child.decorate('where', 'plugin')
      child.get('/', async function (req, reply) {
        servers = { request: req.server, reply: reply.server, self: this, child }
        return { where: req.server.where }
      })
    })

    assert.deepEqual((await app.inject('/')).json(), { where: 'plugin' })
    assert.equal(servers.request, servers.child)
    assert.equal(servers.reply, servers.child)
    assert.equal(servers.self, servers.child, '`this` in a handler is the instance too')
  })

  test('request decorators are available, with their initial value per request', async (t) => {
    const app = newApp(t)
    app.decorateRequest('counter', 0)
    app.decorateRequest('hello', function () { return `hello ${this.params.name}` })
    app.get('/:name', async (req) => { req.counter++; return { counter: req.counter, hello: req.hello() } })

    assert.deepEqual((await app.inject('/ada')).json(), { counter: 1, hello: 'hello ada' })
    assert.deepEqual((await app.inject('/bob')).json(), { counter: 1, hello: 'hello bob' })
  })
})

describe('Reply: status code', () => {
  test('code() and status() set the status code and chain', async (t) => {
    const app = newApp(t)
    app.get('/code', (req, reply) => { reply.code(201).send('created') })
    app.get('/status', (req, reply) => { reply.status(202).send('accepted') })

    assert.equal((await app.inject('/code')).statusCode, 201)
    assert.equal((await app.inject('/status')).statusCode, 202)
  })

  test('statusCode reads and writes the status code', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => {
      const before = reply.statusCode
      reply.statusCode = 203
      reply.send({ before, after: reply.statusCode })
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 203)
    assert.deepEqual(res.json(), { before: 200, after: 203 })
  })

  test('an invalid status code throws FST_ERR_BAD_STATUS_CODE', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => {
      const codes = []
      for (const bad of [99, 600, 1000, 'abc']) {
        try { reply.code(bad); codes.push(null) } catch (err) { codes.push(err.code) }
      }
      reply.send({ codes, status: reply.statusCode })
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { codes: Array(4).fill('FST_ERR_BAD_STATUS_CODE'), status: 200 })
  })

  test('a handler throwing on an invalid status code answers 500', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => { reply.code(42); return 'never' })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 500)
    assert.equal(res.json().code, 'FST_ERR_BAD_STATUS_CODE')
  })

  test('204 answers without a body', async (t) => {
    const app = newApp(t)
    app.delete('/', (req, reply) => { reply.code(204).send() })

    const res = await app.inject({ method: 'DELETE', url: '/' })
    assert.equal(res.statusCode, 204)
    assert.equal(res.body, '')
  })
})

describe('Reply: headers', () => {
  test('header(), headers(), getHeader(), hasHeader() and removeHeader()', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => {
      reply.header('X-One', '1').headers({ 'x-two': '2', 'x-three': '3' })
      const seen = {
        one: reply.getHeader('x-one'),
        oneAnyCase: reply.getHeader('X-ONE'),
        hasTwo: reply.hasHeader('x-two'),
        hasMissing: reply.hasHeader('x-missing'),
        missing: reply.getHeader('x-missing') ?? null
      }
      reply.removeHeader('x-three')
      seen.hasThreeAfterRemove = reply.hasHeader('x-three')
      reply.send(seen)
    })

    const res = await app.inject('/')
    assert.deepEqual(res.json(), { one: '1', oneAnyCase: '1', hasTwo: true, hasMissing: false, missing: null, hasThreeAfterRemove: false })
    assert.equal(res.headers['x-one'], '1')
    assert.equal(res.headers['x-two'], '2')
    assert.equal(res.headers['x-three'], undefined)
  })

  test('several set-cookie headers are all sent', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.header('set-cookie', 'a=1').header('set-cookie', 'b=2').send('ok') })

    assert.deepEqual((await app.inject('/')).headers['set-cookie'], ['a=1', 'b=2'])
  })

  test('headers set with reply.raw.setHeader() reach the response', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => {
      reply.raw.setHeader('x-raw', 'from raw')
      reply.send({ seen: reply.getHeader('x-raw'), has: reply.hasHeader('x-raw') })
    })

    const res = await app.inject('/')
    assert.equal(res.headers['x-raw'], 'from raw')
    assert.deepEqual(res.json(), { seen: 'from raw', has: true })
  })

  test('type() sets the content type and it is kept', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.type('text/html; charset=utf-8').send('<p>hi</p>') })

    const res = await app.inject('/')
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(res.body, '<p>hi</p>')
  })

  test('content-length is set for string, object and Buffer payloads', async (t) => {
    const app = newApp(t)
    app.get('/s', async () => 'héllo')
    app.get('/o', async () => ({ a: 'é' }))
    app.get('/b', async () => Buffer.from([1, 2, 3]))

    assert.equal((await app.inject('/s')).headers['content-length'], String(Buffer.byteLength('héllo')))
    assert.equal((await app.inject('/o')).headers['content-length'], String(Buffer.byteLength('{"a":"é"}')))
    assert.equal((await app.inject('/b')).headers['content-length'], '3')
  })
})

describe('Reply: payloads and content types', () => {
  test('a string gets text/plain; charset=utf-8', async (t) => {
    const app = newApp(t)
    app.get('/', async () => 'plain text')

    const res = await app.inject('/')
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(res.body, 'plain text')
  })

  test('an object gets application/json; charset=utf-8 and is serialized', async (t) => {
    const app = newApp(t)
    app.get('/', async () => ({ a: [1, { b: null }] }))

    const res = await app.inject('/')
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(res.json(), { a: [1, { b: null }] })
  })

  test('a Buffer gets application/octet-stream and is sent as is', async (t) => {
    const app = newApp(t)
    app.get('/', async () => Buffer.from([0, 255, 10]))

    const res = await app.inject('/')
    assert.equal(res.headers['content-type'], 'application/octet-stream')
    assert.deepEqual(res.rawPayload, Buffer.from([0, 255, 10]))
  })

  test('a stream payload is piped to the response', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => {
      reply.type('text/csv').send(Readable.from(['a,b\n', '1,2\n', '3,4\n']))
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'text/csv')
    assert.equal(res.body, 'a,b\n1,2\n3,4\n')
  })

  test('a stream returned from an async handler is piped too', async (t) => {
    const app = newApp(t)
    app.get('/', async () => Readable.from([Buffer.from('streamed')]))

    assert.equal((await app.inject('/')).body, 'streamed')
  })

  test('null is sent as JSON null', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.send(null) })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(res.body, 'null')
  })

  test('serialize() returns what send() would write for an object', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.send({ serialized: reply.serialize({ a: 1, b: [true] }) }) })

    assert.deepEqual((await app.inject('/')).json(), { serialized: '{"a":1,"b":[true]}' })
  })

  test('send(error) goes through the error handler', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.send(Object.assign(new Error('sent error'), { statusCode: 409 })) })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().message, 'sent error')
  })
})

describe('Reply: redirect()', () => {
  test('redirect(url) answers 302 with a location header', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.redirect('/x') })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 302)
    assert.equal(res.headers.location, '/x')
  })

  test('redirect(url, 301) uses the given code', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.redirect('/moved', 301) })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 301)
    assert.equal(res.headers.location, '/moved')
  })

  test('an async handler may return reply.redirect()', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => reply.redirect('https://example.com/', 307))

    const res = await app.inject('/')
    assert.equal(res.statusCode, 307)
    assert.equal(res.headers.location, 'https://example.com/')
  })
})

describe('Reply: hijack(), sent and elapsedTime', () => {
  test('after hijack() the handler writes the raw response and Weft stays out of it', async (t) => {
    const app = newApp(t)
    let onSendRan = false
    app.addHook('onSend', async () => { onSendRan = true })
    app.get('/', (req, reply) => {
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'text/plain' })
      reply.raw.end('raw answer')
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'raw answer')
    assert.equal(onSendRan, false)
  })

  test('an async handler may hijack and answer later', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => {
      reply.hijack()
      setTimeout(() => { reply.raw.end('later') }, 5)
    })

    assert.equal((await app.inject('/')).body, 'later')
  })

  test('sent is false before the reply is sent and true after', async (t) => {
    const app = newApp(t)
    const seen = {}
    app.get('/', (req, reply) => {
      seen.before = reply.sent
      reply.send('x')
      seen.after = reply.sent
    })
    app.get('/hijacked', (req, reply) => {
      reply.hijack()
      const afterHijack = reply.sent
      reply.raw.end(String(afterHijack))
    })

    assert.equal((await app.inject('/')).body, 'x')
    assert.deepEqual(seen, { before: false, after: true })
    assert.equal((await app.inject('/hijacked')).body, 'true')
  })

  test('elapsedTime is the milliseconds since the request started', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => {
      const first = reply.elapsedTime
      await new Promise((resolve) => setTimeout(resolve, 20))
      return { first, second: reply.elapsedTime }
    })

    const { first, second } = (await app.inject('/')).json()
    assert.equal(typeof first, 'number')
    assert.ok(first >= 0)
    assert.ok(second > first)
  })
})

describe('handlers', () => {
  test('a sync handler may return a value', async (t) => {
    const app = newApp(t)
    app.get('/', () => ({ sync: true }))

    assert.deepEqual((await app.inject('/')).json(), { sync: true })
  })

  test('a handler may return a promise (not an async function)', async (t) => {
    const app = newApp(t)
    app.get('/', () => new Promise((resolve) => setTimeout(() => resolve({ later: true }), 5)))

    assert.deepEqual((await app.inject('/')).json(), { later: true })
  })

  test('a handler may call reply.send()', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { reply.send({ sent: true }) })

    assert.deepEqual((await app.inject('/')).json(), { sent: true })
  })

  test('a sync handler returning undefined may send later', async (t) => {
    const app = newApp(t)
    app.get('/', (req, reply) => { setTimeout(() => reply.send('from a timer'), 10) })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'from a timer')
  })

  test('an async handler that resolves undefined without sending answers an empty 200', async (t) => {
    const app = newApp(t)
    app.get('/', async () => {})

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, '')
  })

  test('an async handler may return reply after reply.send()', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => { reply.code(201).send({ via: 'send' }); return reply })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 201)
    assert.deepEqual(res.json(), { via: 'send' })
  })

  test('an async handler may return reply and send later', async (t) => {
    const app = newApp(t)
    app.get('/', async (req, reply) => {
      setTimeout(() => reply.send('sent later'), 10)
      return reply
    })

    assert.equal((await app.inject('/')).body, 'sent later')
  })

  test('an async handler returning null sends JSON null', async (t) => {
    const app = newApp(t)
    app.get('/', async () => null)

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'null')
  })
})

describe('handlers that call reply.send() while the send pipeline has asynchronous hooks', () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

  /** Slow preSerialization / onSend hooks that leave a visible mark on the payload. */
  const slowHooks = {
    preSerialization: {
      callback: (req, reply, payload, done) => { setTimeout(() => done(null, { ...payload, pre: true }), 5) },
      async: async (req, reply, payload) => { await sleep(5); return { ...payload, pre: true } },
      expected: '{"v":1,"pre":true}'
    },
    onSend: {
      callback: (req, reply, payload, done) => { setTimeout(() => done(null, payload + '!'), 5) },
      async: async (req, reply, payload) => { await sleep(5); return payload + '!' },
      expected: '{"v":1}!'
    }
  }

  const handlers = {
    'an async handler calls reply.send() and returns reply': { fn: async (req, reply) => { reply.send({ v: 1 }); return reply }},
    'an async handler returns reply.send()': { fn: async (req, reply) => reply.send({ v: 1 })},
    'an async handler awaits, calls reply.send() and returns reply': { fn: async (req, reply) => { await sleep(1); reply.send({ v: 1 }); return reply } },
    'an async handler returns reply and sends from a timer': { fn: async (req, reply) => { setTimeout(() => reply.send({ v: 1 }), 1); return reply } },
    'a sync handler calls reply.send()': { fn: (req, reply) => { reply.send({ v: 1 }) } },
    'an async handler returns the payload': { fn: async () => ({ v: 1 }) }
  }

  for (const [hookName, hooks] of Object.entries(slowHooks)) {
    for (const style of ['callback', 'async']) {
      for (const [name, { fn, todo }] of Object.entries(handlers)) {
        test(`${name}, with a slow ${hookName} hook (${style}): the hook's payload is sent`, { todo }, async (t) => {
          const app = newApp(t)
          app.addHook(hookName, hooks[style])
          app.get('/', fn)

          let timer
          const hang = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error('no response within 200 ms')), 200) })
          const res = await Promise.race([app.inject('/'), hang]).finally(() => clearTimeout(timer))
          assert.equal(res.statusCode, 200)
          assert.equal(res.body, hooks.expected)
        })
      }
    }
  }
})

describe('sending twice', () => {
  test('a second reply.send() logs a warning, keeps the first answer and never crashes', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { stream } })
    app.get('/', (req, reply) => {
      reply.send('first')
      reply.send('second')
    })

    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, 'first')
    const warnings = lines.filter((l) => l.level === 40)
    assert.equal(warnings.length, 1)
    assert.match(warnings[0].msg, /already sent/i)
    assert.equal((await app.inject('/')).body, 'first', 'the app keeps serving')
  })

  test('an async handler that sends and also returns a value warns and keeps the first answer', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { stream } })
    app.get('/', async (req, reply) => {
      reply.send('sent')
      return 'returned'
    })

    const res = await app.inject('/')
    assert.equal(res.body, 'sent')
    assert.equal(lines.filter((l) => l.level === 40 && /already sent/i.test(l.msg)).length, 1)
  })

  test('sending from a timer after the handler already answered warns and never crashes', async (t) => {
    const { lines, stream } = logLines()
    const app = newApp(t, { logger: { stream } })
    let late
    app.get('/', (req, reply) => {
      reply.send('on time')
      late = new Promise((resolve) => setTimeout(() => { reply.send('late'); resolve() }, 5))
    })

    const res = await app.inject('/')
    await late
    assert.equal(res.body, 'on time')
    assert.ok(lines.some((l) => l.level === 40 && /already sent/i.test(l.msg)))
  })
})
