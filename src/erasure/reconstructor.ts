// Reads one stripe back: data shards first; only when some are missing, failed or corrupt,
// just enough parity to rebuild them. A stripe with losses is laid out in one (d+p) x padded
// buffer that the codec takes over (no second copy), and its blocks, fetched and rebuilt, are
// views of the buffer the codec hands back: one stripe in memory, not a stripe plus its
// blocks. Every block handed out was checked: fetched blocks against their CIDs (unless the
// caller's fetch already does that), rebuilt data blocks against their CIDs, rebuilt parity
// blocks against the manifest, and every rebuilt shard node against the node CID the manifest
// recorded. A healthy stripe never reaches the codec.
import type { Codec } from './codec.js'
import type { StripeBuffers } from './stripe-buffers.js'
import { CodecError, CorruptShardError, UnrecoverableStripeError } from './errors.js'
import { codecReads } from './codecs.js'
import { joinInto, splitByRefs, verifyBlock } from './blocks.js'
import { encodeShardNode } from './shard-node.js'
import type { EncodedShard, Manifest, ManifestStripe, RawBlock, ShardKind, ShardRef } from './types.js'

export interface FetchShardOptions {
  signal?: AbortSignal
  /**
   * The shard's slot in the stripe buffer (its blocks back to back in manifest order). A
   * fetcher may copy each block there as it arrives and return views of the slot, so the
   * fetched copies are garbage at once; it may also ignore it.
   */
  into?: Uint8Array
}

/** Blocks of a shard in manifest order, or undefined when the shard is lost. Throwing counts as a failed fetch. */
export type FetchShard = (kind: ShardKind, index: number, opts: FetchShardOptions) => Promise<Uint8Array[] | undefined>

export type LossReason = 'known' | 'missing' | 'failed' | 'corrupt'

export interface LostShard {
  kind: ShardKind
  index: number
  reason: LossReason
}

export interface ReconstructStripeOptions {
  /** shards cluster state already knows are lost: never fetched, and rebuilt (parity too) */
  lost?: ReadonlyArray<{ kind: ShardKind, index: number }>
  /** hash fetched blocks against their CIDs (default true; false when the fetch verifies) */
  verifyFetched?: boolean
  /** where the buffer of a stripe with losses comes from (default: a new one) */
  buffers?: StripeBuffers
  signal?: AbortSignal
}

export interface StripeResult {
  stripe: number
  /** each data shard's blocks, in file order */
  data: RawBlock[][]
  /** shards found lost, with why */
  lost: LostShard[]
  /** the lost shards rebuilt, blocks and shard node, ready to be stored and re-pinned */
  rebuilt: EncodedShard[]
  /**
   * The stripe buffer every block of a stripe with losses is a view of: give it back to the
   * StripeBuffers pool once the blocks are not needed. Absent for a healthy stripe.
   */
  buffer?: ArrayBuffer
}

type Header = Pick<Manifest, 'codec' | 'data_shards' | 'parity_shards' | 'nonce'>

async function checkFetched (ref: ShardRef, blocks: Uint8Array[] | undefined, verify: boolean): Promise<RawBlock[] | LossReason> {
  if (blocks == null) return 'missing'
  if (blocks.length !== ref.blocks.length) return 'corrupt'
  for (const [i, [cid, len]] of ref.blocks.entries()) {
    if (blocks[i]?.byteLength !== len) return 'corrupt'
    if (verify && !(await verifyBlock(cid, blocks[i]))) return 'corrupt'
  }
  return ref.blocks.map(([cid], i) => ({ cid, bytes: blocks[i] }))
}

async function fetchOne (fetchShard: FetchShard, kind: ShardKind, index: number, ref: ShardRef, opts: ReconstructStripeOptions, into?: Uint8Array): Promise<RawBlock[] | LossReason> {
  let blocks: Uint8Array[] | undefined
  try {
    blocks = await fetchShard(kind, index, { signal: opts.signal, into })
  } catch {
    // a holder that errors is a lost shard for this read; an abort is the caller's, not a loss
    opts.signal?.throwIfAborted()
    return 'failed'
  }
  opts.signal?.throwIfAborted()
  return await checkFetched(ref, blocks, opts.verifyFetched ?? true)
}

/** Rebuilt bytes as a verified shard, or CorruptShardError. */
async function rebuiltShard (stripe: number, kind: ShardKind, index: number, ref: ShardRef, bytes: Uint8Array, nonce: Uint8Array): Promise<EncodedShard> {
  const blocks = splitByRefs(bytes, ref.blocks)
  for (const [i, b] of blocks.entries()) {
    if (!(await verifyBlock(b.cid, b.bytes))) {
      throw new CorruptShardError(stripe, kind, index, `rebuilt block ${i} does not match ${b.cid.toString()}`)
    }
  }
  const node = await encodeShardNode({ kind, stripe, index, length: ref.length, blocks: ref.blocks, nonce })
  const same: boolean = node.cid.equals(ref.node)
  if (!same) {
    throw new CorruptShardError(stripe, kind, index, `rebuilt shard node ${node.cid.toString()} is not the manifest's ${ref.node.toString()}`)
  }
  return { kind, index, length: ref.length, blocks, node }
}

