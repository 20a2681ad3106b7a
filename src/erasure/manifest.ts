// The manifest of an erasure-coded file (its clusterDAG): one DAG-CBOR root block, plus page
// blocks when the stripes do not fit in one block. See README.md for the format.
//
// Paging: the root lists the stripes inline while the root block stays <= 1 MiB; otherwise
// stripes go, in order, into pages of whole stripes, each <= 1 MiB, and the root lists
// [page CID, first stripe, stripe count]. One level is enough: a 1 MiB root holds ~20 000 page
// references, i.e. far more stripes than any file we can store.
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { verifyBlock } from './blocks.js'
import { ManifestError, ManifestTooLargeError } from './errors.js'
import { MAX_BLOCK_BYTES } from './limits.js'
import { checkTotals, MANIFEST_VERSION, parseHeader, parsePage, parseRoot, parseStripe } from './manifest-parse.js'
import type { ManifestHeader, ManifestRoot, PageRef } from './manifest-parse.js'
import type { Manifest, ManifestStripe, RawBlock, ShardKind } from './types.js'

export type { ManifestHeader, ManifestRoot, PageRef }
export { MANIFEST_VERSION }

export interface EncodedManifest {
  /** the root block: its CID is the manifest CID (the clusterDAG pin) */
  root: RawBlock
  /** page blocks, in stripe order (empty for an inline manifest) */
  pages: RawBlock[]
}

export interface EncodeManifestOptions {
  /** largest block to write (default and maximum 1 MiB) */
  maxBlockBytes?: number
}

/** Fetches a block by CID (from the local node, bitswap …). */
export type GetBlock = (cid: CID, opts: { signal?: AbortSignal }) => Promise<Uint8Array>

async function toBlock (value: unknown): Promise<RawBlock> {
  const bytes = dagCbor.encode(value)
  return { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes }
}

function headerOf (m: Manifest): ManifestHeader {
  const h: ManifestHeader = {
    version: MANIFEST_VERSION,
    codec: m.codec,
    data_shards: m.data_shards,
    parity_shards: m.parity_shards,
    shard_size: m.shard_size,
    file_size: m.file_size,
    content_root: m.content_root,
    nonce: m.nonce,
    stripe_count: m.stripes.length
  }
  // DAG-CBOR has no undefined: an absent tree is an absent key
  if (m.tree != null) h.tree = m.tree
  return h
}

/** Validates a manifest as a reader would, so we never write one we would refuse to read. */
export function validateManifest (m: Manifest): void {
  const h = parseHeader({ ...headerOf(m), version: m.version })
  m.stripes.forEach((s, i) => parseStripe(s, i, h))
  checkTotals(m)
}

export async function encodeManifest (m: Manifest, opts: EncodeManifestOptions = {}): Promise<EncodedManifest> {
  const limit = Math.min(opts.maxBlockBytes ?? MAX_BLOCK_BYTES, MAX_BLOCK_BYTES)
  // the writer runs the reader's checks: a manifest we cannot read back is never written
  validateManifest(m)
  const h = headerOf(m)

  const inline = await toBlock({ ...h, stripes: m.stripes })
  if (inline.bytes.byteLength <= limit) return { root: inline, pages: [] }

  const pages: RawBlock[] = []
  const refs: PageRef[] = []
  const pageOverhead = 32 // map header, keys and the `first` integer
  let first = 0
  let batch: ManifestStripe[] = []
  let size = pageOverhead
  const flush = async (): Promise<void> => {
    const page = await toBlock({ first, stripes: batch })
    if (page.bytes.byteLength > limit) throw new ManifestTooLargeError(`manifest page of ${page.bytes.byteLength} bytes exceeds ${limit}`)
    pages.push(page)
    refs.push([page.cid, first, batch.length])
    first += batch.length
    batch = []
    size = pageOverhead
  }
  for (const [i, s] of m.stripes.entries()) {
    const n = dagCbor.encode(s).byteLength
    if (n + pageOverhead > limit) {
      throw new ManifestTooLargeError(`stripe ${i} alone needs ${n} bytes of manifest, over the ${limit}-byte block limit: use fewer blocks per shard (larger chunks or smaller shards)`)
    }
    if (size + n > limit) await flush()
    batch.push(s)
    size += n
  }
  if (batch.length > 0) await flush()
  const root = await toBlock({ ...h, pages: refs })
  if (root.bytes.byteLength > limit) throw new ManifestTooLargeError(`manifest root with ${refs.length} pages is ${root.bytes.byteLength} bytes, over ${limit}`)
  return { root, pages }
}

