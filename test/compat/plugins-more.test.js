// More real @fastify/* plugins as their READMEs show them, each case run on Fastify and on Weft:
// websocket, swagger + swagger-ui, static, compress, autoload, multipart and the TypeBox provider.
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import WebSocket from 'ws'
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { both, deferred, inject, within } from './harness.js'

/** Listens on an ephemeral port of 127.0.0.1 and returns the port. */
async function listen (app) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server.address().port
}

/** Opens a WebSocket client and resolves once it is open (rejects on an HTTP answer instead of 101). */
function connect (port, path, opts) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, opts)
  return within(new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (req, res) => { ws.terminate?.(); reject(Object.assign(new Error(`status ${res.statusCode}`), { statusCode: res.statusCode })) })
    ws.once('error', reject)
  }), `websocket ${path}`)
}

/** The next message a client receives, as a string. */
function nextMessage (ws) {
  return within(once(ws, 'message').then(([data]) => data.toString()), 'websocket message')
}

/** Sends raw bytes on a TCP connection and resolves with everything the server sends until it closes. */
function rawExchange (port, text) {
  return within(new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (d) => { data += d; if (/\r\n\r\n/.test(data) && /^HTTP\/1\.1 101/.test(data)) socket.end() })
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
  }), 'raw exchange')
}

