// Codes one stripe: parity over the data shards zero-padded to the stripe's longest shard
// (missing data shards of a short last stripe are all-zero and never stored), parity cut into
// raw blocks, and a shard node for every data and parity shard. The result carries the
// manifest entry of the stripe, so the adder only stores blocks and pins nodes.
import type { Codec } from './codec.js'
import { ErasureParamsError } from './errors.js'
import { DEFAULT_PARITY_BLOCK_SIZE, MAX_BLOCK_BYTES, validateShardCounts } from './limits.js'
import { encodeShardNode } from './shard-node.js'
import { cutRawBlocks, joinInto } from './blocks.js'
import type { EncodedShard, ManifestStripe, RawBlock, ShardKind, Stripe } from './types.js'

export interface EncodeStripeOptions {
  /** d: the stripe may hold fewer data shards (last stripe), never more */
  dataShards: number
  /** the add's nonce (manifest.nonce): goes into every shard node, see nonce.ts */
  nonce: Uint8Array
  /** size of the raw blocks parity is cut into (default 256 KiB, at most 1 MiB) */
  parityBlockSize?: number
  signal?: AbortSignal
}

export interface EncodedStripe {
  index: number
  /** the stripe's longest data shard: the length of every parity shard */
  paddedLength: number
  data: EncodedShard[]
  parity: EncodedShard[]
  /** this stripe's entry in the manifest */
  manifest: ManifestStripe
}

async function shardOf (kind: ShardKind, stripe: number, index: number, blocks: RawBlock[], length: number, nonce: Uint8Array): Promise<EncodedShard> {
  const node = await encodeShardNode({
    kind,
    stripe,
    index,
    length,
    blocks: blocks.map(b => [b.cid, b.bytes.byteLength]),
    nonce
  })
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

  const data = await Promise.all(stripe.dataShards.map(async (s, i) => {
    const length = s.blocks.reduce((sum, b) => sum + b.bytes.byteLength, 0)
    if (length !== s.length) throw new ErasureParamsError(`stripe ${stripe.index} data shard ${i}: blocks hold ${length} bytes, length says ${s.length}`)
    return await shardOf('data', stripe.index, i, s.blocks, length, opts.nonce)
  }))
  const padded = Math.max(...data.map(s => s.length))

  let parityBytes: Uint8Array[]
  if (padded === 0) {
    // only empty blocks: parity of zero-length shards is zero-length (the wasm rejects empty input)
    parityBytes = Array.from({ length: p }, () => new Uint8Array(0))
  } else {
    // the data shards are laid out in one (d+p) x padded buffer that the codec moves to its
    // worker as it is (see WasmCodec's stripeBuffer): one copy of the stripe, not three
    const whole = new Uint8Array((d + p) * padded)
    const inputs = Array.from({ length: d }, (_, i) => whole.subarray(i * padded, (i + 1) * padded))
    stripe.dataShards.forEach((s, i) => joinInto(inputs[i], s.blocks))
    parityBytes = await codec.encode(inputs, p, { signal: opts.signal })
  }
  const parity = await Promise.all(parityBytes.map(async (bytes, j) =>
    await shardOf('parity', stripe.index, j, await cutRawBlocks(bytes, blockSize), bytes.byteLength, opts.nonce)))

  const ref = (s: EncodedShard): ManifestStripe['data'][number] => ({
    node: s.node.cid,
    length: s.length,
    blocks: s.blocks.map(b => [b.cid, b.bytes.byteLength])
  })
  return {
    index: stripe.index,
    paddedLength: padded,
    data,
    parity,
    manifest: { data: data.map(ref), parity: parity.map(ref) }
  }
}
