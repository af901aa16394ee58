// Route schemas, explicit generics and URL patterns type request.body/params/query/headers and
// the reply payload per status code; typos and wrong shapes do not compile.
import type { IncomingHttpHeaders } from 'node:http'
import { Type } from '@sinclair/typebox'
import { describe, expect, test } from 'tstyche'
import weft from 'weft'

const app = weft()

describe('a JSON schema types the request parts', () => {
  // an open object schema (no `additionalProperties: false`) lets other fields through: they are `unknown`
  test('body, params, querystring and headers, as Ajv leaves them (coerced, defaulted)', () => {
    app.post('/items/:id', {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        querystring: { type: 'object', properties: { verbose: { type: 'boolean' }, page: { type: 'number', default: 1 } } },
        headers: { type: 'object', properties: { 'X-Count': { type: 'integer' } }, required: ['X-Count'] },
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
          additionalProperties: false
        }
      }
    }, async (request) => {
      expect(request.params).type.toBe<{ id: number }>()
      expect(request.query).type.toBe<{ [x: string]: unknown, verbose?: boolean, page: number }>()
      expect(request.headers['x-count']).type.toBe<number>()
      expect(request.headers.host).type.toBe<string | undefined>()
      expect(request.body).type.toBe<{ name: string, tags?: string[] }>()
      // @ts-expect-error Property 'nmae' does not exist
      void request.body.nmae
      // @ts-expect-error Property 'boddy' does not exist
      void request.boddy
    })
  })

  test('`query` is an alias of `querystring`', () => {
    app.get('/search', { schema: { query: { type: 'object', properties: { q: { type: 'string' } } } } }, async (request) => {
      expect(request.query).type.toBe<{ [x: string]: unknown, q?: string }>()
    })
  })

  test('without schemas: body unknown, query strings, Node headers', () => {
    app.get('/plain', async (request) => {
      expect(request.body).type.toBe<unknown>()
      expect(request.query).type.toBe<Record<string, string | string[] | undefined>>()
      expect(request.headers).type.toBe<IncomingHttpHeaders>()
    })
  })
})

describe('params come from the URL pattern when no params schema is given', () => {
  test('named, optional, several per segment, regex and wildcard params', () => {
    app.get('/users/:id', async (request) => { expect(request.params).type.toBe<{ id: string }>() })
    app.get('/users/:id/posts/:postId?', async (request) => { expect(request.params).type.toBe<{ id: string, postId?: string }>() })
    app.get('/flights/:from-:to', async (request) => { expect(request.params).type.toBe<{ from: string, to: string }>() })
    app.get('/n/:n(^\\d+$)', async (request) => { expect(request.params).type.toBe<{ n: string }>() })
    app.get('/files/*', async (request) => { expect(request.params).type.toBe<{ '*': string }>() })
    app.get('/users/:id', async (request) => {
      // @ts-expect-error Property 'userId' does not exist
      void request.params.userId
    })
  })

  test("a plugin's prefix adds its params to the plugin's routes", () => {
    app.register(async (child) => {
      child.get('/books/:bookId', async (request) => {
        expect(request.params).type.toBe<{ userId: string } & { bookId: string }>()
      })
    }, { prefix: '/users/:userId' })
  })
})

describe('the response schema types the reply per status code', () => {
  const schema = {
    response: {
      200: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      '4xx': { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      default: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] }
    }
  } as const

  test('code() picks the exact status, then its class, then default', () => {
    app.get('/r', { schema }, async (request, reply) => {
      expect(reply.code(200).send).type.toBeCallableWith({ id: 1 })
      expect(reply.code(404).send).type.toBeCallableWith({ message: 'gone' })
      expect(reply.code(500).send).type.toBeCallableWith({ error: 'boom' })
      // @ts-expect-error Argument of type '{ message: string; }' is not assignable
      reply.code(200).send({ message: 'no' })
      // @ts-expect-error Argument of type '{ id: number; }' is not assignable
      reply.code(404).send({ id: 1 })
      // @ts-expect-error Property 'sendd' does not exist
      reply.sendd()
      return reply
    })
  })

  test('a returned payload must fit some declared status', () => {
    app.get('/ok', { schema }, async () => ({ id: 1 }))
    // @ts-expect-error Type 'Promise<{ id: string; }>' is not assignable
    app.get('/bad', { schema }, async () => ({ id: 'one' }))
  })

  test("Fastify's `content` form is read too", () => {
    app.get('/c', {
      schema: { response: { 201: { content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } } } } } }
    }, async (request, reply) => {
      expect(reply.code(201).send).type.toBeCallableWith({ ok: true })
      expect(reply.code(201).send).type.not.toBeCallableWith({ ok: 'yes' })
    })
  })
})

describe('TypeBox schemas work the same way', () => {
  test('Static<T> of each part', () => {
    app.put('/tb/:id', {
      schema: {
        params: Type.Object({ id: Type.Integer() }),
        body: Type.Object({ title: Type.String(), done: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ ok: Type.Boolean() }) }
      }
    }, async (request, reply) => {
      expect(request.params).type.toBe<{ id: number }>()
      expect(request.body).type.toBe<{ title: string, done?: boolean }>()
      expect(reply.code(200).send).type.not.toBeCallableWith({ ok: 1 })
      return { ok: true }
    })
  })
})

describe("Fastify's explicit generics still work", () => {
  test('RouteGeneric wins over the schema', () => {
    app.post<{ Body: { n: number }, Querystring: { q: string }, Params: { id: string }, Reply: { 200: { ok: boolean } } }>('/g/:id', async (request, reply) => {
      expect(request.body).type.toBe<{ n: number }>()
      expect(request.query).type.toBe<{ q: string }>()
      expect(reply.code(200).send).type.not.toBeCallableWith({ ok: 'x' })
      return { ok: true }
    })
  })

  test('route() infers as the shorthands do', () => {
    app.route({
      method: 'POST',
      url: '/route/:id',
      schema: { body: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] } },
      handler: async (request) => {
        expect(request.body).type.toBe<{ [x: string]: unknown, a: number }>()
        expect(request.params).type.toBe<{ id: string }>()
      }
    })
  })
})
