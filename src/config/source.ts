// Remote configurations (upstream's "source"): a service.json holding only {"source": "<url>"}
// takes every section from that URL at each load (followers of a collaborative cluster get
// the cluster's settings from its publisher); identity.json stays local.
import type { JSONObject } from './section.js'

const FETCH_TIMEOUT_MS = 30_000

export class SourceFetchError extends Error {
  constructor (url: string, why: string) {
    super(`error fetching configuration from source ${url}: ${why}`)
    this.name = 'SourceFetchError'
  }
}

/** Fetches and parses the configuration a "source" URL points at (http or https only). */
export async function fetchSourceConfig (url: string): Promise<JSONObject> {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new SourceFetchError(url, 'not a URL')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SourceFetchError(url, 'only http and https sources are supported')
  let text: string
  try {
    const r = await fetch(u, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`)
    text = await r.text()
  } catch (err: any) {
    // fetch's own "fetch failed" says nothing: the cause (connection refused, unknown host) does
    const cause = err?.cause?.message
    throw new SourceFetchError(url, `${String(err?.message ?? err)}${typeof cause === 'string' && cause !== '' ? ` (${cause})` : ''}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err: any) {
    throw new SourceFetchError(url, `invalid JSON: ${err.message}`)
  }
  if (json == null || typeof json !== 'object' || Array.isArray(json)) throw new SourceFetchError(url, 'not a JSON object')
  if ('source' in json) throw new SourceFetchError(url, 'a remote configuration cannot point to another source')
  return json as JSONObject
}

/** Upstream's default gateway for configuration names (ipfs-cluster-follow's --gateway, IPFS_GATEWAY). */
export const DEFAULT_GATEWAY = '127.0.0.1:8080'

export class SourceUrlError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SourceUrlError'
  }
}

/** A follower's configuration URL and, when it goes through a gateway, the IPFS path fetched. */
export interface FollowSource {
  url: string
  /** set when the argument was not an http(s) URL */
  ipfsPath?: string
  /** the argument was a bare DNSLink name (upstream's only non-URL form) */
  dnslink?: boolean
}

const PATH_FORMS = 'an http(s) URL, an IPFS path (/ipfs/<cid>, /ipns/<name>) or a DNSLink name'

/**
 * The base URL of an IPFS gateway given as upstream's host:port (its default 127.0.0.1:8080,
 * fetched over http) or as an http(s) URL, used verbatim as upstream 1.1.6 does (a path prefix is
 * kept).
 */
export function gatewayBase (gateway: string): string {
  const bad = (why: string): SourceUrlError =>
    new SourceUrlError(`invalid gateway "${gateway}": ${why} (expected <host>:<port> such as ${DEFAULT_GATEWAY}, or an http(s) URL)`)
  if (gateway === '' || /\s/.test(gateway)) throw bad('empty or containing spaces')
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(gateway)
  if (scheme != null && !/^https?$/i.test(scheme[1])) throw bad(`unsupported scheme "${scheme[1]}:"`)
  const withScheme = scheme != null ? gateway : `http://${gateway}`
  let u: URL
  try {
    u = new URL(withScheme)
  } catch {
    throw bad('not a host:port or URL')
  }
  if (u.hostname === '') throw bad('no host')
  if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') throw bad('query, fragment or credentials are not allowed')
  if (scheme == null && u.pathname !== '/') throw bad('a path needs an http:// or https:// URL')
  return withScheme.replace(/\/+$/, '')
}

/**
 * ipfs-cluster-follow's configuration argument (upstream initCluster): an argument starting with
 * http:// or https:// is the URL itself; anything else is read from an IPFS gateway: a bare name
 * is upstream's DNSLink address /ipns/<name>; /ipfs/<cid>[/…] and /ipns/<name>[/…] paths (and
 * ipfs:// / ipns:// URLs) are fetched at that path. Other URL schemes and other absolute paths are
 * refused.
 */
export function followSourceUrl (arg: string, gateway: string = DEFAULT_GATEWAY): FollowSource {
  if (arg.startsWith('http://') || arg.startsWith('https://')) return { url: arg }
  if (arg === '' || /\s/.test(arg)) throw new SourceUrlError(`invalid configuration source "${arg}": expected ${PATH_FORMS}`)
  let path: string
  let dnslink = false
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(arg)
  if (scheme != null) {
    const s = scheme[1].toLowerCase()
    if (s !== 'ipfs' && s !== 'ipns') throw new SourceUrlError(`unsupported URL scheme "${scheme[1]}:" in "${arg}": expected ${PATH_FORMS}`)
    path = `/${s}/${scheme[2]}`
  } else if (arg.startsWith('/')) {
    path = arg
  } else {
    path = `/ipns/${arg}`
    dnslink = true
  }
  // the name: a CID, a key or a DNS name (none holds ':', which a forgotten http:// leaves)
  const m = /^\/(ipfs|ipns)\/([^/?#:]+)(\/[^?#]*)?$/.exec(path)
  if (m == null) throw new SourceUrlError(`invalid configuration source "${arg}": expected ${PATH_FORMS}`)
  const url = gatewayBase(gateway) + path
  try {
    void new URL(url)
  } catch {
    throw new SourceUrlError(`invalid configuration source "${arg}": ${url} is not a valid URL`)
  }
  return { url, ipfsPath: path, dnslink }
}
