// The @fastify/* plugins the app uses, registered with their own option types.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import fastifyStatic, { type FastifyStaticOptions } from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import multipart from '@fastify/multipart'
import compress from '@fastify/compress'
import sensible from '@fastify/sensible'

export const coverOptions = (root: string): FastifyStaticOptions => ({ root, prefix: '/covers/', decorateReply: true })

export default fp(async function externalPlugins (instance: FastifyInstance, opts: { coversDir: string }) {
  await instance.register(sensible)
  await instance.register(compress, { global: true, threshold: 512 })
  await instance.register(multipart, { limits: { fileSize: 1_000_000, files: 1 } })
  await instance.register(fastifyStatic, coverOptions(opts.coversDir))
  await instance.register(swagger, {
    openapi: { info: { title: 'Bookshelf', version: '1.0.0' } },
    hideUntagged: true
  })
  await instance.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'external' })
