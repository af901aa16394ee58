// The five routes of the inference comparison (Weft vs Fastify vs Hono, in the types notes):
// what each one gives the handler with no annotation beyond the schemas.
import { describe, expect, test } from 'tstyche'
import weft from 'weft'

const app = weft()

describe('1. a path param without a schema', () => {
  test('GET /users/:id gives params.id: string, and only that', () => {
    app.get('/users/:id', async (request) => {
      expect(request.params).type.toBe<{ id: string }>()
      // @ts-expect-error Property 'idd' does not exist
      void request.params.idd
    })
  })
})

describe('2. a params schema: Ajv coerces the string', () => {
  test('GET /orders/:n with { n: integer } gives params.n: number', () => {
    app.get('/orders/:n', { schema: { params: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } }, async (request) => {
      expect(request.params.n).type.toBe<number>()
    })
  })
})

describe('3. a body and a per-status response', () => {
  test('POST /users: body from the schema; 201 and 400 payloads checked', () => {
    app.post('/users', {
      schema: {
        body: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, age: { type: 'integer' } }, additionalProperties: false },
        response: {
          201: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
          400: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } }
        }
      }
    }, async (request, reply) => {
      expect(request.body).type.toBe<{ name: string, age?: number }>()
      if (request.body.name === '') return reply.code(400).send({ message: 'empty name' })
      // @ts-expect-error Type 'string' is not assignable to type 'number'
      reply.code(201).send({ id: 'x' })
      return reply.code(201).send({ id: 1 })
    })
  })
})

describe('4. a querystring with a default', () => {
  test('GET /search: q required string, limit a number (defaulted, so always there)', () => {
    app.get('/search', {
      schema: { querystring: { type: 'object', required: ['q'], properties: { q: { type: 'string' }, limit: { type: 'integer', default: 10 } }, additionalProperties: false } }
    }, async (request) => {
      expect(request.query).type.toBe<{ q: string, limit: number }>()
    })
  })
})

describe('5. a request decorator of one plugin', () => {
  test('typed in that plugin, absent from its sibling', () => {
    app.register(async (admin) => {
      const scoped = admin.decorateRequest('user', { getter: () => ({ name: 'root' }) })
      scoped.get('/me', async (request) => {
        expect(request.user).type.toBe<{ name: string }>()
        return request.user
      })
    })
    app.register(async (open) => {
      open.get('/public', async (request) => {
        // @ts-expect-error Property 'user' does not exist
        void request.user
      })
    })
  })
})
