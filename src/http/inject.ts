// inject(): fake HTTP requests through the full lifecycle with light-my-request, booting the
// app first. Promise form, callback form, and the chain form when called without options.
import lightMyRequest from 'light-my-request'
import type { WeftApplication } from './weft-application.js'

export function inject (app: WeftApplication, opts?: unknown, cb?: (err: Error | null, res?: unknown) => void): any {
  const server = app.server
  const dispatch = (req: any, res: any): void => {
    if (app.state.ready) { app.dispatch(req, res); return }
    app.ready().then(() => app.dispatch(req, res), (err: Error) => res.destroy(err))
  }
  if (opts === undefined || opts === null) {
    return lightMyRequest(dispatch, { server } as any)
  }
  const options = typeof opts === 'string' ? { url: opts } : { ...(opts as object), server }
  if (app.state.ready) return lightMyRequest(dispatch, options as any, cb as any)
  if (typeof cb === 'function') {
    app.ready().then(() => { lightMyRequest(dispatch, options as any, cb as any) }, (err: Error) => cb(err))
    return undefined
  }
  return app.ready().then(() => lightMyRequest(dispatch, options as any))
}