describe('@fastify/websocket', () => {
  both('a websocket route echoes messages over a real socket', async (factory) => {
    const app = factory()
    await app.register(websocket)
    app.get('/echo', { websocket: true }, (socket, request) => {
      socket.on('message', (message) => socket.send(`echo ${message} from ${request.url}`))
    })
    const port = await listen(app)
    const ws = await connect(port, '/echo')
    const reply = nextMessage(ws)
    ws.send('one')
    assert.equal(await reply, 'echo one from /echo')
    ws.close()
  })

  both('a plain GET on a websocket route is a 404; a GET route with wsHandler serves both', async (factory) => {
    const app = factory()
    await app.register(websocket)
    app.get('/only-ws', { websocket: true }, (socket) => socket.close())
    app.route({
      method: 'GET',
      url: '/both',
      handler: async () => ({ via: 'http' }),
      wsHandler: (socket) => socket.send('via ws')
    })
    const port = await listen(app)
    const plain = await fetch(`http://127.0.0.1:${port}/only-ws`)
    assert.equal(plain.status, 404)
    await plain.arrayBuffer()
    const http = await fetch(`http://127.0.0.1:${port}/both`)
    assert.deepEqual(await http.json(), { via: 'http' })
    const ws = new WebSocket(`ws://127.0.0.1:${port}/both`)
    assert.equal(await nextMessage(ws), 'via ws')
    ws.close()
  })

  both('hooks run for the upgrade request, and one can refuse it before the upgrade', async (factory) => {
    const app = factory()
    const seen = []
    await app.register(websocket)
    app.addHook('onRequest', async (request, reply) => {
      seen.push(`onRequest ${request.url} ws=${request.ws}`)
      if (request.headers.authorization !== 'yes') return reply.code(401).send({ denied: true })
    })
    app.addHook('preHandler', async (request) => { seen.push(`preHandler ${request.url}`) })
    app.get('/guarded', { websocket: true }, (socket) => socket.send('welcome'))
    const port = await listen(app)
    await assert.rejects(connect(port, '/guarded'), (err) => err.statusCode === 401)
    const ws = new WebSocket(`ws://127.0.0.1:${port}/guarded`, { headers: { authorization: 'yes' } })
    assert.equal(await nextMessage(ws), 'welcome')
    ws.close()
    assert.deepEqual(seen, ['onRequest /guarded ws=true', 'onRequest /guarded ws=true', 'preHandler /guarded'])
  })

  both('an upgrade to a route without a websocket handler is accepted and closed', async (factory) => {
    const app = factory()
    await app.register(websocket)
    app.get('/http-only', async () => 'not a socket')
    const port = await listen(app)
    const ws = await connect(port, '/http-only')
    const [code] = await within(once(ws, 'close'), 'close')
    assert.equal(code, 1005)
  })

  both('an upgrade request without a Host header still reaches the websocket route', async (factory) => {
    const app = factory()
    await app.register(websocket)
    app.get('/hostless', { websocket: true }, (socket) => socket.close())
    const port = await listen(app)
    const answer = await rawExchange(port, 'GET /hostless HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')
    assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/)
    assert.match(answer, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i)
  })

  both('close() closes open websocket clients (preClose) and stops taking upgrades', async (factory) => {
    const app = factory()
    await app.register(websocket)
    const connected = deferred()
    app.get('/stay', { websocket: true }, () => connected.resolve())
    const port = await listen(app)
    const ws = await connect(port, '/stay')
    await connected.promise
    const closed = within(once(ws, 'close'), 'client close')
    await app.close()
    const [code] = await closed
    assert.equal(code, 1005)
    assert.equal(app.server.listenerCount('upgrade'), 0)
  })

  both('a route declared for GET and HEAD: HEAD is a 404 and the websocket still upgrades', async (factory) => {
    const app = factory()
    await app.register(websocket)
    app.route({ method: ['GET', 'HEAD'], url: '/gh', websocket: true, handler: (socket) => socket.send('gh') })
    const port = await listen(app)
    const head = await fetch(`http://127.0.0.1:${port}/gh`, { method: 'HEAD' })
    assert.equal(head.status, 404)
    const ws = new WebSocket(`ws://127.0.0.1:${port}/gh`)
    assert.equal(await nextMessage(ws), 'gh')
    ws.close()
  })

  // (injectWS is left out: with ws 8.23 it sends Sec-WebSocket-Version as a number, and ws answers 400 on both)
  both('websocket routes inside a prefixed plugin see their prefixed routeOptions.url', async (factory) => {
    const app = factory()
    await app.register(websocket)
    await app.register(async (child) => {
      child.get('/chat', { websocket: true }, (socket, request) => {
        socket.on('message', (m) => socket.send(`${request.routeOptions.url}: ${m}`))
      })
    }, { prefix: '/v1' })
    const port = await listen(app)
    const ws = await connect(port, '/v1/chat')
    const reply = nextMessage(ws)
    ws.send('hi')
    assert.equal(await reply, '/v1/chat: hi')
    ws.close()
  })

  both('the websocket server emits connection and its clients are counted', async (factory) => {
    const app = factory()
    await app.register(websocket, { options: { maxPayload: 64 } })
    const opened = deferred()
    app.get('/n', { websocket: true }, () => opened.resolve())
    const port = await listen(app)
    const connections = []
    app.websocketServer.on('connection', (socket, req) => connections.push(req.url))
    const ws = await connect(port, '/n')
    await opened.promise
    assert.deepEqual(connections, ['/n'])
    assert.equal(app.websocketServer.clients.size, 1)
    ws.send('x'.repeat(100))
    const [code] = await within(once(ws, 'close'), 'close after a too large message')
    assert.equal(code, 1009)
  })
})

/** One app with shared schemas ($ref by id and by JSON pointer), params, querystring (and its `query`
 *  alias), body (one and split by content type), responses, a prefixed plugin with its own schemas,
 *  a hidden route: everything @fastify/swagger reads from route schemas. */
