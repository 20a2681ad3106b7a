// Groups a file's raw leaf blocks, in file order, into data shards and stripes.
//
// A block joins the current data shard while the shard stays <= shardSize bytes (and below the
// per-shard block cap that keeps one stripe's manifest entry under 1 MiB); a shard that reaches
// shardSize exactly closes at once, so with a shard size that is a multiple of the chunk size a
// stripe is emitted as soon as its last block arrives. A stripe is d data shards. The last stripe
// may hold fewer: its missing data shards are virtual all-zero shards padded to the stripe's
// longest shard, used by the codec but never stored, fetched or pinned.
//
// Each block is copied into the stripe's buffer ((d+p) x shardSize, laid out for the codec) as
// it arrives (from its pieces, when it comes as the upload's), so the caller's block is free to
// go as soon as it has been sent on. Buffers come
// from a StripeBuffers pool, to which the caller gives a coded stripe's buffer back. At most one
// stripe is held in memory.
//
// A caller that must know where a block lands before it is written (the add waits until the
// slot's previous shard is stored) calls makeRoom(length) first, which closes the current shard
// if the block does not fit, then `next` says the block's stripe and data shard, and push places
// it there. Shards closed so far are listed by takeClosed(), in order.
import { ErasureParamsError } from './errors.js'
import { StripeBuffers } from './stripe-buffers.js'
import { maxBlocksPerShard, validateShardCounts } from './limits.js'
import type { DataShard, LeafBlock, RawBlock, Stripe } from './types.js'
import { copyPiecesInto } from '../common/copy-into.js'

/** A data shard the builder closed: no block joins it any more. */
export interface ClosedShard {
  stripe: number
  /** its index among the stripe's data shards */
  index: number
  shard: DataShard
}

export interface StripeBuilderOptions {
  dataShards: number
  /** parity count: the stripe buffer has room for the parity slots */
  parityShards: number
  shardSize: number
  /** default: maxBlocksPerShard(d, p) */
  maxBlocksPerShard?: number
  /** where stripe buffers come from (default: a pool of the builder's own) */
  buffers?: StripeBuffers
}

export class StripeBuilder {
  private readonly d: number
  private readonly p: number
  private readonly shardSize: number
  private readonly maxBlocks: number
  private shards: DataShard[] = []
  private current: DataShard | undefined
  /** the buffer of the stripe being filled */
  private buffer: Uint8Array | undefined
  private readonly buffers: StripeBuffers
  private nextIndex = 0
  private last: { stripe: number, shard: number, block: RawBlock } | undefined
  private closed: ClosedShard[] = []

  constructor (opts: StripeBuilderOptions) {
    validateShardCounts(opts.dataShards, opts.parityShards)
    if (!Number.isSafeInteger(opts.shardSize) || opts.shardSize < 1) {
      throw new ErasureParamsError(`shard size must be a positive integer (got ${opts.shardSize})`)
    }
    this.d = opts.dataShards
    this.p = opts.parityShards
    this.shardSize = opts.shardSize
    this.buffers = opts.buffers ?? new StripeBuffers()
    this.maxBlocks = opts.maxBlocksPerShard ?? maxBlocksPerShard(opts.dataShards, opts.parityShards)
    if (!Number.isSafeInteger(this.maxBlocks) || this.maxBlocks < 1) {
      throw new ErasureParamsError(`max blocks per shard must be a positive integer (got ${this.maxBlocks})`)
    }
  }

  /**
   * Adds the next block in file order. Returns the stripes it completed (usually none or one;
   * two only when d = 1 and an overflowing block fills a shard by itself).
   */
  push (block: LeafBlock): Stripe[] {
    const len = block.bytes.byteLength
    const done = this.makeRoom(len, block.cid.toString())
    const shard = this.current ??= { blocks: [], length: 0 }
    const at = this.shards.length * this.shardSize + shard.length
    const buffer = this.buffer ??= this.newBuffer()
    copyPiecesInto(buffer, block.bytes, at)
    const placed = { cid: block.cid, bytes: buffer.subarray(at, at + len) }
    this.last = { stripe: this.nextIndex, shard: this.shards.length, block: placed }
    shard.blocks.push(placed)
    shard.length += len
    if (shard.length === this.shardSize || shard.blocks.length >= this.maxBlocks) this.closeShard(done)
    return done
  }

  /**
   * Closes the current shard when a block of `length` bytes does not fit in it: the stripes
   * that completes (push does the same by itself; this lets a caller code them first).
   */
  makeRoom (length: number, cid?: string): Stripe[] {
    if (length > this.shardSize) {
      const what = cid != null ? `block ${cid}` : 'a block'
      throw new ErasureParamsError(`${what} of ${length} bytes is larger than the shard size ${this.shardSize}: use a shard size of at least the chunk size`)
    }
    const done: Stripe[] = []
    const cur = this.current
    if (cur != null && cur.length + length > this.shardSize) this.closeShard(done)
    return done
  }

  /** The stripe and data shard the next block goes to, once makeRoom made room for it. */
  get next (): { stripe: number, shard: number } {
    return { stripe: this.nextIndex, shard: this.shards.length }
  }

  /**
   * Where the last pushed block went (its stripe and data shard index) and its bytes in the
   * stripe buffer. Lets the adder stream a block to its shard's holder as soon as it arrives,
   * before the stripe is complete.
   */
  get lastPosition (): { stripe: number, shard: number, block: RawBlock } | undefined {
    return this.last
  }

  /** The data shards closed since the last call, in order (their bytes are views of the stripe buffer). */
  takeClosed (): ClosedShard[] {
    const out = this.closed
    this.closed = []
    return out
  }

  private newBuffer (): Uint8Array {
    return this.buffers.take((this.d + this.p) * this.shardSize)
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
    this.closed.push({ stripe: this.nextIndex, index: this.shards.length, shard: this.current })
    this.shards.push(this.current)
    this.current = undefined
    if (this.shards.length === this.d) done.push(this.emit())
  }

  private emit (): Stripe {
    const stripe = { index: this.nextIndex++, dataShards: this.shards, buffer: this.buffer ?? this.newBuffer(), stride: this.shardSize }
    this.shards = []
    this.buffer = undefined
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
