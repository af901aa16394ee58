// `weft inspect [url] [latest|list|routes|<id>]`: reads a running app's activity through
// weft/observe's JSON API and draws it in the terminal (or prints its JSON).
import { ApiProblem, apiOf, follow, getJson } from './lib/api-client.js'
import { compareActivities, comparisonText } from './lib/compare.js'
import { historyTarget } from './lib/history-file.js'
import { requestLine, requestTable, routesTable, waterfall } from './lib/format.js'
import { wantsColor } from './lib/style.js'

export const INSPECT_USAGE = `Usage: weft inspect [url | --history <file>] [latest | list | routes | runs | <request id> | compare <idA> <idB>] [options]

Reads a running Weft app's requests through weft/observe's JSON API (the app needs observe's page
option on). url: the page URL the app printed (app.observe.page.url(), with its ?token=), or WEFT_URL.

  latest          the most recent request as a waterfall (the default)
  list            recent requests, one line each
  routes          per-route counts, error rates and percentiles as a table
  <request id>    that request as a waterfall
  compare <a> <b> request b against request a, operation by operation: added, removed, slower,
                  faster; wall, CPU, longest block and wait deltas (a, b: ids, or run:id with --history)
  runs            with --history: the runs the database keeps

Options:
  --history <f>   read the history database observe's history option wrote (no running app needed)
  --run <n>       with --history: this run (default: the latest)
  --route <r>     only requests of a route: 'POST /login', '/users/:id', '(no route)'
  --status <s>    only a status class or code: 2xx, 5xx, 404
  --min-ms <n>    only requests that took at least n ms
  --slowest       the slowest stored request (with list: slowest first)
  --limit <n>     rows of list (default 20, at most 1000)
  --follow        print each new request as it finishes, until Ctrl-C
  --json          print the API's JSON instead (with --follow: one summary per line)
  --no-color      no colours (they are off anyway when the output is not a terminal, or NO_COLOR is set)
  -h, --help      show this help`

class UsageProblem extends Error {}

function parse (argv) {
  const o = { url: process.env.WEFT_URL, command: 'latest', id: undefined, ids: [], history: undefined, run: undefined, route: undefined, status: undefined, minMs: undefined, slowest: false, limit: '20', follow: false, json: false, color: undefined }
  let positional = 0
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const name = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a
    const value = () => {
      if (a.startsWith('--') && a.includes('=')) return a.slice(a.indexOf('=') + 1)
      if (i + 1 >= argv.length) throw new UsageProblem(`${a} needs a value`)
      return argv[++i]
    }
    if (name === '--route') o.route = value()
    else if (name === '--history') o.history = value()
    else if (name === '--run') o.run = value()
    else if (name === '--status') o.status = value()
    else if (name === '--min-ms') o.minMs = value()
    else if (name === '--limit') o.limit = value()
    else if (name === '--slowest') o.slowest = true
    else if (name === '--follow' || name === '-f') o.follow = true
    else if (name === '--json') o.json = true
    else if (name === '--no-color') o.color = false
    else if (name === '--color') o.color = true
    else if (name === '-h' || name === '--help') o.help = true
    else if (a.startsWith('-')) throw new UsageProblem(`unknown option ${a}`)
    else if (/^https?:\/\//i.test(a)) o.url = a
    else if (o.command === 'compare' && o.ids.length < 2) { o.ids.push(a); positional++ }
    else if (positional++ > 0) throw new UsageProblem(`unexpected ${a}`)
    else if (a === 'latest' || a === 'list' || a === 'routes' || a === 'runs' || a === 'compare') o.command = a
    else { o.command = 'request'; o.id = a }
  }
  return o
}

function filters (o, extra) {
  const q = new URLSearchParams()
  if (o.route !== undefined) q.set('route', o.route)
  if (o.status !== undefined) q.set('status', o.status)
  if (o.minMs !== undefined) q.set('minMs', o.minMs)
  if (o.slowest) q.set('sort', 'slowest')
  for (const [k, v] of Object.entries(extra)) q.set(k, v)
  return 'requests?' + q.toString()
}

/** The route filter as the API reads it, applied to a summary on the event stream. */
function routeMatches (o, s) {
  if (o.route === undefined) return true
  const r = o.route.trim()
  if (r === '(no route)') return s.route === null
  const space = r.indexOf(' ')
  return space === -1 ? s.route === r : s.method === r.slice(0, space).toUpperCase() && s.route === r.slice(space + 1).trim()
}

function statusMatches (o, s) {
  if (o.status === undefined) return true
  return /^[1-5]xx$/i.test(o.status) ? Math.floor(s.statusCode / 100) === Number(o.status[0]) : s.statusCode === Number(o.status)
}

