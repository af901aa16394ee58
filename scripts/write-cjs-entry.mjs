// Build step after tsc: writes dist/index.cjs, the `require` entry of package.json's exports:
// require('weft') is the factory itself (its named exports are its properties, as on Fastify's).
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const entry = `'use strict'
// require('weft'): the factory, loaded through Node's require(esm) (Node >= 20.19), so CommonJS
// and ESM callers share one module instance. Its named exports are properties of the factory.
module.exports = require('./index.js').default
`
writeFileSync(join(root, 'dist', 'index.cjs'), entry)
