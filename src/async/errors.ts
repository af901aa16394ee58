// The errors weft/async throws for misuse, each with a stable `code`.

function coded<E extends Error> (error: E, code: string): E & { code: string } {
  return Object.assign(error, { code })
}

export function invalidOption (name: string, expected: string, got: unknown): TypeError & { code: string } {
  return coded(new TypeError(`weft/async: option '${name}' must be ${expected}, got ${String(got)}`), 'WEFT_ASYNC_INVALID_OPTION')
}

export function needsHook (what: string, detail: string): Error & { code: string } {
  return coded(new Error(`weft/async: ${what} needs detail 'resources' or higher (tracker detail is '${detail}')`), 'WEFT_ASYNC_DETAIL_TOO_LOW')
}

export function noContext (name: string): Error & { code: string } {
  return coded(new Error(`weft/async: no '${name}' value here (called outside its run())`), 'WEFT_ASYNC_NO_CONTEXT')
}
