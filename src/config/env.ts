// Environment overrides with upstream's names: the section's prefix + "_" + the key with its
// underscores removed, uppercased (listen_multiaddress → CLUSTER_LISTENMULTIADDRESS). Nested
// objects add their key as a further prefix (CLUSTER_CONNECTIONMANAGER_HIGHWATER). Values are
// typed after the value already in the JSON: lists are comma-separated, maps are k1:v1,k2:v2.
import type { JSONObject } from './section.js'

export function envName (prefix: string, key: string): string {
  return `${prefix}_${key.replace(/_/g, '').toUpperCase()}`
}

/** Returns a copy of json with every key that has an environment variable overridden. */
export function applyEnv (json: JSONObject, prefix: string, env: NodeJS.ProcessEnv = process.env): JSONObject {
  const out: JSONObject = { ...json }
  for (const [key, current] of Object.entries(json)) {
    const name = envName(prefix, key)
    if (current != null && typeof current === 'object' && !Array.isArray(current) && !isStringMapKey(key)) {
      out[key] = applyEnv(current as JSONObject, name, env)
      continue
    }
    const raw = env[name]
    if (raw === undefined) continue
    out[key] = convert(raw, current, name)
  }
  return out
}

// Maps whose values are plain strings are set as a whole (k1:v1,k2:v2), not per key.
const STRING_MAP_KEYS = new Set(['tags', 'headers', 'basic_auth_credentials'])
function isStringMapKey (key: string): boolean {
  return STRING_MAP_KEYS.has(key)
}

function convert (raw: string, current: unknown, name: string): unknown {
  if (typeof current === 'number') {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`environment variable ${name}: "${raw}" is not a number`)
    return n
  }
  if (typeof current === 'boolean') {
    const v = raw.trim().toLowerCase()
    if (['1', 't', 'true'].includes(v)) return true
    if (['0', 'f', 'false', ''].includes(v)) return false
    throw new Error(`environment variable ${name}: "${raw}" is not a boolean`)
  }
  if (Array.isArray(current)) {
    return raw.split(',').map(s => s.trim()).filter(s => s !== '')
  }
  if (current != null && typeof current === 'object') {
    return parseMap(raw, name)
  }
  if (current === null && /CREDENTIALS$/.test(name)) return parseMap(raw, name)
  return raw
}

function parseMap (raw: string, name: string): Record<string, string> {
  const m: Record<string, string> = {}
  for (const pair of raw.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const i = pair.indexOf(':')
    if (i <= 0) throw new Error(`environment variable ${name}: "${pair}" is not key:value`)
    m[pair.slice(0, i)] = pair.slice(i + 1)
  }
  return m
}
