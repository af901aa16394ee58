// The app of bench/observe.mjs, shared by its Weft and Fastify servers: six async hooks and one
// route that reads a small file and calls a local upstream over node:http with a keep-alive agent.
//
// Servers take their mode from argv[2] and the upstream from BENCH_UPSTREAM (http://127.0.0.1:<port>),
// listen on 127.0.0.1 port 0, print `PORT <n>` and exit when the harness closes their stdin.
import http from 'node:http' // the default export: what @opentelemetry/instrumentation-http patches
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const HOST = '127.0.0.1'
export const mode = process.argv[2] ?? 'off'
export const payloadFile = fileURLToPath(new URL('./observe-payload.json', import.meta.url))

const upstream = new URL(process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:0/')
const agent = new http.Agent({ keepAlive: true })
const getOptions = { host: upstream.hostname, port: Number(upstream.port), path: '/item', agent }

/** One GET to the upstream on a pooled keep-alive socket; resolves its JSON body. */
export function callUpstream () {
  return new Promise((resolve, reject) => {
    const req = http.get(getOptions, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`upstream answered ${res.statusCode}`))
        try { resolve(JSON.parse(body)) } catch (err) { reject(err) }
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

export const responseSchema = {
  response: {
    200: {
      type: 'object',
      properties: { bytes: { type: 'integer' }, upstream: { type: 'object', properties: { ok: { type: 'boolean' } } } }
    }
  }
}

/** The same hooks and route on a Weft or Fastify instance. */
export function addApp (app) {
  app.addHook('onRequest', async function onRequestHook (request, reply) {})
  app.addHook('preParsing', async function preParsingHook (request, reply, payload) {})
  app.addHook('preValidation', async function preValidationHook (request, reply) {})
  app.addHook('preHandler', async function preHandlerHook (request, reply) {})
  app.addHook('onSend', async function onSendHook (request, reply, payload) { return payload })
  app.addHook('onResponse', async function onResponseHook (request, reply) {})
  app.get('/', { schema: responseSchema }, async function handler () {
    const file = await readFile(payloadFile)
    const upstreamBody = await callUpstream()
    return { bytes: file.length, upstream: upstreamBody }
  })
}

/** Tell the parent which port we listen on, and exit when the parent goes away. */
export { ready } from '../lib/ready.mjs'
