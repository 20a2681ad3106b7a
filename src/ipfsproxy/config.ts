// `api.ipfsproxy`: the kubo-RPC-compatible API of the cluster (upstream's keys, defaults and
// CLUSTER_IPFSPROXY_* names). Present in service.json → the proxy runs.
import type { ConfigSection, JSONObject } from '../config/section.js'
import { isString, isStringArray, stringsField, stringsJSON } from '../config/section.js'
import { durationField, durationJSON } from '../config/durations.js'
import { parseGoBool } from '../common/parse.js'
import { parseListenMultiaddr } from '../restapi/common/multiaddr.js'
import { parseNodeMultiaddr } from '../ipfs/kubo/node-address.js'

export interface IpfsProxyConfig {
  listen_multiaddress: string[]
  /** the kubo API calls that are not the cluster's are forwarded to (kubo backend only) */
  node_multiaddress: string
  node_https: boolean
  /** access log file; relative to the config folder. Empty → the ipfsproxylog logger */
  log_file: string
  read_timeout: number
  read_header_timeout: number
  write_timeout: number
  idle_timeout: number
  max_header_bytes: number
  /** kubo response headers copied onto the cluster's own answers */
  extract_headers_extra: string[]
  extract_headers_path: string
  extract_headers_ttl: number
  /** folder relative paths are resolved against (set by whoever loads the config) */
  base_dir: string
}

export const DEFAULT_PROXY_LISTEN = '/ip4/127.0.0.1/tcp/9095'
export const DEFAULT_EXTRACT_HEADERS_PATH = '/api/v0/version'
export const DEFAULT_EXTRACT_HEADERS_TTL = 300_000
const MIN_MAX_HEADER_BYTES = 4096

export const ipfsProxyConfigSection: ConfigSection<IpfsProxyConfig> = {
  path: ['api', 'ipfsproxy'],
  envPrefix: 'CLUSTER_IPFSPROXY',
  defaults () {
    return {
      listen_multiaddress: [DEFAULT_PROXY_LISTEN],
      node_multiaddress: '/ip4/127.0.0.1/tcp/5001',
      node_https: false,
      log_file: '',
      read_timeout: 0,
      read_header_timeout: 5_000,
      write_timeout: 0,
      idle_timeout: 60_000,
      max_header_bytes: MIN_MAX_HEADER_BYTES,
      extract_headers_extra: [],
      extract_headers_path: DEFAULT_EXTRACT_HEADERS_PATH,
      extract_headers_ttl: DEFAULT_EXTRACT_HEADERS_TTL,
      base_dir: ''
    }
  },
  parse (json: JSONObject) {
    const d = this.defaults()
    const listen = stringsField(json, 'listen_multiaddress', []).flatMap(a => a.split(',')).map(a => a.trim()).filter(a => a !== '')
    const cfg: IpfsProxyConfig = {
      listen_multiaddress: listen.length > 0 ? listen : d.listen_multiaddress,
      node_multiaddress: str(json, 'node_multiaddress') || d.node_multiaddress,
      node_https: bool(json, 'node_https', d.node_https),
      log_file: str(json, 'log_file'),
      read_timeout: durationField(json, 'read_timeout', d.read_timeout),
      read_header_timeout: durationField(json, 'read_header_timeout', d.read_header_timeout),
      write_timeout: durationField(json, 'write_timeout', d.write_timeout),
      idle_timeout: durationField(json, 'idle_timeout', d.idle_timeout),
      max_header_bytes: int(json, 'max_header_bytes', d.max_header_bytes),
      extract_headers_extra: list(json, 'extract_headers_extra'),
      extract_headers_path: str(json, 'extract_headers_path') || d.extract_headers_path,
      extract_headers_ttl: durationField(json, 'extract_headers_ttl', d.extract_headers_ttl),
      base_dir: ''
    }
    if (cfg.max_header_bytes === 0) cfg.max_header_bytes = MIN_MAX_HEADER_BYTES
    validate(cfg)
    return cfg
  },
  toJSON (cfg) {
    // Every key is written (upstream omits some when default) so that environment overrides,
    // which only reach keys present in the JSON, reach them all.
    return {
      listen_multiaddress: stringsJSON(cfg.listen_multiaddress),
      node_multiaddress: cfg.node_multiaddress,
      node_https: cfg.node_https,
      log_file: cfg.log_file,
      read_timeout: durationJSON(cfg.read_timeout),
      read_header_timeout: durationJSON(cfg.read_header_timeout),
      write_timeout: durationJSON(cfg.write_timeout),
      idle_timeout: durationJSON(cfg.idle_timeout),
      max_header_bytes: cfg.max_header_bytes,
      extract_headers_extra: cfg.extract_headers_extra,
      extract_headers_path: cfg.extract_headers_path,
      extract_headers_ttl: durationJSON(cfg.extract_headers_ttl)
    }
  }
}

function validate (cfg: IpfsProxyConfig): void {
  for (const a of cfg.listen_multiaddress) {
    try {
      parseListenMultiaddr(a)
    } catch (err: any) {
      throw new Error(`error parsing proxy listen_multiaddress: ${err.message}`)
    }
  }
  try {
    parseNodeMultiaddr(cfg.node_multiaddress)
  } catch (err: any) {
    throw new Error(`error parsing ipfs node_multiaddress: ${err.message}`)
  }
  if (cfg.read_timeout < 0) throw new Error('ipfsproxy.read_timeout is invalid')
  if (cfg.read_header_timeout < 0) throw new Error('ipfsproxy.read_header_timeout is invalid')
  if (cfg.write_timeout < 0) throw new Error('ipfsproxy.write_timeout is invalid')
  if (cfg.idle_timeout < 0) throw new Error('ipfsproxy.idle_timeout invalid')
  if (cfg.extract_headers_ttl < 0) throw new Error('ipfsproxy.extract_headers_ttl is invalid')
  if (cfg.max_header_bytes < MIN_MAX_HEADER_BYTES) throw new Error(`ipfsproxy.max_header_size must be greater or equal to ${MIN_MAX_HEADER_BYTES}`)
}

function str (json: JSONObject, key: string): string {
  const v = json[key]
  if (v == null) return ''
  if (!isString(v)) throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
  return v
}

function int (json: JSONObject, key: string, fallback: number): number {
  const v = json[key]
  if (v == null || v === '') return fallback
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
  return n
}

function bool (json: JSONObject, key: string, fallback: boolean): boolean {
  const v = json[key]
  if (v == null) return fallback
  if (typeof v === 'boolean') return v
  if (typeof v === 'string' && parseGoBool(v) !== undefined) return parseGoBool(v) as boolean
  throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
}

function list (json: JSONObject, key: string): string[] {
  const v = json[key]
  if (v == null) return []
  if (typeof v === 'string') return v.split(',').map(s => s.trim()).filter(s => s !== '')
  if (isStringArray(v)) return [...v]
  throw new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
}
