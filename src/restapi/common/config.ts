// The configuration shared by upstream's "common API" components (REST API and Pinning Service
// API have the same schema, only the section, env prefix and default port differ). In memory
// the keys keep their service.json names; durations are milliseconds.
import type { ConfigSection, JSONObject } from '../../config/section.js'
import { isStringArray, stringsField, stringsJSON } from '../../config/section.js'
import { durationField, durationJSON } from '../../config/durations.js'
import { parseGoBool } from '../../common/parse.js'
import { parseListenMultiaddr } from './multiaddr.js'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'

export const MIN_MAX_HEADER_BYTES = 4096

export interface HttpApiConfig {
  /** one listener per address: /ip4|/ip6/<ip>/tcp/<port> or /unix/<path> */
  http_listen_multiaddress: string[]
  /** TLS certificate and key (PEM); relative paths are resolved against `base_dir` */
  ssl_cert_file: string
  ssl_key_file: string
  read_timeout: number
  read_header_timeout: number
  write_timeout: number
  idle_timeout: number
  max_header_bytes: number
  /** libp2p-HTTP endpoint on a dedicated host: all three or none */
  libp2p_listen_multiaddress: string[]
  id: string
  private_key: string
  /** null → no authentication; otherwise user → password (at least one entry) */
  basic_auth_credentials: Record<string, string> | null
  /** access log file (Apache common log format); empty → the API's request logger */
  http_log_file: string
  /** extra headers added to every API response */
  headers: Record<string, string[]>
  cors_allowed_origins: string[]
  cors_allowed_methods: string[]
  cors_allowed_headers: string[]
  cors_exposed_headers: string[]
  cors_allow_credentials: boolean
  cors_max_age: number
  /**
   * Folder that relative ssl_*_file and http_log_file paths are resolved against: the config
   * folder. Not part of service.json: whoever loads the config sets it (upstream's BaseDir).
   * Empty → the process' working directory.
   */
  base_dir: string
}

export interface HttpApiSectionOptions {
  path: readonly string[]
  envPrefix: string
  /** e.g. /ip4/127.0.0.1/tcp/9094 */
  defaultListen: string
}

export const DEFAULT_CORS_EXPOSED_HEADERS = ['Content-Type', 'X-Stream-Output', 'X-Chunked-Output', 'X-Content-Length']

export function defaultHttpApiConfig (defaultListen: string): HttpApiConfig {
  return {
    http_listen_multiaddress: [defaultListen],
    ssl_cert_file: '',
    ssl_key_file: '',
    read_timeout: 0,
    read_header_timeout: 5_000,
    write_timeout: 0,
    idle_timeout: 120_000,
    max_header_bytes: MIN_MAX_HEADER_BYTES,
    libp2p_listen_multiaddress: [],
    id: '',
    private_key: '',
    basic_auth_credentials: null,
    http_log_file: '',
    headers: {},
    cors_allowed_origins: ['*'],
    cors_allowed_methods: ['GET'],
    cors_allowed_headers: [],
    cors_exposed_headers: [...DEFAULT_CORS_EXPOSED_HEADERS],
    cors_allow_credentials: true,
    cors_max_age: 0,
    base_dir: ''
  }
}

/** Builds the ConfigSection of one common-API component (restapi, pinsvcapi). */
export function httpApiConfigSection (opts: HttpApiSectionOptions): ConfigSection<HttpApiConfig> {
  const name = opts.path[opts.path.length - 1]
  return {
    path: opts.path,
    envPrefix: opts.envPrefix,
    defaults: () => defaultHttpApiConfig(opts.defaultListen),
    parse: (json: JSONObject) => parseHttpApiConfig(json, opts.defaultListen, name),
    toJSON: (cfg: HttpApiConfig) => httpApiConfigJSON(cfg)
  }
}

