// The client side of weft/observe's JSON API for `weft inspect` and `weft mcp`: the page's URL (as
// app.observe.page.url() prints it, or WEFT_URL) becomes the API's base and a Bearer token.

/** Thrown with a message meant for the person at the terminal. */
export class ApiProblem extends Error {}

/** `http://127.0.0.1:3000/_weft?token=…` → `{ api: 'http://127.0.0.1:3000/_weft/api/v1/', headers }`. */
export function apiOf (pageUrl) {
  if (pageUrl === undefined || pageUrl === '') {
    throw new ApiProblem('no URL: pass the page URL the app printed (app.observe.page.url(), e.g. http://127.0.0.1:3000/_weft?token=…) or set WEFT_URL')
  }
  let url
  try { url = new URL(pageUrl) } catch { throw new ApiProblem(`not a URL: ${pageUrl}`) }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiProblem(`not an http(s) URL: ${pageUrl}`)
  const token = url.searchParams.get('token') ?? process.env.WEFT_TOKEN
  const path = url.pathname.replace(/\/+$/, '')
  const headers = { accept: 'application/json' }
  if (token) headers.authorization = 'Bearer ' + token
  return { api: `${url.origin}${path}/api/v1/`, page: `${url.origin}${path === '' ? '/' : path}`, headers }
}

function why (err) {
  const cause = err?.cause
  return cause?.code ?? cause?.message ?? err?.message ?? String(err)
}

/** A JSON resource of the API (`requests?limit=1`, `routes`, ...); 4xx/5xx become ApiProblem with the server's message. */
export async function getJson (target, resource) {
  if (target.history !== undefined) return (await import('./history-file.js')).historyJson(target, resource)
  let res
  try {
    res = await fetch(target.api + resource, { headers: target.headers })
  } catch (err) {
    throw new ApiProblem(`cannot reach ${target.page} (${why(err)}): is the app running, with observe's page option on?`)
  }
  const text = await res.text()
  let body
  try { body = JSON.parse(text) } catch { body = undefined }
  if (res.status === 403) throw new ApiProblem(`${target.page} refused: ${body?.message ?? 'forbidden'} (pass the URL with its ?token=, as the app printed it)`)
  if (!res.ok) {
    if (body?.message !== undefined && res.headers.get('weft-api-version') !== null) throw new ApiProblem(body.message)
    throw new ApiProblem(`${target.api}${resource} answered ${res.status}: is this a weft app with observe's page option on (and a weft with the v1 API)?`)
  }
  if (body === undefined) throw new ApiProblem(`${target.api}${resource} did not answer JSON`)
  return body
}

/**
 * Follows `events` (Server-Sent Events): `onOpen()` once the stream answered, then `onEvent(name, data)`
 * per event until the stream ends or `signal` aborts.
 */
export async function follow (target, onEvent, signal, onOpen = () => {}) {
  let res
  try {
    res = await fetch(target.api + 'events', { headers: { ...target.headers, accept: 'text/event-stream' }, signal })
  } catch (err) {
    if (signal?.aborted) return
    throw new ApiProblem(`cannot reach ${target.page} (${why(err)}): is the app running, with observe's page option on?`)
  }
  if (!res.ok) {
    let message = `the event stream answered ${res.status}`
    try { message = (await res.json()).message ?? message } catch {}
    throw new ApiProblem(message)
  }
  onOpen()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true })
      let end
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let name = 'message'
        let data = ''
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7)
          else if (line.startsWith('data: ')) data += line.slice(6)
        }
        if (data !== '') onEvent(name, JSON.parse(data))
      }
    }
  } catch (err) {
    if (signal?.aborted) return
    throw new ApiProblem(`the event stream broke off (${why(err)})`)
  }
}
