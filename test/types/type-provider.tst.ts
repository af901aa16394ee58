// withTypeProvider<P>() and plugins typed with a provider read route schemas through P, as
// Fastify does; without one, Weft infers from the schema itself, and a reply type inferred from
// an open object schema has no index signature (a handler may return an interface).
import { type FastifyPluginAsyncTypebox, type TypeBoxTypeProvider, Type } from '@fastify/type-provider-typebox'
import { describe, expect, test } from 'tstyche'
import type { IncomingMessage } from 'node:http'
import weft, {
  type FastifyRequest, type FastifyTypeProvider, type FastifyTypeProviderDefault, type RawServerDefault, type RouteGenericInterface, type WeftInstance
} from 'weft'

const Book = Type.Object({ id: Type.Integer(), title: Type.String(), tags: Type.Optional(Type.Array(Type.String())) })
/** What a handler returns: an interface, so without an index signature. */
interface BookRow { id: number, title: string, tags?: string[] }

/** A provider of our own: a schema's first example is its type. */
interface ExampleProvider extends FastifyTypeProvider {
  validator: this['schema'] extends { examples: readonly [infer E, ...unknown[]] } ? E : unknown
  serializer: this['schema'] extends { examples: readonly [infer E, ...unknown[]] } ? E : unknown
}

describe('withTypeProvider<P>() types the routes with P', () => {
  test('TypeBox: request parts are Static<schema>, without an index signature', () => {
    const app = weft().withTypeProvider<TypeBoxTypeProvider>()
    app.post('/books/:id', {
      schema: {
        params: Type.Object({ id: Type.Integer() }),
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
        headers: Type.Object({ 'X-Shelf': Type.String() }),
        body: Book
      }
    }, async (request) => {
      expect(request.params).type.toBe<{ id: number }>()
      expect(request.query).type.toBe<{ dryRun?: boolean }>()
      expect(request.body).type.toBe<{ id: number, title: string, tags?: string[] }>()
      expect(request.headers['x-shelf']).type.toBe<string>()
      // @ts-expect-error Property 'titel' does not exist
      void request.body.titel
    })
  })

  test('TypeBox: a handler may return an interface the reply schema describes, and nothing else', () => {
    const app = weft().withTypeProvider<TypeBoxTypeProvider>()
    const row: BookRow = { id: 1, title: 'Dune' }
    app.get('/books/1', { schema: { response: { 200: Book } } }, async () => row)
    app.get('/books/2', { schema: { response: { 200: Book, 404: Type.Object({ message: Type.String() }) } } }, async (_request, reply) => {
      expect(reply.code(404).send).type.toBeCallableWith({ message: 'gone' })
      expect(reply.code(404).send).type.not.toBeCallableWith(row)
      return row
    })
    expect(app.get).type.not.toBeCallableWith('/books/3', { schema: { response: { 200: Book } } }, async () => ({ id: 'one', title: 'Dune' }))
  })

  test('a provider of our own: its validator and serializer give the types', () => {
    const app = weft().withTypeProvider<ExampleProvider>()
    app.post('/ex', {
      schema: { body: { type: 'object', examples: [{ name: 'ada' }] }, response: { 200: { type: 'object', examples: [{ ok: true }] } } }
    }, async (request, reply) => {
      expect(request.body).type.toBe<{ readonly name: 'ada' }>()
      expect(reply.send).type.toBeCallableWith({ ok: true } as const)
      return { ok: true } as const
    })
  })

  test('where the provider gives unknown, Weft infers from the schema itself', () => {
    const app = weft().withTypeProvider<ExampleProvider>()
    app.post('/plain', { schema: { body: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false } } }, async (request) => {
      expect(request.body).type.toBe<{ n: number }>()
    })
  })

  test('the last withTypeProvider() wins; the instance keeps its decorators and children inherit the provider', () => {
    // (Weft's own inference would give TypeBox 1 objects an index signature: its absence shows TypeBox read them)
    const app = weft().decorate('shelfName', 'main').withTypeProvider<ExampleProvider>().withTypeProvider<TypeBoxTypeProvider>()
    expect(app.shelfName).type.toBe<string>()
    app.post('/b', { schema: { body: Book } }, async (request) => {
      expect(request.body).type.toBe<{ id: number, title: string, tags?: string[] }>()
    })
    app.register(async (child) => {
      child.post('/c', { schema: { body: Book } }, async (request) => {
        expect(request.body).type.toBe<{ id: number, title: string, tags?: string[] }>()
      })
    })
    const other = weft().withTypeProvider<TypeBoxTypeProvider>().withTypeProvider<ExampleProvider>()
    other.post('/d', { schema: { body: { type: 'object', examples: [{ name: 'ada' }] } } }, async (request) => {
      expect(request.body).type.toBe<{ readonly name: 'ada' }>()
    })
  })

  test('the scope\'s request decorators and prefix params survive withTypeProvider()', () => {
    weft().register(async (scope) => {
      const typed = scope.decorateRequest('reader', 'anonymous').withTypeProvider<TypeBoxTypeProvider>()
      typed.get('/shelves/:shelf', { schema: { querystring: Type.Object({ n: Type.Integer() }) } }, async (request) => {
        expect(request.reader).type.toBe<string>()
        expect(request.query).type.toBe<{ n: number }>()
        expect(request.params).type.toBe<{ shelf: string }>()
      })
    })
  })

  test('withTypeProvider() is types only: the same instance', () => {
    const app = weft()
    expect(app.withTypeProvider<TypeBoxTypeProvider>()).type.toBeAssignableTo<WeftInstance>()
    expect<FastifyTypeProviderDefault>().type.toBeAssignableTo<FastifyTypeProvider>()
  })
})

