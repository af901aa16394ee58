// Weft's live activity page: reads the JSON API (api/v1), then follows the event stream; draws the
// requests table, one request's waterfall (SVG), the routes table, process charts (uPlot) and startup;
// with observe's history option, a run picker reads a kept run's requests and routes (api/v1/runs).
'use strict'
;(function () {
  const base = document.querySelector('meta[name="weft-page-base"]').content
  // 'on' only when the source keeps runs: otherwise the page asks for no runs and shows no picker
  const historyOn = document.querySelector('meta[name="weft-page-history"]').content === 'on'
  const MAX_REQUESTS = 500
  const MAX_SAMPLES = 600
  const NO_ROUTE = '\u0000none'
  const SVG = 'http://www.w3.org/2000/svg'

  const state = {
    requests: [], // newest first
    byKey: new Map(),
    routes: new Set(),
    samples: [],
    view: 'requests',
    openKey: null,
    dropped: 0,
    // a kept run picked in the run picker ({ run, requests, byKey, routes }, read once); null: the live run
    past: null,
    keyOf: (a) => keyOf(a)
  }
  /** What the requests table shows: the live run (state itself) or the kept run picked. */
  const shownStore = () => state.past || state

  const $ = (id) => document.getElementById(id)

  // ---- formatting ---------------------------------------------------------------------------
  /** What measured a CPU figure: the event-loop thread's CPU clock, or wall time in callbacks (Node without it). */
  function clockName (c) {
    return c === 'thread' ? 'thread CPU' : c === 'wall' ? 'wall clock' : ''
  }

  function ms (v) {
    if (v === null || v === undefined) return '–'
    if (v < 1) return v.toFixed(2) + ' ms'
    if (v < 100) return v.toFixed(1) + ' ms'
    return Math.round(v) + ' ms'
  }
  const num = (v) => (v === null || v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v)))
  const mb = (bytes) => bytes / 1048576
  function clock (epochMs) {
    const d = new Date(epochMs)
    const p = (n, w) => String(n).padStart(w, '0')
    return `${p(d.getHours(), 2)}:${p(d.getMinutes(), 2)}:${p(d.getSeconds(), 2)}.${p(d.getMilliseconds(), 3)}`
  }
  /** `2026-12-07 21:40:01`, local time: when a kept run started. */
  function dateTime (epochMs) {
    const d = new Date(epochMs)
    const p = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
  }
  const routeKey = (a) => (a.route === null ? NO_ROUTE : a.route)
  // a request's id is not unique (with requestIdHeader the client picks it): the page keys a request by
  // id, start and duration, the same for one request whether it came in the snapshot or the stream
  const keyOf = (a) => `${a.id}\u0000${a.startedAt}\u0000${a.wallMs}`
  const routeLabel = (a) => (a.route === null ? '(no route) ' + a.url : a.route)
  // a row is a whole activity (from the event stream) or its summary (from api/v1/requests)
  const opCount = (a) => (a.operations ? a.operations.reduce((n, op) => n + op.count, 0) : a.operationCount)
  const leakCount = (a) => (a.leaks ? a.leaks.length : a.leakCount)

  // characters that change how the text around them reads without showing themselves (bidi overrides,
  // embeddings and isolates, zero-width ones): drawn as ⟨U+202E⟩, so a route or a message reads as what it holds
  const HIDDEN = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/
  const HIDDEN_ALL = new RegExp(HIDDEN.source, 'g')
  const codePoint = (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`
  const shown = (text) => (typeof text === 'string' && HIDDEN.test(text) ? text.replace(HIDDEN_ALL, codePoint) : text)
  /** Attributes whose value is read by people (the others, data-* and ids, keep the text as it is). */
  const READ = new Set(['title', 'aria-label'])

  function el (tag, attrs, ...children) {
    const node = document.createElement(tag)
    for (const k in attrs) {
      if (k === 'class') node.className = attrs[k]
      else if (k === 'text') node.textContent = shown(attrs[k])
      else node.setAttribute(k, READ.has(k) ? shown(attrs[k]) : attrs[k])
    }
    for (const c of children) node.append(shown(c))
    return node
  }
  function svg (tag, attrs, text) {
    const node = document.createElementNS(SVG, tag)
    for (const k in attrs) node.setAttribute(k, READ.has(k) ? shown(attrs[k]) : attrs[k])
    if (text !== undefined) node.textContent = shown(text)
    return node
  }
  /** A label that fits its column, hidden characters shown first (the whole text is in the bar's title). */
  function clip (text, n) {
    const t = shown(text)
    return t.length > n ? t.slice(0, Math.max(1, n - 1)) + '…' : t
  }
  function titled (node, text) {
    node.append(svg('title', {}, text))
    return node
  }

  // batches redraws into one animation frame
  const pending = new Set()
  let frame = 0
  function redraw (what) {
    pending.add(what)
    if (frame === 0) frame = requestAnimationFrame(flush)
  }
  function flush () {
    frame = 0
    const todo = [...pending]
    pending.clear()
    for (const what of todo) what()
  }

  function setStatus (text, kind) {
    const s = $('status')
    s.textContent = text
    s.className = 'status ' + (kind || '')
  }

  // ---- tabs ---------------------------------------------------------------------------------
  const tabs = ['requests', 'routes', 'process', 'startup']
  function showView (name, focus) {
    state.view = name
    for (const t of tabs) {
      const tab = $('tab-' + t)
      const on = t === name
      tab.setAttribute('aria-selected', String(on))
      tab.tabIndex = on ? 0 : -1
      $('view-' + t).hidden = !on
      if (on && focus) tab.focus()
    }
    if (name === 'routes') loadRoutes()
    if (name === 'process') redraw(drawCharts)
    if (name === 'startup') loadStartup()
  }
  for (const t of tabs) {
    $('tab-' + t).addEventListener('click', () => showView(t, false))
    $('tab-' + t).addEventListener('keydown', (e) => {
      const i = tabs.indexOf(t)
      if (e.key === 'ArrowRight') showView(tabs[(i + 1) % tabs.length], true)
      else if (e.key === 'ArrowLeft') showView(tabs[(i + tabs.length - 1) % tabs.length], true)
      else return
      e.preventDefault()
    })
  }

  // ---- requests -----------------------------------------------------------------------------
  function addActivity (a) {
    const key = keyOf(a)
    if (state.byKey.has(key)) return
    state.byKey.set(key, a)
    state.requests.unshift(a)
    if (state.requests.length > MAX_REQUESTS) state.byKey.delete(keyOf(state.requests.pop()))
    const route = routeKey(a)
    if (!state.routes.has(route)) {
      state.routes.add(route)
      redraw(drawRouteFilter)
    }
    redraw(drawRequests)
  }

  function drawRouteFilter () {
    const select = $('filter-route')
    const chosen = select.value
    const keys = [...shownStore().routes].sort()
    select.replaceChildren(el('option', { value: '', text: 'all routes' }),
      ...keys.map((k) => el('option', { value: k, text: k === NO_ROUTE ? '(no route)' : k })))
    // a route the run picked now lacks falls back to all routes
    select.value = keys.includes(chosen) ? chosen : ''
  }

  function visibleRequests () {
    const route = $('filter-route').value
    const status = $('filter-status').value
    const store = shownStore()
    let rows = store.requests.filter((a) =>
      (route === '' || routeKey(a) === route) && (status === '' || String(Math.floor(a.statusCode / 100)) === status))
    if ($('sort-slowest').checked) rows = rows.slice().sort((x, y) => y.wallMs - x.wallMs)
    return rows
  }

  function drawRequests () {
    const rows = visibleRequests()
    const store = shownStore()
    const focusedKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined
    const body = $('requests').tBodies[0]
    const out = rows.map((a) => {
      const leaks = leakCount(a)
      const tr = el('tr', { tabindex: '0', 'data-id': a.id, 'data-key': store.keyOf(a), 'aria-label': `${a.method} ${routeLabel(a)} ${a.statusCode}, ${ms(a.wallMs)}; Enter opens its waterfall` },
        el('td', { class: 'muted', text: clock(a.startedAt) }),
        el('td', { class: 'method', text: a.method }),
        el('td', { class: 'route', title: a.url }, routeLabel(a), ...(a.repeated && a.repeated.length > 0
          ? [' ', el('span', { class: 'repeated-flag', title: a.repeated.map((r) => `${r.summary} ×${r.count}`).join(', '), text: 'N+1' })] : [])),
        el('td', { class: 'num s' + Math.floor(a.statusCode / 100), text: String(a.statusCode) }),
        el('td', { class: 'num', text: ms(a.wallMs) }),
        el('td', { class: 'num', text: ms(a.cpuMs), title: clockName(a.cpuClock) }),
        el('td', { class: 'num', text: String(opCount(a)) }),
        el('td', { class: 'num' + (leaks > 0 ? ' leak-count' : ' muted'), text: String(leaks) }))
      return tr
    })
    body.replaceChildren(...out)
    $('requests-empty').hidden = store.requests.length > 0
    $('requests-empty').textContent = store === state ? 'No requests yet. Send one to the app and it appears here.' : `Run ${store.run} kept no requests.`
    $('request-count').textContent = `${rows.length} of ${store.requests.length} shown` + (store === state
      ? (state.dropped > 0 ? ` · ${state.dropped} missed while the page was behind` : '')
      : ` · run ${store.run}` + (store.stored > store.requests.length ? ` (the ${store.requests.length} most recent of ${store.stored})` : ''))
    if (focusedKey !== undefined) {
      const again = body.querySelector(`tr[data-key="${CSS.escape(focusedKey)}"]`)
      if (again) again.focus()
    }
  }

  $('filters').addEventListener('submit', (e) => e.preventDefault())
  for (const id of ['filter-route', 'filter-status', 'sort-slowest']) $(id).addEventListener('change', () => redraw(drawRequests))
  const requestsBody = $('requests').tBodies[0]
  requestsBody.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-key]')
    if (tr) openWaterfall(tr.dataset.key)
  })
  requestsBody.addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr[data-key]')
    if (!tr) return
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault()
      openWaterfall(tr.dataset.key)
    } else if (e.key === 'ArrowDown' && tr.nextElementSibling) {
      e.preventDefault()
      tr.nextElementSibling.focus()
    } else if (e.key === 'ArrowUp' && tr.previousElementSibling) {
      e.preventDefault()
      tr.previousElementSibling.focus()
    }
  })

  // ---- compare: a baseline request, then any other one against it (api/v1/compare) ------------
  // each is { a, run }: the request and the kept run it was read from (null: the live run), so a
  // request of one run compares with one of another (aRun/bRun: the same route across two runs)
  let baseline = null
  let shownRequest = null
  $('compare-baseline').addEventListener('click', () => {
    if (shownRequest === null) return
    baseline = shownRequest
    showCompareBar()
  })
  /** The compare resource's parameters for one side: by start time in the live run, by run number in a kept one. */
  function sideOf (name, side) {
    const q = { [name]: side.a.id }
    if (side.run === null) q[name + 'StartedAt'] = String(side.a.startedAt)
    else q[name + 'Run'] = String(side.run)
    return q
  }
  $('compare-run').addEventListener('click', async () => {
    if (baseline === null || shownRequest === null) return
    const q = new URLSearchParams(Object.assign(sideOf('a', baseline), sideOf('b', shownRequest)))
    try {
      const { comparison, text } = await getJson('compare?' + q.toString())
      // ids restart with each process: the heading names the run of each side
      $('waterfall-compare-title').textContent = shown(`${sideName(shownRequest)} compared with the baseline ${sideName(baseline)}`)
      $('waterfall-compare-text').textContent = shown(text)
      const o = comparison.operations
      const line = (change, words, x) => el('li', { 'data-change': change, 'data-operation': x.operation, 'data-count': String(x.count), text: `${words}: ${x.operation} ×${x.count} (${ms(x.wallMs)})` })
      $('waterfall-compare-ops').replaceChildren(...o.added.map((x) => line('added', 'added', x)), ...o.removed.map((x) => line('removed', 'no longer run', x)))
      $('waterfall-compare').hidden = false
    } catch (err) {
      setStatus('could not compare: ' + err.message, 'down')
    }
  })
  const sideName = (side) => `${side.a.method} ${side.a.url} (${side.a.id}${side.run === null ? (historyOn ? ', live run' : '') : ', run ' + side.run})`
  function showCompareBar () {
    const same = baseline !== null && shownRequest !== null && baseline.run === shownRequest.run &&
      baseline.a.id === shownRequest.a.id && baseline.a.startedAt === shownRequest.a.startedAt
    $('compare-run').hidden = baseline === null || same
    $('compare-baseline-name').textContent = baseline === null ? '' : shown('baseline: ' + sideName(baseline))
    $('waterfall-compare').hidden = true
  }

  // ---- waterfall ----------------------------------------------------------------------------
  const dialog = $('waterfall')
  $('waterfall-close').addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => {
    const key = state.openKey
    state.openKey = null
    const row = key && requestsBody.querySelector(`tr[data-key="${CSS.escape(key)}"]`)
    if (row) row.focus()
  })

  async function openWaterfall (key) {
    const store = shownStore()
    const run = store === state ? null : store.run
    let a = store.byKey.get(key)
    if (!a) return
    if (!a.phases) {
      // a summary: the whole request comes from the API once (by id and start: ids may repeat; in a
      // kept run by id and run), then replaces it
      try {
        a = await getJson(`requests/${encodeURIComponent(a.id)}?` + (run === null ? `startedAt=${encodeURIComponent(a.startedAt)}` : `run=${run}`))
      } catch (err) {
        setStatus('could not load the request: ' + err.message, 'down')
        return
      }
      if (!store.byKey.has(key) || shownStore() !== store) return
      store.byKey.set(key, a)
      const i = store.requests.findIndex((r) => store.keyOf(r) === key)
      if (i !== -1) store.requests[i] = a
    }
    state.openKey = key
    $('waterfall-title').textContent = shown(`${a.method} ${a.url}`)
    const facts = [
      ['route', a.route === null ? '(no route)' : a.route], ['status', String(a.statusCode)], ['duration', ms(a.wallMs)],
      ['CPU', ms(a.cpuMs) + (a.cpuClock ? ` (${clockName(a.cpuClock)})` : '')], ['waiting', ms(a.waitMs)],
      ['waiting for the loop', ms(a.loopWaitMs ?? null)], ['longest block', ms(a.maxBlockMs) + (a.maxBlockMs !== null ? ' (wall)' : '')], ['detail', a.detail],
      ['started', clock(a.startedAt)], ['id', a.id]
    ]
    if (run !== null) facts.push(['run', `${run} (kept in the history)`])
    if (a.error) facts.push(['error', a.error])
    if (a.traceId) facts.push(['trace', a.traceId])
    $('waterfall-facts').replaceChildren(...facts.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v }))))
    $('waterfall-operations').tBodies[0].replaceChildren(...(a.operations.length === 0
      ? [el('tr', {}, el('td', { colspan: '7', class: 'muted', text: a.detail === 'timing' ? 'not recorded at detail "timing"' : 'none' }))]
      : a.operations.map((op) => el('tr', {},
        el('td', { text: op.kind }), el('td', { text: op.name, title: op.callSite || '' }), el('td', { class: 'num', text: String(op.count) }),
        el('td', { class: 'num' + (op.active > 0 ? ' leak-count' : ''), text: String(op.active) }), el('td', { class: 'num', text: ms(op.wallMs) }),
        el('td', { class: 'num', text: ms(op.cpuMs) }), el('td', { class: 'num', text: ms(op.maxBlockMs) })))))
    // the same statement shape 3+ times: the N+1 pattern, flagged above the chart
    const repeated = a.repeated || []
    $('waterfall-repeated').hidden = repeated.length === 0
    $('waterfall-repeated-list').replaceChildren(...repeated.map((r) => el('li', {},
      el('strong', { text: `${r.summary} ×${r.count}` }), el('span', { text: ` (${ms(r.wallMs)} in all${r.callSite ? ', at ' + r.callSite : ''})` }),
      el('code', { text: r.statement }))))
    $('waterfall-leaks-title').textContent = `Leaks (${a.leaks.length})`
    $('waterfall-leaks').replaceChildren(...(a.leaks.length === 0
      ? [el('li', { class: 'muted', text: 'nothing left behind' })]
      : a.leaks.map((l) => el('li', {}, el('span', { text: `${l.type} (${l.kind})${l.operation ? ' from ' + l.operation : ''}, ${ms(l.ageMs)} old${l.callSite ? ' at ' + l.callSite : ''}` })))))
    shownRequest = { a, run }
    showCompareBar()
    if (!dialog.open) dialog.showModal()
    drawWaterfall(a)
    $('waterfall-close').focus()
  }

  function niceStep (range, target) {
    const raw = range / target
    const mag = Math.pow(10, Math.floor(Math.log10(raw)))
    const n = raw / mag
    return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag
  }

  /** Rows of the waterfall, in drawing order: phases each followed by its hooks, then the spans. */
  function waterfallRows (a) {
    const rows = []
    for (const p of a.phases) {
      rows.push({ kind: 'phase', label: p.name, startMs: p.startMs, wallMs: p.wallMs })
      for (const h of p.hooks) rows.push({ kind: 'hook', label: '↳ ' + h.name, startMs: h.startMs, wallMs: h.wallMs, title: `${p.name} hook ${h.name}` })
    }
    const leakedOps = new Set(a.leaks.map((l) => l.operation).filter(Boolean))
    const spans = a.spans.slice().sort((x, y) => x.startMs - y.startMs)
    for (const s of spans) {
      const attrs = s.attributes ? Object.entries(s.attributes).map(([k, v]) => `\n${k}: ${v}`).join('') : ''
      rows.push({ kind: 'span', label: s.name, startMs: s.startMs, wallMs: s.wallMs, leaked: leakedOps.has(`${s.kind} ${s.name}`), title: `${s.kind} ${s.name}${attrs}` })
    }
    return rows
  }

  function drawWaterfall (a) {
    const host = $('waterfall-chart')
    const rows = waterfallRows(a)
    const width = Math.max(640, host.clientWidth || 1000)
    const labelW = 190
    const right = 110
    const rowH = 20
    const top = 24
    const chartW = width - labelW - right
    const endMs = rows.reduce((m, r) => Math.max(m, r.startMs + r.wallMs), a.wallMs) || 1
    const x = (t) => labelW + (t / endMs) * chartW
    const logs = a.logs || []
    const extra = 2 + (a.leaks.length > 0 ? 1 : 0) + (logs.length > 0 ? 1 : 0)
    const height = top + (rows.length + extra) * rowH + 8
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: String(width), height: String(height), role: 'img', 'aria-label': `Waterfall of ${a.method} ${a.url}: ${rows.length} bars over ${ms(a.wallMs)}` })

    // time axis
    const axis = svg('g', { class: 'axis' })
    const step = niceStep(endMs, 8)
    for (let t = 0; t <= endMs + step * 0.001; t += step) {
      axis.append(svg('line', { x1: x(t), x2: x(t), y1: top - 6, y2: height - 4 }))
      const digits = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)))
      axis.append(svg('text', { x: x(t), y: 12, 'text-anchor': 'middle', class: 'dim' }, t === 0 ? '0 ms' : t.toFixed(digits)))
    }
    root.append(axis)

    let y = top
    const label = (text, cls) => root.append(svg('text', { x: 4, y: y + 14, class: cls || '' }, clip(text, 28)))
    const valueText = (startMs, wallMs, text, gap = 4) => {
      const end = x(startMs + wallMs)
      const inside = end + gap + 90 > width
      root.append(svg('text', { x: inside ? x(startMs) - 4 : end + gap, y: y + 14, 'text-anchor': inside ? 'end' : 'start', class: 'dim' }, text))
    }
    const bar = (r, cls, kind) => {
      const w = Math.max(1, (r.wallMs / endMs) * chartW)
      const rect = svg('rect', { x: x(r.startMs), y: y + 4, width: w, height: 12, rx: 2, class: cls, 'data-kind': kind, 'data-start-ms': r.startMs, 'data-wall-ms': r.wallMs })
      return titled(rect, `${r.title || r.label}: ${ms(r.wallMs)} from ${ms(r.startMs)}`)
    }

    // the whole request, then its CPU against its waiting
    label('request', '')
    root.append(bar({ label: 'request', startMs: 0, wallMs: a.wallMs }, 'total', 'request'))
    valueText(0, a.wallMs, ms(a.wallMs))
    y += rowH
    label('CPU / waiting', '')
    if (a.cpuMs !== null) {
      const cpuW = Math.min(a.cpuMs, a.wallMs)
      root.append(titled(svg('rect', { x: x(0), y: y + 4, width: Math.max(1, (cpuW / endMs) * chartW), height: 12, rx: 2, class: 'cpu', 'data-kind': 'cpu', 'data-wall-ms': a.cpuMs }),
        `CPU (callback time) ${ms(a.cpuMs)} in total, longest block ${ms(a.maxBlockMs)}; drawn as a share of the request, not placed in time`))
      root.append(svg('rect', { x: x(cpuW), y: y + 4, width: Math.max(0, ((a.wallMs - cpuW) / endMs) * chartW), height: 12, class: 'wait' }))
      // the part of the waiting that other requests' callbacks held the loop (a share too)
      const loopW = Math.max(0, Math.min(a.loopWaitMs ?? 0, a.wallMs - cpuW))
      if (loopW > 0) {
        root.append(titled(svg('rect', { x: x(cpuW), y: y + 4, width: Math.max(1, (loopW / endMs) * chartW), height: 12, class: 'loop-wait', 'data-loop-wait-ms': a.loopWaitMs }),
          `waiting for the event loop ${ms(a.loopWaitMs)}: other requests' callbacks ran meanwhile; drawn as a share of the request, not placed in time`))
      }
      valueText(0, a.wallMs, `${ms(a.cpuMs)} CPU`)
    } else {
      root.append(svg('text', { x: labelW, y: y + 14, class: 'dim' }, 'not measured at detail "timing"'))
    }
    y += rowH

    for (const r of rows) {
      label(r.label, r.kind === 'phase' ? '' : 'dim')
      root.append(bar(r, r.leaked ? 'leaked' : r.kind, r.kind))
      if (r.leaked) root.append(titled(svg('path', { d: `M${x(r.startMs + r.wallMs) + 3},${y + 10} l5,-5 l5,5 l-5,5 z`, class: 'leak-mark' }), 'still running when the response finished'))
      valueText(r.startMs, r.wallMs, r.leaked ? ms(r.wallMs) + ' (still open)' : ms(r.wallMs), r.leaked ? 18 : 4)
      y += rowH
    }

    if (logs.length > 0) {
      // one mark per line the request logged, where it was logged
      label(`log (${logs.length})`, '')
      for (const l of logs) {
        root.append(titled(svg('path', { d: `M${x(l.timeMs)},${y + 4} v12`, class: 'log-mark', 'data-kind': 'log', 'data-time-ms': l.timeMs }), `${l.level} ${l.msg} at ${ms(l.timeMs)}`))
      }
      y += rowH
    }

    if (a.leaks.length > 0) {
      label(`leaked (${a.leaks.length})`, '')
      a.leaks.forEach((l, i) => {
        const cx = x(a.wallMs) + 4 + i * 12
        root.append(titled(svg('path', { d: `M${cx},${y + 10} l5,-5 l5,5 l-5,5 z`, class: 'leak-mark', 'data-kind': 'leak' }), `${l.type} (${l.kind})${l.operation ? ' from ' + l.operation : ''}, ${ms(l.ageMs)} old`))
      })
    }
    host.replaceChildren(root)
  }

  // ---- routes -------------------------------------------------------------------------------
  let routesTimer = 0
  async function loadRoutes () {
    clearTimeout(routesTimer)
    if (state.view !== 'routes') return
    try {
      const past = state.past
      const { routes } = await getJson(past === null ? 'routes' : `routes?run=${past.run}`)
      if (past === state.past) drawRoutes(routes)
    } finally {
      // a kept run's routes do not change: read once
      if (state.view === 'routes' && state.past === null) routesTimer = setTimeout(loadRoutes, 2000)
    }
  }
  function drawRoutes (routes) {
    const body = $('routes').tBodies[0]
    body.replaceChildren(...routes.map((r) => {
      const leaks = Object.entries(r.leaks).map(([k, n]) => `${k} ×${n}`).join(', ')
      const ops = r.operations.slice(0, 3).map((o) => `${o.name} ×${o.count}`).join(', ')
      return el('tr', {},
        el('td', { class: 'method', text: r.method }), el('td', { class: 'route', text: r.route }), el('td', { class: 'num', text: String(r.count) }),
        el('td', { class: 'num' + (r.errors > 0 ? ' s5' : ''), text: r.count === 0 ? '–' : `${(100 * r.errors / r.count).toFixed(1)}%` }),
        el('td', { class: 'num', text: num(r.wallMs.p50) }), el('td', { class: 'num', text: num(r.wallMs.p95) }), el('td', { class: 'num', text: num(r.wallMs.p99) }),
        el('td', { class: 'num', text: num(r.cpuMs && r.cpuMs.p50) }), el('td', { class: 'num', text: num(r.cpuMs && r.cpuMs.p95) }), el('td', { class: 'num', text: num(r.cpuMs && r.cpuMs.p99) }),
        el('td', { class: 'ops', text: ops || '–' }), el('td', { class: leaks ? 'leak-count' : 'muted', text: leaks || '–' }))
    }))
    $('routes-empty').hidden = routes.length > 0
  }

  // ---- process charts -----------------------------------------------------------------------
  const series = [
    { key: 'cpu', title: 'CPU', unit: '%', color: '--accent', value: (s) => s.cpuPercent },
    { key: 'rss', title: 'RSS', unit: 'MB', color: '--span', value: (s) => mb(s.rssBytes) },
    { key: 'heap', title: 'Heap used', unit: 'MB', color: '--hook', value: (s) => mb(s.heapUsedBytes) },
    { key: 'elu', title: 'Event-loop utilization', unit: '%', color: '--cpu', value: (s) => s.elu * 100 },
    { key: 'delay', title: 'Event-loop delay p99', unit: 'ms', color: '--leak', value: (s) => s.eventLoopDelay.p99Ms },
    { key: 'handles', title: 'Active handles', unit: '', color: '--span', value: (s) => totalOf(s.activeResources), detail: (s) => kindsOf(s.activeResources) }
  ]
  function totalOf (counts) { let n = 0; for (const k in counts || {}) n += counts[k]; return n }
  /** `TCPSocketWrap 3 · Timeout 2`, largest first */
  function kindsOf (counts) {
    return Object.entries(counts || {}).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(' · ')
  }
  let charts = null

  function addSample (s) {
    state.samples.push(s)
    if (state.samples.length > MAX_SAMPLES) state.samples.shift()
    if (state.view === 'process') redraw(drawCharts)
  }

  function cssVar (name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() }

  function makeCharts () {
    const host = $('charts')
    host.replaceChildren()
    const fg = cssVar('--muted')
    const grid = cssVar('--grid')
    charts = series.map((d) => {
      const box = el('div', { class: 'chart', 'data-chart': d.key, 'data-points': '0' },
        el('h2', {}, d.title + (d.unit ? ' (' + d.unit + ')' : ''), el('span', { class: 'latest', text: '–' })))
      if (d.detail) box.append(el('p', { class: 'kinds muted', text: '' }))
      host.append(box)
      const width = Math.max(300, box.clientWidth - 16)
      const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' }
      const plot = new uPlot({
        width,
        height: 150,
        cursor: { show: true, drag: { x: false, y: false } },
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.15 : 1] } },
        axes: [Object.assign({}, axis, { size: 32, values: (u, splits) => splits.map((t) => clock(t * 1000).slice(0, 8)) }), Object.assign({}, axis, { size: 50 })],
        series: [{}, { label: d.title, stroke: cssVar(d.color), width: 1.5, fill: cssVar(d.color) + '22', points: { show: false } }]
      }, [[], []], box)
      return { d, box, plot }
    })
  }

  function drawCharts () {
    if (state.view !== 'process') return
    $('process-empty').hidden = state.samples.length > 0
    if (charts === null) makeCharts()
    const times = state.samples.map((s) => s.time / 1000)
    for (const c of charts) {
      const values = state.samples.map(c.d.value)
      const width = Math.max(300, c.box.clientWidth - 16)
      if (Math.abs(c.plot.width - width) > 2) c.plot.setSize({ width, height: 150 })
      c.plot.setData([times, values])
      c.box.dataset.points = String(values.length)
      const last = values[values.length - 1]
      c.box.querySelector('.latest').textContent = last === undefined ? '–' : (c.d.unit ? `${num(last)} ${c.d.unit}` : String(last))
      if (c.d.detail) {
        const latest = state.samples[state.samples.length - 1]
        c.box.querySelector('.kinds').textContent = latest === undefined ? '' : c.d.detail(latest)
      }
    }
  }
  window.addEventListener('resize', () => redraw(drawCharts))
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (charts !== null) for (const c of charts) c.plot.destroy()
    charts = null
    redraw(drawCharts)
  })

  // ---- startup ------------------------------------------------------------------------------
  let startupLoaded = false
  async function loadStartup () {
    if (startupLoaded) return
    const view = (await getJson('startup')).startup
    startupLoaded = view !== null
    drawStartup(view)
  }

  function drawStartup (view) {
    $('startup-empty').hidden = view !== null
    if (view === null) return
    const host = $('startup-timeline')
    const width = Math.max(480, host.clientWidth || 700)
    const labelW = 200
    const chartW = width - labelW - 70
    const rowH = 20
    const pluginsEnd = view.plugins.reduce((m, p) => Math.max(m, p.startMs + p.wallMs), 0) || 1
    const hooksMax = view.hooks.reduce((m, h) => Math.max(m, h.wallMs), 0) || 1
    const height = 28 + (view.plugins.length + view.hooks.length + 1) * rowH + 8
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: String(width), height: String(height), role: 'img', 'aria-label': 'Startup timeline' })
    let y = 8
    root.append(svg('text', { x: 4, y: y + 12, class: 'dim' }, `plugins (boot took ${ms(pluginsEnd)})`))
    y += rowH
    for (const p of view.plugins) {
      const x = labelW + (p.startMs / pluginsEnd) * chartW
      const w = Math.max(1, (p.wallMs / pluginsEnd) * chartW)
      root.append(svg('text', { x: 4 + p.depth * 12, y: y + 14 }, clip(p.name, 28 - 2 * p.depth)))
      root.append(titled(svg('rect', { x, y: y + 4, width: w, height: 12, rx: 2, class: 'plugin', 'data-kind': 'plugin' }), `${p.name}: ${ms(p.wallMs)} from ${ms(p.startMs)}`))
      root.append(svg('text', { x: x + w + 4, y: y + 14, class: 'dim' }, ms(p.wallMs)))
      y += rowH
    }
    root.append(svg('text', { x: 4, y: y + 14, class: 'dim' }, 'application hooks (duration)'))
    y += rowH
    for (const h of view.hooks) {
      const w = Math.max(1, (h.wallMs / hooksMax) * chartW)
      root.append(svg('text', { x: 4, y: y + 14 }, clip(h.name, 28)))
      root.append(titled(svg('rect', { x: labelW, y: y + 4, width: w, height: 12, rx: 2, class: 'app-hook', 'data-kind': 'app-hook' }), `${h.name}: ${ms(h.wallMs)}`))
      root.append(svg('text', { x: labelW + w + 4, y: y + 14, class: 'dim' }, ms(h.wallMs)))
      y += rowH
    }
    host.replaceChildren(root)
    $('plugin-tree').replaceChildren(el('ul', { class: 'tree' }, treeNode(view.tree)))
  }

  function treeNode (node) {
    const facts = []
    if (node.hooks.length) facts.push('hooks: ' + node.hooks.join(', '))
    if (node.decorators.length) facts.push('decorators: ' + node.decorators.join(', '))
    if (node.routes.length) facts.push('routes: ' + node.routes.join(', '))
    const details = el('details', { open: '' }, el('summary', { text: node.name }),
      ...facts.map((f) => el('div', { class: 'facts-line', text: f })))
    if (node.children.length) details.append(el('ul', {}, ...node.children.map(treeNode)))
    return el('li', {}, details)
  }

  // ---- runs: with observe's history option, the live run and each kept run (api/v1/runs) --------
  const RUNS_EVERY_MS = 5000
  let pickSeq = 0
  function makeRunPicker () {
    const select = el('select', { id: 'run-picker', title: 'Requests and Routes show the run picked; Process and Startup are always this process' })
    select.addEventListener('change', () => { pickRun(select.value) })
    const note = el('span', { class: 'muted run-note', id: 'run-note', text: 'Process and Startup: the live run', hidden: '' })
    $('status').before(el('label', { class: 'runs' }, 'Run ', select), note)
    document.body.dataset.run = 'live'
    return select
  }
  function runText (r, live) {
    return `${live ? 'live run ' + r.run : 'run ' + r.run} · started ${dateTime(r.startedAt)} · ${r.requests} request${r.requests === 1 ? '' : 's'}` +
      (!live && r.endedAt === null ? ' · not closed' : '') + (r.dropped > 0 ? ` (${r.dropped} not kept)` : '')
  }
  function drawRuns (runs, current) {
    const select = $('run-picker') || makeRunPicker()
    const chosen = select.value || 'live'
    const live = runs.find((r) => r.run === current)
    const rows = [{ value: 'live', run: live, live: true }].concat(runs.filter((r) => r.run !== current).map((r) => ({ value: String(r.run), run: r, live: false })))
    const option = (row) => {
      const o = el('option', { value: row.value, text: row.run ? runText(row.run, row.live) : 'live run' })
      if (row.run) Object.assign(o.dataset, { run: String(row.run.run), startedAt: String(row.run.startedAt), requests: String(row.run.requests) })
      return o
    }
    // the same runs: the texts change in place (the list may be open); new or removed runs: a new list
    const same = select.options.length === rows.length && rows.every((row, i) => select.options[i].value === row.value)
    if (same) rows.forEach((row, i) => { const o = option(row); select.options[i].textContent = o.textContent; Object.assign(select.options[i].dataset, o.dataset) })
    else select.replaceChildren(...rows.map(option))
    select.value = rows.some((row) => row.value === chosen) ? chosen : 'live'
    if (select.value !== chosen) pickRun('live')
  }
  let runsTimer = 0
  async function loadRuns () {
    clearTimeout(runsTimer)
    try {
      // a page in a background tab asks again once it is shown (below)
      if (document.hidden && $('run-picker') !== null) return
      const { runs, current } = await getJson('runs')
      drawRuns(runs, current)
    } catch (err) {
      setStatus('could not read the runs: ' + err.message, 'down')
    } finally {
      runsTimer = setTimeout(loadRuns, RUNS_EVERY_MS) // the live run's count grows, runs come and go
    }
  }
  document.addEventListener('visibilitychange', () => { if (historyOn && !document.hidden) loadRuns() })
  /** Shows `value`'s requests: 'live', or a kept run's number (its newest requests, read once). */
  async function pickRun (value) {
    const seq = ++pickSeq
    if (value === 'live') {
      state.past = null
      afterPick()
      return
    }
    const run = Number(value)
    try {
      const list = await getJson(`requests?run=${run}&limit=${MAX_REQUESTS}`)
      if (seq !== pickSeq) return
      const past = { run, stored: list.stored, requests: list.requests, byKey: new Map(), routes: new Set(), keyOf: (a) => `run ${run}\u0000` + keyOf(a) }
      for (const a of past.requests) {
        past.byKey.set(past.keyOf(a), a)
        past.routes.add(routeKey(a))
      }
      state.past = past
      afterPick()
    } catch (err) {
      setStatus(`could not read run ${run}: ` + err.message, 'down')
    }
  }
  function afterPick () {
    document.body.dataset.run = state.past === null ? 'live' : String(state.past.run)
    $('run-note').hidden = state.past === null
    redraw(drawRouteFilter)
    redraw(drawRequests)
    if (state.view === 'routes') loadRoutes()
  }

  // ---- data ---------------------------------------------------------------------------------
  async function getJson (name) {
    const res = await fetch(`${base}/api/v1/${name}`, { headers: { accept: 'application/json' } })
    if (!res.ok) throw new Error(`${name}: ${res.status}`)
    return res.json()
  }

  function connect () {
    const events = new EventSource(`${base}/events`)
    events.addEventListener('open', () => setStatus('live', 'live'))
    events.addEventListener('error', () => setStatus(events.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…', 'down'))
    events.addEventListener('activity', (e) => addActivity(JSON.parse(e.data)))
    events.addEventListener('process', (e) => addSample(JSON.parse(e.data)))
    events.addEventListener('dropped', (e) => {
      state.dropped += JSON.parse(e.data).count
      redraw(drawRequests)
    })
  }

  async function start () {
    // the token came in the URL once; the cookie it set carries it from now on: keep it out of history
    const url = new URL(location.href)
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token')
      history.replaceState(history.state, '', url.pathname + url.search + url.hash)
    }
    connect() // before the snapshots, so nothing falls between them; duplicates are skipped by id
    const [list, proc] = await Promise.all([getJson('requests?limit=' + MAX_REQUESTS), getJson('process')])
    const recent = list.requests
    const samples = proc.samples
    for (const a of recent.slice().reverse()) addActivity(a)
    state.requests.sort((x, y) => y.startedAt - x.startedAt)
    const known = new Set(state.samples.map((s) => s.time))
    state.samples = samples.filter((s) => !known.has(s.time)).concat(state.samples).slice(-MAX_SAMPLES)
    redraw(drawRequests)
    if (historyOn) loadRuns()
    if (location.hash.length > 1 && tabs.includes(location.hash.slice(1))) showView(location.hash.slice(1), false)
  }
  start().catch((err) => setStatus('could not load: ' + err.message, 'down'))
})()
