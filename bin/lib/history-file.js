// `--history <file>`: weft inspect and weft mcp read a history database written by observe's
// history option, after the app is gone, through the same answers the JSON API gives.
import { existsSync } from 'node:fs'
import { ApiProblem } from './api-client.js'

/** A target for getJson that reads `file` instead of a running app; `run` picks a run (default: the latest). */
export async function historyTarget (file, run) {
  if (!existsSync(file)) throw new ApiProblem(`no history database at ${file} (observe's history option writes it)`)
  const history = await import('../../dist/observe/history/index.js')
  const missing = history.sqliteMissing()
  if (missing !== null) throw new ApiProblem(`reading a history database needs ${missing}`)
  let db
  try { db = history.openDatabase(file, true) } catch (err) { throw new ApiProblem(`cannot open ${file}: ${err.message}`) }
  return { page: file, run, history: db, answer: history.answerHistory }
}

/** getJson's answer for a history target: `resource` as the API takes it, with `run` added. */
export function historyJson (target, resource) {
  const q = resource.indexOf('?')
  const path = q === -1 ? resource : resource.slice(0, q)
  const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : resource.slice(q + 1)))
  if (target.run !== undefined && path !== 'runs' && query.run === undefined) query.run = target.run
  const { statusCode, body } = target.answer(target.history, path, query)
  if (statusCode !== 200) throw new ApiProblem(body.message)
  return body
}
