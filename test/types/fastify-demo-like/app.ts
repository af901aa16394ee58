// The application as a plugin (as the server or a test registers it): plugins, then routes, with
// the error and not-found handlers every Fastify app declares.
import path from 'node:path'
import autoload from '@fastify/autoload'
import type { FastifyError, FastifyInstance, FastifyPluginOptions } from 'fastify'
import external from './plugins/external.js'
import reader from './plugins/reader.js'
import shelf from './plugins/shelf.js'
import books from './routes/books.js'

export default async function bookshelf (fastify: FastifyInstance, opts: FastifyPluginOptions) {
  const coversDir = typeof opts.coversDir === 'string' ? opts.coversDir : path.join(import.meta.dirname, 'covers')
  await fastify.register(external, { coversDir })
  await fastify.register(shelf)
  await fastify.register(reader)
  await fastify.register(books, { prefix: '/books', coversDir })
  // more routes, loaded from a folder
  await fastify.register(autoload, { dir: path.join(import.meta.dirname, 'routes'), options: { coversDir }, autoHooks: true, cascadeHooks: true })

  fastify.setErrorHandler<FastifyError>((err, request, reply) => {
    const status: number = err.statusCode ?? 500
    const code: string = err.code
    if (err.validation !== undefined) {
      const where = err.validationContext
      request.log.info({ where, issues: err.validation.map((v) => `${v.instancePath} ${v.message ?? v.keyword}`) }, 'invalid request')
    }
    fastify.log.error({ err, code, url: request.url, params: request.params }, 'request failed')
    reply.code(status)
    return { message: status < 500 ? err.message : 'Internal Server Error' }
  })

  fastify.setNotFoundHandler((request, reply) => {
    request.log.warn({ url: request.url }, 'no such route')
    reply.code(404)
    return { message: 'Not Found' }
  })
}
