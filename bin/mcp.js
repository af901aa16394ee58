// `weft mcp [url]`: a Model Context Protocol server on stdio (the official SDK) whose tools read a
// running app's activity through weft/observe's JSON API: requests, one request, a comparison of
// two, route, process and startup figures, so a coding agent can ask why a request was slow.
import { readFileSync } from 'node:fs'
import { ApiProblem, apiOf, getJson } from './lib/api-client.js'
import { compareActivities, comparisonText } from './lib/compare.js'
import { diagnose } from './lib/diagnose.js'
import { historyTarget } from './lib/history-file.js'
import { requestTable, routesTable, waterfall } from './lib/format.js'

export const MCP_USAGE = `Usage: weft mcp [url | --history <file> [--run n]]

Serves the Model Context Protocol on stdin/stdout for a coding agent, reading a running Weft app's
activity (the app needs weft/observe's page option on). url: the page URL the app printed
(app.observe.page.url(), with its ?token=), or WEFT_URL. --history <file>: read instead the history
database observe's history option wrote, after the app is gone (--run n: that run, default the
latest; ids may also be given as run:id); list_runs lists its runs.

Tools: list_requests, get_request, compare_requests, route_stats, process_stats, startup_timeline.
Needs the optional peer dependency @modelcontextprotocol/sdk:  npm install @modelcontextprotocol/sdk

Example (an agent's MCP configuration):
  { "mcpServers": { "weft": { "command": "npx", "args": ["weft", "mcp", "http://127.0.0.1:3000/_weft?token=…"] } } }`

const MISSING_SDK = `weft mcp needs the MCP SDK, an optional peer dependency of weft that is not installed.
Install it next to weft:

  npm install @modelcontextprotocol/sdk
`

async function loadSdk () {
  try {
    const [{ McpServer }, { StdioServerTransport }, { z }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/mcp.js'),
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('zod')
    ])
    return { McpServer, StdioServerTransport, z }
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') return null
    throw err
  }
}

/** A tool's answer: the text a person reads, and the same data as JSON (structured and as text, as the spec asks). */
function answer (text, data) {
  return { content: [{ type: 'text', text }, { type: 'text', text: JSON.stringify(data) }], structuredContent: data }
}
function problem (message) {
  return { content: [{ type: 'text', text: message }], isError: true }
}

function routeQuery (args, extra) {
  const q = new URLSearchParams()
  if (args.route !== undefined) q.set('route', args.route)
  if (args.status !== undefined) q.set('status', args.status)
  if (args.minMs !== undefined) q.set('minMs', String(args.minMs))
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, String(v))
  return 'requests?' + q.toString()
}

/** The route summary a request belongs to, for its p50/p95. */
async function routeOf (target, a) {
  const { routes } = await getJson(target, 'routes')
  return routes.find((r) => r.method === a.method && r.route === (a.route ?? '(not found)'))
}

