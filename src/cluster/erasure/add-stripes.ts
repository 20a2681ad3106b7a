// The stripe half of an erasure add: raw leaves in file order → data shards → stripes. Each
// leaf goes to its data shard's holder the moment it arrives; when a stripe is complete it is
// RS-coded in the codec's worker, its parity blocks and all its shard nodes go to their holders
// while the next stripe's leaves come in, and only its manifest entry and shard records are
// kept. At most one stripe is in memory (EC rule 2), in one buffer that every stripe of the add
// reuses, plus the parity copies of the stripe before while they go out. The d+p holders of a stripe are
// distinct peers (distinct tag groups when tags are in use), chosen by placeShards over the
// allocator's ranking rotated by the stripe index, so the shards of a file spread over all
// peers (EC rule 1).
import { placeShards } from '../../allocator/placement.js'
import type { GroupOf } from '../../allocator/placement.js'
import { StripeBuffers, StripeBuilder, encodeStripe } from '../../erasure/index.js'
import type { Codec, ManifestStripe, RawBlock, ShardKind, Stripe } from '../../erasure/index.js'
import type { PeerStreams } from './add-streams.js'

/** One shard as the add stored it: what its shard pin and its output line need. */
export interface StoredShard {
  stripe: number
  kind: ShardKind
  /** index within its kind */
  index: number
  /** position in the stripe: data i → i, parity j → d + j */
  position: number
  node: string
  length: number
  holder: string
}

export interface StripeWriterInit {
  d: number
  p: number
  shardSize: number
  parityBlockSize: number
  nonce: Uint8Array
  codec: Codec
  ranking: readonly string[]
  groupOf?: GroupOf
  streams: PeerStreams
  signal?: AbortSignal
}

export class StripeWriter {
  private readonly init: StripeWriterInit
  private readonly builder: StripeBuilder
  private readonly buffers = new StripeBuffers()
  /** holders of the stripes that have blocks but are not coded yet (at most two) */
  private readonly holders = new Map<number, string[]>()
  readonly stripes: ManifestStripe[] = []
  readonly shards: StoredShard[] = []
  /** bytes of leaf data seen */
  fileSize = 0
  /** the last coded stripe's parity and shard nodes on their way to their holders */
  private sending: Promise<void> = Promise.resolve()
  private sendFailed?: { error: unknown }

  constructor (init: StripeWriterInit) {
    this.init = init
    this.builder = new StripeBuilder({ dataShards: init.d, parityShards: init.p, shardSize: init.shardSize, buffers: this.buffers })
  }

  /** The d+p holders of stripe s (index i of the list holds position i). */
  private holdersOf (s: number): string[] {
    let h = this.holders.get(s)
    if (h == null) {
      const { d, p, ranking } = this.init
      // each stripe starts where the one before ended, one peer further each time the ranking
      // wraps around: consecutive stripes use every peer, and with as many peers as shards a
      // shard's role (data i, parity j) moves to the next peer from stripe to stripe, so a
      // healthy read, which needs the data shards only, does not always skip the same peers
      const start = s * (d + p)
      const offset = (start + Math.floor(start / ranking.length)) % ranking.length
      const rotated = [...ranking.slice(offset), ...ranking.slice(0, offset)]
      h = placeShards({ shards: d + p, stripes: 1, ranking: rotated, groupOf: this.init.groupOf })[0]
      this.holders.set(s, h)
    }
    return h
  }

  /** Adds the next leaf in file order: stores it on its holder, codes the stripes it completes. */
  async push (leaf: RawBlock): Promise<void> {
    if (this.sendFailed != null) throw this.sendFailed.error
    this.fileSize += leaf.bytes.byteLength
    const done = this.builder.push(leaf)
    const at = this.builder.lastPosition
    if (at != null) await this.init.streams.put(this.holdersOf(at.stripe)[at.shard], leaf)
    for (const stripe of done) await this.code(stripe)
  }

  /** Codes the last, possibly short, stripe. */
  async finish (): Promise<void> {
    const last = this.builder.finish()
    if (last != null) await this.code(last)
    await this.sending
    if (this.sendFailed != null) throw this.sendFailed.error
  }

  private async code (stripe: Stripe): Promise<void> {
    const { d, p, codec, streams, signal } = this.init
    const holders = this.holdersOf(stripe.index)
    const enc = await encodeStripe(stripe, codec, p, { dataShards: d, nonce: this.init.nonce, parityBlockSize: this.init.parityBlockSize, signal })
    const out = [...enc.data, ...enc.parity].map(s => ({ s, holder: holders[s.kind === 'data' ? s.index : d + s.index] }))
    for (const { s, holder } of out) {
      this.shards.push({ stripe: stripe.index, kind: s.kind, index: s.index, position: s.kind === 'data' ? s.index : d + s.index, node: s.node.cid.toString(), length: s.length, holder })
    }
    this.stripes.push(enc.manifest)
    this.holders.delete(stripe.index)
    // the leaves went out as themselves and the parity blocks are copies: nothing uses the
    // coded stripe any more, so the next stripe is laid out in it (or in the builder's buffer,
    // when a short stripe was coded in a compact copy of it)
    this.buffers.give(enc.buffer)
    this.buffers.give(stripe.buffer.buffer as ArrayBuffer)
    // one stripe's parity in flight at a time: the one before must be queued first
    await this.sending
    if (this.sendFailed != null) throw this.sendFailed.error
    this.sending = (async () => {
      for (const { s, holder } of out) {
        // data blocks went out as they arrived; parity blocks exist only now
        if (s.kind === 'parity') for (const b of s.blocks) await streams.put(holder, b)
        await streams.put(holder, s.node)
      }
    })().catch(error => { this.sendFailed = { error } })
  }
}
