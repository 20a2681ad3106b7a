// Reads one stripe back: data shards first; only when some are missing, failed, corrupt or
// slow, just enough parity to rebuild them (shard-reads.ts picks and hedges the fetches). A
// stripe with losses is laid out in one (d+p) x padded buffer that the codec takes over (no
// second copy), and its blocks, fetched and rebuilt, are views of the buffer the codec hands
// back: one stripe in memory, not a stripe plus its blocks. Every block handed out was checked:
// fetched blocks against their CIDs (unless the caller's fetch already does that), rebuilt data
// blocks against their CIDs, rebuilt parity blocks against the manifest, and every rebuilt shard
// node against the node CID the manifest recorded. A healthy stripe never reaches the codec.
import type { CID } from 'multiformats/cid'
import type { Codec } from './codec.js'
import type { StripeBuffers } from './stripe-buffers.js'
import { CodecError, CorruptShardError, UnrecoverableStripeError } from './errors.js'
import { codecReads } from './codecs.js'
import { blockMatches, joinInto, splitByRefs, verifyBlock } from './blocks.js'
import { encodeShardNode } from './shard-node.js'
import { DEFAULT_HEDGE_RULE } from './hedge-rule.js'
import type { HedgeRule } from './hedge-rule.js'
import { keyOf, readShards } from './shard-reads.js'
import type { CheckedFetch, ShardId } from './shard-reads.js'
import type { EncodedShard, Manifest, ManifestStripe, RawBlock, ShardKind, ShardRef } from './types.js'

export type { ShardId } from './shard-reads.js'
export type { HedgeRule } from './hedge-rule.js'
export { DEFAULT_HEDGE_RULE } from './hedge-rule.js'

export interface FetchShardOptions {
  /**
   * Aborted when the read no longer needs this shard (enough others arrived first: see
   * shard-reads.ts) or the caller gave up. The fetch should end its transfer (so the holder
   * stops sending), and must not write into `into` once it is aborted.
   */
  signal?: AbortSignal
  /**
   * The shard's slot in the stripe buffer (its blocks back to back in manifest order). A
   * fetcher may copy each block there as it arrives and return views of the slot, so the
   * fetched copies are garbage at once; it may also ignore it.
   */
  into?: Uint8Array
  /**
   * Told the size of each block as it arrives. Optional, but a fetcher that never calls it is
   * judged by its completion alone, so a holder frozen part-way looks like a slow start.
   */
  onProgress?: (bytes: number) => void
  /**
   * Told each block as it arrives, `i` its place in the shard, `bytes` what the fetch will
   * return for it (so a view of `into` when it was copied there).
   */
  onBlock?: (i: number, bytes: Uint8Array) => void
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
  /**
   * Shards to read only when nothing else is left (their holders were slow earlier in this
   * run): parity is read in their place and they are rebuilt, not reported lost.
   */
  avoid?: readonly ShardId[]
  /** when a fetch is slow enough to read a spare shard beside it; false: wait for every fetch */
  hedge?: HedgeRule | false
  /** hash fetched blocks against their CIDs (default true; false when the fetch verifies) */
  verifyFetched?: boolean
  /** where a stripe buffer comes from (default: a new one) */
  buffers?: StripeBuffers
  /**
   * Lay a healthy stripe out too, in a buffer from `buffers`: each fetched block is copied
   * into its slot as it arrives, so the buffers it came in are garbage at once. Kept instead
   * for as long as the stripe is handed out, they outlive young collections, are promoted, and
   * every few tens of MiB of them start a full collection of the whole heap.
   */
  layoutHealthy?: boolean
  /**
   * Data blocks handed out as they arrive, each once and checked against its CID first, while
   * the rest of the stripe is still read: a reader streams a stripe's start before its end
   * has come. Only a stripe laid out healthy from the start publishes (one that needs the codec
   * hands its buffer to it); each block is a view of the stripe buffer, valid as long as the
   * result's blocks are. A hedge that turns the stripe to the codec after all leaves the views
   * already handed out in memory nobody else takes: their buffer is not given back.
   */
  onDataBlock?: (cid: CID, bytes: Uint8Array) => void
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
   * Shards whose fetch was cancelled as slow once enough others had arrived. They are not
   * lost (nothing to repair); a data shard among them was rebuilt and verified like a lost one.
   */
  hedged: ShardId[]
  /**
   * The stripe buffer every block is a view of, for a stripe with losses or one laid out
   * (layoutHealthy): give it back to the StripeBuffers pool once the blocks are not needed.
   * Absent for a healthy stripe whose blocks are as they were fetched.
   */
  buffer?: ArrayBuffer | SharedArrayBuffer
}