function registerTools (server, z, target) {
  const filters = {
    route: z.string().optional().describe("Only this route: 'POST /login', '/users/:id' (any method) or '(no route)'"),
    status: z.string().optional().describe('Only this status class or code: 2xx, 4xx, 5xx, 404'),
    minMs: z.number().min(0).optional().describe('Only requests that took at least this many milliseconds (wall clock)')
  }
  const run = (fn) => async (args) => {
    try { return await fn(args ?? {}) } catch (err) {
      if (err instanceof ApiProblem) return problem(err.message)
      return problem(`weft mcp: ${err?.message ?? err}`)
    }
  }

  server.registerTool('list_requests', {
    title: 'List recent requests',
    description: 'Requests the app handled recently (newest or slowest first), each with method, route, status, wall time, CPU, operation count, leaks and N+1 flags. Use get_request with an id for the details.',
    inputSchema: {
      ...filters,
      sort: z.enum(['recent', 'slowest']).optional().describe('recent (default) or slowest first'),
      limit: z.number().int().min(1).max(200).optional().describe('At most this many (default 20)'),
      ...(target.history !== undefined ? { run: z.number().int().min(1).optional().describe('From the history: this run (list_runs); default the latest') } : {})
    }
  }, run(async (args) => {
    const list = await getJson(target, routeQuery(args, { sort: args.sort, limit: args.limit ?? 20, run: args.run }))
    const text = list.requests.length === 0
      ? `No stored request matches (${list.stored} stored).`
      : `${list.requests.length} of ${list.matched} matching requests, ${list.sort === 'slowest' ? 'slowest' : 'newest'} first (${list.stored} stored; wall clock, CPU on each request's clock):\n` + requestTable(list.requests)
    return answer(text, list)
  }))

  server.registerTool('get_request', {
    title: 'One request in detail',
    description: "One request's waterfall and diagnosis: phases, hooks, async operations, spans, CPU against waiting, event-loop wait, repeated queries (N+1), leaks and log lines, and how it compares with its route. Give an id, or a route (and filters) for its latest request (or its slowest with slowest: true). To ask 'why was the last POST /login slow?', call it with route 'POST /login'.",
    inputSchema: {
      id: z.string().optional().describe('The request id (from list_requests)'),
      ...filters,
      slowest: z.boolean().optional().describe('Without id: the slowest matching request instead of the latest')
    }
  }, run(async (args) => {
    let id = args.id
    if (id === undefined) {
      const list = await getJson(target, routeQuery(args, { sort: args.slowest ? 'slowest' : 'recent', limit: 1 }))
      if (list.requests.length === 0) return problem(`No stored request matches (${list.stored} stored).`)
      id = list.requests[0].id
    }
    const a = await getJson(target, 'requests/' + encodeURIComponent(id))
    const why = diagnose(a, await routeOf(target, a))
    return answer(`${why.join('\n')}\n\n${waterfall(a, { color: false, columns: 100 })}`, a)
  }))

  server.registerTool('compare_requests', {
    title: 'Compare two requests',
    description: 'Operation by operation: what the second request added or no longer ran, which operations and phases got slower or faster, and the change in wall time, CPU, longest block and waits. Give two ids (a is the baseline), or only a route to compare its fastest and slowest stored requests.',
    inputSchema: {
      a: z.string().optional().describe('Baseline request id (from a history: run:id for a request of another run)'),
      b: z.string().optional().describe('Request id compared with the baseline'),
      route: filters.route
    }
  }, run(async (args) => {
    let { a, b } = args
    if (a === undefined || b === undefined) {
      if (args.route === undefined) return problem('Give two request ids (a and b), or a route to compare its fastest and slowest requests.')
      const list = await getJson(target, routeQuery({ route: args.route }, { sort: 'slowest', limit: 1000 }))
      if (list.requests.length < 2) return problem(`${args.route} has ${list.requests.length} stored request(s): two are needed.`)
      b = list.requests[0].id
      a = list.requests[list.requests.length - 1].id
    }
    // from a history, run:id names a request of another run (the same route across two runs)
    const one = (ref) => {
      const m = target.history !== undefined ? /^([1-9][0-9]*):(.+)$/.exec(ref) : null
      return getJson(target, 'requests/' + encodeURIComponent(m === null ? ref : m[2]) + (m === null ? '' : `?run=${m[1]}`))
    }
    const [ra, rb] = await Promise.all([one(a), one(b)])
    const c = compareActivities(ra, rb)
    return answer(comparisonText(c), c)
  }))

  if (target.history !== undefined) {
    server.registerTool('list_runs', {
      title: 'Runs in the history',
      description: 'The runs (processes) the history database keeps, newest first: run number, pid, Node version, start and end, requests written and dropped. Requests of a run are named run:id in compare_requests.',
      inputSchema: {}
    }, run(async () => {
      const { runs } = await getJson(target, 'runs')
      return answer(runs.map((r) => `run ${r.run}: pid ${r.pid}, ${r.node}, ${new Date(r.startedAt).toISOString()} → ${r.endedAt === null ? '(not closed)' : new Date(r.endedAt).toISOString()}, ${r.requests} requests${r.dropped > 0 ? `, ${r.dropped} dropped` : ''}`).join('\n') || 'No run.', { runs })
    }))
  }

  server.registerTool('route_stats', {
    title: 'Route statistics',
    description: 'Per route: request count, errors (5xx), wall-time p50/p95/p99/max, CPU percentiles, most frequent operations and leaks, busiest first.',
    inputSchema: { route: z.string().optional().describe("Only routes matching: 'GET /users/:id' or '/users/:id'") }
  }, run(async (args) => {
    let { routes } = await getJson(target, 'routes')
    if (args.route !== undefined) {
      const r = args.route.trim()
      const space = r.indexOf(' ')
      routes = routes.filter((x) => space === -1 ? x.route === r : x.method === r.slice(0, space).toUpperCase() && x.route === r.slice(space + 1).trim())
    }
    return answer(routesTable(routes), { routes })
  }))

  server.registerTool('process_stats', {
    title: 'Process statistics',
    description: "The process over the last samples (one a second, while the app's page is on): CPU %, RSS, heap, event-loop utilization and delay, active handles; the latest sample and the maxima.",
    inputSchema: {}
  }, run(async () => {
    const { samples } = await getJson(target, 'process')
    if (samples.length === 0) return answer('No process sample yet (one is taken each second once the app listens).', { samples, latest: null, max: null })
    const latest = samples[samples.length - 1]
    const max = {
      cpuPercent: Math.max(...samples.map((s) => s.cpuPercent)),
      rssBytes: Math.max(...samples.map((s) => s.rssBytes)),
      heapUsedBytes: Math.max(...samples.map((s) => s.heapUsedBytes)),
      elu: Math.max(...samples.map((s) => s.elu)),
      eventLoopDelayP99Ms: Math.max(...samples.map((s) => s.eventLoopDelay.p99Ms)),
      eventLoopDelayMaxMs: Math.max(...samples.map((s) => s.eventLoopDelay.maxMs))
    }
    const mb = (b) => (b / 1048576).toFixed(1) + ' MB'
    const handles = Object.entries(latest.activeResources).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'
    const text = [
      `${samples.length} samples over ${((latest.time - samples[0].time) / 1000).toFixed(0)} s.`,
      `Latest: CPU ${latest.cpuPercent.toFixed(1)}%, RSS ${mb(latest.rssBytes)}, heap ${mb(latest.heapUsedBytes)} of ${mb(latest.heapTotalBytes)}, event-loop utilization ${(latest.elu * 100).toFixed(1)}%, loop delay p99 ${latest.eventLoopDelay.p99Ms.toFixed(1)} ms; active handles: ${handles}.`,
      `Max: CPU ${max.cpuPercent.toFixed(1)}%, RSS ${mb(max.rssBytes)}, heap ${mb(max.heapUsedBytes)}, utilization ${(max.elu * 100).toFixed(1)}%, loop delay p99 ${max.eventLoopDelayP99Ms.toFixed(1)} ms (longest ${max.eventLoopDelayMaxMs.toFixed(1)} ms).`
    ].join('\n')
    return answer(text, { samples, latest, max })
  }))

  server.registerTool('startup_timeline', {
    title: 'Startup timeline',
    description: "How the app booted: each plugin's load (start and duration, by depth), each application hook's duration, and the plugin tree with each scope's hooks, decorators and routes.",
    inputSchema: {}
  }, run(async () => {
    const { startup } = await getJson(target, 'startup')
    if (startup === null) return answer('The app has not booted yet.', { startup })
    const lines = ['Plugins (start → duration, wall clock from the start of boot):']
    for (const p of startup.plugins) lines.push(`${'  '.repeat(p.depth + 1)}${p.name}: from ${p.startMs.toFixed(1)} ms, ${p.wallMs.toFixed(1)} ms`)
    lines.push('Application hooks:')
    for (const h of startup.hooks) lines.push(`  ${h.name}: ${h.wallMs.toFixed(1)} ms`)
    lines.push('Plugin tree:')
    const tree = (node, depth) => {
      const facts = [node.hooks.length ? 'hooks ' + node.hooks.join(', ') : '', node.decorators.length ? 'decorators ' + node.decorators.join(', ') : '', node.routes.length ? 'routes ' + node.routes.join(', ') : ''].filter(Boolean)
      lines.push(`${'  '.repeat(depth + 1)}${node.name}${facts.length ? ' (' + facts.join('; ') + ')' : ''}`)
      for (const c of node.children) tree(c, depth + 1)
    }
    tree(startup.tree, 0)
    return answer(lines.join('\n'), { startup })
  }))
}

