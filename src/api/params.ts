// Query-string forms of PinOptions and AddParams (upstream api/types.go ToQuery/FromQuery and
// api/add.go). The REST API and the IPFS proxy parse them; cluster-ctl builds them. One module
// serves both directions so that they cannot disagree.
import { InvalidArgumentError } from './errors.js'
import { defaultPinOptions } from './pin.js'
import type { PinOptions } from './types.js'
import { ZERO_TIME } from './types.js'
import { parseGoBool, parseGoInt, splitList } from '../common/parse.js'
import { parseDuration } from '../common/duration.js'
import { parseRFC3339 } from '../common/time.js'
import { normalizeCid } from './cid.js'

export type Query = Record<string, string | undefined>

export const DEFAULT_SHARD_SIZE = 104857600

export interface ErasureParams {
  erasure: boolean
  data_shards: number
  parity_shards: number
  /** 0 = derive from the input */
  ec_shard_size: number
}

export interface AddParams extends PinOptions, ErasureParams {
  local: boolean
  recursive: boolean
  hidden: boolean
  wrap: boolean
  shard: boolean
  stream_channels: boolean
  format: 'unixfs' | 'car'
  no_pin: boolean
  layout: '' | 'balanced' | 'trickle'
  chunker: string
  raw_leaves: boolean
  /** true when raw-leaves was given explicitly (cid-version>0 forces it only otherwise) */
  raw_leaves_set: boolean
  progress: boolean
  cid_version: number
  hash: string
  nocopy: boolean
}

export function defaultAddParams (): AddParams {
  return {
    ...defaultPinOptions(),
    shard_size: DEFAULT_SHARD_SIZE,
    metadata: {},
    local: false,
    recursive: false,
    hidden: false,
    wrap: false,
    shard: false,
    stream_channels: true,
    format: 'unixfs',
    no_pin: false,
    layout: '',
    chunker: 'size-262144',
    raw_leaves: false,
    raw_leaves_set: false,
    progress: false,
    cid_version: 0,
    hash: 'sha2-256',
    nocopy: false,
    erasure: false,
    data_shards: 4,
    parity_shards: 2,
    ec_shard_size: 0
  }
}

function boolParam (q: Query, name: string, dflt: boolean): boolean {
  const v = q[name]
  if (v == null || v === '') return dflt
  const b = parseGoBool(v)
  if (b == null) throw new InvalidArgumentError(`parameter ${name} invalid`)
  return b
}

function intParam (q: Query, name: string, dflt: number): number {
  const v = q[name]
  if (v == null || v === '') return dflt
  const n = parseGoInt(v)
  if (n == null) throw new InvalidArgumentError(`parameter ${name} invalid`)
  return n
}

/** Parses PinOptions from a query; errors are InvalidArgumentError (400) with upstream's text. */
export function pinOptionsFromQuery (q: Query, base: PinOptions = defaultPinOptions()): PinOptions {
  const opts: PinOptions = { ...base }
  if (q.name != null) opts.name = q.name
  opts.mode = q.mode === 'direct' ? 'direct' : 'recursive'
  if (q.replication != null && q.replication !== '') {
    const r = intParam(q, 'replication', 0)
    opts.replication_factor_min = r
    opts.replication_factor_max = r
  } else {
    opts.replication_factor_min = intParam(q, 'replication-min', opts.replication_factor_min)
    opts.replication_factor_max = intParam(q, 'replication-max', opts.replication_factor_max)
  }
  if (q['shard-size'] != null && q['shard-size'] !== '') {
    const n = parseGoInt(q['shard-size'])
    if (n == null || n < 0) throw new InvalidArgumentError('parameter shard_size is invalid')
    opts.shard_size = n
  }
  const allocs = splitList(q['user-allocations'])
  opts.user_allocations = allocs.length > 0 ? allocs : null
  if (q['expire-at'] != null && q['expire-at'] !== '') {
    try {
      opts.expire_at = parseRFC3339(q['expire-at']).toISOString()
    } catch (err: any) {
      throw new InvalidArgumentError(`expire-at parameter invalid: ${err.message}`)
    }
  } else if (q['expire-in'] != null && q['expire-in'] !== '') {
    let ms: number
    try {
      ms = parseDuration(q['expire-in'])
    } catch (err: any) {
      throw new InvalidArgumentError(`expire-in parameter invalid: ${err.message}`)
    }
    if (ms < 1000) throw new InvalidArgumentError('expire-in parameter invalid: must be at least 1s')
    opts.expire_at = new Date(Date.now() + ms).toISOString()
  }
  const meta: Record<string, string> = {}
  for (const [k, v] of Object.entries(q)) {
    if (k.startsWith('meta-') && v != null) meta[k.slice(5)] = v
  }
  if (Object.keys(meta).length > 0) opts.metadata = { ...(opts.metadata ?? {}), ...meta }
  if (q['pin-update'] != null && q['pin-update'] !== '') opts.pin_update = normalizeCid(q['pin-update'])
  const origins = splitList(q.origins)
  if (origins.length > 0) {
    for (const o of origins) {
      if (!o.startsWith('/') || !o.includes('/p2p/')) throw new InvalidArgumentError(`origin ${o} is not a valid multiaddress with a /p2p/ part`)
    }
    opts.origins = origins
  }
  return opts
}

