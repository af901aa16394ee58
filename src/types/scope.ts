// What a scope adds to the types of its instance, requests and replies, carried on the instance
// type as a phantom property (it never exists at run time) so child scopes inherit it.

export declare const kScopeTypes: unique symbol

/** Per-scope additions: request / reply decorators declared with decorateRequest / decorateReply
 *  in this scope or an ancestor, and the params its prefix declares (`{ prefix: '/users/:id' }`). */
export interface ScopeTypes {
  request: object
  reply: object
  prefixParams: object
}

export interface RootScopeTypes extends ScopeTypes {
  request: {}
  reply: {}
  prefixParams: {}
}

/** The phantom member every instance type carries. */
export interface HasScopeTypes<S extends ScopeTypes = RootScopeTypes> {
  /** Types only: what this scope added to requests and replies. Never set at run time. */
  readonly [kScopeTypes]?: S
}

export type ScopeOf<I> = I extends { readonly [kScopeTypes]?: infer S } ? NonNullable<S> : RootScopeTypes
export type ScopeRequest<I> = ScopeOf<I> extends { request: infer R } ? R : {}
export type ScopeReply<I> = ScopeOf<I> extends { reply: infer R } ? R : {}
export type ScopePrefixParams<I> = ScopeOf<I> extends { prefixParams: infer P } ? P : {}

/** A decorator's declared type: `null` / `undefined` as the initial value say nothing about later values. */
export type DecoratorType<T> = [T] extends [null | undefined] ? unknown : T

/** The value of a `{ getter, setter }` decorator, as decorate*() accept it. */
export interface GetterSetter<This, T> {
  getter: (this: This) => T
  setter?: (this: This, value: T) => void
}

/** The instance type once `name` is a decorator of it: unchanged when the name is not a literal, or already declared (declaration merging). */
export type WithDecorator<I, K extends PropertyKey, T> =
  string extends K ? I : symbol extends K ? I : K extends keyof I ? I : I & { [P in K]: T }

export type WithRequestDecorator<I, Known, K extends PropertyKey, T> =
  string extends K ? I : symbol extends K ? I : K extends keyof Known ? I : I & HasScopeTypes<{ request: { [P in K]: T }, reply: {}, prefixParams: {} }>

export type WithReplyDecorator<I, Known, K extends PropertyKey, T> =
  string extends K ? I : symbol extends K ? I : K extends keyof Known ? I : I & HasScopeTypes<{ request: {}, reply: { [P in K]: T }, prefixParams: {} }>

export type WithPrefixParams<I, P extends object> = keyof P extends never ? I : I & HasScopeTypes<{ request: {}, reply: {}, prefixParams: P }>