export async function mcp (argv) {
  if (argv.includes('-h') || argv.includes('--help')) { process.stdout.write(MCP_USAGE + '\n'); return 0 }
  const option = (name) => { const i = argv.indexOf(name); return i === -1 ? undefined : argv[i + 1] }
  const file = option('--history')
  const url = argv.find((a, i) => !a.startsWith('-') && argv[i - 1] !== '--history' && argv[i - 1] !== '--run') ?? process.env.WEFT_URL
  let target
  try { target = file !== undefined ? await historyTarget(file, option('--run')) : apiOf(url) } catch (err) {
    process.stderr.write(`weft mcp: ${err.message}\n\n${MCP_USAGE}\n`)
    return 2
  }
  const sdk = await loadSdk()
  if (sdk === null) {
    process.stderr.write(MISSING_SDK)
    return 1
  }
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const server = new sdk.McpServer({ name: 'weft', version }, {
    instructions: 'Reads a running Weft app\'s requests (weft/observe). Start with list_requests or route_stats; get_request with a route gives its latest request with a diagnosis; compare_requests tells what differs between a fast and a slow one.'
  })
  registerTools(server, sdk.z, target)
  await server.connect(new sdk.StdioServerTransport())
  // stdio ends when the client goes: then so does the server
  await new Promise((resolve) => { process.stdin.once('close', resolve); process.stdin.once('end', resolve) })
  await server.close()
  return 0
}
