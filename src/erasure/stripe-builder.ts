// Groups a file's raw leaf blocks, in file order, into data shards and stripes.
//
// A block joins the current data shard while the shard stays <= shardSize bytes (and below the
// per-shard block cap that keeps one stripe's manifest entry under 1 MiB); a shard that reaches
// shardSize exactly closes at once, so with a shard size that is a multiple of the chunk size a
// stripe is emitted as soon as its last block arrives. A stripe is d data shards. The last stripe
// may hold fewer: its missing data shards are virtual all-zero shards padded to the stripe's
// longest shard, used by the codec but never stored, fetched or pinned. At most one stripe (plus
// the block that overflowed it) is held in memory.
import { ErasureParamsError } from './errors.js'
import { maxBlocksPerShard, validateShardCounts } from './limits.js'
import type { DataShard, RawBlock, Stripe } from './types.js'

export interface StripeBuilderOptions {
  dataShards: number
  /** parity count: only used for the default block cap per shard */
  parityShards: number
  shardSize: number
  /** default: maxBlocksPerShard(d, p) */
  maxBlocksPerShard?: number
}

export class StripeBuilder {
  private readonly d: number
  private readonly shardSize: number
  private readonly maxBlocks: number
  private shards: DataShard[] = []
  private current: DataShard | undefined
  private nextIndex = 0
  private last: { stripe: number, shard: number } | undefined

  constructor (opts: StripeBuilderOptions) {
    validateShardCounts(opts.dataShards, opts.parityShards)
    if (!Number.isSafeInteger(opts.shardSize) || opts.shardSize < 1) {
      throw new ErasureParamsError(`shard size must be a positive integer (got ${opts.shardSize})`)
    }
    this.d = opts.dataShards
    this.shardSize = opts.shardSize
    this.maxBlocks = opts.maxBlocksPerShard ?? maxBlocksPerShard(opts.dataShards, opts.parityShards)
    if (!Number.isSafeInteger(this.maxBlocks) || this.maxBlocks < 1) {
      throw new ErasureParamsError(`max blocks per shard must be a positive integer (got ${this.maxBlocks})`)
    }
  }

  /**
   * Adds the next block in file order. Returns the stripes it completed (usually none or one;
   * two only when d = 1 and an overflowing block fills a shard by itself).
   */
  push (block: RawBlock): Stripe[] {
    const len = block.bytes.byteLength
    if (len > this.shardSize) {
      throw new ErasureParamsError(`block ${block.cid.toString()} of ${len} bytes is larger than the shard size ${this.shardSize}: use a shard size of at least the chunk size`)
    }
    const done: Stripe[] = []
    const cur = this.current
    if (cur != null && cur.length + len > this.shardSize) this.closeShard(done)
    const shard = this.current ??= { blocks: [], length: 0 }
    this.last = { stripe: this.nextIndex, shard: this.shards.length }
    shard.blocks.push(block)
    shard.length += len
    if (shard.length === this.shardSize || shard.blocks.length >= this.maxBlocks) this.closeShard(done)
    return done
  }

  /**
   * Where the last pushed block went: its stripe and data shard index. Lets the adder stream a
   * block to its shard's holder as soon as it arrives, before the stripe is complete.
   */
  get lastPosition (): { stripe: number, shard: number } | undefined {
    return this.last
  }

  /** The last, possibly short, stripe; undefined when no block was pushed since the last stripe. */
  finish (): Stripe | undefined {
    const done: Stripe[] = []
    if (this.current != null) this.closeShard(done)
    if (done.length > 0) return done[0]
    if (this.shards.length === 0) return undefined
    return this.emit()
  }

  private closeShard (done: Stripe[]): void {
    if (this.current == null) return
    this.shards.push(this.current)
    this.current = undefined
    if (this.shards.length === this.d) done.push(this.emit())
  }

  private emit (): Stripe {
    const stripe = { index: this.nextIndex++, dataShards: this.shards }
    this.shards = []
    return stripe
  }
}

/** Streams stripes out of a stream of raw leaf blocks in file order. */
export async function * buildStripes (
  blocks: AsyncIterable<RawBlock> | Iterable<RawBlock>,
  opts: StripeBuilderOptions & { signal?: AbortSignal }
): AsyncGenerator<Stripe> {
  const builder = new StripeBuilder(opts)
  for await (const block of blocks) {
    opts.signal?.throwIfAborted()
    yield * builder.push(block)
  }
  const last = builder.finish()
  if (last != null) yield last
}
