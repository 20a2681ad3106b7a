// The stripe half of an erasure add: raw leaves in file order → data shards → stripes. Each
// leaf goes to its data shard's holder the moment it arrives (one block stream per shard);
// when a stripe is complete it is RS-coded in the codec's worker, each data shard's node closes
// its stream, and the parity shards go to their holders while the next stripe's leaves come in;
// only the stripe's manifest entry and shard records are kept. The d+p holders of a stripe are
// distinct peers (distinct tag groups when tags are in use), chosen by placeShards over the
// allocator's ranking rotated by the stripe index, so the shards of a file spread over all
// peers (EC rule 1).
//
// Write quorum (add.md): a shard whose holder failed before confirming it is sent whole to a
// live peer holding nothing of the stripe, or else recorded as lost (its pin keeps the failed
// holder, so the repair rebuilds it); a stripe with fewer than its quorum of shards stored
// fails the add. To re-send a shard its bytes must still exist: the add's one stripe buffer is
// shared with the codec's worker (coded in place, never taken away), the leaves that go out and
// the parity blocks are views of its slots, and a slot is refilled by the next stripe only once
// its shard is stored (add-slots.ts). A data shard's node ends its stream as soon as the shard
// closes, so its confirmation comes while the stripe's later shards come in; the parity is stored
// while the next stripe's data comes in. Memory: one stripe (EC rule 2).
import type { Logger } from 'pino'
import { placeShards } from '../../allocator/placement.js'
import { ClusterError } from '../../api/errors.js'
import { StripeBuffers, StripeBuilder, encodeStripe, shardNodeOf } from '../../erasure/index.js'
import type { Codec, LeafBlock, ManifestStripe, RawBlock, ShardKind, Stripe } from '../../erasure/index.js'
import type { StripeReserve } from '../../erasure/stripe-reserve.js'
import { BlockDeliveryError } from './add-streams.js'
import type { BlockStream, PeerStreams } from './add-streams.js'
import { replacementPeer } from './add-copies.js'
import type { AddPeers } from './add-copies.js'
import { stripeQuorum } from './add-params.js'
import { StripeSlots } from './add-slots.js'

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
  /** the peer that stored it; for a lost shard, the failed peer its pin stays allocated to */
  holder: string
  /** set when no peer could store the shard: why (the repair rebuilds it) */
  lost?: string
  /** peers that failed to store it before `holder` did */
  failedOn?: string[]
}

/** A stripe could not be stored with its write quorum of shards. */
export class WriteQuorumError extends ClusterError {
  readonly stripe: number
  constructor (stripe: number, stored: number, total: number, quorum: number, lost: StoredShard[]) {
    const why = lost.map(s => `${s.kind}${s.index} on ${s.holder}: ${s.lost ?? 'not stored'}`).join('; ')
    super(`stripe ${stripe}: only ${stored} of ${total} shards could be stored, below the write quorum of ${quorum} (cluster.ec_write_quorum); lost: ${why}`, 500)
    this.name = 'WriteQuorumError'
    this.stripe = stripe
  }
}

export interface StripeWriterInit {
  d: number
  p: number
  shardSize: number
  parityBlockSize: number
  nonce: Uint8Array
  codec: Codec
  peers: AddPeers
  streams: PeerStreams
  /** shards of a full stripe that must be stored (plan.writeQuorum) */
  quorum: number
  /** the daemon's stripe buffers kept between operations: where the add's comes from and goes */
  reserve?: StripeReserve
  signal?: AbortSignal
  logger?: Logger
}

/** A stripe whose leaves are going out and that is not coded yet. */
interface OpenStripe {
  index: number
  /** holder of each position (data i at i, parity j at d + j) */
  holders: string[]
  /** each data shard's block stream, opened with its first leaf */
  streams: Array<BlockStream | undefined>
  /** data shards whose stream failed: sent whole to another peer once closed */
  redo: Set<number>
  /** peers that failed each position */
  failedOn: Map<number, string[]>
  /** each data shard's leaves as they went out (views of its slot): what a re-send sends */
  leaves: RawBlock[][]
  /** each closed data shard's node */
  nodes: Array<Promise<RawBlock>>
  /** each closed data shard's storing: where it ended up */
  stored: Array<Promise<Placement>>
}

/** Where a shard ended up: its holder, or the failed peer its pin stays on and why it is lost. */
interface Placement {
  holder: string
  lost?: string
}

/** A shard to send whole (parity, or a data shard whose first holder failed). */
interface Resend {
  position: number
  blocks: RawBlock[]
  node: RawBlock
}

export class StripeWriter {
  private readonly init: StripeWriterInit
  private readonly builder: StripeBuilder
  private readonly buffers: StripeBuffers
  private readonly slots: StripeSlots
  /** the stripes that have blocks but are not coded yet */
  private readonly open = new Map<number, OpenStripe>()
  readonly stripes: ManifestStripe[] = []
  readonly shards: StoredShard[] = []
  /** bytes of leaf data seen */
  fileSize = 0
  /** the coded stripes' storing and write quorum checks, in stripe order */
  private sending: Promise<void> = Promise.resolve()
  private sendFailed?: { error: unknown }

