// More real @fastify/* plugins' .d.ts against Weft's types: static files, OpenAPI docs, multipart
// uploads, compression, autoloading, and the TypeBox type provider; their members merge into
// Weft's instance, request and reply, and their option types are checked.
import weft from 'weft'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import multipart from '@fastify/multipart'
import autoload from '@fastify/autoload'
import compress from '@fastify/compress'
import { type TypeBoxTypeProvider, Type, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'

const app = weft().withTypeProvider<TypeBoxTypeProvider>()
app.setValidatorCompiler(TypeBoxValidatorCompiler)
app.register(fastifyStatic, { root: '/srv/public', prefix: '/public/', maxAge: '1h' })
app.register(swagger, { openapi: { info: { title: 'files', version: '1.0.0' } } })
app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } })
app.register(multipart, { limits: { fileSize: 10_000 } })
app.register(compress, { global: true, encodings: ['br', 'gzip'] })
app.register(autoload, { dir: '/srv/routes', dirNameRoutePrefix: true, ignorePattern: /\.test\./ })

app.get('/files/:name', {
  schema: { params: Type.Object({ name: Type.String() }), hide: false, tags: ['files'] }
}, async (request, reply) => reply.header('x-name', request.params.name).sendFile(request.params.name, { maxAge: 60_000 }))

app.post('/uploads', async (request, reply) => {
  for await (const part of request.files()) {
    const name: string = part.filename
    void name
  }
  return reply.code(201).send({ saved: true })
})

app.get('/big', { compress: { threshold: 128 } }, async (_request, reply) => reply.compress('x'.repeat(1024)))

app.ready().then(() => {
  const spec = app.swagger()
  void spec.info
})

// the plugins' types are really checked
// @ts-expect-error Type 'number' is not assignable to type 'string'
app.register(fastifyStatic, { root: 42 })
// @ts-expect-error Type 'string' is not assignable to type
app.register(compress, { encodings: ['zip'] })
app.get('/bad', async (_request, reply) => {
  // @ts-expect-error Property 'sendFil' does not exist
  return reply.sendFil('x')
})
