// Leak reports users can trust: a leak is what a track() started that still keeps the process
// alive as Node itself sees it (a ref'ed handle, a pending request), so helpers Node unrefs,
// callbacks only GC collects and the process's own stdio are never reported. Each case is built so
// that the right answer is known: exactly zero leaks, or exactly the one resource left running.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import stream from 'node:stream'
import { spawn, spawnSync } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { readFileSync, watch as watchFile } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createTracker } from 'weft/async'
import { nodeMajor } from './helpers.js'

const here = fileURLToPath(import.meta.url)
const fixture = name => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const DETAILS = ['resources', 'promises', 'stacks']
/** Leaks other than promises (at `promises`/`stacks` an unsettled promise is one too). */
const nativeLeaks = report => report.leaked.filter(l => l.kind !== 'promise')
/** `leaks.test.js:<line>:` of the line holding `// @marker`. */
const siteOf = marker => `leaks.test.js:${readFileSync(here, 'utf8').split('\n').findIndex(l => l.includes(`// @${marker}`)) + 1}:`

async function withTracker (detail, fn) {
  const tracker = createTracker({ detail }).enable()
  try { return await fn(tracker) } finally { tracker.disable() }
}

async function withServer (fn) {
  const server = http.createServer((req, res) => res.end('ok'))
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  try { return await fn(server.address().port) } finally {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }
}

const get = (port, agent) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, agent }, res => { res.resume(); res.on('end', resolve) }).on('error', reject)
})

