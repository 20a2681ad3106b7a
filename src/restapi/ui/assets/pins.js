// The pinset: streamed from GET /allocations (or GET /pins?filter=<status> when filtering by
// status), searchable by name or CID, rendered as a virtual list (only the rows in view exist
// in the DOM, so 100k pins stay usable). The per-peer status of the rows in view comes from
// GET /pins?cids=… and is refreshed while they stay in view.
import { ndjson, peerName, peerNames } from './api.js'
import { errorBox, h, liveState, shortCid, shortId } from './util.js'

const ROW = 36
const OVERSCAN = 8
const STATUS_TTL = 10_000
const AUTO_RELOAD_MAX = 5000

const TYPES = [
  ['pin,meta-pin', 'Files (pins and erasure-coded files)'],
  ['meta-pin', 'Erasure-coded files'],
  ['pin', 'Plain pins'],
  ['all', 'Everything (with shards and manifests)'],
  ['shard-pin', 'Shards'],
  ['clusterdag-pin', 'Manifests']
]
const STATUSES = [
  ['', 'Any status'], ['error', 'Errors'], ['queued', 'Queued'], ['pinning', 'Pinning'],
  ['pinned', 'Pinned'], ['unexpectedly_unpinned', 'Unexpectedly unpinned'], ['unpinning', 'Unpinning']
]

const GOOD = new Set(['pinned', 'remote', 'sharded'])
const BUSY = new Set(['pinning', 'pin_queued', 'unpinning', 'unpin_queued'])

