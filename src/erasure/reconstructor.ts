// Reads one stripe back: data shards first; only when some are missing, failed or corrupt,
// just enough parity to rebuild them. Every block handed out was checked: fetched blocks
// against their CIDs (unless the caller's fetch already does that), rebuilt data blocks
// against their CIDs, rebuilt parity blocks against the manifest, and every rebuilt shard node
// against the node CID the manifest recorded. A healthy stripe never reaches the codec.
import type { Codec } from './codec.js'
import { CodecError, CorruptShardError, UnrecoverableStripeError } from './errors.js'
import { joinInto, splitByRefs, verifyBlock } from './blocks.js'
import { encodeShardNode } from './shard-node.js'
import type { EncodedShard, Manifest, ManifestStripe, RawBlock, ShardKind, ShardRef } from './types.js'

/** Blocks of a shard in manifest order, or undefined when the shard is lost. Throwing counts as a failed fetch. */
export type FetchShard = (kind: ShardKind, index: number, opts: { signal?: AbortSignal }) => Promise<Uint8Array[] | undefined>

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

async function fetchOne (fetchShard: FetchShard, kind: ShardKind, index: number, ref: ShardRef, opts: ReconstructStripeOptions): Promise<RawBlock[] | LossReason> {
  let blocks: Uint8Array[] | undefined
  try {
    blocks = await fetchShard(kind, index, { signal: opts.signal })
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

  // 1. data shards
  const data: Array<RawBlock[] | undefined> = await Promise.all(stripe.data.map(async (ref, i) => {
    if (known.has(`data/${i}`)) return undefined
    const r = await fetchOne(fetchShard, 'data', i, ref, opts)
    if (typeof r !== 'string') return r
    lost.push({ kind: 'data', index: i, reason: r })
    return undefined
  }))
  const lostData = lost.filter(s => s.kind === 'data')
  const lostParity = lost.filter(s => s.kind === 'parity')
  if (lostData.length === 0 && lostParity.length === 0) {
    return { stripe: index, data: data as RawBlock[][], lost: [], rebuilt: [] }
  }
  if (lost.length > p) throw unrecoverable()
  if (codec.id !== manifest.codec) {
    throw new CodecError(`stripe ${index} was coded with ${manifest.codec}; this peer has ${codec.id}`)
  }

  // 2. just enough parity to cover the lost data shards, more if some parity fails too
  const parity: Array<RawBlock[] | undefined> = new Array(p).fill(undefined)
  const candidates = stripe.parity.map((_, j) => j).filter(j => !known.has(`parity/${j}`))
  let have = 0
  while (have < lostData.length) {
    const wave = candidates.splice(0, lostData.length - have)
    if (wave.length === 0) throw unrecoverable()
    await Promise.all(wave.map(async j => {
      const r = await fetchOne(fetchShard, 'parity', j, stripe.parity[j], opts)
      if (typeof r === 'string') lost.push({ kind: 'parity', index: j, reason: r })
      else { parity[j] = r; have++ }
    }))
    if (lost.length > p) throw unrecoverable()
  }

  // 3. rebuild: virtual shards of a short stripe are known zeros
  const padded = Math.max(...stripe.data.map(s => s.length))
  let all: Uint8Array[]
  if (padded === 0) {
    all = Array.from({ length: d + p }, () => new Uint8Array(0))
  } else {
    // one (d+p) x padded buffer the codec moves to its worker as it is (no second copy)
    const whole = new Uint8Array((d + p) * padded)
    const slot = (i: number, blocks: RawBlock[] | undefined): Uint8Array | undefined =>
      blocks == null ? undefined : joinInto(whole.subarray(i * padded, (i + 1) * padded), blocks)
    const shards: Array<Uint8Array | undefined> = [
      // virtual data shards of a short stripe: zeros, which the fresh buffer already holds
      ...Array.from({ length: d }, (_, i) => i >= bd ? whole.subarray(i * padded, (i + 1) * padded) : slot(i, data[i])),
      ...parity.map((blocks, j) => slot(d + j, blocks))
    ]
    all = await codec.reconstruct(shards, d, p, { signal: opts.signal })
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
  return { stripe: index, data: data as RawBlock[][], lost, rebuilt }
}
