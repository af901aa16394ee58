// Test servers started from the machine's packages (databases, Prometheus): a free loopback port, a
// binary by name, a child process started until it is ready, and stopped.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'

export function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

export function which (name, dirs = []) {
  for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name)
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

/** Starts `cmd` and returns it once `ready()` resolves true, or throws with its output after `timeoutMs`. */
export async function startServer (cmd, args, ready, timeoutMs = 30_000) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let exited = null
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  child.on('exit', (code, signal) => { exited = `exited with ${code ?? signal}` })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${cmd} ${exited}: ${output.slice(-800)}`)
    if (await ready()) return { child, output: () => output }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  child.kill('SIGKILL')
  throw new Error(`${cmd} did not accept connections within ${timeoutMs} ms: ${output.slice(-800)}`)
}

export function stopServer (child, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return }
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    child.kill('SIGTERM')
  })
}
