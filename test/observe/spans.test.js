// The waterfall's single operations, over real sockets: at `resources` and up each file read, DNS
// lookup, zlib and crypto job of a request is a span of its own, placed in time from the request's
// start. Ground truth by construction: a handler doing N reads shows exactly N fs spans.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import dns from 'node:dns'
import zlib from 'node:zlib'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { served } from './helpers.js'

const here = fileURLToPath(import.meta.url)

const end = (x) => x.startMs + x.wallMs
const show = (spans) => JSON.stringify(spans.map((s) => `${s.kind} ${s.name} ${s.startMs.toFixed(2)}+${s.wallMs.toFixed(2)}`))

for (const detail of ['resources', 'stacks']) {
  describe(`spans of single operations at '${detail}'`, () => {
    test('3 sequential fs.promises.readFile are 3 fs spans, in order, not overlapping, inside the handler', async (t) => {
      const call = await served(t, { detail }, (app) => {
        app.get('/', async () => {
          for (let i = 0; i < 3; i++) await fs.promises.readFile(here)
          return 'ok'
        })
      })
      const activity = await call('/')
      const fsSpans = activity.spans.filter((s) => s.kind === 'fs')
      assert.equal(fsSpans.length, 3, show(activity.spans))
      const handler = activity.phases.find((p) => p.name === 'handler')
      for (let i = 0; i < 3; i++) {
        const s = fsSpans[i]
        assert.ok(s.wallMs >= 0, show(fsSpans))
        assert.ok(s.startMs >= handler.startMs && end(s) <= end(handler) + 0.001, `span ${i} ${show([s])} outside the handler ${handler.startMs}+${handler.wallMs}`)
        if (i > 0) assert.ok(end(fsSpans[i - 1]) <= s.startMs, `spans ${i - 1} and ${i} overlap: ${show(fsSpans)}`)
      }
      if (detail === 'stacks') assert.ok(fsSpans.every((s) => s.name.endsWith('readFile')), show(fsSpans))
    })

    test('two parallel reads are two overlapping fs spans', async (t) => {
      const call = await served(t, { detail }, (app) => {
        app.get('/', async () => {
          const read = () => new Promise((resolve, reject) => fs.readFile(here, (err, data) => err ? reject(err) : resolve(data)))
          await Promise.all([read(), read()])
          return 'ok'
        })
      })
      const activity = await call('/')
      const [a, b, ...rest] = activity.spans.filter((s) => s.kind === 'fs')
      assert.equal(rest.length, 0, show(activity.spans))
      assert.ok(a && b, show(activity.spans))
      assert.ok(a.startMs < end(b) && b.startMs < end(a), `not overlapping: ${show([a, b])}`)
    })

    test('a DNS lookup, a zlib job and a crypto job are one span each, in the order they ran', async (t) => {
      const call = await served(t, { detail }, (app) => {
        app.get('/', async () => {
          await dns.promises.lookup('localhost')
          await new Promise((resolve, reject) => zlib.gzip('weft', (err) => err ? reject(err) : resolve()))
          await new Promise((resolve, reject) => crypto.scrypt('secret', 'salt', 16, (err) => err ? reject(err) : resolve()))
          return 'ok'
        })
      })
      const activity = await call('/')
      const kinds = activity.spans.map((s) => s.kind).filter((k) => k !== 'promise')
      assert.deepEqual(kinds, ['dns', 'zlib', 'crypto'], show(activity.spans))
    })

    test('at most maxSpans spans are kept', async (t) => {
      const call = await served(t, { detail, maxSpans: 2 }, (app) => {
        app.get('/', async () => {
          for (let i = 0; i < 4; i++) await fs.promises.readFile(here)
          return 'ok'
        })
      })
      const activity = await call('/')
      assert.equal(activity.spans.length, 2, show(activity.spans))
      assert.ok(activity.operations.filter((o) => o.kind === 'fs').reduce((n, o) => n + o.count, 0) >= 4, 'ground truth: the 4 reads still count as operations')
    })
  })
}

describe('spans at timing', () => {
  test('no async_hooks: file reads are not seen, so no fs span', async (t) => {
    const call = await served(t, { detail: 'timing' }, (app) => {
      app.get('/', async () => { await fs.promises.readFile(here); return 'ok' })
    })
    const activity = await call('/')
    assert.deepEqual(activity.spans.filter((s) => s.kind === 'fs'), [])
    assert.equal(activity.detail, 'timing')
  })
})
