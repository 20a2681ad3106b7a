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
// fails the add. To re-send a data shard its bytes must still exist: the leaves that went out
// (buffers of their own, not views of the stripe buffer) are kept with their stripe until its
// data shards are confirmed, which happens in the background while the next stripe's leaves
// come in, so the importer never waits for a holder's disk at a stripe boundary. Parity shards
// are copies of their own, kept until confirmed. Memory: one stripe buffer, and the leaves and
// parity of the stripe before while it settles (EC rule 2, "about two stripes").
import type { Logger } from 'pino'
import { placeShards } from '../../allocator/placement.js'
import { ClusterError } from '../../api/errors.js'
import { StripeBuffers, StripeBuilder, encodeStripe } from '../../erasure/index.js'
import type { Codec, EncodedShard, ManifestStripe, RawBlock, ShardKind, Stripe } from '../../erasure/index.js'
import { BlockDeliveryError } from './add-streams.js'
import type { BlockStream, PeerStreams } from './add-streams.js'
import { replacementPeer } from './add-copies.js'
import type { AddPeers } from './add-copies.js'
import { stripeQuorum } from './add-params.js'

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
  /** data shards whose stream failed: sent whole to another peer once coded */
  redo: Set<number>
  /** peers that failed each position */
  failedOn: Map<number, string[]>
  /** each data shard's leaves as they went out: what a re-send sends */
  leaves: RawBlock[][]
}

/** A shard to send whole (parity, or a data shard whose first holder failed). */
interface Resend {
  position: number
  shard: EncodedShard
}

export class StripeWriter {
  private readonly init: StripeWriterInit
  private readonly builder: StripeBuilder
  private readonly buffers = new StripeBuffers()
  /** the stripes that have blocks but are not coded yet (at most two) */
  private readonly open = new Map<number, OpenStripe>()
  readonly stripes: ManifestStripe[] = []
  readonly shards: StoredShard[] = []
  /** bytes of leaf data seen */
  fileSize = 0
  /** the last coded stripe's parity (and re-sent shards) on their way to their holders */
  private sending: Promise<void> = Promise.resolve()
  private sendFailed?: { error: unknown }

  constructor (init: StripeWriterInit) {
    this.init = init
    this.builder = new StripeBuilder({ dataShards: init.d, parityShards: init.p, shardSize: init.shardSize, buffers: this.buffers })
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
      st = { index: s, holders, streams: [], redo: new Set(), failedOn: new Map(), leaves: [] }
      this.open.set(s, st)
    }
    return st
  }

  /** Adds the next leaf in file order: stores it on its holder, codes the stripes it completes. */
  async push (leaf: RawBlock): Promise<void> {
    if (this.sendFailed != null) throw this.sendFailed.error
    this.fileSize += leaf.bytes.byteLength
    const done = this.builder.push(leaf)
    const at = this.builder.lastPosition
    if (at != null) await this.sendLeaf(at.stripe, at.shard, leaf)
    for (const stripe of done) await this.code(stripe)
  }

  /** Codes the last, possibly short, stripe and waits until every stripe is stored. */
  async finish (): Promise<void> {
    const last = this.builder.finish()
    if (last != null) await this.code(last)
    await this.sending
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

  private async code (stripe: Stripe): Promise<void> {
    const { d, p, codec, streams, signal } = this.init
    const st = this.stripe(stripe.index)
    const enc = await encodeStripe(stripe, codec, p, { dataShards: d, nonce: this.init.nonce, parityBlockSize: this.init.parityBlockSize, signal })
    // each data shard's node ends its stream; whether the holder stored it all is learnt in
    // the background (settle), while the next stripe's leaves go out
    const ended = enc.data.map(async (shard, i) => {
      const s = st.streams[i]
      if (s == null || st.redo.has(i)) return false
      const ok = await streams.put(s, shard.node)
      s.end()
      return ok
    })
    // a data shard to re-send is its leaves as they went out (the coded stripe's blocks are
    // views of the stripe buffer, which the next stripe takes now)
    const data = enc.data.map((shard, i) => ({ ...shard, blocks: st.leaves[i] ?? [] }))
    const kept: StoredShard[] = enc.data.map((s, i) => this.record(stripe.index, s, i, st))
    this.stripes.push(enc.manifest)
    this.open.delete(stripe.index)
    // the leaves went out as themselves, parity blocks are copies: nothing uses the coded
    // stripe any more, so the next stripe is laid out in it (or in the builder's buffer, when a
    // short stripe was coded in a compact copy of it)
    this.buffers.give(enc.buffer)
    this.buffers.give(stripe.buffer.buffer as ArrayBuffer)
    // one stripe settling at a time: the one before must be stored first
    await this.sending
    if (this.sendFailed != null) throw this.sendFailed.error
    this.sending = (async () => {
      const confirmed = await Promise.all(ended.map(async (e, i) => (await e) && (await st.streams[i]?.settled()) == null))
      signal?.throwIfAborted()
      const resend: Resend[] = []
      for (const [i, shard] of data.entries()) if (!confirmed[i]) resend.push({ position: i, shard })
      for (const shard of enc.parity) resend.push({ position: d + shard.index, shard })
      await this.settle(stripe.index, enc.data.length, st, kept, confirmed, resend)
    })().catch(error => { this.sendFailed = { error } })
  }

  private record (stripe: number, s: EncodedShard, position: number, st: OpenStripe): StoredShard {
    return { stripe, kind: s.kind, index: s.index, position, node: s.node.cid.toString(), length: s.length, holder: st.holders[position] }
  }

  /** Sends the stripe's parity and re-sent shards, then checks the stripe's write quorum. */
  private async settle (index: number, n: number, st: OpenStripe, data: StoredShard[], confirmed: boolean[], resend: Resend[]): Promise<void> {
    const { d, p } = this.init
    const placed = await Promise.all(resend.map(async r => await this.place(st, r)))
    const byPosition = new Map<number, { holder: string, lost?: string }>()
    for (const [k, r] of resend.entries()) byPosition.set(r.position, placed[k])
    const shards: StoredShard[] = []
    for (const [i, s] of data.entries()) {
      shards.push(confirmed[i] ? s : { ...s, ...byPosition.get(i) })
    }
    for (const r of resend) {
      if (r.shard.kind !== 'parity') continue
      shards.push({ stripe: index, kind: 'parity', index: r.shard.index, position: r.position, node: r.shard.node.cid.toString(), length: r.shard.length, ...byPosition.get(r.position) } as StoredShard)
    }
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
  private async place (st: OpenStripe, r: Resend): Promise<{ holder: string, lost?: string }> {
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
      for (const b of [...r.shard.blocks, r.shard.node]) {
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