type Header = Pick<Manifest, 'codec' | 'data_shards' | 'parity_shards' | 'nonce'>

/** `checked`: blocks already found to match their CIDs as they arrived (not hashed twice). */
async function checkFetched (ref: ShardRef, blocks: Uint8Array[] | undefined, verify: boolean, checked?: ReadonlyMap<number, Uint8Array>): Promise<RawBlock[] | 'missing' | 'corrupt'> {
  if (blocks == null) return 'missing'
  if (blocks.length !== ref.blocks.length) return 'corrupt'
  for (const [i, [cid, len]] of ref.blocks.entries()) {
    if (blocks[i]?.byteLength !== len) return 'corrupt'
    if (verify && checked?.get(i) !== blocks[i] && !(await verifyBlock(cid, blocks[i]))) return 'corrupt'
  }
  return ref.blocks.map(([cid], i) => ({ cid, bytes: blocks[i] }))
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
  const known = new Set((opts.lost ?? []).map(keyOf))
  const stored: ShardId[] = [
    ...stripe.data.map((_, i) => ({ kind: 'data' as const, index: i })),
    ...stripe.parity.map((_, j) => ({ kind: 'parity' as const, index: j }))
  ]
  const lost: LostShard[] = stored.filter(s => known.has(keyOf(s))).map(s => ({ ...s, reason: 'known' as const }))
  const unrecoverable = (): UnrecoverableStripeError => new UnrecoverableStripeError(index, lost, p)
  if (lost.length > p) throw unrecoverable()

  // data before parity, and shards of slow holders last: the first bd start at once
  const avoid = new Set((opts.avoid ?? []).map(keyOf))
  const usable = stored.filter(s => !known.has(keyOf(s)))
  const order = [...usable.filter(s => !avoid.has(keyOf(s))), ...usable.filter(s => avoid.has(keyOf(s)))]
  const refOf = (s: ShardId): ShardRef => s.kind === 'data' ? stripe.data[s.index] : stripe.parity[s.index]
  const posOf = (s: ShardId): number => s.kind === 'data' ? s.index : d + s.index

  const padded = Math.max(...stripe.data.map(s => s.length))
  const layout = (shards: number): Uint8Array | undefined => padded > 0 ? (opts.buffers?.take(shards * padded) ?? new Uint8Array(shards * padded)) : undefined
  // a stripe that needs the codec whatever arrives (known losses, data read around a slow
  // holder), or a healthy one the caller wants laid out, is laid out from the start: fetched
  // blocks go straight to their slots. A healthy stripe's layout has data slots only (two
  // thirds of the memory at 4+2); parity fetched into it after all comes in its own blocks.
  const needsCodec = lost.length > 0 || order.slice(0, bd).some(s => s.kind !== 'data')
  let whole = needsCodec ? layout(d + p) : opts.layoutHealthy === true && opts.buffers != null ? layout(d) : undefined

  const verify = opts.verifyFetched ?? true
  const publish = needsCodec ? undefined : opts.onDataBlock
  const fetch: CheckedFetch = async (s, signal, onProgress) => {
    const end = (posOf(s) + 1) * padded
    const into = whole != null && end <= whole.byteLength ? whole.subarray(end - padded, end) : undefined
    const ref = refOf(s)
    // a data block that arrives whole in its slot is checked at once and handed out
    const checked = new Map<number, Uint8Array>()
    const onBlock = publish == null || s.kind !== 'data' || into == null
      ? undefined
      : (i: number, bytes: Uint8Array): void => {
          const r = ref.blocks[i]
          if (r == null || bytes.byteLength !== r[1] || bytes.buffer !== into.buffer || signal.aborted || !blockMatches(r[0], bytes)) return
          checked.set(i, bytes)
          publish(r[0], bytes)
        }
    let blocks: Uint8Array[] | undefined
    try {
      blocks = await fetchShard(s.kind, s.index, { signal, into, onProgress, onBlock })
    } catch {
      // a holder that errors is a lost shard for this read; an abort is not a loss
      signal.throwIfAborted()
      return 'failed'
    }
    signal.throwIfAborted()
    return await checkFetched(ref, blocks, verify, checked)
  }
  // 1. any bd good shards of the stripe (the virtual zeros of a short stripe make up the rest)
  const reads = await readShards({
    order,
    need: bd,
    maxLosses: p - lost.length,
    fetch,
    size: s => refOf(s).length,
    hedge: opts.hedge ?? DEFAULT_HEDGE_RULE,
    signal: opts.signal
  })
  lost.push(...reads.lost.sort((a, b) => posOf(a) - posOf(b)))
  if (lost.length > p || reads.got.size < bd) throw unrecoverable()
  const got = (s: ShardId): RawBlock[] | undefined => reads.got.get(keyOf(s))
  const data: Array<RawBlock[] | undefined> = stripe.data.map((_, i) => got({ kind: 'data', index: i }))
  if (lost.length === 0 && data.every(x => x != null)) {
    return { stripe: index, data: data as RawBlock[][], lost: [], rebuilt: [], hedged: reads.hedged, ...(whole != null ? { buffer: whole.buffer } : {}) }
  }
  if (!codecReads(codec, manifest.codec)) {
    throw new CodecError(`stripe ${index} was coded with ${manifest.codec}; this peer has ${codec.id}`)
  }
  // losses or slow holders found while reading the data shards: lay the stripe out now, with
  // parity slots (the data shards already laid out are copied over; their buffer goes back)
  let dataOnly: Uint8Array | undefined
  if (whole == null || whole.byteLength < (d + p) * padded) {
    dataOnly = whole
    whole = layout(d + p)
  }

  // 2. rebuild: virtual shards of a short stripe are known zeros
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
      ...stripe.parity.map((_, j) => place(d + j, got({ kind: 'parity', index: j }), padded))
    ]
    // the codec takes the buffer over: every block is a view of what it hands back
    all = await codec.reconstruct(shards, d, p, { signal: opts.signal })
    for (const [i, ref] of stripe.data.entries()) if (data[i] != null) data[i] = splitByRefs(all[i], ref.blocks)
    // every block is a view of the coded stripe now
    // (unless data blocks in it were handed out as they arrived: see onDataBlock)
    if (dataOnly != null && publish == null) opts.buffers?.give(dataOnly.buffer)
  }

  // 3. verify and hand out: lost shards are rebuilt for repair; data shards read around a slow
  // holder are verified the same way but are not lost (their holder still has them)
  const rebuilt: EncodedShard[] = []
  const rebuild = async (s: ShardId): Promise<EncodedShard> => {
    const ref = refOf(s)
    return await rebuiltShard(index, s.kind, s.index, ref, all[posOf(s)].subarray(0, ref.length), manifest.nonce)
  }
  for (const s of lost) {
    const shard = await rebuild(s)
    rebuilt.push(shard)
    if (s.kind === 'data') data[s.index] = shard.blocks
  }
  for (const [i] of data.entries()) data[i] ??= (await rebuild({ kind: 'data', index: i })).blocks
  return { stripe: index, data: data as RawBlock[][], lost, rebuilt, hedged: reads.hedged, ...(all[0]?.byteLength > 0 ? { buffer: all[0].buffer } : {}) }
}