for (const detail of DETAILS) {
  describe(`leaks at '${detail}'`, () => {
    it('a keep-alive socket pooled (unref\'ed) by an HTTP agent is open, not a leak', () => withServer(async port => {
      const agent = new http.Agent({ keepAlive: true })
      try {
        await withTracker(detail, async tracker => {
          const { report } = await tracker.track('call a backend', () => get(port, agent))
          assert.deepEqual(nativeLeaks(report), [])
          const client = report.operations.find(o => o.kind === 'http.client')
          assert.equal(client.count, 1)
          assert.equal(client.active, 1, 'the pooled socket is still open')
          assert.equal(agent.freeSockets[Object.keys(agent.freeSockets)[0]].length, 1, 'ground truth: one pooled socket')
        })
      } finally { agent.destroy() }
    }))

    it('a socket left open and ref\'ed is one leak', () => withServer(async port => {
      let socket
      try {
        await withTracker(detail, async tracker => {
          const { report } = await tracker.track('forgets a socket', async () => {
            socket = net.connect(port, '127.0.0.1')
            await once(socket, 'connect')
          })
          assert.deepEqual(nativeLeaks(report).map(l => `${l.type} ${l.kind}`), ['TCPWRAP net'])
        })
      } finally { socket?.destroy() }
    }))

    it('AbortSignal.timeout()\'s timer (unref\'ed by Node) is not a leak', async () => {
      await withTracker(detail, async tracker => {
        const { report } = await tracker.track('with a deadline', () => { AbortSignal.timeout(60_000) })
        assert.deepEqual(nativeLeaks(report), [])
      })
    })

    it('an interval left running is a timer leak whatever its ref state, with its call site at stacks', async () => {
      let kept, unrefed
      try {
        await withTracker(detail, async tracker => {
          const { report } = await tracker.track('intervals', () => {
            kept = setInterval(() => {}, 60_000) // @kept
            unrefed = setInterval(() => {}, 60_000) // @unrefed
            unrefed.unref()
          })
          const leaks = nativeLeaks(report).sort((a, b) => a.asyncId - b.asyncId)
          assert.deepEqual(leaks.map(l => `${l.type} ${l.kind} ${l.operation}`), ['Timeout timer timer setInterval', 'Timeout timer timer setInterval'])
          if (detail === 'stacks') {
            assert.ok(leaks[0].callSite.includes(siteOf('kept')), leaks[0].callSite)
            assert.ok(leaks[1].callSite.includes(siteOf('unrefed')), leaks[1].callSite)
          }
        })
      } finally { clearInterval(kept); clearInterval(unrefed) }
    })

    it('stream.pipeline\'s end-of-stream callbacks are neither leaks nor operations', async () => {
      await withTracker(detail, async tracker => {
        const { report } = await tracker.track('pipeline', () => stream.promises.pipeline(
          stream.Readable.from(['a', 'b']),
          new stream.PassThrough(),
          new stream.Writable({ write (chunk, encoding, cb) { cb() } })))
        assert.deepEqual(nativeLeaks(report), [])
        assert.deepEqual(report.operations.filter(o => o.kind !== 'promise'), [])
        assert.equal(tracker.stats().internalErrors, 0)
      })
    })

    it('process.stdout made by the first console.log inside a track (stdout a pipe) is not the track\'s', () => {
      const r = spawnSync(process.execPath, [fixture('print-inside-track.js'), detail], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, 'hello\n')
      const { leaked, operations, resources } = JSON.parse(r.stderr)
      // stdout, and on Node 20 stderr too (console checks whether stderr shows colors)
      assert.ok(resources.PIPEWRAP >= 1, 'ground truth: stdout was made inside the track, as a pipe')
      assert.deepEqual(leaked.filter(l => l.kind !== 'promise'), [])
      assert.deepEqual(operations.filter(o => o.kind !== 'promise'), [])
    })

    it('a worker thread that exits is one worker operation, finished', async () => {
      await withTracker(detail, async tracker => {
        const { report } = await tracker.track('worker', async () => {
          const worker = new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true })
          const exited = once(worker, 'exit') // listen now: 'exit' may follow the message in the same turn
          await once(worker, 'message')
          await exited
        })
        const ops = report.operations.filter(o => o.kind !== 'promise')
        assert.deepEqual(ops.map(o => `${o.kind} ${o.name} ${o.count} ${o.active}`), ['worker worker_threads.Worker 1 0'])
        assert.equal(report.resources.WORKER, 1)
        assert.deepEqual(nativeLeaks(report), [])
      })
    })

    it('a worker thread left running is a leak, ref\'ed or unref\'ed', async () => {
      const workers = []
      try {
        await withTracker(detail, async tracker => {
          const { report } = await tracker.track('workers', async () => {
            for (const unref of [false, true]) {
              const worker = new Worker('setInterval(() => {}, 60_000)', { eval: true })
              workers.push(worker)
              if (unref) worker.unref()
              await once(worker, 'online')
            }
          })
          assert.deepEqual(nativeLeaks(report).map(l => `${l.type} ${l.kind}`), ['WORKER worker', 'WORKER worker'])
        })
      } finally { await Promise.all(workers.map(w => w.terminate())) }
    })

    it('an unref\'ed 5 s timeout is a leak; one that fired and an interval cleared are not', async () => {
      let kept
      try {
        await withTracker(detail, async tracker => {
          const { report } = await tracker.track('timers', async () => {
            kept = setTimeout(() => {}, 5000).unref()
            clearInterval(setInterval(() => {}, 1000))
            await new Promise(resolve => setTimeout(resolve, 2))
          })
          assert.deepEqual(nativeLeaks(report).map(l => `${l.type} ${l.kind} ${l.operation}`), ['Timeout timer timer setTimeout'])
        })
      } finally { clearTimeout(kept) }
    })

    it('an agent\'s keep-alive socket, reused by a second request and pooled again, is no leak', () => withServer(async port => {
      const agent = new http.Agent({ keepAlive: true })
      try {
        await withTracker(detail, async tracker => {
          for (let i = 0; i < 2; i++) {
            const { report } = await tracker.track('call a backend', () => get(port, agent))
            assert.deepEqual(nativeLeaks(report), [], `request ${i}: ${JSON.stringify(report.leaked)}`)
          }
          assert.equal(Object.values(agent.freeSockets).flat().length, 1, 'ground truth: one pooled socket, reused')
        })
      } finally { agent.destroy() }
    }))

    it('outside any scope, the process report holds no timer Node made and unref\'ed (undici\'s, AbortSignal.timeout)', () => withServer(async port => {
      await withTracker(detail, async tracker => {
        await (await fetch(`http://127.0.0.1:${port}/`)).text()
        AbortSignal.timeout(60_000)
        assert.deepEqual(tracker.report().leaked.filter(l => l.type === 'Timeout'), [])
      })
    }))

    it('a socket of fetch\'s pool (undici) is no leak', () => withServer(async port => {
      await withTracker(detail, async tracker => {
        const { report } = await tracker.track('fetch', async () => { await (await fetch(`http://127.0.0.1:${port}/`)).text() })
        assert.deepEqual(nativeLeaks(report), [], JSON.stringify(report.leaked))
      })
    }))

    it('a server left listening, a watcher left open, a child left running: one leak each', async () => {
      const kept = []
      try {
        await withTracker(detail, async tracker => {
          const server = await tracker.track('listen', async () => {
            const s = net.createServer().listen(0, '127.0.0.1')
            kept.push(s)
            await once(s, 'listening')
          })
          assert.deepEqual(nativeLeaks(server.report).map(l => `${l.type} ${l.kind}`), ['TCPSERVERWRAP net'])
          const watch = await tracker.track('watch', () => { kept.push(watchFile(here)) })
          assert.deepEqual(nativeLeaks(watch.report).map(l => `${l.type} ${l.kind}`), ['FSEVENTWRAP fs'])
          const child = await tracker.track('spawn', async () => {
            const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
            kept.push(c)
            await once(c, 'spawn')
          })
          assert.deepEqual(nativeLeaks(child.report).map(l => `${l.type} ${l.kind}`), ['PROCESSWRAP child_process'])
        })
      } finally { for (const k of kept) { k.kill?.(); k.close?.() } }
    })

    it('file reads that completed, sequential and parallel, leave nothing', async () => {
      await withTracker(detail, async tracker => {
        const { report } = await tracker.track('reads', async () => {
          await readFile(here)
          await Promise.all([readFile(here), readFile(here)])
        })
        assert.deepEqual(nativeLeaks(report), [], JSON.stringify(report.leaked))
      })
    })
  })
}

describe('call sites at stacks', () => {
  it('a promise made after an await has its own call site, not the await\'s', async () => {
    let settle
    await withTracker('stacks', async tracker => {
      const { report } = await tracker.track('pending', async () => {
        await new Promise(resolve => setTimeout(resolve, 1)) // @await
        return { pending: new Promise(resolve => { settle = resolve }) } // @pending
      })
      const pending = report.leaked.filter(l => l.type === 'PROMISE')
      assert.equal(pending.length, 1, JSON.stringify(report.leaked))
      assert.ok(pending[0].callSite.includes(siteOf('pending')), pending[0].callSite)
    })
    settle()
  })
})

describe('disable() of a timing tracker', () => {
  it(`leaves no promise hooks on (Node ${nodeMajor}: AsyncLocalStorage ${nodeMajor < 24 ? 'uses promise hooks' : 'rides on AsyncContextFrame'})`, () => {
    const r = spawnSync(process.execPath, [fixture('timing-disable.js')], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    const { before, during, after } = JSON.parse(r.stdout)
    assert.equal(before, false, 'ground truth: no promise hooks before')
    assert.equal(during, nodeMajor < 24, 'on while it tracks where AsyncLocalStorage needs them')
    assert.equal(after, false)
  })
})
