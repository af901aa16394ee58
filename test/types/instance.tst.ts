// Every public method has a precise return type, and every hook its own signature (payloads,
// `done` per style, `this`).
import type { Readable } from 'node:stream'
import type { Chain, Response } from 'light-my-request'
import { describe, expect, test } from 'tstyche'
import weft, { type WeftInstance, type WeftRequest, type WeftReply, type HookDone } from 'weft'

const app = weft()

describe('lifecycle methods return what they resolve with', () => {
  test('inject: a promise of the response, nothing with a callback, a chain without options', () => {
    expect(app.inject({ method: 'GET', url: '/' })).type.toBe<Promise<Response>>()
    expect(app.inject('/')).type.toBe<Promise<Response>>()
    expect(app.inject('/', (err, res) => { void err; void res })).type.toBe<void>()
    expect(app.inject()).type.toBe<Chain>()
  })

  test('listen resolves with the address; ready with the instance; close and after() with nothing', () => {
    expect(app.listen({ port: 0 })).type.toBe<Promise<string>>()
    expect(app.listen((err, address) => { expect(address).type.toBe<string>(); void err })).type.toBe<void>()
    expect(app.ready()).type.toBe<Promise<WeftInstance>>()
    expect(app.ready((err) => { void err })).type.toBe<void>()
    expect(app.close()).type.toBe<Promise<void>>()
    expect(app.after()).type.toBe<Promise<void>>()
    expect(app.after((err) => { void err })).type.toBe<WeftInstance>()
  })

  test('setters chain; getters are typed', () => {
    expect(app.addSchema({ $id: 'user', type: 'object' })).type.toBe<WeftInstance>()
    expect(app.printRoutes()).type.toBe<string>()
    expect(app.hasRoute({ method: 'GET', url: '/' })).type.toBe<boolean>()
    expect(app.withTypeProvider()).type.toBe<WeftInstance>()
    expect(app.version).type.toBe<string>()
    expect(app.errorCodes.FST_ERR_HOOK_TIMEOUT).type.not.toBe<any>()
  })

  test('unknown methods do not compile', () => {
    // @ts-expect-error Property 'gett' does not exist
    app.gett('/', async () => 'x')
  })
})

describe('hooks are typed per hook and per style', () => {
  test('request hooks: async style leaves done out, callback style gets done', () => {
    app.addHook('onRequest', async function (request, reply) {
      expect(this).type.toBe<WeftInstance>()
      expect(request).type.toBe<WeftRequest>()
      expect(reply).type.toBe<WeftReply>()
    })
    app.addHook('preHandler', (request, reply, done) => { expect(done).type.toBe<HookDone>(); done() })
    app.addHook('onRequestAbort', (request, done) => { void request; done() })
  })

  test('payload hooks: preParsing passes a stream on, preSerialization and onSend a payload', () => {
    app.addHook('preParsing', async (request, reply, payload) => { expect(payload).type.toBe<Readable>(); return payload })
    app.addHook('preParsing', (request, reply, payload, done) => { done(null, payload) })
    app.addHook('preSerialization', (request, reply, payload, done) => { done(null, { wrapped: payload }) })
    app.addHook('onSend', async (request, reply, payload) => { expect(payload).type.toBe<unknown>(); return payload })
    app.addHook('onError', async (request, reply, error) => { expect(error.statusCode).type.toBe<number | undefined>() })
  })

  test('application hooks', () => {
    app.addHook('onRoute', (route) => { expect(route.url).type.toBe<string>() })
    app.addHook('onRegister', (instance, opts) => { void instance; void opts })
    app.addHook('onReady', async function () { expect(this).type.toBe<WeftInstance>() })
    app.addHook('onReady', (done) => { done() })
    app.addHook('onClose', async (instance) => { expect(instance).type.toBe<WeftInstance>() })
    app.addHook('preClose', (done) => { done() })
  })

  test('a wrong hook name or a done of the wrong kind does not compile', () => {
    // @ts-expect-error No overload matches this call
    app.addHook('onRequset', async () => {})
    // @ts-expect-error Argument of type '"not a stream"' is not assignable
    app.addHook('preParsing', (request, reply, payload, done) => { done(null, 'not a stream') })
  })
})
