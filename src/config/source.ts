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
    throw new SourceFetchError(url, err?.message ?? String(err))
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
