// inject() with a method light-my-request does not know (issue 16.5): the promise rejects, or the
// callback gets the error, with a clear message; nothing is thrown out of inject() or left uncaught.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import weft from 'weft'
import { noUncaught } from './helpers.js'

const clear = { code: 'WEFT_ERR_INJECT_OPTIONS', message: /^inject\(\): unknown method "FOO"; light-my-request knows .*\bGET\b/ }

function app (t) {
  const a = weft({ logger: false })
  t.after(() => a.close())
  a.get('/', async () => 'ok')
  a.route({ method: 'PATCH', url: '/p', handler: async () => 'patched' })
  return a
}

for (const ready of [false, true]) {
  const when = ready ? 'a ready app' : 'an app not yet ready'
  test(`promise style, ${when}: an unknown method rejects with a clear error`, async (t) => {
    const a = app(t)
    if (ready) await a.ready()
    await noUncaught(async () => {
      await assert.rejects(a.inject({ method: 'FOO', url: '/' }), clear)
      // the app still answers
      assert.equal((await a.inject({ method: 'patch', url: '/p' })).body, 'patched')
    })
  })

  test(`callback style, ${when}: an unknown method reaches the callback, once, with a clear error`, async (t) => {
    const a = app(t)
    if (ready) await a.ready()
    await noUncaught(async () => {
      const calls = []
      let returned
      await new Promise((resolve) => {
        returned = a.inject({ method: 'FOO', url: '/' }, (err, res) => { calls.push([err, res]); resolve() })
      })
      assert.equal(returned, undefined)
      await new Promise((resolve) => setTimeout(resolve, 10))
      assert.equal(calls.length, 1)
      assert.match(calls[0][0].message, clear.message)
      assert.equal(calls[0][0].code, clear.code)
      assert.equal(calls[0][1], undefined)
    })
  })
}

test('a method that is not a string is refused the same way', async (t) => {
  const a = app(t)
  await a.ready()
  await assert.rejects(a.inject({ method: 42, url: '/' }), { code: 'WEFT_ERR_INJECT_OPTIONS', message: /unknown method 42/ })
})
