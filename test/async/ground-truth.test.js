// Ground truth: a program doing a known set of real Node operations yields a report with exactly
// those operations, of those kinds and counts, and exactly the one leak it has.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTracker } from 'weft/async'
import { knownProgram, EXPECTED, lineOf } from './fixtures/known-program.js'
import { countsByKind, nodeMakes } from './helpers.js'

async function traceKnownProgram (detail) {
  const tracker = createTracker({ detail }).enable()
  let interval
  try {
    const { result, report } = await tracker.track('known program', async () => {
      interval = await knownProgram()
      return 'done'
    })
    assert.equal(result, 'done')
    return { report, stats: tracker.stats() }
  } finally {
    clearInterval(interval)
    tracker.disable()
  }
}

for (const detail of ['resources', 'promises', 'stacks']) {
  describe(`the report of a known program at detail '${detail}'`, () => {
    it('lists exactly its operations, by kind and count', async () => {
      const { report } = await traceKnownProgram(detail)
      assert.deepEqual(countsByKind(report, ['promise']), EXPECTED)
    })

    it('reports the leaked interval, and nothing else that was closed', async () => {
      const { report } = await traceKnownProgram(detail)
      const leaks = report.leaked.filter(l => l.type !== 'PROMISE')
      assert.equal(leaks.length, 1, JSON.stringify(report.leaked))
      assert.equal(leaks[0].type, 'Timeout')
      assert.equal(leaks[0].kind, 'timer')
      assert.match(leaks[0].operation, /^timer setInterval/)
      assert.ok(leaks[0].ageMs >= 0)
      const running = report.operations.filter(o => o.active > 0 && o.kind !== 'promise')
      assert.deepEqual(running.map(o => `${o.kind} ${o.name}`), ['timer setInterval'])
    })

    it('counts the low-level resources underneath', async () => {
      const { report, stats } = await traceKnownProgram(detail)
      const r = report.resources
      const promiseRead = nodeMakes.promisesReadFile
      assert.equal(r.FSREQCALLBACK, nodeMakes.readFileRequests + (promiseRead.FSREQCALLBACK ?? 0), 'the requests of one fs.readFile and one fs.promises.readFile')
      for (const type of ['FSREQPROMISE', 'FILEHANDLE', 'FILEHANDLECLOSEREQ']) assert.equal(r[type], promiseRead[type], type)
      assert.equal(r.GETADDRINFOREQWRAP, 1)
      assert.equal(r.HTTPCLIENTREQUEST, 1)
      assert.equal(r.HTTPINCOMINGMESSAGE, 1)
      assert.equal(r.TCPSERVERWRAP, 1)
      assert.equal(r.TCPWRAP, 2, 'client and server side of one connection')
      assert.equal(r.ZLIB, 1)
      assert.equal(r.PBKDF2REQUEST, 1)
      assert.equal(r.PROCESSWRAP, 1)
      assert.ok(r.TickObject > 0, 'scheduling resources are counted, not shown as operations')
      assert.equal(report.operations.some(o => o.kind === 'other'), false)
      assert.equal(stats.internalErrors, 0)
      if (detail === 'resources') assert.equal(r.PROMISE, undefined, 'no promises at resources')
      else assert.ok(r.PROMISE > 0)
    })

    it('attributes time: every operation has a wall time, callbacks have CPU time', async () => {
      const { report } = await traceKnownProgram(detail)
      for (const op of report.operations) {
        assert.ok(op.wallMs >= 0 && Number.isFinite(op.wallMs), `${op.kind} ${op.name} wall`)
        assert.ok(op.cpuMs >= 0 && op.cpuMs <= report.cpuMs + 1e-6, `${op.kind} ${op.name} cpu`)
        // a block is wall time; on the thread clock a descheduled callback blocks longer than it computes
        if (report.cpuClock === 'wall') assert.ok(op.maxBlockMs <= op.cpuMs + 1e-6)
        else assert.ok(op.maxBlockMs <= report.wallMs)
      }
      const cpuOf = kind => report.operations.filter(o => o.kind === kind).reduce((s, o) => s + o.cpuMs, 0)
      for (const kind of ['fs', 'http.client', 'http.server', 'zlib', 'child_process']) assert.ok(cpuOf(kind) > 0, kind)
      assert.ok(report.wallMs >= report.operations.find(o => o.kind === 'timer' && o.name === 'setTimeout').wallMs)
    })
  })
}

describe('operation names', () => {
  it('come from the resource types below stacks', async () => {
    const { report } = await traceKnownProgram('resources')
    const names = report.operations.map(o => `${o.kind} ${o.name}`).sort()
    const fsNames = [...new Set([nodeMakes.readFileName, nodeMakes.promisesReadFileName])].map(n => `fs ${n}`)
    assert.deepEqual(names, [
      'child_process child_process', 'crypto crypto.pbkdf2', 'dns dns.lookup', ...fsNames,
      'http.client http.request', 'http.server http.server', 'net net.Server', 'timer setInterval',
      'timer setTimeout', 'zlib zlib'
    ].sort())
    assert.equal(report.operations.some(o => o.callSite !== undefined), false)
  })

  it('come from the Node API and the first user frame at stacks', async () => {
    const { report } = await traceKnownProgram('stacks')
    const site = marker => `known-program.js:${lineOf(marker)}:`
    const expected = {
      'fs fs.readFile': 'readFile',
      'fs fs.promises.readFile': 'promisesReadFile',
      'http.client http.get': 'get',
      'dns dns.lookup': 'lookup',
      'timer setTimeout': 'setTimeout',
      'timer setInterval': 'setInterval',
      'zlib zlib.gzip': 'gzip',
      'crypto crypto.pbkdf2': 'pbkdf2',
      'child_process child_process.execFile': 'execFile'
    }
    for (const [name, marker] of Object.entries(expected)) {
      const op = report.operations.find(o => `${o.kind} ${o.name}` === name)
      assert.ok(op, `${name} in ${report.operations.map(o => `${o.kind} ${o.name}`).join(', ')}`)
      assert.ok(op.callSite.includes(site(marker)), `${name} at ${op.callSite}, expected ${site(marker)}`)
      assert.equal(op.callSite.includes('node:'), false)
      assert.equal(/dist\/async/.test(op.callSite), false, 'never weft\'s own files')
    }
    const leak = report.leaked.find(l => l.type === 'Timeout')
    assert.ok(leak.callSite.includes(site('setInterval')))
  })
})
