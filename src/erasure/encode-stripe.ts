// Codes one stripe: parity over the data shards zero-padded to the stripe's longest shard
// (missing data shards of a short last stripe are all-zero and never stored), parity cut into
// raw blocks, and a shard node for every data and parity shard. The result carries the
// manifest entry of the stripe, so the adder only stores blocks and pins nodes.
import type { Codec } from './codec.js'
import { CodecError, ErasureParamsError } from './errors.js'
import { DEFAULT_PARITY_BLOCK_SIZE, MAX_BLOCK_BYTES, validateShardCounts } from './limits.js'
import { encodeShardNode } from './shard-node.js'
import { cutRawBlocks, splitByRefs, stripeBehind } from './blocks.js'
import type { BlockRef, EncodedShard, ManifestStripe, RawBlock, ShardKind, Stripe } from './types.js'

export interface EncodeStripeOptions {
  /** d: the stripe may hold fewer data shards (last stripe), never more */
  dataShards: number
  /** the add's nonce (manifest.nonce): goes into every shard node, see nonce.ts */
  nonce: Uint8Array
  /** size of the raw blocks parity is cut into (default 256 KiB, at most 1 MiB) */
  parityBlockSize?: number
  /**
   * The data shards' nodes, made by the caller when each shard closed (the add sends a shard's
   * node as soon as its last block went out); made here when absent.
   */
  dataNodes?: ReadonlyArray<RawBlock | undefined>
  signal?: AbortSignal
}

export interface EncodedStripe {
  index: number
  /** the stripe's longest data shard: the length of every parity shard */
  paddedLength: number
  /**
   * The coded stripe's memory, which the data blocks are views of: to give back to the
   * StripeBuffers pool once they are not needed. The parity blocks are copies, except in a
   * shared stripe buffer (coded in place): there they are views of its parity slots, which the
   * caller reuses only once they are stored.
   */
  buffer?: ArrayBuffer | SharedArrayBuffer
  data: EncodedShard[]
  parity: EncodedShard[]
  /** this stripe's entry in the manifest */
  manifest: ManifestStripe
}

/** The shard node of a shard made of `blocks` (`length` bytes in all). */
export async function shardNodeOf (kind: ShardKind, stripe: number, index: number, blocks: readonly RawBlock[], length: number, nonce: Uint8Array): Promise<RawBlock> {
  return await encodeShardNode({ kind, stripe, index, length, blocks: blocks.map(b => [b.cid, b.bytes.byteLength]), nonce })
}

async function shardOf (kind: ShardKind, stripe: number, index: number, blocks: RawBlock[], length: number, nonce: Uint8Array, made?: RawBlock): Promise<EncodedShard> {
  const node = made ?? await shardNodeOf(kind, stripe, index, blocks, length, nonce)
  return { kind, index, length, blocks, node }
}

export async function encodeStripe (stripe: Stripe, codec: Codec, parityShards: number, opts: EncodeStripeOptions): Promise<EncodedStripe> {
  const d = opts.dataShards
  const p = parityShards
  validateShardCounts(d, p)
  const blockSize = opts.parityBlockSize ?? DEFAULT_PARITY_BLOCK_SIZE
  if (!Number.isSafeInteger(blockSize) || blockSize < 1 || blockSize > MAX_BLOCK_BYTES) {
    throw new ErasureParamsError(`parity block size must be between 1 and ${MAX_BLOCK_BYTES} bytes (got ${blockSize})`)
  }
  const n = stripe.dataShards.length
  if (n < 1 || n > d) throw new ErasureParamsError(`stripe ${stripe.index} has ${n} data shards, expected 1..${d}`)

  const lengths = stripe.dataShards.map((s, i) => {
    const length = s.blocks.reduce((sum, b) => sum + b.bytes.byteLength, 0)
    if (length !== s.length) throw new ErasureParamsError(`stripe ${stripe.index} data shard ${i}: blocks hold ${length} bytes, length says ${s.length}`)
    return length
  })
  const padded = Math.max(...lengths)
  // taken before coding: the codec detaches the views the stripe's blocks are
  const refs = stripe.dataShards.map(s => s.blocks.map((b): BlockRef => [b.cid, b.bytes.byteLength]))

  let parityBytes: Uint8Array[]
  let coded: Uint8Array | undefined
  if (padded === 0) {
    // only empty blocks: parity of zero-length shards is zero-length (the wasm rejects empty input)
    parityBytes = Array.from({ length: p }, () => new Uint8Array(0))
  } else {
    const whole = codecLayout(stripe, d, p, padded)
    const inputs = Array.from({ length: d }, (_, i) => whole.subarray(i * padded, (i + 1) * padded))
    // the codec takes the buffer over and hands back the coded stripe, data slots first
    parityBytes = await codec.encode(inputs, p, { signal: opts.signal })
    coded = codedStripe(parityBytes, d, p, padded)
  }
  const data = await Promise.all(stripe.dataShards.map(async (s, i) => {
    const blocks = coded == null ? s.blocks : splitByRefs(coded.subarray(i * padded), refs[i])
    return await shardOf('data', stripe.index, i, blocks, lengths[i], opts.nonce, opts.dataNodes?.[i])
  }))
  const views = coded?.buffer instanceof SharedArrayBuffer
  const parity = await Promise.all(parityBytes.map(async (bytes, j) =>
    await shardOf('parity', stripe.index, j, await cutRawBlocks(bytes, blockSize, { views }), bytes.byteLength, opts.nonce)))

  const ref = (s: EncodedShard): ManifestStripe['data'][number] => ({
    node: s.node.cid,
    length: s.length,
    blocks: s.blocks.map(b => [b.cid, b.bytes.byteLength])
  })
  return {
    index: stripe.index,
    paddedLength: padded,
    ...(coded != null ? { buffer: coded.buffer } : {}),
    data,
    parity,
    manifest: { data: data.map(ref), parity: parity.map(ref) }
  }
}

/**
 * The stripe as the codec wants it: d + p slots of exactly `padded` bytes, with zeros past each
 * data shard's end and in the virtual shards of a short stripe. The builder's buffer is used in
 * place when its slots are that size; otherwise (a short last stripe, shards closed early by the
 * block cap) the data is copied into a fresh, compact one.
 */
function codecLayout (stripe: Stripe, d: number, p: number, padded: number): Uint8Array {
  const { buffer, stride } = stripe
  if (stride === padded && buffer.byteLength === (d + p) * padded) {
    for (let i = 0; i < d; i++) {
      const length = stripe.dataShards[i]?.length ?? 0
      if (length < padded) buffer.fill(0, i * padded + length, (i + 1) * padded)
    }
    return buffer
  }
  const whole = new Uint8Array((d + p) * padded)
  stripe.dataShards.forEach((s, i) => whole.set(buffer.subarray(i * stride, i * stride + s.length), i * padded))
  return whole
}

/** The whole coded stripe behind the parity views the codec returned (see Codec.encode). */
function codedStripe (parity: Uint8Array[], d: number, p: number, padded: number): Uint8Array {
  const buf = stripeBehind(parity, d, d + p, padded)
  if (buf == null) throw new CodecError('the codec did not return the coded stripe laid out as (d+p) × size')
  return new Uint8Array(buf)
}
