import weft from 'weft'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import multipart from '@fastify/multipart'
import autoload from '@fastify/autoload'
import compress from '@fastify/compress'

const app = weft()
app.register(fastifyStatic, { root: '/tmp' })
app.register(swagger, { openapi: { info: { title: 't', version: '1' } } })
app.register(swaggerUi, { routePrefix: '/docs' })
app.register(multipart)
app.register(autoload, { dir: '/tmp' })
app.register(compress, { global: true })
app.get('/f', async (request, reply) => { const f = await request.file(); void f; return reply.sendFile('x') })
