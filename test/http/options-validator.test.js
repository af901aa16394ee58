// The server options' validator is Ajv standalone code generated ahead of time from
// src/http/options-schema.ts: the committed file must be what the schema compiles to today.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { optionsValidatorSource } from '../../scripts/write-options-validator.mjs'

test('src/http/options-validator.generated.ts is current with options-schema.ts (else: node scripts/write-options-validator.mjs)', async () => {
  const committed = readFileSync(new URL('../../src/http/options-validator.generated.ts', import.meta.url), 'utf8')
  assert.equal(committed, await optionsValidatorSource())
})
