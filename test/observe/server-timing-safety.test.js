// Server-Timing never breaks a response: names outside printable ASCII (a hook called 認証, a
// control character, a spawned program's name) are percent-encoded, and an error in observe is counted.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, symlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import weft from 'weft'
import { observe } from 'weft/observe'

async function listening (t, options, setup) {
  const app = weft()
  await app.register(observe, options)
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  return { app, base: `http://127.0.0.1:${app.server.address().port}` }
}

/** The desc of each entry, decoded as the docs say (percent-encoding of UTF-8). */
function descs (header) {
  return [...header.matchAll(/desc="((?:[^"\\]|\\.)*)"/g)].map((m) => decodeURIComponent(m[1].replace(/\\(.)/g, '$1')))
}

describe('Server-Timing with names a header cannot carry as is', () => {
  test('a hook named 認証 and one with a control character: 200, the names percent-encoded, no internal error', async (t) => {
    const newline = async () => {}
    Object.defineProperty(newline, 'name', { value: 'line\nbreak' })
    const { app, base } = await listening(t, { serverTiming: true }, (app) => {
      app.addHook('onRequest', async function 認証 () {})
      app.addHook('onRequest', newline)
      app.addHook('preHandler', async function percent100 () {})
      app.get('/', async () => 'ok')
    })
    for (let i = 0; i < 3; i++) {
      const res = await fetch(base + '/')
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'ok')
      const header = res.headers.get('server-timing')
      assert.match(header, /^[\t\x20-\x7e]*$/, 'printable ASCII only')
      assert.match(header, /onRequest;dur=[\d.]+;desc="%E8%AA%8D%E8%A8%BC, line%0Abreak"/)
      assert.ok(descs(header).includes('認証, line\nbreak'))
      assert.ok(descs(header).includes('percent100'), 'plain names are left as they are')
    }
    assert.equal(app.observe.internalErrors, 0)
  })

  test('a spawned program whose file name is not Latin-1 shows encoded, and the request answers', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-st-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const program = join(dir, 'ノード')
    symlinkSync(process.execPath, program)
    const { app, base } = await listening(t, { serverTiming: true, detail: 'resources' }, (app) => {
      app.get('/spawn', async () => {
        await new Promise((resolve, reject) => execFile(program, ['-e', ''], (err) => err ? reject(err) : resolve()))
        return 'spawned'
      })
    })
    const res = await fetch(base + '/spawn')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'spawned')
    const header = res.headers.get('server-timing')
    assert.match(header, /^[\t\x20-\x7e]*$/)
    // one child_process entry, whatever name this Node version gives it; if it carries the file's name, it decodes back
    const entry = header.split(', ').find((e) => e.startsWith('child_process;'))
    assert.ok(entry, header)
    const [desc] = descs(entry)
    assert.match(desc, /^1 /)
    if (desc.includes('spawn')) assert.match(desc, /ノード/)
    assert.equal(app.observe.internalErrors, 0)
  })

  test("an error in when() is counted and the response goes out without the header", async (t) => {
    const { app, base } = await listening(t, { serverTiming: { when: () => { throw new Error('broken predicate') } } }, (app) => {
      app.get('/', async () => 'ok')
    })
    const res = await fetch(base + '/')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'ok')
    assert.equal(res.headers.get('server-timing'), null)
    assert.equal(app.observe.internalErrors, 1)
  })
})
