// The shelf store, decorated on the instance by a fastify-plugin plugin; its type reaches every
// scope through declaration merging of FastifyInstance.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Book, NewBook } from '../schemas.js'

export interface Shelf {
  find (id: number): Book | undefined
  list (author: string | undefined, page: number, perPage: number): { books: Book[], total: number }
  add (book: NewBook): Book
  lend (id: number, reader: string): Book | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    shelf: Shelf
  }
}

function createShelf (log: FastifyInstance['log']): Shelf {
  const books = new Map<number, Book>()
  let nextId = 1
  return {
    find: (id) => books.get(id),
    list (author, page, perPage) {
      const all = [...books.values()].filter((b) => author === undefined || b.author === author)
      return { books: all.slice((page - 1) * perPage, page * perPage), total: all.length }
    },
    add (book) {
      const stored: Book = { id: nextId++, ...book }
      books.set(stored.id, stored)
      log.info({ id: stored.id }, 'book shelved')
      return stored
    },
    lend (id, reader) {
      const book = books.get(id)
      if (book !== undefined) book.lentTo = reader
      return book
    }
  }
}

export default fp(function shelfPlugin (instance, _opts, done) {
  instance.decorate('shelf', createShelf(instance.log))
  done()
}, { name: 'shelf' })
