// DOM and formatting helpers shared by the views.

/** h('tag.class', {attrs}, ...children): a tiny element builder (text children are escaped). */
export function h (spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.')
  const el = document.createElement(tag || 'div')
  if (classes.length > 0) el.className = classes.join(' ')
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (v === true) el.setAttribute(k, '')
    else el.setAttribute(k, String(v))
  }
  append(el, children)
  return el
}

function append (el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

export function clear (el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function fmtBytes (n) {
  n = Number(n)
  if (!Number.isFinite(n)) return '—'
  let i = 0
  while (Math.abs(n) >= 1024 && i < UNITS.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)} ${UNITS[i]}`
}

/** "12D3KooW…a1b2c3": enough to tell peers apart, the full ID goes in a title. */
export function shortId (id) {
  if (!id) return ''
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id
}

export function shortCid (cid) {
  if (!cid) return ''
  return cid.length > 20 ? `${cid.slice(0, 10)}…${cid.slice(-8)}` : cid
}

export function fmtTime (d) {
  const t = d instanceof Date ? d : new Date(d)
  return Number.isNaN(t.getTime()) || t.getFullYear() < 1970 ? '—' : t.toLocaleTimeString()
}

/** Says something to screen readers (the polite live region). */
export function announce (text) {
  const el = document.getElementById('announce')
  if (el == null) return
  el.textContent = ''
  setTimeout(() => { el.textContent = text }, 50)
}

/** The header's live-update indicator. */
export function liveState (ok, text) {
  const el = document.getElementById('live')
  if (el == null) return
  el.classList.toggle('ok', ok)
  el.classList.toggle('bad', !ok)
  document.getElementById('live-text').textContent = text
}

/**
 * Runs fn now and every `ms` after the previous run ended (never two at once), until stop().
 * While the tab is hidden it waits; kick() runs it again at once.
 */
export function poll (fn, ms) {
  let stopped = false
  let timer = null
  let running = false
  let again = false
  const run = async () => {
    if (stopped) return
    if (running) { again = true; return }
    clearTimeout(timer)
    running = true
    try {
      await fn()
      liveState(true, `live · ${new Date().toLocaleTimeString()}`)
    } catch (err) {
      if (!stopped) liveState(false, `error: ${err.message}`)
    } finally {
      running = false
    }
    if (stopped) return
    if (again) { again = false; run(); return }
    timer = setTimeout(function tick () {
      if (document.hidden) { timer = setTimeout(tick, 500); return }
      run()
    }, ms)
  }
  run()
  return { stop () { stopped = true; clearTimeout(timer) }, kick: run }
}

export function errorBox (err) {
  return h('p.error', { role: 'alert' }, err instanceof Error ? err.message : String(err))
}
