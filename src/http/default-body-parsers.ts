// The built-in body parsers: JSON (secure-json-parse, with the app's prototype-poisoning actions) and text.
// Each carries a synchronous form, so the common JSON body is parsed without a `done` closure.
import secureJsonParse from 'secure-json-parse'
import { codes } from '../errors.js'
import type { ContentTypeParserFunction, PoisoningAction, SyncParse } from './body-parser-types.js'

const kSyncParse = Symbol('weft.syncParse')

/** The synchronous form of a built-in parser; undefined for a user's. */
export function syncFormOf (fn: ContentTypeParserFunction): SyncParse | undefined {
  return (fn as { [kSyncParse]?: SyncParse })[kSyncParse]
}

function syncJsonParser (onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): SyncParse {
  const options = { protoAction: onProtoPoisoning, constructorAction: onConstructorPoisoning }
  return function parseJson (body) {
    if (body.length === 0) throw new codes.FST_ERR_CTP_EMPTY_JSON_BODY()
    try {
      return secureJsonParse(body, options)
    } catch {
      // prototype poisoning too: Fastify 5.12 answers it with this error's own message
      throw new codes.FST_ERR_CTP_INVALID_JSON_BODY()
    }
  }
}

function callbackForm (sync: SyncParse): ContentTypeParserFunction {
  const fn: ContentTypeParserFunction = (_request, body, done) => {
    let value: unknown
    try {
      value = sync(body)
    } catch (err) {
      done(err as Error)
      return
    }
    done(null, value)
  }
  ;(fn as any)[kSyncParse] = sync
  return fn
}

/** `app.getDefaultJsonParser(proto, ctor)`: a parseAs 'string' parser with the given poisoning actions. */
export function getDefaultJsonParser (onProtoPoisoning: PoisoningAction, onConstructorPoisoning: PoisoningAction): ContentTypeParserFunction {
  return callbackForm(syncJsonParser(onProtoPoisoning, onConstructorPoisoning))
}

/** The text/plain parser: the body as a string. */
export const defaultTextParser: ContentTypeParserFunction = callbackForm(body => body)