export function mount (main, _params, query) {
  const state = {
    items: [],
    shown: [],
    search: query.get('q') ?? '',
    type: 'pin,meta-pin',
    status: '',
    loading: false,
    ac: null,
    statuses: new Map(), // cid → { info, at }
    statusTimer: null,
    frame: 0,
    stopped: false
  }
  const searchInput = h('input', { type: 'search', id: 'pin-search', value: state.search, placeholder: 'name or CID', autocomplete: 'off' })
  const typeSelect = h('select', { id: 'pin-type' }, TYPES.map(([v, l]) => h('option', { value: v }, l)))
  const statusSelect = h('select', { id: 'pin-status' }, STATUSES.map(([v, l]) => h('option', { value: v }, l)))
  const count = h('p.count', { id: 'pin-count', 'aria-live': 'polite' }, '')
  const spacer = h('div.spacer', {})
  const rowsBox = h('div.rows', { role: 'rowgroup' })
  const header = h('div.vrow.head', { role: 'row', 'aria-rowindex': '1' },
    h('span.c-name', { role: 'columnheader' }, 'Name'), h('span.c-cid', { role: 'columnheader' }, 'CID'),
    h('span.c-type', { role: 'columnheader' }, 'Type'), h('span.c-alloc', { role: 'columnheader' }, 'Allocations'),
    h('span.c-status', { role: 'columnheader' }, 'Status per peer'))
  const list = h('div.vlist', { role: 'table', 'aria-label': 'Pins', 'aria-rowcount': '1', tabindex: '0', id: 'pin-list' },
    header, h('div.viewport', {}, spacer, rowsBox))
  const form = h('form.filters', { role: 'search', onsubmit: e => e.preventDefault() },
    h('label', { for: 'pin-search' }, 'Search'), searchInput,
    h('label', { for: 'pin-type' }, 'Type'), typeSelect,
    h('label', { for: 'pin-status' }, 'Status'), statusSelect,
    h('button', { type: 'button', onclick: () => load() }, 'Reload'))
  main.append(h('h1', { tabindex: '-1' }, 'Pins'), form, count, list)
  const viewport = list.querySelector('.viewport')

  const matches = it => {
    const q = state.search.trim().toLowerCase()
    if (q === '') return true
    return it.cid.toLowerCase().includes(q) || (it.name ?? '').toLowerCase().includes(q)
  }

  const schedule = () => {
    if (state.frame !== 0) return
    state.frame = requestAnimationFrame(() => { state.frame = 0; render() })
  }

  function setCount () {
    const total = state.items.length
    const shown = state.shown.length
    const more = state.loading ? ' (loading…)' : ''
    count.textContent = shown === total ? `${total.toLocaleString()} pins${more}` : `${shown.toLocaleString()} of ${total.toLocaleString()} pins match${more}`
    list.setAttribute('aria-rowcount', String(shown + 1))
  }

  function render () {
    if (state.stopped) return
    setCount()
    spacer.style.height = `${state.shown.length * ROW}px`
    const top = viewport.scrollTop
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN)
    const last = Math.min(state.shown.length, Math.ceil((top + viewport.clientHeight) / ROW) + OVERSCAN)
    const rows = []
    for (let i = first; i < last; i++) rows.push(renderRow(state.shown[i], i))
    // keep keyboard focus when the focused row is re-rendered
    const focused = document.activeElement?.closest?.('.vrow')?.dataset.cid
    rowsBox.replaceChildren(...rows)
    if (focused) rowsBox.querySelector(`.vrow[data-cid="${CSS.escape(focused)}"] a, .vrow[data-cid="${CSS.escape(focused)}"] button`)?.focus({ preventScroll: true })
    if (state.shown.length === 0 && !state.loading) rowsBox.replaceChildren(h('p.muted.empty', {}, 'No pins.'))
    queueStatus(state.shown.slice(Math.floor(top / ROW), Math.ceil((top + viewport.clientHeight) / ROW) + 1))
  }

  function renderRow (it, i) {
    const ec = it.erasure
    const isFile = it.type === 'meta-pin' && ec != null
    const name = it.name || '(no name)'
    const st = state.statuses.get(it.cid)?.info ?? (it.peer_map ? it : null)
    const row = h('div.vrow', { role: 'row', 'aria-rowindex': String(i + 2), dataset: { cid: it.cid } },
      h('span.c-name', { role: 'cell' }, isFile ? h('a', { href: `#/file/${it.cid}` }, name) : h('span', { title: name }, name)),
      h('span.c-cid.mono', { role: 'cell', title: it.cid }, shortCid(it.cid)),
      h('span.c-type', { role: 'cell' }, typeBadge(it)),
      h('span.c-alloc', { role: 'cell' }, allocText(it)),
      h('span.c-status', { role: 'cell' }, st ? statusDots(st) : h('span.muted', {}, '…')))
    row.style.transform = `translateY(${i * ROW}px)`
    return row
  }

  function queueStatus (visible) {
    if (state.status !== '') return // the status stream already carries peer_map
    clearTimeout(state.statusTimer)
    state.statusTimer = setTimeout(async () => {
      const now = Date.now()
      const want = visible.filter(it => it && (now - (state.statuses.get(it.cid)?.at ?? 0)) > STATUS_TTL).map(it => it.cid)
      if (want.length === 0 || state.stopped) return
      try {
        await peerNames()
        await ndjson(`pins?cids=${want.slice(0, 60).join(',')}`, infos => {
          for (const info of infos) state.statuses.set(info.cid, { info, at: Date.now() })
          schedule()
        })
      } catch (err) {
        for (const cid of want) state.statuses.set(cid, { info: { peer_map: {}, error: err.message }, at: Date.now() })
        schedule()
      }
    }, 250)
  }

  function sourcePath () {
    return state.status !== '' ? `pins?filter=${encodeURIComponent(state.status)}` : `allocations?filter=${encodeURIComponent(state.type)}`
  }

  async function load () {
    state.ac?.abort()
    const ac = new AbortController()
    state.ac = ac
    state.items = []
    state.shown = []
    state.loading = true
    state.type = typeSelect.value
    state.status = statusSelect.value
    viewport.scrollTop = 0
    schedule()
    const path = sourcePath()
    try {
      await peerNames().catch(() => {})
      await ndjson(path, batch => {
        if (ac.signal.aborted) return
        for (const it of batch) {
          state.items.push(it)
          if (matches(it)) state.shown.push(it)
        }
        schedule()
      }, { signal: ac.signal })
      liveState(true, `loaded ${new Date().toLocaleTimeString()}`)
    } catch (err) {
      if (ac.signal.aborted) return
      main.insertBefore(errorBox(err), list)
    } finally {
      if (state.ac === ac) { state.loading = false; schedule() }
    }
  }

  let searchTimer = null
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer)
    searchTimer = setTimeout(() => {
      state.search = searchInput.value
      state.shown = state.items.filter(matches)
      viewport.scrollTop = 0
      schedule()
    }, 120)
  })
  typeSelect.addEventListener('change', load)
  statusSelect.addEventListener('change', load)
  viewport.addEventListener('scroll', schedule, { passive: true })
  // the list keeps its own scroll: arrow keys and page keys on the focused list move it
  list.addEventListener('keydown', e => {
    const step = { ArrowDown: ROW, ArrowUp: -ROW, PageDown: viewport.clientHeight, PageUp: -viewport.clientHeight }[e.key]
    if (step != null && e.target === list) { viewport.scrollTop += step; e.preventDefault() }
    if (e.key === 'Home' && e.target === list) { viewport.scrollTop = 0; e.preventDefault() }
    if (e.key === 'End' && e.target === list) { viewport.scrollTop = viewport.scrollHeight; e.preventDefault() }
  })
  // small pinsets are re-read every 10 s (new and removed pins show up by themselves); a big
  // one only on Reload, so that 100k pins are not streamed again and again
  async function quietReload () {
    if (state.loading || state.items.length > AUTO_RELOAD_MAX || document.hidden || state.stopped) return
    const ac = new AbortController()
    state.ac = ac
    const fresh = []
    try {
      await ndjson(sourcePath(), batch => { fresh.push(...batch) }, { signal: ac.signal })
    } catch {
      return
    }
    if (state.ac !== ac || state.stopped) return
    state.items = fresh
    state.shown = fresh.filter(matches)
    schedule()
  }
  let ticks = 0
  const refresh = setInterval(() => {
    if (document.hidden) return
    if (++ticks % 2 === 0) quietReload()
    else render()
  }, 5000)
  load()
  return () => { state.stopped = true; state.ac?.abort(); clearInterval(refresh); clearTimeout(state.statusTimer) }
}