function decode (bytes: Uint8Array, what: string): unknown {
  try {
    return dagCbor.decode(bytes)
  } catch (err) {
    throw new ManifestError(`${what} is not DAG-CBOR: ${(err as Error).message}`)
  }
}

/** Decodes a root block: header plus inline stripes or page references. */
export function decodeManifestRoot (bytes: Uint8Array): ManifestRoot {
  return parseRoot(decode(bytes, 'root'))
}

/** Decodes a whole manifest from its root block and its page blocks (in order). */
export function decodeManifest (root: Uint8Array, pages: Uint8Array[] = []): Manifest {
  const r = decodeManifestRoot(root)
  let stripes: ManifestStripe[]
  if (r.stripes != null) {
    if (pages.length > 0) throw new ManifestError('inline manifest given page blocks')
    stripes = r.stripes
  } else {
    const refs = r.pages ?? []
    if (pages.length !== refs.length) throw new ManifestError(`manifest has ${refs.length} pages, ${pages.length} given`)
    stripes = refs.flatMap(([, first, count], i) => parsePage(decode(pages[i], `page ${i}`), r, first, count))
  }
  const { pages: _p, stripes: _s, stripe_count: _c, ...h } = r
  const m: Manifest = { ...h, stripes }
  checkTotals(m)
  return m
}

async function fetchVerified (cid: CID, getBlock: GetBlock, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes = await getBlock(cid, { signal })
  if (!(await verifyBlock(cid, bytes))) throw new ManifestError(`block ${cid.toString()} does not match its CID`)
  return bytes
}

/**
 * Stripes of a manifest in order, fetching (and verifying) one page at a time, so a reader
 * holds at most one page. The data-length total is not checked here: use loadManifest for that.
 */
export async function * iterateStripes (root: ManifestRoot, getBlock: GetBlock, opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ index: number, stripe: ManifestStripe }> {
  if (root.stripes != null) {
    for (const [index, stripe] of root.stripes.entries()) yield { index, stripe }
    return
  }
  for (const [cid, first, count] of root.pages ?? []) {
    opts.signal?.throwIfAborted()
    const stripes = parsePage(decode(await fetchVerified(cid, getBlock, opts.signal), `page ${cid.toString()}`), root, first, count)
    for (const [i, stripe] of stripes.entries()) yield { index: first + i, stripe }
  }
}

/** Fetches, verifies and decodes a whole manifest from its root CID. */
export async function loadManifest (cid: CID, getBlock: GetBlock, opts: { signal?: AbortSignal } = {}): Promise<Manifest> {
  const root = decodeManifestRoot(await fetchVerified(cid, getBlock, opts.signal))
  const stripes: ManifestStripe[] = []
  for await (const { stripe } of iterateStripes(root, getBlock, opts)) stripes.push(stripe)
  const { pages: _p, stripes: _s, stripe_count: _c, ...h } = root
  const m: Manifest = { ...h, stripes }
  checkTotals(m)
  return m
}

export interface ShardPin {
  kind: ShardKind
  /** index within its kind */
  index: number
  /** position in the stripe: data i → i, parity j → d + j */
  position: number
  node: CID
  /** bytes the pin holds */
  length: number
}

/** For each stripe, the shard nodes to pin (data first, then parity): one shard pin each. */
export function shardPins (m: Pick<Manifest, 'data_shards' | 'stripes'>): ShardPin[][] {
  return m.stripes.map(s => [
    ...s.data.map((r, i) => ({ kind: 'data' as const, index: i, position: i, node: r.node, length: r.length })),
    ...s.parity.map((r, j) => ({ kind: 'parity' as const, index: j, position: m.data_shards + j, node: r.node, length: r.length }))
  ])
}