describe('a plugin typed with a provider (FastifyPluginAsyncTypebox) reads its schemas through it', () => {
  test('its routes are typed by TypeBox, and it registers on an app without a provider', () => {
    const books: FastifyPluginAsyncTypebox<{ shelf: string }> = async (fastify, opts) => {
      expect(opts.shelf).type.toBe<string>()
      fastify.get('/:id', { schema: { params: Type.Object({ id: Type.Integer() }), response: { 200: Book } } }, async (request) => {
        expect(request.params.id).type.toBe<number>()
        const row: BookRow = { id: request.params.id, title: 'x' }
        return row
      })
      fastify.post('/', { schema: { body: Book } }, async (request) => {
        expect(request.body).type.toBe<{ id: number, title: string, tags?: string[] }>()
      })
    }
    const app = weft()
    app.register(books, { shelf: 'main', prefix: '/books' })
    expect(app.register).type.not.toBeCallableWith(books, { shelf: 1 })
  })
})

describe('without a provider', () => {
  test('a reply schema\'s open objects take interfaces (nested too); the request keeps the index signature Ajv lets through', () => {
    const app = weft()
    const page: { books: BookRow[], total: number } = { books: [], total: 0 }
    app.post('/page', {
      schema: {
        body: Book,
        response: { 200: Type.Object({ books: Type.Array(Book), total: Type.Integer() }) }
      }
    }, async (request) => {
      expect(request.body).type.toBe<{ [x: string]: unknown, id: number, title: string, tags?: string[] }>()
      return page
    })
    // a typed additionalProperties stays checked
    expect(app.get).type.not.toBeCallableWith('/counts', {
      schema: { response: { 200: { type: 'object', additionalProperties: { type: 'integer' } } } }
    }, async () => ({ a: 'one' }))
  })
})

describe('FastifyRequest<G, RawServer, RawRequest, typeof schema, Provider>, as Fastify types a handler declared apart', () => {
  test('the schema read by the provider types the parts the generic leaves out', () => {
    const schema = { params: Type.Object({ id: Type.Integer() }), body: Book }
    type Req = FastifyRequest<{ Querystring: { q: string } }, RawServerDefault, IncomingMessage, typeof schema, TypeBoxTypeProvider>
    expect<Req['params']>().type.toBe<{ id: number }>()
    expect<Req['body']>().type.toBe<{ id: number, title: string, tags?: string[] }>()
    expect<Req['query']>().type.toBe<{ q: string }>()
    // a handler typed so is accepted by a route with that schema
    const withQuery = { ...schema, querystring: Type.Object({ q: Type.String() }) }
    const handler = async (request: FastifyRequest<RouteGenericInterface, RawServerDefault, IncomingMessage, typeof withQuery, TypeBoxTypeProvider>) =>
      `${request.body.title}${request.query.q}`
    const app = weft().withTypeProvider<TypeBoxTypeProvider>()
    app.post('/books/:id', { schema: withQuery }, handler)
  })

  test('without a schema type, the generic alone, as before', () => {
    expect<FastifyRequest<{ Body: { n: number } }>['body']>().type.toBe<{ n: number }>()
    expect<FastifyRequest['body']>().type.toBe<unknown>()
  })
})