  constructor (init: StripeWriterInit) {
    this.init = init
    this.buffers = new StripeBuffers({ shared: true, reserve: init.reserve })
    this.builder = new StripeBuilder({ dataShards: init.d, parityShards: init.p, shardSize: init.shardSize, buffers: this.buffers })
    this.slots = new StripeSlots(init.d + init.p)
  }

  /** Stripes stored with fewer than all their shards (lost ones recorded for the repair). */
  get degraded (): Array<{ stripe: number, stored: number, total: number, lost: StoredShard[] }> {
    const by = new Map<number, StoredShard[]>()
    for (const s of this.shards) by.set(s.stripe, [...(by.get(s.stripe) ?? []), s])
    return [...by.entries()].flatMap(([stripe, list]) => {
      const lost = list.filter(s => s.lost != null)
      return lost.length === 0 ? [] : [{ stripe, stored: list.length - lost.length, total: list.length, lost }]
    })
  }

  /** The open stripe s, placed when its first leaf comes (index i of holders holds position i). */
  private stripe (s: number): OpenStripe {
    let st = this.open.get(s)
    if (st == null) {
      const { d, p, peers, streams } = this.init
      const n = d + p
      // failed peers are left out: with fewer peers than shards, the last parity positions
      // stay on failed peers, lost from the start (the repair places them later)
      const ranking = peers.ranking()
      const k = Math.min(n, ranking.length)
      // each stripe starts where the one before ended, one peer further each time the ranking
      // wraps around: consecutive stripes use every peer, and with as many peers as shards a
      // shard's role (data i, parity j) moves to the next peer from stripe to stripe, so a
      // healthy read, which needs the data shards only, does not always skip the same peers
      const start = s * n
      const offset = ranking.length === 0 ? 0 : (start + Math.floor(start / ranking.length)) % ranking.length
      const rotated = [...ranking.slice(offset), ...ranking.slice(0, offset)]
      const holders = k === 0 ? [] : placeShards({ shards: k, stripes: 1, ranking: rotated, groupOf: peers.groupOf })[0]
      const dead = [...streams.failed.keys()]
      for (let i = k; i < n; i++) holders.push(dead.length === 0 ? '' : dead[(i - k) % dead.length])
      st = { index: s, holders, streams: [], redo: new Set(), failedOn: new Map(), leaves: [], nodes: [], stored: [] }
      this.open.set(s, st)
    }
    return st
  }

  /** Adds the next leaf in file order: stores it on its holder, codes the stripes it completes. */
  async push (leaf: LeafBlock): Promise<void> {
    this.throwIfFailed()
    this.fileSize += leaf.bytes.byteLength
    // a leaf that does not fit closes its shard (and maybe the stripe) before it is laid out
    const full = this.builder.makeRoom(leaf.bytes.byteLength, leaf.cid.toString())
    this.storeClosed()
    for (const stripe of full) await this.code(stripe)
    const at = this.builder.next
    await this.slots.free(at.shard, at.stripe)
    this.throwIfFailed()
    const done = this.builder.push(leaf)
    // the leaf goes out as laid out in its slot (the slot holds it until the shard is stored)
    const placed = this.builder.lastPosition?.block
    if (placed != null) await this.sendLeaf(at.stripe, at.shard, placed)
    this.storeClosed()
    for (const stripe of done) await this.code(stripe)
  }

  /**
   * Codes the last, possibly short, stripe and waits until every stripe is stored. Then no view
   * of the stripe buffer is in use any more, and it goes to the daemon's reserve for the next
   * add; unless a peer failed during the add: a stream given up on may still hold views of it,
   * so it is left to the collector, as after an add that failed.
   */
  async finish (): Promise<void> {
    const last = this.builder.finish()
    this.storeClosed()
    if (last != null) await this.code(last)
    await this.sending
    this.throwIfFailed()
    if (this.init.streams.failed.size === 0) this.buffers.release()
  }

  private throwIfFailed (): void {
    if (this.sendFailed != null) throw this.sendFailed.error
  }

  /** A failed holder of position i: another peer with nothing of the stripe, or undefined. */
  private replace (st: OpenStripe, i: number): string | undefined {
    const failed = st.holders[i]
    if (failed !== '') st.failedOn.set(i, [...(st.failedOn.get(i) ?? []), failed])
    const next = replacementPeer(this.init.peers, this.init.streams, st.holders.filter((_, k) => k !== i))
    if (next != null) {
      st.holders[i] = next
      this.init.logger?.warn({ stripe: st.index, position: i, from: failed, to: next }, 'erasure add: shard re-placed')
    }
    return next
  }

  private async sendLeaf (stripe: number, i: number, leaf: RawBlock): Promise<void> {
    const { streams } = this.init
    const st = this.stripe(stripe)
    ;(st.leaves[i] ??= []).push(leaf)
    if (st.redo.has(i)) return
    let s = st.streams[i]
    if (s == null) {
      // nothing of the shard went out yet: a holder that failed meanwhile is replaced now
      if (streams.isFailed(st.holders[i]) && this.replace(st, i) == null) {
        st.redo.add(i)
        return
      }
      s = streams.stream(st.holders[i])
      st.streams[i] = s
    }
    if (!await streams.put(s, leaf)) st.redo.add(i)
  }

