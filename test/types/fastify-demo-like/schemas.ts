// The bookshelf's TypeBox schemas, and the interfaces handlers return (declared with `extends
// Static<…>`, so they have no index signature: the reply schema's type must accept them as they are).
import { Type, type Static } from '@fastify/type-provider-typebox'

export const BookSchema = Type.Object({
  id: Type.Number(),
  title: Type.String(),
  author: Type.String(),
  year: Type.Optional(Type.Integer()),
  lentTo: Type.Optional(Type.String())
})
export interface Book extends Static<typeof BookSchema> {}

export const NewBookSchema = Type.Object({
  title: Type.String({ minLength: 1 }),
  author: Type.String(),
  year: Type.Optional(Type.Integer())
})
export type NewBook = Static<typeof NewBookSchema>

export const ShelfQuerySchema = Type.Object({
  author: Type.Optional(Type.String()),
  page: Type.Integer({ minimum: 1, default: 1 }),
  perPage: Type.Integer({ minimum: 1, maximum: 50, default: 10 })
})

export const BookPageSchema = Type.Object({
  books: Type.Array(BookSchema),
  total: Type.Integer()
})
export interface BookPage extends Static<typeof BookPageSchema> {}

export const MessageSchema = Type.Object({ message: Type.String() })
