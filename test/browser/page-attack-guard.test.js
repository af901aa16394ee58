// The live page's guard under attack, over real sockets: no token or a wrong one, requests another
// page made (Fetch Metadata), same-host proxies (plain, and each forwarding header alone), a client on
// this machine's own network address, and one in a network namespace of its own (where one can be made).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import http from 'node:http'
import { networkInterfaces } from 'node:os'
import weft from 'weft'
import { observe } from 'weft/observe'

const PAGE_PATHS = ['/_weft', '/_weft/assets/page.js', '/_weft/api/recent.json', '/_weft/api/routes.json', '/_weft/api/process.json', '/_weft/api/startup.json', '/_weft/events']
const FORWARDING = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via', 'x-forwarded-host', 'true-client-ip', 'cf-connecting-ip']

/** An observed app with the page; `allow` opens it to a request carrying `x-ops: <secret>`. */
async function pageApp (t, { host = '127.0.0.1', allow = false } = {}) {
  const app = weft()
  const secret = 'ops-secret-' + process.pid
  const page = { maxStreams: 64 }
  if (allow) page.allow = (request) => request.headers['x-ops'] === secret
  await app.register(observe, { page })
  app.get('/hello', async () => 'hi')
  t.after(() => app.close())
  const origStderr = process.stderr.write
  process.stderr.write = function (chunk, ...rest) { return String(chunk).startsWith('weft: live activity page') ? true : origStderr.call(this, chunk, ...rest) }
  try { await app.listen({ port: 0, host }) } finally { process.stderr.write = origStderr }
  return { app, port: app.server.address().port, token: app.observe.page.token, secret }
}

/** A GET over a real socket, optionally from a given local address; status and body. */
function get (url, { headers = {}, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, localAddress, agent: false }, (res) => {
      const status = res.statusCode
      // an event stream never ends: its status is enough
      if (status === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) { req.destroy(); resolve({ status, body: '' }); return }
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status, body }))
    })
    req.on('error', reject)
  })
}

/** A reverse proxy on this machine: forwards to the app, adding `add` (nothing: nginx's default proxy_pass). */
async function proxy (t, port, add = {}) {
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: { ...req.headers, ...add }, agent: false }, (r) => {
      res.writeHead(r.statusCode, r.headers)
      r.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)) })
  return `http://127.0.0.1:${server.address().port}`
}

/** Every way a page client presents the token. */
function withToken (token) {
  return [
    { how: '?token=', path: (p) => `${p}?token=${token}`, headers: {} },
    { how: 'Bearer', path: (p) => p, headers: { authorization: `Bearer ${token}` } }
  ]
}

