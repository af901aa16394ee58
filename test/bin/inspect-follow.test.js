// `weft inspect` as a user runs it, continued: following new requests, colours, and what it says
// when something is wrong.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { demo, madeRequests, waitFor, weft } from './helpers.js'

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/

describe('weft inspect, following and failing', () => {
  test('--follow prints each new request as it finishes until Ctrl-C; filters apply', async (t) => {
    const { url, call } = await demo(t)
    const run = weft(['inspect', url, '--follow', '--json', '--route', 'GET /a'])
    await waitFor('the stream to open', () => run.output().stderr.includes('following'))
    await call('GET', '/a')
    await call('POST', '/login') // and its GET /b: neither is GET /a
    await call('GET', '/a')
    await waitFor('two lines', () => run.output().stdout.split('\n').filter(Boolean).length >= 2)
    run.child.kill('SIGINT')
    const { code, stdout } = await run
    assert.equal(code, 0)
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(lines.map((l) => `${l.method} ${l.url}`), ['GET /a', 'GET /a'])

    const plain = weft(['inspect', url, '--follow'])
    await waitFor('the stream to open', () => plain.output().stderr.includes('following'))
    await call('GET', '/fail')
    await waitFor('one line', () => plain.output().stdout.includes('/fail'))
    plain.child.kill('SIGINT')
    assert.match((await plain).stdout, /^\d\d:\d\d:\d\d\.\d{3} {2}GET +\/fail {2}500 /m)
  })

  test('colour only when asked: FORCE_COLOR or a TTY; NO_COLOR and --no-color turn it off', async (t) => {
    const { url } = await madeRequests(t)
    assert.match((await weft(['inspect', url], { env: { FORCE_COLOR: '1' } })).stdout, ANSI)
    assert.doesNotMatch((await weft(['inspect', url, '--no-color'], { env: { FORCE_COLOR: '1' } })).stdout, ANSI)
    assert.doesNotMatch((await weft(['inspect', url, 'routes'], { env: { NO_COLOR: '1' } })).stdout, ANSI)
  })

  test('says clearly what is wrong: no URL, a wrong token, nothing listening, an unknown id, a bad filter or option', async (t) => {
    const { url, origin } = await madeRequests(t)
    const none = await weft(['inspect'])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /no URL: pass the page URL the app printed .* or set WEFT_URL/)
    const wrong = await weft(['inspect', url.replace(/token=.*/, 'token=not-the-right-token')])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /refused: .*token/)
    // a port nothing listens on: one this test held a moment ago
    const held = net.createServer()
    await new Promise((resolve) => held.listen(0, '127.0.0.1', resolve))
    const port = held.address().port
    await new Promise((resolve) => held.close(resolve))
    const closed = await weft(['inspect', `http://127.0.0.1:${port}/_weft?token=x`])
    assert.equal(closed.code, 1)
    assert.match(closed.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/_weft \\(ECONNREFUSED\\)`))
    const missing = await weft(['inspect', url, 'req-999999'])
    assert.match(missing.stderr, /no stored request has id "req-999999"/)
    const filter = await weft(['inspect', url, '--status', 'ok'])
    assert.match(filter.stderr, /status must be 1xx\.\.5xx or a code like 404/)
    const option = await weft(['inspect', url, '--fast'])
    assert.equal(option.code, 2)
    assert.match(option.stderr, /unknown option --fast\n\nUsage: weft inspect/)
    const notWeft = await weft(['inspect', origin + '/a'])
    assert.equal(notWeft.code, 1)
    assert.match(notWeft.stderr, /is this a weft app with observe's page option on/)
  })
})
