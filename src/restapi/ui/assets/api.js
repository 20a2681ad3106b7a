// REST API calls of the dashboard. Every call goes to the same origin and path prefix the page
// was served from, so the browser sends the credentials it used for /ui (basic auth) with it.

export class ApiError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** An API URL relative to the document (/ui → /peers; /prefix/ui → /prefix/peers). */
export function apiUrl (path) {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString()
}

async function failure (res) {
  let message = `${res.status} ${res.statusText}`
  try {
    const body = await res.json()
    if (body?.message) message = body.message
  } catch {}
  return new ApiError(res.status, message)
}

export async function call (path, opts = {}) {
  const res = await fetch(apiUrl(path), { credentials: 'same-origin', cache: 'no-store', ...opts })
  if (!res.ok) throw await failure(res)
  return res
}

/** A JSON answer; null for 204. */
export async function getJSON (path, opts = {}) {
  const res = await call(path, opts)
  if (res.status === 204) return null
  return await res.json()
}

/**
 * Streams an NDJSON answer: onItems gets the values parsed from each chunk as they arrive (an
 * array, maybe empty), so that long lists render while they load. Resolves with the count.
 */
export async function ndjson (path, onItems, opts = {}) {
  const res = await call(path, opts)
  if (res.status === 204 || res.body == null) return 0
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let rest = ''
  let count = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    rest += value
    const lines = rest.split('\n')
    rest = lines.pop()
    const items = []
    for (const line of lines) if (line.trim() !== '') items.push(JSON.parse(line))
    count += items.length
    if (items.length > 0) onItems(items)
  }
  if (rest.trim() !== '') {
    onItems([JSON.parse(rest)])
    count++
  }
  return count
}

/** Every value of an NDJSON answer. */
export async function collect (path, opts = {}) {
  const all = []
  await ndjson(path, items => { for (const i of items) all.push(i) }, opts)
  return all
}

let peerCache = { at: 0, map: new Map(), pending: null }

/** peer ID → peer name, from GET /peers (cached for 10 s). */
export async function peerNames (fresh = false) {
  if (!fresh && Date.now() - peerCache.at < 10_000) return peerCache.map
  peerCache.pending ??= collect('peers').then(ids => {
    const map = new Map()
    for (const id of ids) if (id.id) map.set(id.id, id.peername || '')
    peerCache = { at: Date.now(), map, pending: null }
    return map
  }, err => { peerCache.pending = null; throw err })
  return await peerCache.pending
}

/** Names learnt elsewhere (metrics, the graph) fill gaps, e.g. of peers that are down. */
export function rememberPeerName (id, name) {
  if (id && name && !peerCache.map.get(id)) peerCache.map.set(id, name)
}

export function peerName (id) {
  return peerCache.map.get(id) || ''
}
