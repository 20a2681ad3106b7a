// Strict parsing of manifest blocks: every field checked, unknown fields refused, lengths and
// counts cross-checked. A manifest that passes can be trusted by the reconstructor to index
// shards and split rebuilt bytes into blocks.
import { CID } from 'multiformats/cid'
import { ManifestError } from './errors.js'
import { MAX_TOTAL_SHARDS } from './limits.js'
import { parseNonce } from './nonce.js'
import { parseBlockRefs } from './shard-node.js'
import type { Manifest, ManifestStripe, ShardRef } from './types.js'

export const MANIFEST_VERSION = 1

/** Header fields of a root manifest block. */
export interface ManifestHeader {
  version: 1
  codec: string
  data_shards: number
  parity_shards: number
  shard_size: number
  file_size: number
  content_root: CID
  /** the add's nonce: shard and tree node CIDs are derived with it */
  nonce: Uint8Array
  /** the tree node (unixfs non-leaf blocks), when the content has any */
  tree?: CID
  stripe_count: number
}

/** Where a page of stripes lives: [page CID, first stripe index, stripe count]. */
export type PageRef = [CID, number, number]

export interface ManifestRoot extends ManifestHeader {
  /** inline stripes (small manifests) … */
  stripes?: ManifestStripe[]
  /** … or pages of stripes (large ones); exactly one of the two is present */
  pages?: PageRef[]
}

const HEADER_KEYS = ['codec', 'content_root', 'data_shards', 'file_size', 'nonce', 'parity_shards', 'shard_size', 'stripe_count', 'version']