  /**
   * The data shards the builder closed: each one's node ends its stream, and its slot is held
   * until the holder confirms it (or it is re-sent, or lost).
   */
  private storeClosed (): void {
    for (const c of this.builder.takeClosed()) {
      const st = this.stripe(c.stripe)
      const node = shardNodeOf('data', c.stripe, c.index, c.shard.blocks, c.shard.length, this.init.nonce)
      st.nodes[c.index] = node
      const stored = this.storeData(st, c.index, node)
      st.stored[c.index] = stored
      this.slots.hold(c.index, c.stripe, stored)
    }
  }

  /** Ends data shard i's stream with its node; a shard its holder did not confirm is re-sent whole. */
  private async storeData (st: OpenStripe, i: number, node: Promise<RawBlock>): Promise<Placement> {
    const { streams } = this.init
    const s = st.streams[i]
    let ok = false
    if (s != null && !st.redo.has(i)) {
      ok = await streams.put(s, await node)
      s.end()
      ok = ok && (await s.settled()) == null
    }
    this.init.signal?.throwIfAborted()
    if (ok) return { holder: st.holders[i] }
    return await this.place(st, { position: i, blocks: st.leaves[i] ?? [], node: await node })
  }

  private async code (stripe: Stripe): Promise<void> {
    const { d, p, codec, signal } = this.init
    const st = this.stripe(stripe.index)
    // the codec writes the parity slots (and zeroes the tails of the data slots): the stripe
    // before must be done with them
    await this.slots.freeAll(stripe.index)
    this.throwIfFailed()
    const dataNodes = await Promise.all(st.nodes)
    const enc = await encodeStripe(stripe, codec, p, { dataShards: d, nonce: this.init.nonce, parityBlockSize: this.init.parityBlockSize, dataNodes, signal })
    // the next stripe is laid out in the same buffer, slot by slot as each is stored (a short
    // stripe coded in a compact copy leaves the builder's buffer, given back as well)
    this.buffers.give(enc.buffer)
    this.buffers.give(stripe.buffer.buffer)
    const parity = enc.parity.map(shard => {
      const stored = this.place(st, { position: d + shard.index, blocks: shard.blocks, node: shard.node })
      this.slots.hold(d + shard.index, stripe.index, stored)
      return stored
    })
    this.stripes.push(enc.manifest)
    this.open.delete(stripe.index)
    const shards: StoredShard[] = [...enc.data, ...enc.parity].map(s => {
      const position = s.kind === 'data' ? s.index : d + s.index
      return { stripe: stripe.index, kind: s.kind, index: s.index, position, node: s.node.cid.toString(), length: s.length, holder: '' }
    })
    const before = this.sending
    this.sending = (async () => {
      const placed = await Promise.all([...st.stored, ...parity])
      await before
      this.settle(stripe.index, enc.data.length, st, shards.map((s, k) => ({ ...s, ...placed[k] })))
    })().catch(error => { this.sendFailed ??= { error } })
  }

  /** Checks a stored stripe's write quorum and records its shards. */
  private settle (index: number, n: number, st: OpenStripe, shards: StoredShard[]): void {
    const { d, p } = this.init
    for (const s of shards) {
      const f = st.failedOn.get(s.position)
      if (f != null && f.length > 0) s.failedOn = s.lost != null ? f.slice(0, -1) : f
    }
    const lost = shards.filter(s => s.lost != null)
    const need = stripeQuorum(this.init.quorum, d, p, n)
    const stored = shards.length - lost.length
    if (stored < need) throw new WriteQuorumError(index, stored, shards.length, need, lost)
    if (lost.length > 0) {
      this.init.logger?.warn({ stripe: index, stored, total: shards.length, lost: lost.map(s => ({ shard: `${s.kind}${s.index}`, peer: s.holder, err: s.lost })) },
        `erasure add: stripe ${index} stored with ${stored} of ${shards.length} shards; the repair restores the lost ones`)
    }
    this.shards.push(...shards)
  }

  /** Stores one whole shard on its holder, or on another peer each time one fails. */
  private async place (st: OpenStripe, r: Resend): Promise<Placement> {
    const { streams } = this.init
    while (true) {
      let holder = st.holders[r.position]
      if (holder === '' || streams.isFailed(holder)) {
        const next = this.replace(st, r.position)
        if (next == null) return { holder, lost: streams.failed.get(holder) ?? 'no live peer to hold it' }
        holder = next
      }
      const s = streams.stream(holder)
      let ok = true
      for (const b of [...r.blocks, r.node]) {
        if (!await streams.put(s, b)) {
          ok = false
          break
        }
      }
      s.end()
      const why = await s.settled()
      if (ok && why == null) return { holder }
      // a failed stream fails its peer (the loop then moves on), unless the add was aborted
      if (!streams.isFailed(holder)) throw new BlockDeliveryError(holder, why ?? 'the block stream failed')
    }
  }
}
