// decorate / decorateRequest / decorateReply type the instance, its requests and replies in that
// scope and its children, not its parent or siblings; declaration merging works as well.
import { describe, expect, test } from 'tstyche'
import weft, { type WeftInstance } from 'weft'

interface Db { query (sql: string): Promise<unknown[]> }
declare const db: Db

declare module 'weft' {
  interface WeftInstance { mergedConfig: { port: number } }
  interface FastifyRequest { mergedUser: { id: string } | null }
  interface WeftReply { mergedLocals: Record<string, string> }
}

describe('decorate types the instance it returns', () => {
  test('values, functions (this is the instance) and getters', () => {
    const app = weft()
      .decorate('db', db)
      .decorate('double', function (n: number) { expect(this.db).type.toBe<Db>(); return n * 2 })
      .decorate('startedAt', { getter: () => new Date() })
    expect(app.db).type.toBe<Db>()
    expect(app.double).type.toBe<(n: number) => number>()
    expect(app.startedAt).type.toBe<Date>()
    // @ts-expect-error Property 'dbb' does not exist
    void app.dbb
  })

  test('children see the parent\'s decorators; the parent does not see a child\'s', () => {
    const app = weft().decorate('db', db)
    app.register(async (child) => {
      expect(child.db).type.toBe<Db>()
      const inner = child.decorate('cache', new Map<string, string>().size)
      expect(inner.cache).type.toBe<number>()
    })
    expect(app).type.not.toHaveProperty('cache')
  })
})

describe('decorateRequest / decorateReply type the requests and replies of that scope', () => {
  test('in hooks and handlers of the scope and its children', () => {
    const app = weft()
      .decorateRequest('tenant', null as string | null)
      .decorateRequest('isAdmin', function () { return this.tenant === 'root' })
      .decorateReply('render', function (view: string) { return this.type('text/html').send(view) })
    app.addHook('preHandler', async (request, reply) => {
      expect(request.tenant).type.toBe<string | null>()
      expect(request.isAdmin()).type.toBe<boolean>()
      expect(reply.render).type.toBeCallableWith('home')
    })
    app.register(async (child) => {
      child.get('/', async (request, reply) => {
        expect(request.tenant).type.toBe<string | null>()
        return reply.code(200).render('home')
      })
    })
  })

  test('a null initial value without a type gives unknown; a sibling scope does not see it', () => {
    const app = weft()
    app.register(async (child) => {
      const scoped = child.decorateRequest('token', null)
      scoped.get('/a', async (request) => { expect(request.token).type.toBe<unknown>() })
    })
    app.register(async (sibling) => {
      sibling.get('/b', async (request) => {
        // @ts-expect-error Property 'token' does not exist
        void request.token
      })
    })
  })
})

describe('declaration merging (as Fastify plugins do it) still types every instance', () => {
  test('augmented WeftInstance, FastifyRequest and WeftReply members', () => {
    const app = weft()
    expect(app.mergedConfig.port).type.toBe<number>()
    app.get('/', async (request, reply) => {
      expect(request.mergedUser).type.toBe<{ id: string } | null>()
      expect(reply.mergedLocals).type.toBe<Record<string, string>>()
    })
  })

  test('decorating a merged name keeps the merged type', () => {
    const app = weft().decorateRequest('mergedUser', null)
    app.get('/', async (request) => { expect(request.mergedUser).type.toBe<{ id: string } | null>() })
    const typed: WeftInstance = app
    void typed
  })
})
