// The soak's figures from the server's samples: least-squares slopes (MB/min) of RSS and heap over
// the second half, the largest of each held count against its cap, and a markdown table of them.

const MB = 1024 * 1024

/** Least-squares slope of y over x. */
export function slope (points) {
  const n = points.length
  if (n < 2) return 0
  let sx = 0, sy = 0
  for (const [x, y] of points) { sx += x; sy += y }
  const mx = sx / n, my = sy / n
  let num = 0, den = 0
  for (const [x, y] of points) { num += (x - mx) * (y - my); den += (x - mx) ** 2 }
  return den === 0 ? 0 : num / den
}

/** MB per minute of `field` over the samples of the second half of the run. */
export function secondHalfSlope (samples, field) {
  const end = samples.at(-1)?.t ?? 0
  const half = samples.filter(s => s.t >= end / 2)
  return slope(half.map(s => [s.t / 60, s[field] / MB]))
}

/** MB per minute of the lowest heap reading of each `window` seconds (what survives collections), second half. */
export function heapFloorSlope (samples, window = 10) {
  const end = samples.at(-1)?.t ?? 0
  const floors = new Map()
  for (const s of samples) {
    if (s.t < end / 2) continue
    const w = Math.floor(s.t / window)
    const f = floors.get(w)
    if (f === undefined || s.heapUsed < f[1]) floors.set(w, [s.t / 60, s.heapUsed / MB])
  }
  return slope([...floors.values()])
}

/** The heap read after each major collection (one point per collection), and its slope over the second half. */
export function afterMajorGCs (samples) {
  const end = samples.at(-1)?.t ?? 0
  const points = []
  let seen = 0
  for (const s of samples) {
    if (s.majorGCs > seen && s.heapAfterMajor !== null) points.push([s.t, s.heapAfterMajor / MB])
    seen = s.majorGCs
  }
  const half = points.filter(([t]) => t >= end / 2).map(([t, mb]) => [t / 60, mb])
  return { count: seen, first: points[0]?.[1] ?? null, last: points.at(-1)?.[1] ?? null, secondHalf: half.length, slope: half.length >= 2 ? slope(half) : null }
}

/** For each held count of app.observe.sizes(): the largest size seen and its cap (null when off). */
export function heldMaxima (samples) {
  const out = {}
  for (const s of samples) {
    for (const [name, value] of Object.entries(s.sizes)) {
      if (value === null) continue
      if (typeof value === 'number') {
        out[name] ??= { max: 0, cap: null }
        out[name].max = Math.max(out[name].max, value)
      } else {
        out[name] ??= { max: 0, cap: value.cap }
        out[name].max = Math.max(out[name].max, value.size)
      }
    }
  }
  return out
}

export function figures (result) {
  const { samples } = result
  const first = samples[0]
  const last = samples.at(-1)
  return {
    seconds: result.seconds,
    requests: result.counts.requests,
    ok: result.counts.ok,
    notFound: result.counts.notFound,
    errors: result.counts.errors + result.counts.unexpected,
    firstProblem: result.counts.firstProblem,
    rssStartMB: first.rss / MB,
    rssEndMB: last.rss / MB,
    rssMaxMB: Math.max(...samples.map(s => s.rss)) / MB,
    heapStartMB: first.heapUsed / MB,
    heapEndMB: last.heapUsed / MB,
    heapMaxMB: Math.max(...samples.map(s => s.heapUsed)) / MB,
    rssSlope: secondHalfSlope(samples, 'rss'),
    heapSlope: secondHalfSlope(samples, 'heapUsed'),
    heapFloorSlope: heapFloorSlope(samples),
    afterMajor: afterMajorGCs(samples),
    held: heldMaxima(samples),
    spansReceived: result.receiver.spans,
    exports: result.receiver.exports,
    droppedSpans: last.droppedSpans,
    internalErrors: last.internalErrors,
    streams: result.streams,
    probeSlowestMs: result.probe.slowest,
    probeFailures: result.probe.failures,
    closeMs: result.closeMs
  }
}

const f1 = (x) => x.toFixed(1)

/** A markdown table (figure | value) of one run. */
export function table (f, { level, node }) {
  const rows = [
    ['Node, level', `${node}, \`${level}\``],
    ['duration', `${f1(f.seconds)} s`],
    ['requests served', `${f.requests} (${f.ok} 200, ${f.notFound} 404)`],
    ['errors (socket errors, unexpected statuses)', String(f.errors)],
    ['RSS start / end / max', `${f1(f.rssStartMB)} / ${f1(f.rssEndMB)} / ${f1(f.rssMaxMB)} MB`],
    ['RSS slope, second half', `${f.rssSlope.toFixed(2)} MB/min`],
    ['heap used start / end / max', `${f1(f.heapStartMB)} / ${f1(f.heapEndMB)} / ${f1(f.heapMaxMB)} MB`],
    ['heap slope, second half', `${f.heapSlope.toFixed(2)} MB/min`],
    ['heap floor slope (lowest of each 10 s), second half', `${f.heapFloorSlope.toFixed(2)} MB/min`],
    ['heap after major GCs: count, first → last', f.afterMajor.count === 0 ? 'none' : `${f.afterMajor.count}, ${f1(f.afterMajor.first)} → ${f1(f.afterMajor.last)} MB`],
    ['heap after major GCs: slope, second half', f.afterMajor.slope === null ? `(${f.afterMajor.secondHalf} in the second half)` : `${f.afterMajor.slope.toFixed(2)} MB/min (${f.afterMajor.secondHalf} GCs)`]
  ]
  for (const [name, { max, cap }] of Object.entries(f.held)) rows.push([`max \`${name}\``, cap === null ? String(max) : `${max} (cap ${cap})`])
  rows.push(['spans received / exports answered', `${f.spansReceived} / ${f.exports}`])
  rows.push(['spans dropped (`droppedSpans`)', String(f.droppedSpans)])
  rows.push(['event streams held (readers: events, dropped)', f.streams.readers.map(r => `${r.events}, ${r.dropped}`).join('; ') + ` + ${f.streams.stalled.length} stalled`])
  rows.push(['observe internal errors', String(f.internalErrors)])
  rows.push(['after the load: slowest of 20 requests', `${f1(f.probeSlowestMs)} ms`])
  rows.push(['app.close()', `${f1(f.closeMs)} ms`])
  return ['| figure | value |', '| --- | --- |', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n')
}