describe('the page refuses who lacks the token', () => {
  test('no token, a wrong one, or a near miss: 403 on every page route, and the page answers with the token', async (t) => {
    const { port, token } = await pageApp(t)
    const base = `http://127.0.0.1:${port}`
    // the token with its first letter's case changed (a random token may start with a digit, '-' or '_')
    const flip = (s) => s.replace(/[A-Za-z]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
    const wrong = [
      'x'.repeat(token.length), token.slice(0, -1), token + 'x', flip(token), ` ${token}x`, `${token}\t`,
      'A'.repeat(513), ''
    ]
    let refused = 0
    for (const path of PAGE_PATHS) {
      assert.equal((await get(base + path)).status, 403, `${path} without a token`)
      refused++
      for (const w of wrong) {
        assert.equal((await get(`${base}${path}?token=${encodeURIComponent(w)}`)).status, 403, `${path} ?token=${w.slice(0, 20)}`)
        refused++
        // a header value's trailing whitespace is not part of it (HTTP's OWS): only the others go as Bearer
        if (/\s$/.test(w)) continue
        assert.equal((await get(base + path, { headers: { authorization: `Bearer ${w}` } })).status, 403, `${path} Bearer ${w.slice(0, 20)}`)
        refused++
      }
      // the token, but not where the page looks: another cookie's name, a lower-case scheme, a second token= that is right
      assert.equal((await get(base + path, { headers: { cookie: `weft_page_000000000000=${token}` } })).status, 403)
      assert.equal((await get(base + path, { headers: { authorization: `bearer ${token}` } })).status, 403)
      assert.equal((await get(`${base}${path}?token=${'x'.repeat(32)}&token=${token}`)).status, 403)
      refused += 3
      for (const w of withToken(token)) assert.equal((await get(base + w.path(path), { headers: w.headers })).status, 200, `${path} with the token as ${w.how}`)
    }
    assert.equal(refused, PAGE_PATHS.length * (4 + 2 * wrong.length - 1))
  })

  test('a proxy on this machine without forwarding headers: refused without the token, let in with it', async (t) => {
    const { port, token } = await pageApp(t)
    const via = await proxy(t, port)
    for (const path of PAGE_PATHS) assert.equal((await get(via + path)).status, 403, path)
    for (const w of withToken(token)) assert.equal((await get(via + w.path('/_weft'), { headers: w.headers })).status, 200, w.how)
    assert.equal((await get(via + '/hello')).status, 200, 'the app itself answers through the proxy')
  })

  test("a request another page made in the user's browser (Sec-Fetch-Site) is refused, even with the token", async (t) => {
    const { port, token } = await pageApp(t)
    const base = `http://127.0.0.1:${port}`
    const auth = { authorization: `Bearer ${token}` }
    const fetchMeta = (site, mode, dest) => ({ 'sec-fetch-site': site, 'sec-fetch-mode': mode, 'sec-fetch-dest': dest })
    for (const path of PAGE_PATHS) {
      for (const site of ['cross-site', 'same-site']) {
        for (const [mode, dest] of [['no-cors', 'image'], ['cors', 'empty'], ['navigate', 'iframe']]) {
          const res = await get(base + path, { headers: { ...auth, ...fetchMeta(site, mode, dest) } })
          assert.equal(res.status, 403, `${path} ${site} ${mode} ${dest}`)
          assert.match(JSON.parse(res.body).message, /another origin, Sec-Fetch-Site/)
        }
      }
      // the page's own requests, and the address typed or a link from a terminal
      for (const site of ['same-origin', 'none']) assert.equal((await get(base + path, { headers: { ...auth, ...fetchMeta(site, 'cors', 'empty') } })).status, 200, `${path} ${site}`)
    }
    // a link on another page to the page itself may be followed (with the token, as always); not to its data
    assert.equal((await get(`${base}/_weft?token=${token}`, { headers: fetchMeta('same-site', 'navigate', 'document') })).status, 200)
    assert.equal((await get(`${base}/_weft?token=${token}`, { headers: fetchMeta('cross-site', 'navigate', 'document') })).status, 200)
    assert.equal((await get(`${base}/_weft/events?token=${token}`, { headers: fetchMeta('same-site', 'navigate', 'document') })).status, 403)
    assert.equal((await get(`${base}/_weft/api/recent.json?token=${token}`, { headers: fetchMeta('cross-site', 'navigate', 'document') })).status, 403)
  })

  for (const header of FORWARDING) {
    test(`a proxy on this machine that adds only ${header}: refused, even with the token`, async (t) => {
      const { port, token } = await pageApp(t)
      // the value is whatever such a proxy would write, and an empty one counts too
      for (const value of ['127.0.0.1', '']) {
        const via = await proxy(t, port, { [header]: value })
        for (const path of PAGE_PATHS) {
          assert.equal((await get(via + path)).status, 403, `${path} (${header}: ${value})`)
          for (const w of withToken(token)) assert.equal((await get(via + w.path(path), { headers: w.headers })).status, 403, `${path} with the token as ${w.how} (${header}: '${value}')`)
        }
      }
    })
  }
})

/** This machine's own addresses that are not loopback: one IPv4, one IPv6 (not link-local, which needs a scope). */
const addresses = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && !a.address.startsWith('fe80'))
const externals = ['IPv4', 'IPv6'].map((family) => addresses.find((a) => a.family === family)).filter(Boolean)

