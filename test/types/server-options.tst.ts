// The server options of issue 17 type-check as Fastify's do: http2, https with allowHTTP1,
// http2SessionTimeout, serverFactory; the factory carries its named exports (CommonJS entry); the
// raw request and reply types follow the server type.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { Server as HttpsServer } from 'node:https'
import { describe, expect, test } from 'tstyche'
import weft, { createError, errorCodes, fastify, weftVersion } from 'weft'
import type { FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RouteGenericInterface } from 'weft'

describe('server options', () => {
  test('http2, https with allowHTTP1 and http2SessionTimeout are accepted; a string timeout is not', () => {
    expect(weft).type.toBeCallableWith({ http2: true })
    expect(weft).type.toBeCallableWith({ http2: true, https: { key: 'k', cert: 'c', allowHTTP1: true }, http2SessionTimeout: 1000 })
    expect(weft).type.not.toBeCallableWith({ http2SessionTimeout: '1s' })
    expect(weft).type.not.toBeCallableWith({ http2: 'yes' })
  })

  test('serverFactory receives the handler and returns the server', () => {
    expect(weft).type.toBeCallableWith({ serverFactory: (handler: Parameters<typeof createServer>[1]) => createServer(handler) })
  })
})

describe('the factory carries its named exports', () => {
  test('fastify, default, errorCodes, createError and weftVersion are properties', () => {
    expect(weft.fastify).type.toBe<typeof fastify>()
    expect(weft.default).type.toBe<typeof weft>()
    expect(weft.errorCodes).type.toBe<typeof errorCodes>()
    expect(weft.createError).type.toBe<typeof createError>()
    expect(weft.weftVersion).type.toBe<string>()
    expect(weftVersion).type.toBe<string>()
  })
})

describe("Fastify's raw types follow the server type", () => {
  test('an HTTP/2 server has http2 compatibility requests and responses; node:http ones by default', () => {
    expect<RawRequestDefaultExpression<Http2Server>>().type.toBe<Http2ServerRequest>()
    expect<RawReplyDefaultExpression<Http2SecureServer>>().type.toBe<Http2ServerResponse>()
    expect<RawRequestDefaultExpression>().type.toBe<IncomingMessage>()
    expect<RawReplyDefaultExpression<HttpsServer>>().type.toBe<ServerResponse>()
    expect<FastifyRequest<RouteGenericInterface, Http2Server>['raw']>().type.toBe<Http2ServerRequest>()
  })
})