function isUint (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function isMap (v: unknown): v is Record<string, unknown> {
  return v != null && typeof v === 'object' && !Array.isArray(v) && CID.asCID(v) == null && !(v instanceof Uint8Array)
}

function exactKeys (o: Record<string, unknown>, keys: string[], where: string): void {
  const got = Object.keys(o).sort()
  const want = [...keys].sort()
  if (got.join(',') !== want.join(',')) throw new ManifestError(`${where} has fields [${got.join(', ')}], expected [${want.join(', ')}]`)
}

function parseShardRef (v: unknown, where: string): ShardRef {
  if (!isMap(v)) throw new ManifestError(`${where} is not a map`)
  exactKeys(v, ['blocks', 'length', 'node'], where)
  const node = CID.asCID(v.node)
  if (node == null) throw new ManifestError(`${where}: node is not a CID`)
  if (!isUint(v.length)) throw new ManifestError(`${where}: length is not a non-negative integer`)
  const { refs, total } = parseBlockRefs(v.blocks, where)
  if (total !== v.length) throw new ManifestError(`${where}: blocks add up to ${total} bytes, length says ${v.length}`)
  return { node, length: v.length, blocks: refs }
}

/** Parses one stripe entry and checks it against d, p and the shard size. */
export function parseStripe (v: unknown, index: number, h: ManifestHeader): ManifestStripe {
  const where = `stripe ${index}`
  if (!isMap(v)) throw new ManifestError(`${where} is not a map`)
  exactKeys(v, ['data', 'parity'], where)
  if (!Array.isArray(v.data) || !Array.isArray(v.parity)) throw new ManifestError(`${where}: data and parity must be lists`)
  const last = index === h.stripe_count - 1
  if (v.data.length < 1 || v.data.length > h.data_shards || (!last && v.data.length !== h.data_shards)) {
    throw new ManifestError(`${where} has ${v.data.length} data shards (d=${h.data_shards}; only the last stripe may have fewer)`)
  }
  if (v.parity.length !== h.parity_shards) throw new ManifestError(`${where} has ${v.parity.length} parity shards, expected ${h.parity_shards}`)
  const data = v.data.map((s, i) => parseShardRef(s, `${where} data ${i}`))
  const parity = v.parity.map((s, i) => parseShardRef(s, `${where} parity ${i}`))
  const padded = Math.max(...data.map(s => s.length))
  for (const [i, s] of data.entries()) {
    if (s.length > h.shard_size) throw new ManifestError(`${where} data ${i} has ${s.length} bytes, over the shard size ${h.shard_size}`)
  }
  for (const [j, s] of parity.entries()) {
    if (s.length !== padded) throw new ManifestError(`${where} parity ${j} has ${s.length} bytes, expected the longest data shard's ${padded}`)
  }
  return { data, parity }
}

export function parseHeader (o: Record<string, unknown>): ManifestHeader {
  if (o.version !== MANIFEST_VERSION) throw new ManifestError(`unsupported version ${String(o.version)} (this peer reads version ${MANIFEST_VERSION})`)
  if (typeof o.codec !== 'string' || o.codec === '') throw new ManifestError('codec must be a non-empty string')
  const d = o.data_shards
  const p = o.parity_shards
  if (!isUint(d) || !isUint(p) || d < 1 || p < 1 || d + p > MAX_TOTAL_SHARDS) {
    throw new ManifestError(`data_shards/parity_shards must satisfy 1 <= d, 1 <= p, d+p <= ${MAX_TOTAL_SHARDS} (got ${String(d)}/${String(p)})`)
  }
  if (!isUint(o.shard_size) || o.shard_size < 1) throw new ManifestError('shard_size must be a positive integer')
  if (!isUint(o.file_size)) throw new ManifestError('file_size must be a non-negative integer')
  if (!isUint(o.stripe_count)) throw new ManifestError('stripe_count must be a non-negative integer')
  const root = CID.asCID(o.content_root)
  if (root == null) throw new ManifestError('content_root must be a CID')
  const nonce = parseNonce(o.nonce, 'root')
  let tree: CID | undefined
  if ('tree' in o) {
    tree = CID.asCID(o.tree) ?? undefined
    if (tree == null) throw new ManifestError('tree must be a CID')
  }
  const h: ManifestHeader = {
    version: MANIFEST_VERSION,
    codec: o.codec,
    data_shards: d,
    parity_shards: p,
    shard_size: o.shard_size,
    file_size: o.file_size,
    content_root: root,
    nonce,
    stripe_count: o.stripe_count
  }
  if (tree != null) h.tree = tree
  return h
}

/** Parses a decoded root block (inline stripes or page references). */
export function parseRoot (v: unknown): ManifestRoot {
  if (!isMap(v)) throw new ManifestError('root is not a map')
  const paged = 'pages' in v
  exactKeys(v, [...HEADER_KEYS, ...('tree' in v ? ['tree'] : []), paged ? 'pages' : 'stripes'], 'root')
  const h = parseHeader(v)
  if (!paged) {
    if (!Array.isArray(v.stripes)) throw new ManifestError('stripes is not a list')
    if (v.stripes.length !== h.stripe_count) throw new ManifestError(`stripe_count is ${h.stripe_count} but ${v.stripes.length} stripes are listed`)
    return { ...h, stripes: v.stripes.map((s, i) => parseStripe(s, i, h)) }
  }
  if (!Array.isArray(v.pages) || v.pages.length === 0) throw new ManifestError('pages is not a non-empty list')
  let next = 0
  const pages = v.pages.map((r: unknown, i): PageRef => {
    if (!Array.isArray(r) || r.length !== 3) throw new ManifestError(`page ${i} is not [cid, first, count]`)
    const cid = CID.asCID(r[0])
    if (cid == null || !isUint(r[1]) || !isUint(r[2]) || r[2] < 1) throw new ManifestError(`page ${i} is not [cid, first, count]`)
    if (r[1] !== next) throw new ManifestError(`page ${i} starts at stripe ${r[1]}, expected ${next}`)
    next += r[2]
    return [cid, r[1], r[2]]
  })
  if (next !== h.stripe_count) throw new ManifestError(`pages cover ${next} stripes, stripe_count is ${h.stripe_count}`)
  return { ...h, pages }
}

/** Parses a decoded page block, expected to hold `count` stripes from `first`. */
export function parsePage (v: unknown, h: ManifestHeader, first: number, count: number): ManifestStripe[] {
  if (!isMap(v)) throw new ManifestError(`page at stripe ${first} is not a map`)
  exactKeys(v, ['first', 'stripes'], `page at stripe ${first}`)
  if (v.first !== first) throw new ManifestError(`page says it starts at stripe ${String(v.first)}, root says ${first}`)
  if (!Array.isArray(v.stripes) || v.stripes.length !== count) throw new ManifestError(`page at stripe ${first} must list ${count} stripes`)
  return v.stripes.map((s, i) => parseStripe(s, first + i, h))
}

/** Checks what only the whole manifest can show: the data lengths add up to file_size. */
export function checkTotals (m: Manifest): void {
  let total = 0
  for (const s of m.stripes) for (const d of s.data) total += d.length
  if (total !== m.file_size) throw new ManifestError(`data shards hold ${total} bytes, file_size says ${m.file_size}`)
}
