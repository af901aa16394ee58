// Fastify's exported type names exist on weft with the types of what Weft does: errors, schema
// compilers, options, body parsers, request generics, setDecorator<T>.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, expect, test } from 'tstyche'
import weft, {
  errorCodes, type FastifyError, type FastifyErrorCodes, type FastifyListenOptions, type FastifySchemaCompiler,
  type FastifySchemaValidationError, type FastifySerializerCompiler, type FastifyServerOptions, type ListenOptions, type RequestGenericInterface,
  type RouteGenericInterface, type RouteShorthandOptionsWithHandler, type FastifyBodyParser, type ProtoAction, type HookHandlerDoneFunction,
  type FastifyRegisterOptions, type InjectOptions, type WeftOptions, type FastifyLoggerInstance, type FastifyBaseLogger, type FastifyRequest, type FastifyReply, type RawServerDefault,
  type FastifySchema, type FastifyTypeProviderDefault, type FastifyHttp2Options, type FastifyHttp2SecureOptions
} from 'weft'

const app = weft()

describe('errors', () => {
  test('FastifyError: code, statusCode, and what a validation failure adds', () => {
    app.setErrorHandler<FastifyError>((error, _request, reply) => {
      expect(error.code).type.toBe<string>()
      expect(error.statusCode).type.toBe<number | undefined>()
      expect(error.validation).type.toBe<FastifySchemaValidationError[] | undefined>()
      expect(error.validationContext).type.toBe<'body' | 'querystring' | 'params' | 'headers' | undefined>()
      reply.code(error.statusCode ?? 500).send({ message: error.message })
    })
  })

  test('errorCodes are FastifyErrorCodes: constructors whose errors are FastifyErrors', () => {
    expect(errorCodes).type.toBe<FastifyErrorCodes>()
    expect(new errorCodes.FST_ERR_NOT_FOUND()).type.toBeAssignableTo<FastifyError>()
  })
})

describe('schema compilers', () => {
  test('a FastifySchemaCompiler<T> is what setValidatorCompiler takes; its result may be a value or an error', () => {
    const compiler: FastifySchemaCompiler<{ maxLength: number }> = ({ schema }) => (data) =>
      typeof data === 'string' && data.length <= schema.maxLength ? { value: data } : { error: new Error('too long') }
    expect(app.setValidatorCompiler).type.toBeCallableWith(compiler)
    // @ts-expect-error Type 'string' is not assignable to type 'boolean | { error?:
    const wrong: FastifySchemaCompiler<unknown> = () => () => 'ok'
    void wrong
  })

  test('a FastifySerializerCompiler<T> is what setSerializerCompiler takes', () => {
    const serializer: FastifySerializerCompiler<unknown> = ({ httpStatus }) => (data) => `${httpStatus ?? ''}${JSON.stringify(data)}`
    expect(app.setSerializerCompiler).type.toBeCallableWith(serializer)
  })
})

describe('options and generics', () => {
  test('FastifyServerOptions are weft()\'s options; FastifyListenOptions are listen()\'s', () => {
    expect<FastifyServerOptions>().type.toBe<WeftOptions>()
    expect<FastifyListenOptions>().type.toBe<ListenOptions>()
    const options: FastifyServerOptions = { logger: false, bodyLimit: 1024 }
    expect(weft).type.toBeCallableWith(options)
    // @ts-expect-error Type 'string' is not assignable to type 'number'
    const bad: FastifyServerOptions = { bodyLimit: '1mb' }
    void bad
  })

  test('RequestGenericInterface is RouteGenericInterface without Reply', () => {
    expect<RequestGenericInterface>().type.toBeAssignableTo<RouteGenericInterface>()
    expect<keyof RouteGenericInterface>().type.toBe<keyof RequestGenericInterface | 'Reply'>()
  })

  test('FastifyReply takes Fastify\'s type parameters (route generic, raw server, request and reply, config, schema, provider)', () => {
    type Reply = FastifyReply<{ Reply: { ok: boolean } }, RawServerDefault, IncomingMessage, ServerResponse, { tag: string }, FastifySchema, FastifyTypeProviderDefault>
    expect<Reply['raw']>().type.toBe<ServerResponse>()
    expect<Reply['routeOptions']['config']['tag']>().type.toBe<string>()
    expect<Reply['send']>().type.toBeCallableWith({ ok: true })
    expect<Reply['send']>().type.not.toBeCallableWith({ ok: 'yes' })
  })

  test('RouteShorthandOptionsWithHandler requires the handler', () => {
    expect<RouteShorthandOptionsWithHandler>().type.toHaveProperty('handler')
    expect<{ schema: {} }>().type.not.toBeAssignableTo<RouteShorthandOptionsWithHandler>()
  })

  test('body parsers, hooks, register options, inject options, loggers', () => {
    const parser: FastifyBodyParser<string> = async (_request: FastifyRequest, body: string) => body.split('&')
    expect(app.addContentTypeParser).type.toBeCallableWith('text/csv', { parseAs: 'string' }, parser)
    expect<ProtoAction>().type.toBe<'error' | 'remove' | 'ignore'>()
    expect<HookHandlerDoneFunction>().type.toBeCallableWith(new Error('x'))
    expect<FastifyRegisterOptions<{ n: number }>>().type.toBeAssignableFrom({ n: 1, prefix: '/p' })
    expect<InjectOptions>().type.toBeAssignableFrom({ method: 'GET' as const, url: '/' })
    expect<FastifyLoggerInstance>().type.toBe<FastifyBaseLogger>()
  })
})

describe('request.setDecorator<T>() checks the value against T', () => {
  test('a typed value, or a type error', () => {
    app.decorateRequest('reader', null).get('/', async (request) => {
      request.setDecorator<{ name: string }>('reader', { name: 'ada' })
      // @ts-expect-error Type 'number' is not assignable to type 'string'
      request.setDecorator<{ name: string }>('reader', { name: 1 })
    })
  })
})

describe('HTTP/2 options', () => {
  test('FastifyHttp2Options and FastifyHttp2SecureOptions need http2: true and are weft options', () => {
    expect({ http2: true as const, http2SessionTimeout: 1000 }).type.toBeAssignableTo<FastifyHttp2Options>()
    expect({ http2SessionTimeout: 1000 }).type.not.toBeAssignableTo<FastifyHttp2Options>()
    expect({ http2: true as const, https: { allowHTTP1: true } }).type.toBeAssignableTo<FastifyHttp2SecureOptions>()
    expect(weft).type.toBeCallableWith({ http2: true, https: { allowHTTP1: true } } satisfies FastifyHttp2SecureOptions)
  })
})