export async function reconstructStripe (
  manifest: Header,
  index: number,
  stripe: ManifestStripe,
  fetchShard: FetchShard,
  codec: Codec,
  opts: ReconstructStripeOptions = {}
): Promise<StripeResult> {
  const d = manifest.data_shards
  const p = manifest.parity_shards
  const bd = stripe.data.length
  const known = new Set((opts.lost ?? []).map(s => `${s.kind}/${s.index}`))
  const lost: LostShard[] = [...known].map(k => {
    const [kind, i] = k.split('/')
    return { kind: kind as ShardKind, index: Number(i), reason: 'known' as const }
  }).filter(s => s.index < (s.kind === 'data' ? bd : p))
  const unrecoverable = (): UnrecoverableStripeError => new UnrecoverableStripeError(index, lost, p)
  if (lost.length > p) throw unrecoverable()

  const padded = Math.max(...stripe.data.map(s => s.length))
  // a stripe known to be degraded is laid out from the start: fetched blocks go to their slots
  const layout = (): Uint8Array | undefined => padded > 0 ? (opts.buffers?.take((d + p) * padded) ?? new Uint8Array((d + p) * padded)) : undefined
  let whole = lost.length > 0 ? layout() : undefined
  const slot = (pos: number): Uint8Array | undefined => whole?.subarray(pos * padded, (pos + 1) * padded)

  // 1. data shards, and at the same time as many parity shards as data shards are known lost
  // (a repair reads its d survivors at once instead of data first, parity after)
  const parity: Array<RawBlock[] | undefined> = new Array(p).fill(undefined)
  const candidates = stripe.parity.map((_, j) => j).filter(j => !known.has(`parity/${j}`))
  let have = 0
  const fetchParity = async (wave: number[]): Promise<void> => {
    await Promise.all(wave.map(async j => {
      const r = await fetchOne(fetchShard, 'parity', j, stripe.parity[j], opts, slot(d + j))
      if (typeof r === 'string') lost.push({ kind: 'parity', index: j, reason: r })
      else { parity[j] = r; have++ }
    }))
  }
  const knownData = lost.filter(s => s.kind === 'data').length
  const [data] = await Promise.all([
    Promise.all(stripe.data.map(async (ref, i): Promise<RawBlock[] | undefined> => {
      if (known.has(`data/${i}`)) return undefined
      const r = await fetchOne(fetchShard, 'data', i, ref, opts, slot(i))
      if (typeof r !== 'string') return r
      lost.push({ kind: 'data', index: i, reason: r })
      return undefined
    })),
    fetchParity(candidates.splice(0, knownData))
  ])
  const lostData = lost.filter(s => s.kind === 'data')
  const lostParity = lost.filter(s => s.kind === 'parity')
  if (lostData.length === 0 && lostParity.length === 0) {
    return { stripe: index, data: data as RawBlock[][], lost: [], rebuilt: [] }
  }
  if (lost.length > p) throw unrecoverable()
  if (!codecReads(codec, manifest.codec)) {
    throw new CodecError(`stripe ${index} was coded with ${manifest.codec}; this peer has ${codec.id}`)
  }
  // losses found while reading the data shards: lay the stripe out now
  whole ??= layout()

  // 2. more parity when data shards were found lost while reading, or some parity failed too
  while (have < lostData.length) {
    const wave = candidates.splice(0, lostData.length - have)
    if (wave.length === 0) throw unrecoverable()
    await fetchParity(wave)
    if (lost.length > p) throw unrecoverable()
  }

  // 3. rebuild: virtual shards of a short stripe are known zeros
  let all: Uint8Array[]
  if (whole == null) {
    all = Array.from({ length: d + p }, () => new Uint8Array(0))
  } else {
    const w = whole
    // a reused buffer holds an earlier stripe: what the codec reads past a shard's end (and
    // the virtual data shards of a short stripe) must be zeros
    const place = (pos: number, blocks: RawBlock[] | undefined, length: number): Uint8Array | undefined => {
      if (blocks == null) return undefined
      const slot = w.subarray(pos * padded, (pos + 1) * padded)
      slot.fill(0, length)
      return joinInto(slot, blocks)
    }
    const shards: Array<Uint8Array | undefined> = [
      ...Array.from({ length: d }, (_, i) => i >= bd ? w.subarray(i * padded, (i + 1) * padded).fill(0) : place(i, data[i], stripe.data[i].length)),
      ...parity.map((blocks, j) => place(d + j, blocks, padded))
    ]
    // the codec takes the buffer over: every block is a view of what it hands back
    all = await codec.reconstruct(shards, d, p, { signal: opts.signal })
    for (const [i, ref] of stripe.data.entries()) if (data[i] != null) data[i] = splitByRefs(all[i], ref.blocks)
  }

  // 4. verify and hand out
  const rebuilt: EncodedShard[] = []
  for (const s of lost) {
    const ref = s.kind === 'data' ? stripe.data[s.index] : stripe.parity[s.index]
    const pos = s.kind === 'data' ? s.index : d + s.index
    const shard = await rebuiltShard(index, s.kind, s.index, ref, all[pos].subarray(0, ref.length), manifest.nonce)
    rebuilt.push(shard)
    if (s.kind === 'data') data[s.index] = shard.blocks
  }
  return { stripe: index, data: data as RawBlock[][], lost, rebuilt, ...(all[0]?.byteLength > 0 ? { buffer: all[0].buffer as ArrayBuffer } : {}) }
}