/** Query parameters for PinOptions, in the order upstream's client sends them. */
export function pinOptionsToQuery (opts: PinOptions): URLSearchParams {
  const q = new URLSearchParams()
  q.set('replication-min', String(opts.replication_factor_min))
  q.set('replication-max', String(opts.replication_factor_max))
  q.set('name', opts.name)
  q.set('mode', opts.mode)
  q.set('shard-size', String(opts.shard_size))
  q.set('user-allocations', (opts.user_allocations ?? []).join(','))
  if (opts.expire_at !== ZERO_TIME && opts.expire_at !== '') q.set('expire-at', opts.expire_at)
  for (const [k, v] of Object.entries(opts.metadata ?? {})) q.set(`meta-${k}`, v)
  if (opts.pin_update != null) q.set('pin-update', opts.pin_update)
  if (opts.origins != null && opts.origins.length > 0) q.set('origins', opts.origins.join(','))
  return q
}

/** Parses AddParams (PinOptions plus the importer and erasure options) from the /add query. */
export function addParamsFromQuery (q: Query): AddParams {
  const d = defaultAddParams()
  const p: AddParams = { ...d, ...pinOptionsFromQuery(q, d) }
  p.mode = 'recursive'
  const layout = q.layout ?? ''
  if (layout !== '' && layout !== 'balanced' && layout !== 'trickle') throw new InvalidArgumentError('layout parameter is invalid')
  p.layout = layout as AddParams['layout']
  const format = q.format ?? ''
  if (format !== '' && format !== 'unixfs' && format !== 'car') throw new InvalidArgumentError('format parameter is invalid')
  p.format = format === '' ? 'unixfs' : format
  if (q.chunker != null && q.chunker !== '') p.chunker = q.chunker
  if (q.hash != null && q.hash !== '') p.hash = q.hash.toLowerCase()
  p.local = boolParam(q, 'local', false)
  p.recursive = boolParam(q, 'recursive', false)
  p.hidden = boolParam(q, 'hidden', false)
  p.wrap = boolParam(q, 'wrap-with-directory', false)
  p.shard = boolParam(q, 'shard', false)
  p.stream_channels = boolParam(q, 'stream-channels', true)
  p.no_pin = boolParam(q, 'no-pin', false)
  p.progress = boolParam(q, 'progress', false)
  p.nocopy = boolParam(q, 'nocopy', false)
  p.cid_version = intParam(q, 'cid-version', 0)
  if (p.cid_version !== 0 && p.cid_version !== 1) throw new InvalidArgumentError('parameter cid-version invalid')
  p.raw_leaves_set = q['raw-leaves'] != null && q['raw-leaves'] !== ''
  p.raw_leaves = boolParam(q, 'raw-leaves', false)
  // Upstream: cid-version>0 or a non-default hash imply raw leaves unless given explicitly,
  // and a non-default hash implies CIDv1.
  if (p.hash !== 'sha2-256') p.cid_version = 1
  if (!p.raw_leaves_set && (p.cid_version > 0 || p.nocopy)) p.raw_leaves = true
  p.erasure = boolParam(q, 'erasure', false)
  p.data_shards = intParam(q, 'data-shards', d.data_shards)
  p.parity_shards = intParam(q, 'parity-shards', d.parity_shards)
  p.ec_shard_size = p.erasure ? intParam(q, 'shard-size', 0) : 0
  if (p.erasure && (q['shard-size'] == null || q['shard-size'] === '')) p.shard_size = 0
  // upstream's sharded (non-erasure) DAG is not built here: refused, never ignored
  if (p.shard && !p.erasure) throw new InvalidArgumentError(ERR_SHARD_UNSUPPORTED)
  return p
}

/**
 * The 400 of `/add?shard=true` without `erasure=true`: upstream's sharded DAG (clusterdag +
 * shard pins replicated as a whole) is not implemented; erasure coding splits files across
 * peers instead (and survives the loss of shards).
 */
export const ERR_SHARD_UNSUPPORTED = 'sharding (shard=true) is not supported by this cluster: ' +
  'use --erasure (erasure=true) to split files into shards across peers'

/** The full /add query cluster-ctl sends (upstream's client always sends every parameter). */
export function addParamsToQuery (p: AddParams): URLSearchParams {
  const q = pinOptionsToQuery(p)
  q.set('local', String(p.local))
  q.set('recursive', String(p.recursive))
  q.set('hidden', String(p.hidden))
  q.set('wrap-with-directory', String(p.wrap))
  q.set('shard', String(p.shard))
  q.set('stream-channels', String(p.stream_channels))
  q.set('format', p.format)
  q.set('no-pin', String(p.no_pin))
  q.set('layout', p.layout)
  q.set('chunker', p.chunker)
  if (p.raw_leaves_set) q.set('raw-leaves', String(p.raw_leaves))
  q.set('progress', String(p.progress))
  q.set('cid-version', String(p.cid_version))
  q.set('hash', p.hash)
  q.set('nocopy', String(p.nocopy))
  if (p.erasure) {
    q.set('erasure', 'true')
    q.set('data-shards', String(p.data_shards))
    q.set('parity-shards', String(p.parity_shards))
    q.set('shard-size', String(p.ec_shard_size))
  }
  return q
}
