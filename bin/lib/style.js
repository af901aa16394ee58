// Terminal styling for weft's CLIs: ANSI colours only when asked (a TTY without NO_COLOR, or
// FORCE_COLOR), milliseconds and clocks written the same way everywhere.

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 }

/** `paint.red('x')` when colour is on; the text itself otherwise. */
export function painter (color) {
  const paint = {}
  for (const [name, code] of Object.entries(CODES)) paint[name] = color ? (text) => `\x1b[${code}m${text}\x1b[0m` : (text) => String(text)
  return paint
}

/** Whether a stream gets colour: FORCE_COLOR (not 0) says yes, NO_COLOR says no, else a TTY. */
export function wantsColor (stream) {
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  return stream.isTTY === true
}

export function ms (v) {
  if (v === null || v === undefined) return '–'
  if (v < 1) return v.toFixed(2) + ' ms'
  if (v < 100) return v.toFixed(1) + ' ms'
  return Math.round(v) + ' ms'
}

/** What measured a CPU figure. */
export function clockName (clock) {
  return clock === 'thread' ? 'thread CPU' : clock === 'wall' ? 'wall clock in callbacks' : 'not measured'
}

/** `17:55:01.123` in local time. */
export function timeOf (epochMs) {
  const d = new Date(epochMs)
  const p = (n, w) => String(n).padStart(w, '0')
  return `${p(d.getHours(), 2)}:${p(d.getMinutes(), 2)}:${p(d.getSeconds(), 2)}.${p(d.getMilliseconds(), 3)}`
}

/** Visible width of a string that may hold ANSI codes. */
export function width (text) {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/\x1b\[\d+m/g, '').length
}

export function padEnd (text, n) { return text + ' '.repeat(Math.max(0, n - width(text))) }
export function padStart (text, n) { return ' '.repeat(Math.max(0, n - width(text))) + text }

/** Rows of cells as aligned columns; `right` lists the columns aligned right. */
export function table (head, rows, right = []) {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))))
  return [head, ...rows].map((r) => r.map((c, i) => right.includes(i) ? padStart(c, widths[i]) : padEnd(c, widths[i])).join('  ').trimEnd()).join('\n')
}
