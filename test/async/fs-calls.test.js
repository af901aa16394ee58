// One whole-file call is one fs operation, whatever Node makes underneath (a chain of requests on
// Node 20–24, one thread-pool job on Node 26 for small files, a job then requests for large ones).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createTracker } from 'weft/async'

let dir, small, large, target
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-fs-'))
  small = path.join(dir, 'small.txt')
  large = path.join(dir, 'large.bin')
  target = path.join(dir, 'out.txt')
  fs.writeFileSync(small, 'hello')
  fs.writeFileSync(large, Buffer.alloc(2 << 20, 1)) // 2 MiB: more than one read chunk
})
after(() => fs.rmSync(dir, { recursive: true, force: true }))

const calls = {
  'fs.readFile of a small file': () => new Promise((resolve, reject) => fs.readFile(small, err => err ? reject(err) : resolve())),
  'fs.readFile of a 2 MiB file': () => new Promise((resolve, reject) => fs.readFile(large, err => err ? reject(err) : resolve())),
  'fs.promises.readFile of a small file': () => fs.promises.readFile(small),
  'fs.promises.readFile of a 2 MiB file': () => fs.promises.readFile(large),
  'fs.writeFile': () => new Promise((resolve, reject) => fs.writeFile(target, 'x', err => err ? reject(err) : resolve())),
  'fs.promises.writeFile': () => fs.promises.writeFile(target, 'x')
}

for (const detail of ['resources', 'promises', 'stacks']) {
  describe(`one whole-file call at '${detail}'`, () => {
    for (const [name, call] of Object.entries(calls)) {
      it(`${name} is one fs operation, finished, with nothing left behind`, async () => {
        const tracker = createTracker({ detail }).enable()
        try {
          const { report } = await tracker.track(name, call)
          const fsOps = report.operations.filter(o => o.kind === 'fs')
          assert.equal(fsOps.reduce((n, o) => n + o.count, 0), 1, JSON.stringify(report.operations))
          assert.equal(fsOps[0].active, 0)
          assert.deepEqual(report.leaked.filter(l => l.kind !== 'promise'), [])
          assert.equal(tracker.stats().internalErrors, 0)
        } finally { tracker.disable() }
      })
    }
  })
}
