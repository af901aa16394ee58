// The params a URL pattern declares, read from the path string's type: `/users/:id` gives
// `{ id: string }`, `/:id?` an optional one, `/files/*` gives `{ '*': string }` (find-my-way's syntax).

/** Characters that end a parameter's name inside a segment (`:from-:to`, `:file.:ext`, `:id(^\\d+$)`). */
type NameEnd = '-' | '.' | '(' | '/' | '~'

/** Splits the text after a `:` into the name and what follows it. */
type TakeName<S extends string, Name extends string = ''> =
  S extends `${infer C}${infer Rest}`
    ? C extends NameEnd ? [Name, S] : TakeName<Rest, `${Name}${C}`>
    : [Name, '']

/** Skips a `(regex)` right after a name, so a `:` inside it is not taken for a parameter. */
type SkipRegex<S extends string> = S extends `(${string})${infer Rest}` ? Rest : S

type ParamsOf<P extends string, Acc = {}> =
  P extends `${string}::${infer Rest}` ? ParamsOf<Rest, Acc> // `::` is an escaped colon
    : P extends `${string}:${infer Rest}`
      ? TakeName<Rest> extends [infer Name extends string, infer After extends string]
        ? Name extends `${infer Opt}?`
          ? ParamsOf<SkipRegex<After>, Acc & { [K in Opt]?: string }>
          : ParamsOf<SkipRegex<After>, Acc & { [K in Name]: string }>
        : Acc
      : P extends `${string}*${string}` ? Acc & { '*': string } : Acc

type Flatten<T> = { [K in keyof T]: T[K] }

/** The params of a route path; a path that is not a literal gives `Record<string, string>`. */
export type PathParams<P extends string> = string extends P ? Record<string, string> : Flatten<ParamsOf<P>>
