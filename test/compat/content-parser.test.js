// Issue 17 "content-type parsers and request bodies" side by side: which parser a content-type
// selects (parameters, RegExps, '*', no content-type), the registry's checks and their order, the
// FSTSEC001 warning, body limits (route, parser, not-found) over real sockets, querystringParser.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId } from 'node:async_hooks'
import { both, request, turns } from './harness.js'

/**
 * Sends `method path` with `headers` and `body` (a string, or null for none) over a real socket
 * to a listening app, resolving { status, body } (the body parsed as JSON when it is JSON).
 */
async function send (app, { method = 'POST', path = '/', headers = {}, body = null }) {
  const { status, text } = await request(app, method, path, { headers, body: body ?? undefined })
  let parsed = text
  try { parsed = JSON.parse(text) } catch {}
  return { status, body: parsed }
}

/** A parser answering which one ran and what it read (the body as a string). */
function tagged (name) {
  return (request, body, done) => done(null, { parser: name, body })
}

/** An app whose POST / answers the parsed body, with `setup(app)` run first; listening on 127.0.0.1. */
async function echo (factory, setup, opts) {
  const app = factory(opts)
  setup(app)
  app.post('/', async (request) => request.body ?? null)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

/** The `code` and `message` of what `fn` throws, or null. */
function thrown (fn) {
  try { fn() } catch (err) { return { code: err.code, message: err.message } }
  return null
}

describe('which parser a content-type selects (Fastify 5.12)', () => {
  both('a RegExp is tested against the type with its parameters in normal form (quoted values)', async (factory) => {
    const app = await echo(factory, (app) => {
      app.removeAllContentTypeParsers()
      app.addContentTypeParser(/^application\/json; charset="utf8"$/, { parseAs: 'string' }, tagged('quoted'))
    })
    const res = await send(app, { headers: { 'content-type': 'application/json;charset=utf8' }, body: 'x' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { parser: 'quoted', body: 'x' })
  })

  both('a RegExp of the bare media type does not match a content-type with parameters', async (factory) => {
    const app = await echo(factory, (app) => {
      app.removeAllContentTypeParsers()
      app.addContentTypeParser(/^text\/csv$/, { parseAs: 'string' }, tagged('csv'))
    })
    assert.deepEqual((await send(app, { headers: { 'content-type': 'text/csv' }, body: 'a,b' })).body, { parser: 'csv', body: 'a,b' })
    const res = await send(app, { headers: { 'content-type': 'text/csv; header=present' }, body: 'a,b' })
    assert.equal(res.status, 415)
    assert.equal(res.body.code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  })

  both('parameters must come in the registered order, values in the registered case', async (factory) => {
    const app = await echo(factory, (app) => {
      app.removeAllContentTypeParsers()
      app.addContentTypeParser('text/x; a=1; charset=utf-8', { parseAs: 'string' }, tagged('exact'))
    })
    const exact = await send(app, { headers: { 'content-type': 'TEXT/X; A="1";charset=utf-8' }, body: 'y' })
    assert.deepEqual(exact.body, { parser: 'exact', body: 'y' })
    for (const type of ['text/x; charset=utf-8; a=1', 'text/x; a=1; charset=UTF-8', 'text/x; a=1']) {
      const res = await send(app, { headers: { 'content-type': type }, body: 'y' })
      assert.equal(res.status, 415, type)
    }
  })

  both('a body without content-type goes to the first RegExp matching "/", before "*"', async (factory) => {
    const app = await echo(factory, (app) => {
      app.addContentTypeParser('*', { parseAs: 'string' }, tagged('star'))
      app.addContentTypeParser(/^\/$/, { parseAs: 'string' }, tagged('none'))
    })
    const res = await send(app, { headers: { 'content-length': '3' }, body: 'abc' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { parser: 'none', body: 'abc' })
    const typed = await send(app, { headers: { 'content-type': 'image/png' }, body: 'abc' })
    assert.deepEqual(typed.body, { parser: 'star', body: 'abc' })
  })
})

describe('the registry: add, has, remove (Fastify 5.12)', () => {
  both("'*' is never present: has() says false, a second '*' replaces the first, remove('*') keeps it", async (factory) => {
    const app = await echo(factory, (app) => {
      app.addContentTypeParser('*', { parseAs: 'string' }, tagged('first'))
      assert.equal(app.hasContentTypeParser('*'), false)
      app.addContentTypeParser('*', { parseAs: 'string' }, tagged('second'))
      app.removeContentTypeParser('*')
    })
    const res = await send(app, { headers: { 'content-type': 'image/png' }, body: 'z' })
    assert.deepEqual(res.body, { parser: 'second', body: 'z' })
  })

  both('the instance carries the default parsers for reuse: defaultTextParser and getDefaultJsonParser()', async (factory) => {
    const app = await echo(factory, (app) => {
      assert.equal(typeof app.defaultTextParser, 'function')
      app.addContentTypeParser('text/csv', { parseAs: 'string' }, app.defaultTextParser)
      app.addContentTypeParser('application/vnd.x+json', { parseAs: 'string' }, app.getDefaultJsonParser('remove', 'remove'))
    })
    assert.deepEqual(await send(app, { headers: { 'content-type': 'text/csv' }, body: 'a,b' }), { status: 200, body: 'a,b' })
    const json = await send(app, { headers: { 'content-type': 'application/vnd.x+json' }, body: '{"a":1,"__proto__":{"b":2}}' })
    assert.deepEqual(json, { status: 200, body: { a: 1 } })
  })

  both('has() knows RegExps by source and flags and types by their normal form; has() and remove() of anything else throw', async (factory) => {
    const app = factory()
    app.addContentTypeParser(/^image\/.*/, tagged('images'))
    app.addContentTypeParser('image/gif', tagged('gif'))
    assert.deepEqual([/^image\/.*/, /^image\/.*/i, 'IMAGE/GIF ', 'image/png', '  text/plain  ', 'application/jsoff'].map((t) => app.hasContentTypeParser(t)),
      [true, false, true, false, true, false])
    const invalid = { code: 'FST_ERR_CTP_INVALID_TYPE', message: 'The content type should be a string or a RegExp' }
    assert.deepEqual(thrown(() => app.hasContentTypeParser(123)), invalid)
    assert.deepEqual(thrown(() => app.removeContentTypeParser(12)), invalid)
  })

  both('a parser already present is named lowercased and trimmed', async (factory) => {
    const app = factory()
    app.addContentTypeParser('text/html', tagged('html'))
    assert.deepEqual(thrown(() => app.addContentTypeParser('  TEXT/Html ', tagged('again'))),
      { code: 'FST_ERR_CTP_ALREADY_PRESENT', message: "Content type parser 'text/html' already present." })
    assert.deepEqual(thrown(() => app.addContentTypeParser(['image/gif', 'text/HTML'], tagged('list'))),
      { code: 'FST_ERR_CTP_ALREADY_PRESENT', message: "Content type parser 'text/html' already present." })
    // the types before the failing one in a list were added
    assert.equal(app.hasContentTypeParser('image/gif'), true)
  })

  both('the checks come in order: type, handler, already present, parseAs, media type', async (factory) => {
    const app = factory()
    app.addContentTypeParser('text/html', tagged('html'))
    assert.equal(thrown(() => app.addContentTypeParser({}, {}, 'not a function')).code, 'FST_ERR_CTP_INVALID_TYPE')
    assert.equal(thrown(() => app.addContentTypeParser(' ', {}, 'not a function')).code, 'FST_ERR_CTP_EMPTY_TYPE')
    assert.equal(thrown(() => app.addContentTypeParser('text/html', { parseAs: 'json' }, 'not a function')).code, 'FST_ERR_CTP_INVALID_HANDLER')
    assert.equal(thrown(() => app.addContentTypeParser('text/html', { parseAs: 'json' }, tagged('x'))).code, 'FST_ERR_CTP_ALREADY_PRESENT')
    assert.equal(thrown(() => app.addContentTypeParser('type-only', { parseAs: 'json' }, tagged('x'))).code, 'FST_ERR_CTP_INVALID_PARSE_TYPE')
    assert.equal(thrown(() => app.addContentTypeParser('type-only', tagged('x'))).code, 'FST_ERR_CTP_INVALID_TYPE')
  })

  both('a RegExp neither anchored with ^ nor allowing ;? warns FSTSEC001, once per parser added', async (factory) => {
    const seen = []
    const onWarning = (w) => { if (w.code === 'FSTSEC001') seen.push([w.name, w.message]) }
    process.on('warning', onWarning)
    try {
      const app = factory()
      app.addContentTypeParser(/text\/plain/, tagged('loose'))
      app.addContentTypeParser(/^image\/png/, tagged('anchored'))
      app.addContentTypeParser(/application\/x;?/, tagged('essence'))
      app.addContentTypeParser(/text\/csv/, tagged('loose again'))
      await turns(3)
    } finally {
      process.removeListener('warning', onWarning)
    }
    assert.deepEqual(seen.map(([name]) => name), ['FastifySecurity', 'FastifySecurity'])
    assert.match(seen[0][1], /^You are using \/text\\\/plain\/ Content-Type /)
    assert.match(seen[1][1], /^You are using \/text\\\/csv\/ Content-Type /)
  })
})

describe("a parser's async resource (Fastify 5.12: content-type-parser:run)", () => {
  /** Records the ids of the resources of type content-type-parser:run made and destroyed while `fn` runs. */
  async function parserResources (fn) {
    const made = new Set()
    const destroyed = new Set()
    const hook = createHook({
      init (id, type) { if (type === 'content-type-parser:run') made.add(id) },
      destroy (id) { if (made.has(id)) destroyed.add(id) }
    }).enable()
    try {
      await fn(made)
      await turns(2)
    } finally {
      hook.disable()
    }
    return { made, destroyed }
  }

  both("a parser answering from another async context: the handler and the error handler run in one, with the request's AsyncLocalStorage", async (factory) => {
    const storage = new AsyncLocalStorage()
    const elsewhere = new AsyncResource('elsewhere')
    const { made, destroyed } = await parserResources(async (made) => {
      const app = factory()
      app.addHook('onRequest', (request, reply, done) => { storage.run(request.headers['x-id'], done) })
      app.addContentTypeParser('text/custom', { parseAs: 'string' }, (request, body, done) => {
        elsewhere.runInAsyncScope(() => setImmediate(() => body === 'fail' ? done(new Error('no')) : done(null, body)))
      })
      const where = () => ({ id: storage.getStore(), inParserResource: made.has(executionAsyncId()) })
      app.setErrorHandler((error, request, reply) => { reply.code(400).send({ error: error.message, ...where() }) })
      app.post('/', (request) => ({ body: request.body, ...where() }))
      await app.listen({ port: 0, host: '127.0.0.1' })
      const answers = await Promise.all(['a', 'fail'].map((id) => send(app, { headers: { 'content-type': 'text/custom', 'x-id': id }, body: id })))
      assert.deepEqual(answers, [
        { status: 200, body: { body: 'a', id: 'a', inParserResource: true } },
        { status: 400, body: { error: 'no', id: 'fail', inParserResource: true } }
      ])
    })
    elsewhere.emitDestroy()
    assert.equal(made.size, 2)
    assert.deepEqual(destroyed, made)
  })

  both('a stream parser, an async parser and the default JSON parser each have one too; a request without a body none', async (factory) => {
    const { made, destroyed } = await parserResources(async (made) => {
      const app = factory()
      app.addContentTypeParser('text/stream', (request, payload, done) => {
        let text = ''
        payload.on('data', (chunk) => { text += chunk })
        payload.on('end', () => done(null, text))
      })
      app.addContentTypeParser('text/async', { parseAs: 'string' }, async (request, body) => body)
      app.post('/', (request) => ({ body: request.body, inParserResource: made.has(executionAsyncId()) }))
      await app.listen({ port: 0, host: '127.0.0.1' })
      for (const [type, body, parsed] of [['text/stream', 's', 's'], ['text/async', 'a', 'a'], ['application/json', '"j"', 'j']]) {
        assert.deepEqual(await send(app, { headers: { 'content-type': type }, body }), { status: 200, body: { body: parsed, inParserResource: true } })
      }
      assert.deepEqual(await send(app, {}), { status: 200, body: { inParserResource: false } })
    })
    assert.equal(made.size, 3)
    assert.deepEqual(destroyed, made)
  })
})

describe('body limits (Fastify 5.12)', () => {
  const body = 'x'.repeat(100)

  both("a route's bodyLimit wins over a parser's, both ways", async (factory) => {
    const app = factory()
    app.addContentTypeParser('text/small', { parseAs: 'string', bodyLimit: 10 }, tagged('small'))
    app.addContentTypeParser('text/large', { parseAs: 'string', bodyLimit: 1000 }, tagged('large'))
    app.post('/roomy', { bodyLimit: 1000 }, async (request) => request.body)
    app.post('/tight', { bodyLimit: 10 }, async (request) => request.body)
    app.post('/', async (request) => request.body)
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.equal((await send(app, { path: '/roomy', headers: { 'content-type': 'text/small' }, body })).status, 200)
    const tight = await send(app, { path: '/tight', headers: { 'content-type': 'text/large' }, body })
    assert.equal(tight.status, 413)
    assert.equal(tight.body.code, 'FST_ERR_CTP_BODY_TOO_LARGE')
    // without a route limit, the parser's applies
    assert.equal((await send(app, { headers: { 'content-type': 'text/small' }, body })).status, 413)
    assert.equal((await send(app, { headers: { 'content-type': 'text/large' }, body })).status, 200)
  })

  both("the app's bodyLimit wins over a parser's for a request no route takes", async (factory) => {
    const app = factory({ bodyLimit: 10 })
    app.addContentTypeParser('text/large', { parseAs: 'string', bodyLimit: 1000 }, tagged('large'))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const res = await send(app, { path: '/nowhere', headers: { 'content-type': 'text/large' }, body })
    assert.equal(res.status, 413)
  })
})

describe('the route bodyLimit option (Fastify 5.12)', () => {
  both('an invalid route bodyLimit is refused before the url and methods are looked at', async (factory) => {
    const app = factory()
    assert.deepEqual(thrown(() => app.route({ method: 'PUT', bodyLimit: false, handler: () => null })),
      { code: 'FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT', message: "'bodyLimit' option must be an integer > 0. Got 'false'" })
    assert.equal(thrown(() => app.route({ method: 'NOPE', url: '/', bodyLimit: 1.5, handler: () => null })).code, 'FST_ERR_ROUTE_BODY_LIMIT_OPTION_NOT_INT')
    assert.equal(thrown(() => app.post('/', { bodyLimit: 10000.1 }, () => null)).message, "'bodyLimit' option must be an integer > 0. Got '10000.1'")
  })
})

describe('querystringParser (Fastify 5.12)', () => {
  both('a custom querystringParser is called for a URL without a query too', async (factory) => {
    const calls = []
    const app = factory({ querystringParser: (s) => { calls.push(s); return { got: s } } })
    app.get('/', async (request) => request.query)
    await app.listen({ port: 0, host: '127.0.0.1' })
    assert.deepEqual((await send(app, { method: 'GET', path: '/' })).body, { got: '' })
    assert.deepEqual((await send(app, { method: 'GET', path: '/?a=1' })).body, { got: 'a=1' })
    assert.deepEqual(calls, ['', 'a=1'])
  })
})

describe('request-body schemas by content type (Fastify 5.12)', () => {
  /** POST / validating its body against the schema of its media type; a PNG parser for a type with no schema. */
  async function byType (factory) {
    const app = factory()
    app.addContentTypeParser('image/png', { parseAs: 'string' }, tagged('png'))
    app.post('/', {
      schema: {
        body: {
          content: {
            'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } },
            'text/plain': { schema: { type: 'string', maxLength: 3 } }
          }
        }
      }
    }, async (request) => ({ body: request.body }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return app
  }

  both('a body is validated (and coerced) against the schema of its media type, parameters and case aside', async (factory) => {
    const app = await byType(factory)
    const ok = await send(app, { headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: '{"n":"7"}' })
    assert.deepEqual(ok, { status: 200, body: { body: { n: 7 } } })
    const missing = await send(app, { headers: { 'content-type': 'application/json' }, body: '{"m":1}' })
    assert.equal(missing.status, 400)
    assert.equal(missing.body.message, "body must have required property 'n'")
    const long = await send(app, { headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'abcd' })
    assert.equal(long.status, 400)
    assert.equal(long.body.message, 'body must NOT have more than 3 characters')
    assert.deepEqual(await send(app, { headers: { 'content-type': 'text/plain' }, body: 'abc' }), { status: 200, body: { body: 'abc' } })
  })

  both('a media type without a schema is not validated', async (factory) => {
    const app = await byType(factory)
    const res = await send(app, { headers: { 'content-type': 'image/png' }, body: 'anything' })
    assert.deepEqual(res, { status: 200, body: { body: { parser: 'png', body: 'anything' } } })
  })

  both('a content entry without a schema fails ready() with FST_ERR_SCH_CONTENT_MISSING_SCHEMA', async (factory) => {
    for (const schema of [
      { body: { content: { 'text/plain': {} } } },
      { body: { content: { 'application/json': { schema: null } } } },
      { response: { 200: { content: { 'application/json': {} } } } }
    ]) {
      const app = factory()
      app.post('/', { schema }, async () => 'x')
      await assert.rejects(app.ready(), (err) => {
        assert.equal(err.code, 'FST_ERR_SCH_CONTENT_MISSING_SCHEMA')
        assert.match(err.message, /^Schema is missing for the content type '(text\/plain|application\/json)'$/)
        return true
      }, JSON.stringify(schema))
    }
  })
})
