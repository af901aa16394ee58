// The observe demo's backend (started by examples/observe-demo.js): a plain node:http server on a
// free loopback port that answers after 15 ms, and tells its parent the port.
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  setTimeout(() => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ backend: true, path: req.url }))
  }, 15)
})
server.listen(0, process.argv[2] ?? '127.0.0.1', () => { process.send?.(server.address().port) })
process.on('disconnect', () => { server.close(); process.exit(0) })
