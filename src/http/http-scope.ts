// The HTTP state one encapsulation scope owns on top of the application's: its Request and
// Reply classes (decorators), error handler chain, schemas and compilers, body parsers and
// not-found handler. A child scope starts from copies of its parent's.
import type { ChildLoggerFactory } from '../app/logger.js'
import type { IncomingMessage } from 'node:http'
import { PluginScope } from '../app/plugin-scope.js'
import { ContentTypeParser } from './content-type-parser.js'
import { defaultErrorHandler } from './error-handler.js'
import type { ErrorHandlerLink } from './route-context.js'
import { extendReply, Reply, type ReplyClass } from './reply.js'
import { extendRequest, Request, type RequestClass } from './request.js'
import { SchemaStore, type BucketFactory, type CompilersFactory, type SchemaErrorFormatter, type SerializerCompiler, type ValidatorCompiler } from './schemas.js'

export interface NotFoundDeclaration {
  handler: (this: any, request: any, reply: any) => unknown
  options: Record<string, any>
  /** the scope that called setNotFoundHandler() (its hooks and `this`), at or below the level holding it */
  scope: HttpScope
}

export interface HttpScopeDefaults {
  bodyLimit: number
  onProtoPoisoning: 'error' | 'remove' | 'ignore'
  onConstructorPoisoning: 'error' | 'remove' | 'ignore'
  schemaErrorFormatter?: SchemaErrorFormatter
  compilersFactory?: CompilersFactory
  /** schemaController.bucket */
  schemaBucket?: BucketFactory
  childLoggerFactory?: ChildLoggerFactory
}

export class HttpScope extends PluginScope {
  Request: RequestClass
  Reply: ReplyClass
  errorHandler: ErrorHandlerLink
  /** setErrorHandler() was called in this scope itself (a second call warns, or throws without allowErrorHandlerOverride). */
  errorHandlerSet = false
  schemas: SchemaStore
  validatorCompiler: ValidatorCompiler | null
  serializerCompiler: SerializerCompiler | null
  schemaErrorFormatter: SchemaErrorFormatter | undefined
  /** schemaController.compilersFactory (the option, or setSchemaController() here or in a parent) */
  compilersFactory: CompilersFactory | undefined
  /** the childLoggerFactory option or setChildLoggerFactory(), here or in a parent; null: logger.child() */
  childLoggerFactory: ChildLoggerFactory | null
  replySerializer: ((payload: unknown, statusCode: number) => string) | null
  contentTypeParser: ContentTypeParser
  notFound: NotFoundDeclaration | null = null
  /** This scope's own setGenReqId() generator (the requestIdHeader read first); null: inherited (idGenerator()). */
  genReqId: ((req: IncomingMessage) => string) | null = null
  #defaultValidator: ValidatorCompiler | null = null
  #defaultSerializer: SerializerCompiler | null = null
  /** addSchema() or setSchemaController({ bucket }) here: this scope's compilers are built over its own schemas */
  #ownSchemas = false

  constructor (instance: unknown, parent: HttpScope | null, pluginName: string, prefix: string, defaults: HttpScopeDefaults) {
    super(instance, parent, pluginName, prefix)
    if (parent === null) {
      this.Request = extendRequest(Request)
      this.Reply = extendReply(Reply)
      this.errorHandler = { fn: defaultErrorHandler, scope: instance, parent: null }
      this.schemas = new SchemaStore(defaults.schemaBucket ?? null)
      this.validatorCompiler = null
      this.serializerCompiler = null
      this.schemaErrorFormatter = defaults.schemaErrorFormatter?.bind(instance)
      this.compilersFactory = defaults.compilersFactory
      this.childLoggerFactory = defaults.childLoggerFactory ?? null
      this.replySerializer = null
      this.contentTypeParser = new ContentTypeParser(defaults.bodyLimit, defaults.onProtoPoisoning, defaults.onConstructorPoisoning)
    } else {
      this.Request = extendRequest(parent.Request)
      this.Reply = extendReply(parent.Reply)
      this.errorHandler = parent.errorHandler
      this.schemas = parent.schemas.child()
      this.validatorCompiler = parent.validatorCompiler
      this.serializerCompiler = parent.serializerCompiler
      this.schemaErrorFormatter = parent.schemaErrorFormatter
      this.compilersFactory = parent.compilersFactory
      this.childLoggerFactory = parent.childLoggerFactory
      this.replySerializer = parent.replySerializer
      this.contentTypeParser = parent.contentTypeParser.clone()
    }
  }

  /**
   * The id generator this scope's routes use: its own setGenReqId()'s, else the nearest ancestor's
   * as it is now (a parent's later call reaches children that set none, as Fastify's); null: the app's.
   */
  idGenerator (): ((req: IncomingMessage) => string) | null {
    for (let scope: HttpScope | null = this; scope !== null; scope = scope.parent as HttpScope | null) {
      if (scope.genReqId !== null) return scope.genReqId
    }
    return null
  }

  /** addSchema(): into this scope, then into every child scope made before (as Fastify, which refuses an $id a child has). */
  addSchema (schema: unknown): void {
    this.schemas.add(schema)
    this.#ownSchemas = true
    for (const child of this.children) (child as HttpScope).addSchema(schema)
  }

  /** setSchemaController({ bucket }): a new bucket for this scope (and the scopes made from it), from the current one's schemas. */
  useBucket (factory: BucketFactory): void {
    this.schemas = this.schemas.child(factory)
    this.#ownSchemas = true
  }

  /**
   * The validator compiler routes of this scope use: the user's, or one built over this scope's schemas, built
   * once and shared with the child scopes that neither added schemas nor changed the compilersFactory (as Fastify).
   */
  validatorCompilerFor (make: (store: SchemaStore) => ValidatorCompiler): ValidatorCompiler {
    if (this.validatorCompiler !== null) return this.validatorCompiler
    const parent = this.sharesCompilers()
    if (parent !== null) return parent.validatorCompilerFor(make)
    return this.#defaultValidator ??= make(this.schemas)
  }

  serializerCompilerFor (make: (store: SchemaStore) => SerializerCompiler): SerializerCompiler {
    if (this.serializerCompiler !== null) return this.serializerCompiler
    const parent = this.sharesCompilers()
    if (parent !== null) return parent.serializerCompilerFor(make)
    return this.#defaultSerializer ??= make(this.schemas)
  }

  /** The compilers readable on the instance: the user's, else the ones built for routes here or in a parent scope shared with. */
  builtValidatorCompiler (): ValidatorCompiler | undefined {
    return this.validatorCompiler ?? this.#defaultValidator ?? this.sharesCompilers()?.builtValidatorCompiler()
  }

  builtSerializerCompiler (): SerializerCompiler | undefined {
    return this.serializerCompiler ?? this.#defaultSerializer ?? this.sharesCompilers()?.builtSerializerCompiler()
  }

  /** The parent whose built compilers this scope uses as they are, or null when it needs its own. */
  private sharesCompilers (): HttpScope | null {
    const parent = this.parent as HttpScope | null
    if (parent === null || this.#ownSchemas || this.compilersFactory !== parent.compilersFactory) return null
    return parent
  }
}