export function parseHttpApiConfig (json: JSONObject, defaultListen: string, name: string): HttpApiConfig {
  const d = defaultHttpApiConfig(defaultListen)
  const cfg: HttpApiConfig = {
    // an empty list keeps the default, as upstream (only a non-empty list replaces it)
    http_listen_multiaddress: nonEmpty(addrs(json, 'http_listen_multiaddress'), d.http_listen_multiaddress),
    ssl_cert_file: str(json, 'ssl_cert_file'),
    ssl_key_file: str(json, 'ssl_key_file'),
    read_timeout: durationField(json, 'read_timeout', d.read_timeout),
    read_header_timeout: durationField(json, 'read_header_timeout', d.read_header_timeout),
    write_timeout: durationField(json, 'write_timeout', d.write_timeout),
    idle_timeout: durationField(json, 'idle_timeout', d.idle_timeout),
    max_header_bytes: int(json, 'max_header_bytes', d.max_header_bytes),
    libp2p_listen_multiaddress: addrs(json, 'libp2p_listen_multiaddress'),
    id: str(json, 'id'),
    private_key: str(json, 'private_key'),
    basic_auth_credentials: credentials(json),
    http_log_file: str(json, 'http_log_file'),
    headers: headerMap(json),
    cors_allowed_origins: list(json, 'cors_allowed_origins', d.cors_allowed_origins),
    cors_allowed_methods: list(json, 'cors_allowed_methods', d.cors_allowed_methods),
    cors_allowed_headers: list(json, 'cors_allowed_headers', d.cors_allowed_headers),
    cors_exposed_headers: list(json, 'cors_exposed_headers', d.cors_exposed_headers),
    cors_allow_credentials: bool(json, 'cors_allow_credentials', d.cors_allow_credentials),
    cors_max_age: durationField(json, 'cors_max_age', d.cors_max_age),
    base_dir: ''
  }
  // upstream: 0 means "the default"
  if (cfg.max_header_bytes === 0) cfg.max_header_bytes = MIN_MAX_HEADER_BYTES
  validate(cfg, name)
  return cfg
}

function validate (cfg: HttpApiConfig, name: string): void {
  for (const a of cfg.http_listen_multiaddress) {
    try {
      parseListenMultiaddr(a)
    } catch (err: any) {
      throw new Error(`error parsing ${name}.http_listen_multiaddress: ${err.message}`)
    }
  }
  if (cfg.read_timeout < 0) throw new Error(`${name}.read_timeout is invalid`)
  if (cfg.read_header_timeout < 0) throw new Error(`${name}.read_header_timeout is invalid`)
  if (cfg.write_timeout < 0) throw new Error(`${name}.write_timeout is invalid`)
  if (cfg.idle_timeout < 0) throw new Error(`${name}.idle_timeout invalid`)
  if (cfg.max_header_bytes < MIN_MAX_HEADER_BYTES) throw new Error(`${name}.max_header_bytes must be not less then ${MIN_MAX_HEADER_BYTES}`)
  if (cfg.basic_auth_credentials != null && Object.keys(cfg.basic_auth_credentials).length === 0) {
    throw new Error(`${name}.basic_auth_creds should be null or have at least one entry`)
  }
  if ((cfg.ssl_cert_file === '') !== (cfg.ssl_key_file === '')) throw new Error(`${name}: missing TLS configuration`)
  if (cfg.cors_max_age < 0) throw new Error(`${name}.cors_max_age is invalid`)
  validateLibp2p(cfg, name)
}

/** The libp2p-HTTP trio: all or nothing, and the id must be the private key's. */
function validateLibp2p (cfg: HttpApiConfig, name: string): void {
  const set = [cfg.id !== '', cfg.private_key !== '', cfg.libp2p_listen_multiaddress.length > 0]
  if (!set.some(Boolean)) return
  if (!set.every(Boolean)) throw new Error('all ID, private_key and libp2p_listen_multiaddress should be set')
  let id: string
  try {
    id = peerIdFromString(cfg.id).toString()
  } catch (err: any) {
    throw new Error(`error parsing ${name}.ID: ${err.message}`)
  }
  let keyId: string
  try {
    keyId = peerIdFromPrivateKey(privateKeyFromProtobuf(Buffer.from(cfg.private_key, 'base64'))).toString()
  } catch (err: any) {
    throw new Error(`error parsing ${name}.private_key: ${err.message}`)
  }
  if (keyId !== id) throw new Error(`${name}.ID does not match private_key`)
}

