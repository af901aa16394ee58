// Build step after tsc: copies the live page's static files (src/observe/page/assets) and uPlot's
// browser build (JS, CSS, licence) from node_modules into dist/observe/page/assets.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const from = join(root, 'src', 'observe', 'page', 'assets')
const to = join(root, 'dist', 'observe', 'page', 'assets')
mkdirSync(to, { recursive: true })
for (const name of readdirSync(from)) copyFileSync(join(from, name), join(to, name))

const uplot = dirname(createRequire(import.meta.url).resolve('uplot/package.json'))
for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) copyFileSync(join(uplot, 'dist', name), join(to, name))
copyFileSync(join(uplot, 'LICENSE'), join(to, 'uPlot.LICENSE'))
