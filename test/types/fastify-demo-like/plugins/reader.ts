// Who is asking: a request decorator keyed by a symbol, read with getDecorator and written with
// setDecorator, plus a method decorator on the instance declared by declaration merging.
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export const kReader = Symbol('bookshelf.reader')
export type Reader = { name: string, librarian: boolean }

declare module 'fastify' {
  interface FastifyInstance {
    requireLibrarian: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

async function requireLibrarian (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const reader = request.getDecorator<Reader | null>(kReader)
  if (reader === null || !reader.librarian) reply.code(403).send({ message: 'librarians only' })
}

export default fp(async function readerPlugin (instance) {
  instance.decorateRequest(kReader, null)
  instance.decorate('requireLibrarian', requireLibrarian)
  instance.addHook('onRequest', async (request) => {
    const name = request.headers['x-reader']
    if (typeof name === 'string') request.setDecorator<Reader>(kReader, { name, librarian: name.startsWith('lib-') })
  })
}, { name: 'reader' })
