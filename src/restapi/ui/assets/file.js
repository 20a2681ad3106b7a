// One erasure-coded file: the stripe × shard grid coloured by health (healthy / lost / corrupt
// / being repaired), the holder of each shard, how many more losses each stripe survives, and
// the ecget (download) and repair (ecrecovery) buttons. Health comes from GET /pins/{cid}
// (the `erasure` status, polled every 3 s); holders from the file's shard pins
// (GET /allocations?filter=shard-pin, re-read after a repair, when they disagree with the
// lost shards, and every 30 s).
import { apiUrl, getJSON, ndjson, peerName, peerNames } from './api.js'
import { announce, clear, errorBox, fmtBytes, h, poll, shortId } from './util.js'

const STATE_TEXT = { healthy: 'healthy', lost: 'lost', corrupt: 'corrupt', repairing: 'being repaired', none: 'no shard' }
const STATE_MARK = { healthy: '✓', lost: '✗', corrupt: '!', repairing: '↻', none: '' }
const MANY_STRIPES = 400

export function mount (main, [cid]) {
  const st = {
    cid,
    pin: null, // the meta pin
    status: null, // GlobalPinInfo with .erasure
    shards: new Map(), // `${stripe}/${position}` → shard pin
    layoutAt: 0,
    repairing: false,
    report: null,
    onlyDegraded: null,
    stopped: false
  }
  const heading = h('h1', { tabindex: '-1' }, 'Erasure-coded file')
  const summary = h('section.summary', { 'aria-label': 'File summary' }, h('p.muted', {}, 'Loading…'))
  const downloadLink = h('a.button', { id: 'ecget', href: apiUrl(`ecget/${cid}`), download: '' }, 'Download (ecget)')
  const repairButton = h('button.primary', { id: 'repair', type: 'button', onclick: () => repair() }, 'Repair lost shards')
  const actions = h('div.actions', {}, downloadLink, repairButton,
    h('span.muted.hint', { id: 'repair-hint' }, 'Repair runs ecrecovery: every erasure-coded file’s lost shards are rebuilt onto live peers.'))
  repairButton.setAttribute('aria-describedby', 'repair-hint')
  const reportBox = h('div.report', { id: 'repair-report', 'aria-live': 'polite' })
  const gridBox = h('section', { 'aria-labelledby': 'grid-h' })
  main.append(heading, summary, actions, reportBox, gridBox)

  async function loadLayout (manifest) {
    const mine = new Map()
    await ndjson('allocations?filter=shard-pin', pins => {
      for (const p of pins) {
        const e = p.erasure
        if (e?.manifest === manifest && e.stripe != null && e.shard != null) mine.set(`${e.stripe}/${e.shard}`, p)
      }
    })
    st.shards = mine
    st.layoutAt = Date.now()
  }

  /** Lost entries whose CID or holder the layout does not know: the layout is stale. */
  function layoutStale () {
    for (const s of st.status.erasure.stripes) {
      for (const l of s.lost) {
        const p = st.shards.get(`${s.stripe}/${l.position}`)
        if (p == null || p.cid !== l.cid || (l.holder !== '' && (p.allocations ?? [])[0] !== l.holder)) return true
      }
    }
    return false
  }

  const p = poll(async () => {
    let pin, status
    try {
      ;[pin, status] = await Promise.all([
        st.pin ?? getJSON(`allocations/${cid}`),
        getJSON(`pins/${cid}`),
        peerNames().catch(() => null)
      ])
    } catch (err) {
      // a file never shown (unknown CID, daemon error) says why; a shown one keeps its grid
      if (st.status == null && !st.stopped) clear(summary, errorBox(err))
      throw err
    }
    if (st.stopped) return
    st.pin = pin
    st.status = status
    if (status?.erasure == null) {
      clear(summary, errorBox(`${cid} is not an erasure-coded file`))
      return
    }
    if (st.layoutAt === 0 || Date.now() - st.layoutAt > 30_000 || layoutStale()) await loadLayout(status.erasure.manifest)
    render()
  }, 3000)

  async function repair () {
    if (st.repairing) return
    st.repairing = true
    st.report = null
    repairButton.setAttribute('aria-disabled', 'true')
    repairButton.setAttribute('aria-busy', 'true')
    repairButton.textContent = 'Repairing…'
    announce('Repair started')
    clear(reportBox, h('p', {}, 'Repair running: rebuilding lost shards from parity…'))
    render()
    const reports = []
    try {
      await ndjson('ecrecovery', items => { reports.push(...items) }, { method: 'POST' })
      st.report = reports.find(r => r.cid === cid) ?? { cid, lost: [], rebuilt: [], new_holders: [] }
      renderReport(reportBox, st.report, reports.length)
      announce(`Repair finished: ${st.report.rebuilt.length} shards rebuilt`)
    } catch (err) {
      clear(reportBox, errorBox(err))
      announce(`Repair failed: ${err.message}`)
    } finally {
      st.repairing = false
      repairButton.removeAttribute('aria-disabled')
      repairButton.removeAttribute('aria-busy')
      repairButton.textContent = 'Repair lost shards'
      st.layoutAt = 0
      p.kick()
    }
  }

  function render () {
    const e = st.status.erasure
    const name = st.pin?.name || st.status.name || ''
    heading.textContent = `Erasure-coded file ${name}`
    downloadLink.setAttribute('download', name || cid)
    const lostCount = e.stripes.reduce((n, s) => n + s.lost.length, 0)
    const degraded = e.stripes.filter(s => s.lost.length > 0).length
    const minTol = e.stripes.length > 0 ? Math.min(...e.stripes.map(s => s.tolerates)) : e.parity_shards
    clear(summary, h('dl.facts', {},
      fact('CID', h('span.mono', { title: cid }, cid)),
      fact('Size', fmtBytes(e.file_size)),
      fact('Coding', `${e.data_shards} data + ${e.parity_shards} parity shards per stripe`),
      fact('Stripes', `${e.stripes.length} (${degraded} degraded, ${e.unrecoverable.length} unrecoverable)`),
      fact('Lost shards', String(lostCount)),
      fact('Survives', e.stripes.length === 0 ? '—' : minTol < 0 ? 'NOT RECOVERABLE' : `${minTol} more loss${minTol === 1 ? '' : 'es'} in the weakest stripe`),
      fact('Tree holders', e.tree == null ? '—' : treeText(e.tree))))
    summary.dataset.lost = String(lostCount)
    if (e.stripes.length === 0) {
      clear(gridBox, h('h2', { id: 'grid-h' }, 'Shards'), h('p', {}, `Small file stored as ${e.parity_shards + 1} full copies instead of shards (it survives the same ${e.parity_shards} losses).`))
      return
    }
    renderGrid(e)
  }

  function renderGrid (e) {
    const width = e.data_shards + e.parity_shards
    st.onlyDegraded ??= e.stripes.length > MANY_STRIPES
    const toggle = h('input', { type: 'checkbox', id: 'only-degraded', checked: st.onlyDegraded, onchange: ev => { st.onlyDegraded = ev.target.checked; render() } })
    const counts = { healthy: 0, lost: 0, corrupt: 0, repairing: 0 }
    const rows = []
    for (const s of e.stripes) {
      const lost = new Map(s.lost.map(l => [l.position, l]))
      const cells = []
      for (let pos = 0; pos < width; pos++) {
        const c = cell(s.stripe, pos, e, lost.get(pos), st.shards.get(`${s.stripe}/${pos}`), st.repairing)
        if (c.dataset.state in counts) counts[c.dataset.state]++
        cells.push(c)
      }
      if (st.onlyDegraded && s.lost.length === 0) continue
      const tol = s.tolerates
      rows.push(h('tr', { dataset: { stripe: s.stripe } },
        h('th', { scope: 'row' }, `Stripe ${s.stripe}`),
        cells,
        h('td.num', {}, `${s.healthy}/${s.shards}`),
        h(`td.tol.${tol < 0 ? 'bad' : tol === 0 ? 'warn' : 'ok'}`, { dataset: { tolerates: tol } }, tol < 0 ? 'unrecoverable' : `${tol} more`)))
    }
    const head = h('tr', {}, h('th', { scope: 'col' }, 'Stripe'),
      Array.from({ length: width }, (_, pos) => {
        const parity = pos >= e.data_shards
        return h('th', { scope: 'col', title: parity ? `parity shard ${pos - e.data_shards}` : `data shard ${pos}` }, parity ? `P${pos - e.data_shards}` : `D${pos}`)
      }),
      h('th', { scope: 'col' }, 'Healthy'), h('th', { scope: 'col' }, 'Survives'))
    const legend = h('ul.legend', { 'aria-label': 'Legend' },
      Object.entries(counts).map(([k, n]) => h('li', {}, h(`span.cell-sample.st-${k}`, { 'aria-hidden': 'true' }, STATE_MARK[k]), ` ${STATE_TEXT[k]}: ${n}`)))
    // keep the grid's own scroll position across refreshes
    const oldScroll = gridBox.querySelector('.scroll')?.scrollTop ?? 0
    clear(gridBox,
      h('h2', { id: 'grid-h' }, 'Shards by stripe'),
      h('div.grid-tools', {}, legend, h('label.check', { for: 'only-degraded' }, toggle, ' Only stripes with losses')),
      h('div.scroll.grid-scroll', { tabindex: '0', 'aria-label': 'Shard grid, scrollable' },
        h('table.grid', { id: 'shard-grid' },
          h('caption', {}, 'Rows are stripes, columns data (D) and parity (P) shards; each cell names the peer holding the shard.'),
          h('thead', {}, head), h('tbody', {}, rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: width + 3 }, 'No stripe has lost shards.'))))))
    const sc = gridBox.querySelector('.scroll')
    if (sc) sc.scrollTop = oldScroll
  }

  return () => { st.stopped = true; p.stop() }
}

