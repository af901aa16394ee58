// Who a CPU-profile frame belongs to, for the profiling benchmarks (bench/profile.mjs,
// bench/observe.mjs --profile): a package, Weft (this checkout's dist/), node core, the bench
// server, or one of V8's buckets.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { root } from './load.mjs'

const distUrl = pathToFileURL(join(root, 'dist')).href + '/'

/** `byWeftDir`: Weft's frames as `weft <dir>/` (async/, observe/, ...) rather than `weft`. */
export function frameOwner (url, fn, { byWeftDir = false, bench = 'bench server' } = {}) {
  if (url === '') return fn.startsWith('(') ? fn.slice(1, -1) : 'native'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.startsWith(distUrl)) {
    if (!byWeftDir) return 'weft'
    const rest = url.slice(distUrl.length).split('/')
    return rest.length > 1 ? `weft ${rest[0]}/` : 'weft'
  }
  if (url.startsWith('node:')) return 'node core'
  if (url.includes('/bench/')) return bench
  return 'other'
}