export function httpApiConfigJSON (cfg: HttpApiConfig): JSONObject {
  // Every key is written (even empty ones) so that environment overrides, which only apply to
  // keys present in the JSON, can reach all of them.
  return {
    http_listen_multiaddress: stringsJSON(cfg.http_listen_multiaddress),
    ssl_cert_file: cfg.ssl_cert_file,
    ssl_key_file: cfg.ssl_key_file,
    read_timeout: durationJSON(cfg.read_timeout),
    read_header_timeout: durationJSON(cfg.read_header_timeout),
    write_timeout: durationJSON(cfg.write_timeout),
    idle_timeout: durationJSON(cfg.idle_timeout),
    max_header_bytes: cfg.max_header_bytes,
    libp2p_listen_multiaddress: stringsJSON(cfg.libp2p_listen_multiaddress),
    id: cfg.id,
    private_key: cfg.private_key,
    basic_auth_credentials: cfg.basic_auth_credentials,
    http_log_file: cfg.http_log_file,
    headers: cfg.headers,
    cors_allowed_origins: cfg.cors_allowed_origins,
    cors_allowed_methods: cfg.cors_allowed_methods,
    cors_allowed_headers: cfg.cors_allowed_headers,
    cors_exposed_headers: cfg.cors_exposed_headers,
    cors_allow_credentials: cfg.cors_allow_credentials,
    cors_max_age: durationJSON(cfg.cors_max_age)
  }
}

// --- field readers. Besides JSON types they accept the text forms environment variables
// produce (comma lists, k:v maps, Go booleans), so an override never depends on the loader.

function invalid (key: string, v: unknown): Error {
  return new Error(`invalid value for "${key}": ${JSON.stringify(v)}`)
}

/**
 * config.Strings: a string or a list. A string is also split on commas, because that is how
 * a list arrives from an environment variable (a multiaddr never holds a comma).
 */
function addrs (json: JSONObject, key: string): string[] {
  return stringsField(json, key, []).flatMap(a => a.split(',')).map(a => a.trim()).filter(a => a !== '')
}

function nonEmpty (v: string[], fallback: string[]): string[] {
  return v.length > 0 ? v : fallback
}

function str (json: JSONObject, key: string): string {
  const v = json[key]
  if (v == null) return ''
  if (typeof v !== 'string') throw invalid(key, v)
  return v
}

function int (json: JSONObject, key: string, fallback: number): number {
  const v = json[key]
  if (v == null || v === '') return fallback
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(key, v)
  return n
}

function bool (json: JSONObject, key: string, fallback: boolean): boolean {
  const v = json[key]
  if (v == null) return fallback
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') {
    const b = parseGoBool(v)
    if (b != null) return b
  }
  throw invalid(key, v)
}

function list (json: JSONObject, key: string, fallback: string[]): string[] {
  const v = json[key]
  if (v == null) return fallback
  if (typeof v === 'string') return v.split(',').map(s => s.trim()).filter(s => s !== '')
  if (isStringArray(v)) return [...v]
  throw invalid(key, v)
}

function textMap (key: string, text: string): Record<string, string> {
  const m: Record<string, string> = {}
  for (const pair of text.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const i = pair.indexOf(':')
    if (i <= 0) throw invalid(key, text)
    m[pair.slice(0, i)] = pair.slice(i + 1)
  }
  return m
}

function credentials (json: JSONObject): Record<string, string> | null {
  const v = json.basic_auth_credentials
  if (v == null) return null
  if (typeof v === 'string') return textMap('basic_auth_credentials', v)
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid('basic_auth_credentials', v)
  const out: Record<string, string> = {}
  for (const [user, pass] of Object.entries(v)) {
    if (typeof pass !== 'string') throw invalid('basic_auth_credentials', v)
    out[user] = pass
  }
  return out
}

/** upstream's map[string][]string; a single string value is taken as a one-element list. */
function headerMap (json: JSONObject): Record<string, string[]> {
  const v = json.headers
  if (v == null) return {}
  const source = typeof v === 'string' ? textMap('headers', v) : v
  if (typeof source !== 'object' || Array.isArray(source)) throw invalid('headers', v)
  const out: Record<string, string[]> = {}
  for (const [name, values] of Object.entries(source)) {
    if (typeof values === 'string') out[name] = [values]
    else if (isStringArray(values)) out[name] = [...values]
    else throw invalid('headers', v)
  }
  return out
}
