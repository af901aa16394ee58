// Leaks of a request, over real sockets: what the handler started and left running is reported
// whatever its ref state (timers, sockets no pool owns, servers, watchers, children); a socket an
// http.Agent pools and anything the request finished is not. Each route does exactly one thing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import fs from 'node:fs'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { served } from './helpers.js'

const here = fileURLToPath(import.meta.url)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
/** `leaks.test.js:<line>:` of the line holding `// @marker`. */
const siteOf = (marker) => `leaks.test.js:${readFileSync(here, 'utf8').split('\n').findIndex((l) => l.includes(`// @${marker}`)) + 1}:`
const nativeLeaks = (activity) => activity.leaks.filter((l) => l.kind !== 'promise')

function get (url, agent) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) }).on('error', reject)
  })
}

async function upstream (t) {
  const server = http.createServer((req, res) => res.end('up'))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)) })
  return server.address().port
}

for (const detail of ['resources', 'stacks']) {
  describe(`request leaks at '${detail}'`, () => {
    test('an unref\'ed interval is a timer leak, with its call site at stacks', async (t) => {
      const kept = []
      t.after(() => kept.forEach(clearInterval))
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/', async () => { kept.push(setInterval(() => {}, 60_000).unref()); return 'ok' }) // @unref
      })
      const leaks = nativeLeaks(await call('/'))
      assert.deepEqual(leaks.map((l) => `${l.type} ${l.kind}`), ['Timeout timer'])
      assert.ok(leaks[0].ageMs >= 0 && leaks[0].ageMs < 5000, `age ${leaks[0].ageMs}`)
      if (detail === 'stacks') assert.ok(leaks[0].callSite?.includes(siteOf('unref')), leaks[0].callSite)
    })

    test('a leak\'s age is measured at the response\'s end', async (t) => {
      const kept = []
      t.after(() => kept.forEach(clearInterval))
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/', async () => { kept.push(setInterval(() => {}, 60_000)); await sleep(30); return 'ok' })
      })
      const activity = await call('/')
      const [leak] = nativeLeaks(activity)
      const handler = activity.phases.find((p) => p.name === 'handler')
      assert.ok(leak.ageMs >= 29, `age ${leak.ageMs}`)
      assert.ok(leak.ageMs <= activity.wallMs - handler.startMs + 0.001, `age ${leak.ageMs} > ${activity.wallMs - handler.startMs}`)
      // made as the handler started (its first statement): its age is about the rest of the request
      assert.ok(leak.ageMs >= activity.wallMs - handler.startMs - 5, `age ${leak.ageMs} for ${activity.wallMs - handler.startMs}`)
    })

    test('a ref\'ed interval and an unref\'ed 5 s timeout are each one timer leak', async (t) => {
      const kept = []
      t.after(() => kept.forEach(clearTimeout))
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/interval', async () => { kept.push(setInterval(() => {}, 60_000)); return 'ok' })
        app.get('/timeout', async () => { kept.push(setTimeout(() => {}, 5000).unref()); return 'ok' })
      })
      assert.deepEqual(nativeLeaks(await call('/interval')).map((l) => `${l.type} ${l.kind}`), ['Timeout timer'])
      assert.deepEqual(nativeLeaks(await call('/timeout')).map((l) => `${l.type} ${l.kind}`), ['Timeout timer'])
    })

    test('a keep-alive http.get whose socket goes back to the agent\'s free list is no leak', async (t) => {
      const port = await upstream(t)
      const agent = new http.Agent({ keepAlive: true })
      t.after(() => agent.destroy())
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/', async () => { await get(`http://127.0.0.1:${port}/`, agent); return 'ok' })
      })
      for (let i = 0; i < 2; i++) {
        const activity = await call('/')
        assert.deepEqual(nativeLeaks(activity), [], JSON.stringify(activity.leaks))
      }
      const free = Object.values(agent.freeSockets).flat()
      assert.equal(free.length, 1, 'ground truth: one socket pooled')
      assert.equal(free[0].listenerCount('free') > 0, true)
    })

    test('a fetch through undici\'s pool is no leak', async (t) => {
      const port = await upstream(t)
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/', async () => { await (await fetch(`http://127.0.0.1:${port}/`)).text(); return 'ok' })
      })
      for (let i = 0; i < 2; i++) assert.deepEqual(nativeLeaks(await call('/')), [])
    })

    test('a socket the handler opened and left open is a net leak', async (t) => {
      const port = await upstream(t)
      const kept = []
      t.after(() => kept.forEach((s) => s.destroy()))
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/', async () => {
          const socket = net.connect(port, '127.0.0.1')
          kept.push(socket)
          await new Promise((resolve) => socket.once('connect', resolve))
          return 'ok'
        })
      })
      assert.deepEqual(nativeLeaks(await call('/')).map((l) => `${l.type} ${l.kind}`), ['TCPWRAP net'])
    })

    test('a server left listening, a watcher left open and a child left running are each one leak', async (t) => {
      const kept = []
      t.after(() => kept.forEach((k) => { k.close?.(); k.kill?.() }))
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/server', async () => {
          const server = net.createServer().listen(0)
          kept.push(server)
          await new Promise((resolve) => server.once('listening', resolve))
          return 'ok'
        })
        app.get('/watch', async () => { kept.push(fs.watch(here)); return 'ok' })
        app.get('/child', async () => {
          const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'pipe' })
          kept.push(child)
          await new Promise((resolve) => child.once('spawn', resolve))
          return 'ok'
        })
      })
      assert.deepEqual(nativeLeaks(await call('/server')).map((l) => `${l.type} ${l.kind}`), ['TCPSERVERWRAP net'])
      assert.deepEqual(nativeLeaks(await call('/watch')).map((l) => `${l.type} ${l.kind}`), ['FSEVENTWRAP fs'])
      assert.deepEqual(nativeLeaks(await call('/child')).map((l) => `${l.type} ${l.kind}`), ['PROCESSWRAP child_process'])
    })

    test('what the request finished is no leak: reads (sequential and parallel), a cleared interval, a fired timeout', async (t) => {
      const call = await served(t, { detail, leakWarnings: false }, (app) => {
        app.get('/', async () => {
          await fs.promises.readFile(here)
          await Promise.all([fs.promises.readFile(here), fs.promises.readFile(here)])
          await new Promise((resolve) => fs.readFile(here, resolve))
          clearInterval(setInterval(() => {}, 1000))
          await sleep(2)
          return 'ok'
        })
      })
      const activity = await call('/')
      assert.deepEqual(nativeLeaks(activity), [], JSON.stringify(activity.leaks))
      assert.ok(activity.operations.some((o) => o.kind === 'fs'), 'ground truth: the reads were seen')
    })
  })
}
