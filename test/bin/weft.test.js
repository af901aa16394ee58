// The `weft` command itself: its help names every subcommand, and `weft trace` still works.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { weft } from './helpers.js'

describe('weft', () => {
  test('--help names every command', async () => {
    const { code, stdout } = await weft(['--help'])
    assert.equal(code, 0)
    assert.match(stdout, /weft trace .*\n.*weft inspect .*\n.*weft mcp /)
  })

  test('trace still runs a program and writes its report', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-bin-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const script = join(dir, 'three-timers.mjs')
    writeFileSync(script, 'for (let i = 0; i < 3; i++) setTimeout(() => {}, 5)\nprocess.exitCode = 3\n')
    const out = join(dir, 'report.json')
    const { code } = await weft(['trace', '--quiet', '--json', out, script])
    assert.equal(code, 3)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    assert.equal(typeof report, 'object')
  })
})
