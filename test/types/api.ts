// Type-level checks of the public API, compiled (not run) by `npm run typecheck` against dist/.
import weft, { type WeftInstance, type WeftReply, type WeftRequest } from 'weft'
import { createTracker, Context } from 'weft/async'

const app: WeftInstance = weft({ logger: false, bodyLimit: 1024, pluginTimeout: 100 })
app.get('/', async (request: WeftRequest, reply: WeftReply) => {
  const id: string = request.id
  reply.code(200).header('x-id', id)
  return { ok: true }
})
app.route({ method: ['GET', 'POST'], url: '/r', handler: async () => 'ok' })
app.addHook('onRequest', async (request, reply) => { void request; void reply })
app.register(async (child: WeftInstance) => { child.decorate('answer', 42) }, { prefix: '/c' })
const ready: Promise<unknown> = app.ready()
const code: string = new app.errorCodes.FST_ERR_HOOK_TIMEOUT('onReady', '').code
void ready; void code
void createTracker; void Context