export async function inspect (argv) {
  let o
  try { o = parse(argv) } catch (err) {
    process.stderr.write(`weft inspect: ${err.message}\n\n${INSPECT_USAGE}\n`)
    return 2
  }
  if (o.help) { process.stdout.write(INSPECT_USAGE + '\n'); return 0 }
  const color = o.color ?? wantsColor(process.stdout)
  const columns = process.stdout.isTTY ? process.stdout.columns : 100
  const print = (text) => { process.stdout.write(text + '\n') }
  try {
    const target = o.history !== undefined ? await historyTarget(o.history, o.run) : apiOf(o.url)
    if (o.history !== undefined && o.follow) throw new UsageProblem('--follow reads a running app, not --history')
    if (o.command === 'runs') {
      if (o.history === undefined) throw new UsageProblem('runs reads a history database: pass --history <file>')
      const { runs } = await getJson(target, 'runs')
      if (o.json) { print(JSON.stringify(runs, null, 2)); return 0 }
      print('RUN  PID      NODE       STARTED                   ENDED                     REQUESTS  DROPPED')
      for (const r of runs) {
        print(`${String(r.run).padEnd(4)} ${String(r.pid).padEnd(8)} ${r.node.padEnd(10)} ${new Date(r.startedAt).toISOString().padEnd(25)} ${(r.endedAt === null ? '(not closed)' : new Date(r.endedAt).toISOString()).padEnd(25)} ${String(r.requests).padStart(8)}  ${String(r.dropped).padStart(7)}`)
      }
      return 0
    }
    if (o.command === 'compare') {
      if (o.ids.length !== 2) throw new UsageProblem('compare needs two request ids: compare <idA> <idB>')
      // with --history, run:id picks a request of another run (the same route across two runs)
      const one = (ref) => {
        const m = o.history !== undefined ? /^([1-9][0-9]*):(.+)$/.exec(ref) : null
        return getJson(target, 'requests/' + encodeURIComponent(m === null ? ref : m[2]) + (m === null ? '' : `?run=${m[1]}`))
      }
      const c = compareActivities(await one(o.ids[0]), await one(o.ids[1]))
      print(o.json ? JSON.stringify(c, null, 2) : comparisonText(c))
      return 0
    }
    if (o.follow) {
      // the filters apply to each new request as it arrives (the stream carries every one)
      if (o.minMs !== undefined && !(Number(o.minMs) >= 0)) throw new UsageProblem('--min-ms must be a number ≥ 0')
      const controller = new AbortController()
      process.once('SIGINT', () => { controller.abort() })
      await follow(target, (event, data) => {
        if (event === 'dropped') { process.stderr.write(`(${data.count} requests missed: the terminal fell behind)\n`); return }
        if (event !== 'request' || !routeMatches(o, data) || !statusMatches(o, data) || data.wallMs < Number(o.minMs ?? 0)) return
        print(o.json ? JSON.stringify(data) : requestLine(data, { color }))
      }, controller.signal, () => { process.stderr.write(`following ${target.page} (Ctrl-C to stop)\n`) })
      if (!controller.signal.aborted) process.stderr.write('the event stream ended (the app closed)\n')
      return 0
    }
    if (o.command === 'routes') {
      const { routes } = await getJson(target, 'routes')
      print(o.json ? JSON.stringify(routes, null, 2) : routesTable(routes, { color }))
      return 0
    }
    if (o.command === 'list') {
      const list = await getJson(target, filters(o, { limit: o.limit }))
      if (o.json) { print(JSON.stringify(list, null, 2)); return 0 }
      if (list.requests.length === 0) { print(`no stored request matches (${list.stored} stored)`); return 1 }
      print(requestTable(list.requests, { color }))
      print(`${list.requests.length} of ${list.matched} matching, ${list.sort === 'slowest' ? 'slowest' : 'newest'} first (${list.stored} stored); wall clock, CPU on each request's clock`)
      return 0
    }
    let id = o.id
    if (id === undefined) {
      const list = await getJson(target, filters(o, { limit: '1' }))
      if (list.requests.length === 0) {
        process.stderr.write(`weft inspect: no stored request matches (${list.stored} stored)\n`)
        return 1
      }
      id = list.requests[0].id
    }
    const activity = await getJson(target, 'requests/' + encodeURIComponent(id))
    print(o.json ? JSON.stringify(activity, null, 2) : waterfall(activity, { color, columns }))
    return 0
  } catch (err) {
    if (!(err instanceof ApiProblem) && !(err instanceof UsageProblem)) throw err
    process.stderr.write(`weft inspect: ${err.message}\n`)
    return err instanceof UsageProblem ? 2 : 1
  }
}
