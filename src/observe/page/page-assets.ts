// The page's static files, read once when the page is registered from the assets folder the
// build copies next to this module (page.html/js/css and uPlot's JS and CSS).
import { readFileSync } from 'node:fs'

export interface PageAsset {
  readonly type: string
  readonly body: Buffer
}

const FILES: Record<string, string> = {
  'page.js': 'text/javascript; charset=utf-8',
  'page.css': 'text/css; charset=utf-8',
  'uPlot.iife.min.js': 'text/javascript; charset=utf-8',
  'uPlot.min.css': 'text/css; charset=utf-8'
}

const assetsDir = new URL('./assets/', import.meta.url)

function escapeAttribute (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * The HTML page with its base path filled in, and whether the source keeps history (the page shows
 * its run picker only then, and asks for no runs otherwise); the assets by file name.
 */
export function loadPageAssets (basePath: string, history = false): { html: Buffer, assets: Map<string, PageAsset> } {
  const template = readFileSync(new URL('page.html', assetsDir), 'utf8')
  const html = Buffer.from(template.replaceAll('%BASE%', escapeAttribute(basePath)).replace('%HISTORY%', history ? 'on' : 'off'))
  const assets = new Map<string, PageAsset>()
  for (const [name, type] of Object.entries(FILES)) assets.set(name, { type, body: readFileSync(new URL(name, assetsDir)) })
  return { html, assets }
}
