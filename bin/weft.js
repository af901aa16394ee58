#!/usr/bin/env node
// The `weft` command. `weft trace <script.js> [args]` runs a Node program with a weft/async
// tracker preloaded and, when it exits, prints its operations, leaks and process figures;
// `weft inspect` and `weft mcp` read a running app's activity through weft/observe's JSON API.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DETAILS = ['off', 'timing', 'resources', 'promises', 'stacks']

const USAGE = `Usage: weft trace [options] <script.js> [args...]
       weft inspect [url] [latest | list | routes | <request id>] [options]   (weft inspect --help)
       weft mcp [url]    an MCP server on stdio for coding agents           (weft mcp --help)

Runs a Node program with a weft/async tracker preloaded and prints, when it exits, its high-level
operations (kind, name, count, wall, CPU, longest block), what was still alive, and process figures.

Options:
  --detail <level>     off | timing | resources | promises | stacks   (default: resources)
  --json <file>        also write the full report as JSON to <file>
  --max-resources <n>  resources stored at once (default: 50000)
  --interval <ms>      process sampling interval (default: 250)
  --rows <n>           operation rows printed (default: 30)
  --quiet              print nothing; only write --json
  -h, --help           show this help

The exit code of the traced program is passed through.`

function fail (message) {
  process.stderr.write(`weft: ${message}\n\n${USAGE}\n`)
  process.exit(2)
}

function parseTrace (argv) {
  const opts = { detail: 'resources', json: undefined, maxResources: '50000', interval: '250', rows: 30, quiet: false }
  let i = 0
  for (; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') { i++; break }
    if (!a.startsWith('-')) break
    const value = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1)
      if (i + 1 >= argv.length) fail(`${a} needs a value`)
      return argv[++i]
    }
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a
    if (name === '--detail') opts.detail = value()
    else if (name === '--json') opts.json = value()
    else if (name === '--max-resources') opts.maxResources = value()
    else if (name === '--interval') opts.interval = value()
    else if (name === '--rows') opts.rows = Number(value())
    else if (name === '--quiet') opts.quiet = true
    else if (name === '-h' || name === '--help') { process.stdout.write(USAGE + '\n'); process.exit(0) }
    else fail(`unknown option ${a}`)
  }
  if (!DETAILS.includes(opts.detail)) fail(`--detail must be one of ${DETAILS.join(', ')}`)
  if (!/^\d+$/.test(opts.maxResources) || Number(opts.maxResources) < 1) fail('--max-resources must be a positive integer')
  if (!/^\d+$/.test(opts.interval) || Number(opts.interval) < 10) fail('--interval must be at least 10')
  if (!Number.isInteger(opts.rows) || opts.rows < 1) fail('--rows must be a positive integer')
  const script = argv[i]
  if (script === undefined) fail('missing <script.js>')
  return { opts, script, args: argv.slice(i + 1) }
}

async function trace (argv) {
  const { opts, script, args } = parseTrace(argv)
  const preload = join(root, 'dist', 'async', 'trace-preload.js')
  if (!existsSync(preload)) fail(`${preload} is missing: build the package first (npm run build)`)
  const dir = mkdtempSync(join(tmpdir(), 'weft-trace-'))
  const out = join(dir, 'report.json')
  const child = spawn(process.execPath, [...process.execArgv, '--import', pathToFileURL(preload).href, script, ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      WEFT_TRACE_OUT: out,
      WEFT_TRACE_PARENT: String(process.pid),
      WEFT_TRACE_DETAIL: opts.detail,
      WEFT_TRACE_MAX_RESOURCES: opts.maxResources,
      WEFT_TRACE_INTERVAL_MS: opts.interval
    }
  })
  // The terminal sends SIGINT to the whole group; the program decides what to do with it.
  const ignore = () => {}
  process.on('SIGINT', ignore)
  process.on('SIGTERM', () => child.kill('SIGTERM'))
  const [code, signal] = await new Promise(resolve => child.on('exit', (c, s) => resolve([c, s])))
  process.off('SIGINT', ignore)

  let trace
  try { trace = JSON.parse(readFileSync(out, 'utf8')) } catch { trace = undefined }
  rmSync(dir, { recursive: true, force: true })
  if (trace === undefined || trace.error !== undefined) {
    process.stderr.write(`weft trace: no report (${signal !== null ? `the program was killed by ${signal}` : trace?.error ?? 'the program did not run the preload'})\n`)
  } else {
    if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(trace, null, 2) + '\n')
    if (!opts.quiet) {
      const { formatTrace } = await import(pathToFileURL(join(root, 'dist', 'async', 'format.js')).href)
      process.stderr.write('\n' + formatTrace(trace, { maxRows: opts.rows }) + '\n')
    }
  }
  if (signal !== null) {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  }
  process.exit(code ?? 1)
}

const [command, ...rest] = process.argv.slice(2)
if (command === 'trace') await trace(rest)
else if (command === 'inspect') process.exitCode = await (await import('./inspect.js')).inspect(rest)
else if (command === 'mcp') process.exitCode = await (await import('./mcp.js')).mcp(rest)
else if (command === undefined || command === '-h' || command === '--help' || command === 'help') process.stdout.write(USAGE + '\n')
else fail(`unknown command ${command}`)