async function documentedApp (make, swaggerOptions) {
  const app = make()
  await app.register(swagger, swaggerOptions)
  app.addSchema({ $id: 'User', type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['name'] })
  app.addSchema({
    $id: 'http://example.com/common.json',
    type: 'object',
    definitions: { page: { type: 'integer', minimum: 1, description: 'page number' } }
  })
  app.get('/users/:id', {
    schema: {
      description: 'one user',
      tags: ['users'],
      params: { type: 'object', properties: { id: { type: 'integer', description: 'user id' } }, required: ['id'] },
      headers: { type: 'object', properties: { 'X-Trace': { type: 'string' } } },
      response: { 200: { $ref: 'User#' }, '4xx': { type: 'object', properties: { message: { type: 'string' } } } }
    }
  }, async (request) => ({ id: request.params.id, name: 'n' }))
  app.get('/users', {
    schema: {
      query: { type: 'object', properties: { page: { $ref: 'http://example.com/common.json#/definitions/page' }, q: { type: 'string' } } },
      response: { 200: { type: 'array', items: { $ref: 'User#' } } }
    }
  }, async () => [])
  app.post('/users', {
    schema: {
      summary: 'create',
      body: { $ref: 'User#' },
      response: { 201: { description: 'created', $ref: 'User#' } }
    }
  }, async (request, reply) => reply.code(201).send(request.body))
  app.put('/notes/:id', {
    schema: {
      params: { id: { type: 'string' } },
      body: {
        content: {
          'application/json': { schema: { type: 'object', properties: { text: { type: 'string' } } } },
          'text/plain': { schema: { type: 'string' } }
        }
      }
    }
  }, async () => 'ok')
  app.get('/internal', { schema: { hide: true } }, async () => 'hidden')
  await app.register(async (child) => {
    child.addSchema({ $id: 'Item', type: 'object', properties: { sku: { type: 'string' } } })
    child.get('/items/:sku', {
      schema: { params: { type: 'object', properties: { sku: { type: 'string' } } }, response: { 200: { $ref: 'Item#' } } }
    }, async (request) => ({ sku: request.params.sku }))
    child.delete('/items/:sku', async () => null)
  }, { prefix: '/v2' })
  await app.ready()
  return app
}

const openapiOptions = { openapi: { info: { title: 'compat', version: '1.2.3' }, servers: [{ url: 'http://localhost' }] } }

describe('@fastify/swagger and @fastify/swagger-ui', () => {
  both('the OpenAPI document of the same app is the one Fastify generates', async (factory) => {
    const doc = (await documentedApp(factory, openapiOptions)).swagger()
    const reference = await documentedApp(() => Fastify(), openapiOptions)
    try {
      assert.deepEqual(doc, reference.swagger())
    } finally {
      await reference.close()
    }
    // what the app declares, read back
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/notes/{id}', '/users', '/users/{id}', '/v2/items/{sku}'])
    assert.deepEqual(Object.keys(doc.paths['/v2/items/{sku}']).sort(), ['delete', 'get'])
    assert.deepEqual(doc.paths['/users'].get.parameters.map((p) => `${p.in}:${p.name}`), ['query:page', 'query:q'])
    assert.deepEqual(Object.keys(doc.paths['/notes/{id}'].put.requestBody.content).sort(), ['application/json', 'text/plain'])
    assert.ok(doc.components.schemas.User)
  })

  both('the Swagger 2.0 document of the same app is the one Fastify generates', async (factory) => {
    const options = { swagger: { info: { title: 'compat', version: '1' }, consumes: ['application/json'] } }
    const doc = (await documentedApp(factory, options)).swagger()
    const reference = await documentedApp(() => Fastify(), options)
    try {
      assert.deepEqual(doc, reference.swagger())
    } finally {
      await reference.close()
    }
    assert.equal(doc.swagger, '2.0')
    assert.ok(doc.definitions.User)
  })

  both('swagger-ui serves the document as JSON and YAML and its page over a real socket', async (factory) => {
    const app = factory()
    await app.register(swagger, openapiOptions)
    await app.register(swaggerUi, { routePrefix: '/docs' })
    app.get('/ping', { schema: { response: { 200: { type: 'string' } } } }, async () => 'pong')
    const port = await listen(app)
    const json = await fetch(`http://127.0.0.1:${port}/docs/json`)
    assert.equal(json.status, 200)
    const doc = await json.json()
    assert.deepEqual(doc, app.swagger())
    assert.deepEqual(Object.keys(doc.paths), ['/ping'])
    const yaml = await fetch(`http://127.0.0.1:${port}/docs/yaml`)
    assert.equal(yaml.status, 200)
    assert.match(yaml.headers.get('content-type'), /yaml/)
    assert.equal(await yaml.text(), app.swagger({ yaml: true }))
    const page = await fetch(`http://127.0.0.1:${port}/docs`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /swagger-ui/i)
    const asset = await fetch(`http://127.0.0.1:${port}/docs/static/swagger-ui.css`)
    assert.equal(asset.status, 200)
    assert.match(asset.headers.get('content-type'), /text\/css/)
    assert.ok((await asset.text()).length > 1000)
  })
})
