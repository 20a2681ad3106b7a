// Cluster overview: peers with their freespace / pinqueue metrics and liveness, alerts, and
// the connectivity matrix (who sees whom, from /health/graph). Polled every 5 s.
import { collect, getJSON, peerName, rememberPeerName } from './api.js'
import { clear, errorBox, fmtBytes, fmtTime, h, poll, shortId } from './util.js'

const METRICS = ['ping', 'freespace', 'pinqueue']

function byPeer (metrics) {
  const m = new Map()
  for (const x of metrics ?? []) m.set(x.peer, x)
  return m
}

function live (metric) {
  return metric != null && metric.valid !== false && metric.expire / 1e6 > Date.now()
}

export function mount (main) {
  const heading = h('h1', { tabindex: '-1' }, 'Cluster overview')
  const peersBox = h('section', { 'aria-labelledby': 'peers-h' }, h('h2', { id: 'peers-h' }, 'Peers'), h('p.muted', {}, 'Loading…'))
  const alertsBox = h('section', { 'aria-labelledby': 'alerts-h' }, h('h2', { id: 'alerts-h' }, 'Alerts'), h('p.muted', {}, 'Loading…'))
  const graphBox = h('section', { 'aria-labelledby': 'graph-h' }, h('h2', { id: 'graph-h' }, 'Who sees whom'), h('p.muted', {}, 'Loading…'))
  main.append(heading, peersBox, alertsBox, graphBox)

  let tick = 0
  const p = poll(async () => {
    const graphTurn = tick++ % 2 === 0
    const [ids, alerts, graph, ...metrics] = await Promise.all([
      collect('peers'),
      getJSON('health/alerts'),
      graphTurn ? getJSON('health/graph').catch(err => err) : Promise.resolve(undefined),
      ...METRICS.map(n => getJSON(`monitor/metrics/${n}`).catch(() => []))
    ])
    const [ping, free, queue] = metrics.map(byPeer)
    if (graph !== undefined && !(graph instanceof Error)) {
      for (const [id, name] of Object.entries(graph.id_to_peername ?? {})) rememberPeerName(id, name)
    }
    for (const id of ids) rememberPeerName(id.id, id.peername)
    renderPeers(peersBox, ids, ping, free, queue)
    renderAlerts(alertsBox, alerts ?? [])
    if (graph instanceof Error) clear(graphBox, h('h2', { id: 'graph-h' }, 'Who sees whom'), errorBox(graph))
    else if (graph !== undefined) renderGraph(graphBox, graph)
  }, 5000)
  return () => p.stop()
}

function renderPeers (box, ids, ping, free, queue) {
  const known = new Set(ids.map(i => i.id))
  // peers the monitor knows but that did not answer /peers (down, partitioned)
  const rows = [...ids]
  for (const peer of ping.keys()) if (!known.has(peer)) rows.push({ id: peer, peername: '', error: 'did not answer' })
  rows.sort((a, b) => (a.peername || a.id).localeCompare(b.peername || b.id))
  const up = rows.filter(r => !r.error && live(ping.get(r.id))).length
  const table = h('table.data', {},
    h('caption', {}, `${rows.length} peers, ${up} up`),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Peer'), h('th', { scope: 'col' }, 'ID'), h('th', { scope: 'col' }, 'State'),
      h('th', { scope: 'col' }, 'Sees'), h('th', { scope: 'col' }, 'Free space'), h('th', { scope: 'col' }, 'Pin queue'),
      h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'IPFS'))),
    h('tbody', {}, rows.map(r => {
      const alive = !r.error && live(ping.get(r.id))
      const f = free.get(r.id)
      const q = queue.get(r.id)
      return h('tr', { dataset: { peer: r.id } },
        h('th', { scope: 'row' }, r.peername || '—'),
        h('td.mono', { title: r.id }, shortId(r.id)),
        h('td', {}, h(`span.badge.${alive ? 'ok' : 'bad'}`, {}, alive ? 'up' : 'down'), r.error ? h('span.muted', {}, ` ${r.error}`) : null),
        h('td', {}, r.cluster_peers ? `${r.cluster_peers.length} peers` : '—'),
        h('td', { title: f ? `expires ${fmtTime(f.expire / 1e6)}` : '' }, f ? fmtBytes(f.value) : '—', f && !live(f) ? h('span.muted', {}, ' (stale)') : null),
        h('td', {}, q ? q.value : '—'),
        h('td', {}, r.version || '—'),
        h('td.mono', { title: r.ipfs?.id ?? '' }, r.ipfs?.error ? h('span.bad-text', {}, r.ipfs.error) : shortId(r.ipfs?.id)))
    })))
  clear(box, h('h2', { id: 'peers-h' }, 'Peers'), h('div.scroll', {}, table))
}

function renderAlerts (box, alerts) {
  const body = alerts.length === 0
    ? h('p.muted', {}, 'No alerts.')
    : h('ul.alerts', {}, alerts.map(a => h('li', {},
      h('span.badge.bad', {}, a.name), ' ',
      h('strong', { title: a.peer }, a.peername || peerName(a.peer) || shortId(a.peer)), ' ',
      h('span.muted', {}, `metric expired, triggered ${fmtTime(a.triggered_at)}`))))
  clear(box, h('h2', { id: 'alerts-h' }, 'Alerts'), body)
}

function renderGraph (box, g) {
  const peers = Object.keys(g.id_to_peername ?? {})
  for (const p of Object.keys(g.cluster_links ?? {})) if (!peers.includes(p)) peers.push(p)
  const name = id => g.id_to_peername?.[id] || shortId(id)
  peers.sort((a, b) => name(a).localeCompare(name(b)))
  const sees = (a, b) => (g.cluster_links?.[a] ?? []).includes(b)
  const table = h('table.matrix', {},
    h('caption', {}, 'Rows: the peer asked; columns: the peers it is connected to (cluster swarm).'),
    h('thead', {}, h('tr', {}, h('td'), peers.map(p => h('th', { scope: 'col', title: p }, name(p))))),
    h('tbody', {}, peers.map(a => h('tr', {},
      h('th', { scope: 'row', title: a }, name(a), g.cluster_trust_links?.[a] ? h('span.muted', { title: 'trusted' }, ' ✓') : null),
      peers.map(b => {
        if (a === b) return h('td.self', { 'aria-label': 'self' }, '·')
        const ok = sees(a, b)
        const answered = Object.hasOwn(g.cluster_links ?? {}, a)
        const label = !answered ? `${name(a)} did not answer` : ok ? `${name(a)} sees ${name(b)}` : `${name(a)} does not see ${name(b)}`
        return h(`td.${!answered ? 'unknown' : ok ? 'yes' : 'no'}`, { title: label, 'aria-label': label }, !answered ? '?' : ok ? '●' : '×')
      })))))
  clear(box, h('h2', { id: 'graph-h' }, 'Who sees whom'), h('div.scroll', {}, table))
}
