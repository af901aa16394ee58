// What keeps the process alive, the trigger tree, and leaks of a tracked operation.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import { executionAsyncId } from 'node:async_hooks'
import { fileURLToPath } from 'node:url'
import { createTracker } from 'weft/async'
import { nodeMakes, sleep } from './helpers.js'

const file = fileURLToPath(import.meta.url)

describe('activeHandles()', () => {
  it('groups what keeps the process alive, with call sites at stacks', async () => {
    const tracker = createTracker({ detail: 'stacks' }).enable()
    const interval = setInterval(() => {}, 60_000) // @interval
    const server = net.createServer()
    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const handles = tracker.activeHandles()
      const timeouts = handles.find(h => h.type === 'Timeout')
      assert.ok(timeouts.count >= 1)
      const mine = timeouts.resources.find(r => r.callSite?.includes('handles.test.js'))
      assert.ok(mine, JSON.stringify(timeouts))
      assert.equal(mine.operation, 'timer setInterval')
      const servers = handles.find(h => h.type === 'TCPServerWrap')
      assert.equal(servers.count, 1)
      assert.equal(servers.resources.length, 1)
      assert.ok(servers.resources[0].ageMs >= 0)
    } finally {
      clearInterval(interval)
      await new Promise(resolve => server.close(resolve))
      tracker.disable()
    }
  })

  it('lists Node\'s view even at detail off', () => {
    const tracker = createTracker({ detail: 'off' }).enable()
    const interval = setInterval(() => {}, 60_000)
    const handles = tracker.activeHandles()
    clearInterval(interval)
    const timeouts = handles.find(h => h.type === 'Timeout')
    assert.ok(timeouts.count >= 1)
    assert.deepEqual(timeouts.resources, [])
  })
})

describe('the trigger tree', () => {
  it('knows each stored resource\'s parent, kind and operation', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    let read, timer, ancestry
    await tracker.track('tree', () => new Promise((resolve, reject) => {
      setTimeout(() => {
        timer = tracker.resource(executionAsyncId())
        ancestry = tracker.ancestry(executionAsyncId())
        fs.readFile(file, err => {
          read = tracker.resource(executionAsyncId())
          err ? reject(err) : resolve()
        })
      }, 1)
    }))
    assert.equal(read.type, 'FSREQCALLBACK')
    assert.equal(read.kind, 'fs')
    assert.equal(read.operation, `fs ${nodeMakes.readFileName}`)
    assert.equal(read.trackedBy, 'tree')
    assert.equal(read.done, false, 'its callback is running')
    assert.equal(timer.type, 'Timeout')
    assert.equal(timer.operation, 'timer setTimeout')
    assert.deepEqual(ancestry.map(r => r.type), ['Timeout', 'WEFT_TRACK'], 'the timer was made by the tracked function')
    assert.equal(ancestry[0].triggerAsyncId, ancestry[1].asyncId)
    tracker.disable()
  })

  it('forgets destroyed resources', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    let id
    await new Promise(resolve => setTimeout(() => { id = executionAsyncId(); resolve() }, 1))
    await sleep(5)
    assert.equal(tracker.resource(id), undefined)
    tracker.disable()
  })
})

describe('leaks of a tracked operation', () => {
  it('are the resources it created that are still alive, with type, age and call site', async () => {
    const tracker = createTracker({ detail: 'stacks' }).enable()
    let socket, server
    const { report } = await tracker.track('leaky', async () => {
      server = net.createServer(s => { socket = s })
      await new Promise(resolve => server.listen(0, '127.0.0.1', resolve)) // @listen
      await new Promise(resolve => setTimeout(resolve, 1))
    })
    try {
      const types = report.leaked.map(l => l.type).filter(t => t !== 'PROMISE')
      assert.deepEqual(types, ['TCPSERVERWRAP'])
      assert.match(report.leaked.find(l => l.type === 'TCPSERVERWRAP').callSite, /handles\.test\.js:\d+:\d+/)
    } finally {
      socket?.destroy()
      await new Promise(resolve => server.close(resolve))
      tracker.disable()
    }
  })

  it('exclude what was closed before the end, even when Node has not yet delivered its destroy', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    const { report } = await tracker.track('tidy', async () => {
      const server = net.createServer(s => s.end())
      await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
      const client = net.connect(server.address().port, '127.0.0.1')
      await new Promise(resolve => client.on('close', resolve).resume())
      await new Promise(resolve => server.close(resolve))
      const fh = await fs.promises.open(file)
      await fh.read(Buffer.alloc(10), 0, 10, 0)
      await fh.close()
      const t = setTimeout(() => {}, 60_000)
      clearTimeout(t)
    })
    assert.deepEqual(report.leaked, [])
    assert.equal(report.operations.filter(o => o.active > 0).length, 0, JSON.stringify(report.operations))
    tracker.disable()
  })

  it('include an fs.promises FileHandle left open', async () => {
    const tracker = createTracker({ detail: 'resources' }).enable()
    let fh
    const { report } = await tracker.track('open file', async () => { fh = await fs.promises.open(file) })
    try {
      assert.deepEqual(report.leaked.map(l => l.type), ['FILEHANDLE'])
    } finally {
      await fh.close()
      tracker.disable()
    }
  })
})
