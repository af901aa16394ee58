// The JSON Schema (draft-07) of each resource of the API, served at `api/v1/schema/<resource>.json`:
// what each answer holds, field by field. Tests validate real answers against them.

const num = { type: 'number' }
const numOrNull = { type: ['number', 'null'] }
const str = { type: 'string' }
const int = { type: 'integer' }
const strict = (properties: Record<string, unknown>, optional: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties).filter(k => !optional.includes(k)),
  properties
})
const percentiles = strict({ p50: num, p95: num, p99: num, max: num })

const kinds = ['fs', 'dns', 'net', 'tls', 'http.server', 'http.client', 'zlib', 'crypto', 'child_process', 'worker', 'timer', 'promise', 'user', 'db', 'other']
const detail = { enum: ['timing', 'resources', 'promises', 'stacks'] }
const cpuClock = { enum: ['thread', 'wall', null] }

const definitions = {
  kind: { enum: kinds },
  resourceKind: { enum: [...kinds, 'scheduling'] },
  summary: {
    description: 'One request: its figures, with counts in place of its details.',
    ...strict({
      id: str,
      method: str,
      route: { type: ['string', 'null'], description: "The route's URL pattern; null when no route matched." },
      url: str,
      statusCode: int,
      detail,
      startedAt: { type: 'number', description: 'Epoch milliseconds.' },
      wallMs: { type: 'number', description: 'Request start to response finished (wall clock).' },
      cpuMs: { type: ['number', 'null'], description: 'CPU of its callbacks on cpuClock; null at detail timing.' },
      cpuClock,
      maxBlockMs: { type: ['number', 'null'], description: 'Longest synchronous block, wall clock.' },
      waitMs: { type: ['number', 'null'], description: 'wallMs minus cpuMs.' },
      loopWaitMs: { type: ['number', 'null'], description: "Wall time the loop ran others' callbacks during the request." },
      operationCount: int,
      leakCount: int,
      logCount: int,
      repeated: { type: 'array', items: strict({ summary: str, count: int }) },
      error: str
    }, ['error'])
  },
  activity: {
    description: 'Everything one request did (RequestActivity).',
    ...strict({
      id: str,
      method: str,
      route: { type: ['string', 'null'] },
      url: str,
      statusCode: int,
      detail,
      startedAt: num,
      wallMs: num,
      cpuMs: numOrNull,
      cpuClock,
      maxBlockMs: numOrNull,
      waitMs: numOrNull,
      observeMs: num,
      loopWaitMs: numOrNull,
      phases: {
        type: 'array',
        items: strict({
          name: str,
          startMs: num,
          wallMs: num,
          hooks: { type: 'array', items: strict({ name: str, startMs: num, wallMs: num }) }
        })
      },
      operations: {
        type: 'array',
        items: strict({
          kind: { $ref: '#/definitions/kind' }, name: str, count: int, active: int, wallMs: num, cpuMs: numOrNull, maxBlockMs: numOrNull, callSite: str
        }, ['callSite'])
      },
      spans: {
        type: 'array',
        items: strict({
          kind: { $ref: '#/definitions/kind' },
          name: str,
          startMs: num,
          wallMs: num,
          attributes: { type: 'object', additionalProperties: { anyOf: [str, num, { type: 'boolean' }] } }
        }, ['attributes'])
      },
      leaks: {
        type: 'array',
        items: strict({ asyncId: int, type: str, kind: { $ref: '#/definitions/resourceKind' }, ageMs: num, operation: str, callSite: str }, ['operation', 'callSite'])
      },
      logs: { type: 'array', items: strict({ level: str, msg: str, timeMs: num }) },
      repeated: { type: 'array', items: strict({ summary: str, statement: str, count: int, wallMs: num, callSite: str }, ['callSite']) },
      error: str,
      traceId: str,
      spanId: str
    }, ['repeated', 'error', 'traceId', 'spanId'])
  },
  route: strict({
    method: str,
    route: str,
    count: int,
    errors: int,
    wallMs: percentiles,
    cpuMs: { oneOf: [percentiles, { type: 'null' }] },
    operations: { type: 'array', items: strict({ kind: { $ref: '#/definitions/kind' }, name: str, count: int }) },
    leaks: { type: 'object', additionalProperties: int }
  }),
  sample: strict({
    time: num,
    cpuPercent: num,
    cpuUserMs: num,
    cpuSystemMs: num,
    rssBytes: num,
    heapUsedBytes: num,
    heapTotalBytes: num,
    externalBytes: num,
    elu: num,
    eventLoopDelay: strict({ minMs: num, meanMs: num, p50Ms: num, p99Ms: num, maxMs: num }),
    activeResources: { type: 'object', additionalProperties: int }
  }),
  treeNode: strict({
    name: str,
    hooks: { type: 'array', items: str },
    decorators: { type: 'array', items: str },
    routes: { type: 'array', items: str },
    children: { type: 'array', items: { $ref: '#/definitions/treeNode' } }
  }),
  startup: strict({
    plugins: { type: 'array', items: strict({ name: str, startMs: num, wallMs: num, depth: int }) },
    hooks: { type: 'array', items: strict({ name: str, wallMs: num }) },
    tree: { $ref: '#/definitions/treeNode' }
  })
}

