// register() infers a plugin's options and checks them; callback, async, module and
// fastify-plugin-wrapped plugins are accepted; the plugin's instance is typed from its parent.
import fp from 'fastify-plugin'
import { describe, expect, test } from 'tstyche'
import weft, { type WeftPluginAsync, type WeftPluginCallback, type FastifyPluginAsync, type WeftInstance } from 'weft'

const app = weft()

const asyncPlugin: WeftPluginAsync<{ greeting: string }> = async (instance, opts) => { void instance; void opts }
const callbackPlugin: WeftPluginCallback<{ retries?: number }> = (instance, opts, done) => { void opts; done() }

describe('register infers and checks the plugin options', () => {
  test('a plugin type gives its instance and options', () => {
    expect<Parameters<typeof asyncPlugin>>().type.toBe<[instance: WeftInstance, opts: { greeting: string }]>()
  })

  test('options of the right shape, with register\'s own (prefix, logLevel)', () => {
    app.register(asyncPlugin, { greeting: 'hi', prefix: '/v1' })
    app.register(callbackPlugin)
    app.register(callbackPlugin, { retries: 2, logLevel: 'warn' })
    app.register(asyncPlugin, (instance) => ({ greeting: instance.prefix }))
  })

  test('wrong or missing options do not compile', () => {
    // @ts-expect-error Type 'number' is not assignable to type 'string'
    app.register(asyncPlugin, { greeting: 1 })
    // @ts-expect-error No overload matches this call
    app.register(asyncPlugin, { greting: 'hi' })
    // @ts-expect-error Type 'string' is not assignable to type 'number'
    app.register(callbackPlugin, { retries: 'two' })
  })

  test('an inline plugin is typed from context', () => {
    app.register(async (child, opts) => {
      expect(child).type.toBe<WeftInstance>()
      expect(opts).type.toBe<Record<never, never>>()
    }, { prefix: '/inline' })
    app.register((child, opts, done) => { expect(done).type.toBe<(err?: Error) => void>(); done() })
  })

  test('a module object or an import() promise', () => {
    app.register({ default: asyncPlugin }, { greeting: 'x' })
    app.register(Promise.resolve({ default: asyncPlugin }), { greeting: 'x' })
  })
})

describe('fastify-plugin wrapped plugins type-check', () => {
  test('typed with Fastify\'s own types (no mapping): options still inferred', () => {
    const wrapped = fp(async (instance, opts: { level: number }) => { void instance; void opts }, { name: 'wrapped' })
    app.register(wrapped, { level: 1 })
    // @ts-expect-error Type 'string' is not assignable to type 'number'
    app.register(wrapped, { level: 'high' })
  })

  test('a FastifyPluginAsync from weft is a Weft plugin', () => {
    const plugin: FastifyPluginAsync<{ a: boolean }> = async (instance) => { expect(instance.get).type.not.toBe<never>() }
    app.register(plugin, { a: true })
  })
})