describe('the page refuses a client that is not on loopback, token or not, unless allow() lets it in', () => {
  for (const address of externals) {
    test(`a client on this machine's own network address ${address.address} (not loopback), the app on '::'`, async (t) => {
      // on '::' an IPv4 peer shows as ::ffff:a.b.c.d, loopback as ::ffff:127.0.0.1
      const { port, token, secret } = await pageApp(t, { host: '::', allow: true })
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      const base = `http://${host}:${port}`
      const from = { localAddress: address.address }
      for (const path of PAGE_PATHS) {
        assert.equal((await get(base + path, from)).status, 403, `${path} from ${address.address}`)
        for (const w of withToken(token)) assert.equal((await get(base + w.path(path), { ...from, headers: w.headers })).status, 403, `${path} with the token as ${w.how} from ${address.address}`)
        assert.equal((await get(base + path, { ...from, headers: { 'x-ops': secret } })).status, 200, `${path}: allow() lets it in`)
      }
      assert.equal((await get(base + '/hello', from)).status, 200, 'the app itself answers it')
      // the same app on loopback, for contrast
      assert.equal((await get(`http://127.0.0.1:${port}/_weft?token=${token}`)).status, 200)
      assert.equal((await get(`http://[::1]:${port}/_weft?token=${token}`)).status, 200)
    })
  }
  if (externals.length === 0) test('a client on a non-loopback address of this machine', { skip: 'no non-loopback interface address on this machine' }, () => {})

  const ns = netnsAvailable()
  test('a client in a network namespace of its own, over a veth pair', { skip: ns.reason }, async (t) => {
    const net = makeNamespace(t)
    const { port, token, secret } = await pageApp(t, { host: net.hostAddress, allow: true })
    const base = `http://${net.hostAddress}:${port}`
    // the client runs inside the namespace: node's fetch over the veth pair
    const script = `const [base, token, secret, paths] = JSON.parse(process.argv[1]); const out = {};
      const status = async (url, headers) => { const r = await fetch(url, { headers }); const s = r.status; await r.body?.cancel(); return s };
      (async () => { for (const p of paths) out[p] = [await status(base + p), await status(base + p + '?token=' + token), await status(base + p, { authorization: 'Bearer ' + token }), await status(base + p, { 'x-ops': secret })];
        out.hello = await status(base + '/hello'); process.stdout.write(JSON.stringify(out)) })()`
    // asynchronously: the app answering it runs in this process
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', net.name, process.execPath, '-e', script, JSON.stringify([base, token, secret, PAGE_PATHS])], { encoding: 'utf8', timeout: 30_000 })
    const out = JSON.parse(stdout)
    for (const path of PAGE_PATHS) assert.deepEqual(out[path], [403, 403, 403, 200], `${path}: none, ?token=, Bearer, allow()`)
    assert.equal(out.hello, 200)
  })
})

/** Whether this process may make a network namespace (root, iproute2, a kernel that allows it). */
function netnsAvailable () {
  const probe = `weft-probe-${process.pid}`
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' })
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' })
    return { reason: false }
  } catch (err) {
    const why = String(err.stderr || err.message).trim().split('\n')[0]
    return { reason: `cannot make a network namespace here (\`ip netns add\`: ${why})` }
  }
}

/** A namespace with one end of a veth pair in it; the other end on the host. Removed after the test. */
function makeNamespace (t) {
  const pid = process.pid
  const name = `weft-attack-${pid}`
  const hostIf = `wa${pid % 1e7}h`
  const nsIf = `wa${pid % 1e7}n`
  // a /30 of its own per process, so runs on several Node lines at once do not collide
  const prefix = `10.${200 + (pid % 50)}.${Math.floor(pid / 50) % 256}`
  const hostAddress = `${prefix}.1`
  const nsAddress = `${prefix}.2`
  const ip = (...args) => execFileSync('ip', args, { stdio: 'pipe' })
  ip('netns', 'add', name)
  t.after(() => { try { ip('link', 'del', hostIf) } catch {} try { ip('netns', 'del', name) } catch {} })
  ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf)
  ip('link', 'set', nsIf, 'netns', name)
  ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf)
  ip('link', 'set', hostIf, 'up')
  ip('-n', name, 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf)
  ip('-n', name, 'link', 'set', nsIf, 'up')
  ip('-n', name, 'link', 'set', 'lo', 'up')
  return { name, hostAddress, nsAddress }
}
