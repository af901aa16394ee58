// @fastify/websocket's .d.ts against Weft's types: it merges a call signature into
// RouteShorthandMethod and a route() overload into FastifyInstance, and imports `ws`, whose types
// come from @types/ws (not installed yet: this project is not part of `npm run typecheck` until it is).
import weft from 'weft'
import websocket from '@fastify/websocket'

const app = weft()
app.register(websocket, { options: { maxPayload: 1024 } })
app.get('/echo', { websocket: true }, (socket, request) => {
  socket.on('message', (message: Buffer) => socket.send(`${request.url}: ${message.toString()}`))
})
app.route({
  method: 'GET',
  url: '/chat',
  websocket: true,
  handler: (socket, request) => { socket.send(request.ws ? 'ws' : 'http') }
})
// a plain route is still typed as before
app.get('/plain/:id', async (request) => request.params.id.toUpperCase())