function schema (name: string, title: string, body: Record<string, unknown>): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: `weft-observe-api-v1-${name}`, title, ...body, definitions }
}

/** By resource name: `requests`, `request`, `routes`, `process`, `startup`, `runs`, `event`, `error`. */
export const API_SCHEMAS: Readonly<Record<string, Record<string, unknown>>> = {
  requests: schema('requests', 'GET api/v1/requests: stored requests matching the filters, newest or slowest first', strict({
    stored: { type: 'integer', description: 'Requests stored now (the recent option caps it).' },
    matched: { type: 'integer', description: 'Of those, how many match the filters.' },
    sort: { enum: ['recent', 'slowest'] },
    requests: { type: 'array', items: { $ref: '#/definitions/summary' } },
    run: { type: 'integer', description: 'With ?run= (the history option): the kept run these requests come from.' }
  }, ['run'])),
  request: schema('request', 'GET api/v1/requests/:id: one request with its phases, hooks, operations, spans, leaks and log lines', { $ref: '#/definitions/activity' }),
  routes: schema('routes', 'GET api/v1/routes: per-route figures, busiest first', strict({
    routes: { type: 'array', items: { $ref: '#/definitions/route' } },
    run: { type: 'integer', description: 'With ?run= (the history option): the kept run these figures come from.' }
  }, ['run'])),
  process: schema('process', 'GET api/v1/process: process samples, oldest first (one a second while the page is on)', strict({ samples: { type: 'array', items: { $ref: '#/definitions/sample' } } })),
  startup: schema('startup', "GET api/v1/startup: the app's startup timeline and plugin tree (null before it booted)", strict({
    startup: { oneOf: [{ $ref: '#/definitions/startup' }, { type: 'null' }] }
  })),
  runs: schema('runs', 'GET api/v1/runs (the history option): the runs the history keeps, newest first, and the run this process writes', strict({
    runs: {
      type: 'array',
      items: strict({
        run: int,
        pid: int,
        node: { type: 'string', description: 'process.version of the run.' },
        startedAt: { type: 'number', description: 'Epoch milliseconds.' },
        endedAt: { type: ['number', 'null'], description: 'Epoch milliseconds; null while the run goes on, or when its process ended without app.close().' },
        requests: { type: 'integer', description: 'Requests written.' },
        dropped: { type: 'integer', description: 'Requests past maxRequests, not written.' }
      })
    },
    current: { type: 'integer', description: 'The run this process writes (the live one).' }
  }, ['current'])),
  event: schema('event', 'GET api/v1/events: the data of each `request` event (Server-Sent Events)', { $ref: '#/definitions/summary' }),
  error: schema('error', 'Every error answer', strict({ statusCode: int, error: str, message: str, parameter: str }, ['parameter']))
}
