// The standalone server: options typed with Fastify's names, the TypeBox provider on the root
// instance, the app registered with fastify-plugin, listen options, error codes.
import Fastify, {
  errorCodes, type FastifyBaseLogger, type FastifyListenOptions, type FastifyServerOptions, type RawServerDefault
} from 'fastify'
import fp from 'fastify-plugin'
import { type TypeBoxTypeProvider, Type } from '@fastify/type-provider-typebox'
import bookshelf from './app.js'

const options: FastifyServerOptions<RawServerDefault, FastifyBaseLogger> = {
  logger: { level: process.env.LOG_LEVEL ?? 'silent' },
  ajv: { customOptions: { coerceTypes: 'array', removeAdditional: 'all' } },
  bodyLimit: 1_048_576
}

export async function start (listen: FastifyListenOptions = { port: 0, host: '127.0.0.1' }): Promise<string> {
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>()
  app.register(fp(bookshelf), { coversDir: '/tmp/covers' })

  // the provider set on the root instance types its own routes too
  app.get('/health/:probe', {
    schema: { params: Type.Object({ probe: Type.Union([Type.Literal('live'), Type.Literal('ready')]) }), response: { 200: Type.Object({ ok: Type.Boolean() }) } }
  }, async (request) => {
    const probe: 'live' | 'ready' = request.params.probe
    return { ok: probe === 'live' || app.hasRoute({ method: 'GET', url: '/books' }) }
  })

  await app.ready()
  try {
    return await app.listen(listen)
  } catch (err) {
    if (err instanceof errorCodes.FST_ERR_REOPENED_SERVER) app.log.warn('already listening')
    throw err
  }
}