function typeBadge (it) {
  if (it.type == null) return '—'
  const ec = it.erasure
  if (it.type === 'meta-pin' && ec) return h('span.badge.ec', { title: `erasure-coded, ${ec.data_shards} data + ${ec.parity_shards} parity shards per stripe` }, `EC ${ec.data_shards}+${ec.parity_shards}`)
  if (it.type === 'shard-pin' && ec?.stripe != null) return h('span.badge', {}, `shard s${ec.stripe}/${ec.shard}`)
  return h('span.badge', {}, it.type)
}

function allocText (it) {
  if (it.type === 'meta-pin') return '—'
  if (it.replication_factor_min === -1) return 'everywhere'
  const a = it.allocations ?? []
  if (a.length === 0) return '—'
  if (a.length === 1) return h('span', { title: a[0] }, peerName(a[0]) || shortId(a[0]))
  return h('span', { title: a.map(p => peerName(p) || p).join(', ') }, `${a.length} peers`)
}

/** One square per peer, coloured by its status, plus a summary for screen readers. */
function statusDots (info) {
  if (info.error) return h('span.bad-text', {}, info.error)
  const entries = Object.entries(info.peer_map ?? {}).sort(([a, x], [b, y]) => (x.peername || a).localeCompare(y.peername || b))
  if (entries.length === 0) return h('span.muted', {}, 'no status')
  const counts = new Map()
  for (const [, s] of entries) counts.set(s.status, (counts.get(s.status) ?? 0) + 1)
  const summary = [...counts].map(([s, n]) => `${s} ${n}`).join(', ')
  return h('span.dots', { 'aria-label': summary, title: summary },
    entries.map(([peer, s]) => h(`span.dot.s-${GOOD.has(s.status) ? (s.status === 'remote' ? 'remote' : 'ok') : BUSY.has(s.status) ? 'busy' : 'bad'}`, {
      title: `${s.peername || peerName(peer) || shortId(peer)}: ${s.status}${s.error ? ` (${s.error})` : ''}`,
      'aria-hidden': 'true'
    })),
    h('span.dots-text', { 'aria-hidden': 'true' }, summary))
}

export { statusDots }