function cell (stripe, pos, e, lost, pin, repairing) {
  const parity = pos >= e.data_shards
  const label = parity ? `parity ${pos - e.data_shards}` : `data ${pos}`
  let state = 'healthy'
  if (lost != null) state = lost.reason === 'corrupt' ? 'corrupt' : repairing ? 'repairing' : 'lost'
  else if (pin == null) state = 'none'
  const holder = lost?.holder || (pin?.allocations ?? [])[0] || ''
  const who = holder === '' ? (state === 'none' ? '' : 'no holder') : (peerName(holder) || shortId(holder))
  const why = lost != null ? ` (${lost.reason})` : ''
  const text = `Stripe ${stripe} ${label}: ${STATE_TEXT[state]}${why}${who ? ` on ${who}` : ''}`
  return h(`td.cell.st-${state}`, {
    dataset: { stripe, pos, state, holder, cid: pin?.cid ?? lost?.cid ?? '' },
    title: `${text}${pin?.cid ? `\nshard ${pin.cid}` : ''}`,
    'aria-label': text
  }, h('span.mark', { 'aria-hidden': 'true' }, STATE_MARK[state]), h('span.who', { 'aria-hidden': 'true' }, who))
}

function fact (k, v) {
  return [h('dt', {}, k), h('dd', {}, v)]
}

function treeText (tree) {
  const names = tree.holders.map(p => peerName(p) || shortId(p))
  if (tree.lost.length === 0) return `${names.join(', ')} (all up)`
  return `${names.join(', ')}; lost on ${tree.lost.map(p => peerName(p) || shortId(p)).join(', ')}`
}

function renderReport (box, r, files) {
  const items = [
    h('li', {}, `Lost: ${r.lost.length} shard${r.lost.length === 1 ? '' : 's'}`),
    h('li', {}, `Rebuilt: ${r.rebuilt.length}${r.rebuilt.length > 0 ? ` → ${[...new Set(r.rebuilt.map(x => peerName(x.holder) || shortId(x.holder)))].join(', ')}` : ''}`)
  ]
  if (r.tree_copies?.length) items.push(h('li', {}, `Tree copies: ${r.tree_copies.length}`))
  for (const err of r.errors ?? []) items.push(h('li.bad-text', {}, err))
  clear(box, h('h2', {}, 'Last repair'), h('ul', {}, items), h('p.muted', {}, `ecrecovery checked ${files} erasure-coded file${files === 1 ? '' : 's'}.`))
}
