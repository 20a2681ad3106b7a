// The block getter ipfs-unixfs-exporter walks an EC file through. Non-leaf blocks come from the
// tree pin's holders; leaves come from the stripe being read, each as soon as it has arrived
// and matched its CID (a healthy stripe streams: its start is handed out while its end is still
// on the way), and a leaf of a later stripe replaces it by that stripe (the previous one is
// handed to `onStripeDone` first, which repairs it while the next stripe is read). The
// importer stores leaves in the order the exporter reads them, so the stripe after the current
// one is read from the moment the current one has come whole, while the walk hands out the
// rest of it: two stripes in memory, and the holders' disks and the network stay busy while
// the caller writes. A leaf the exporter asks for again (the same chunk twice in a file) is read
// alone from its holder, or through its stripe when that fails (at most two stripes are then in
// memory). Every stripe, healthy or rebuilt, is laid out in one of two stripe
// buffers that the walk's stripes take in turn (a healthy stripe's holds its data shards only),
// handed to the daemon's stripe reserve when the walk ends (`release`), which keeps them for
// the next read a short while: blocks are copied there as they arrive, so the
// buffers they came in die young instead of piling up for a stripe's time (held, they were
// promoted and cost the API peer a full collection every few tens of MiB). So a leaf is a view
// of a buffer a later stripe reuses: `block` hands out views, valid until the next call;
// `get`, which the exporter may read ahead of its consumer with, hands out copies. Every read
// of one walk shares one HedgeMemory: a holder found slow in one stripe is read around in the
// next ones.
import type { CID } from 'multiformats/cid'
import { ClusterError } from '../../api/errors.js'
import type { Manifest } from '../../erasure/types.js'
import { StripeBuffers } from '../../erasure/stripe-buffers.js'
import { copyOf } from '../../erasure/blocks.js'
import type { ErasureContext } from './context.js'
import { blockFromHolders, verifiedBlockFrom } from './get-fetch.js'
import { HedgeMemory } from './hedge.js'
import { readStripe } from './get-stripe.js'
import type { StripeRead } from './get-stripe.js'
import type { FileState } from './status-shards.js'
import { lostOf } from './status-shards.js'

function keyOf (cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('base64')
}

export interface StripeBlockSourceInit {
  ctx: ErasureContext
  manifest: Manifest
  state: FileState
  /** the tree node's block list (non-leaf unixfs blocks) */
  treeBlocks: CID[]
  signal?: AbortSignal
  /** bytes read from holders (progress, metrics) */
  onBytes?: (n: number) => void
  /**
   * A stripe the walk is done with (repair hook); called once per stripe read, one call at a
   * time. It must take what it needs of the stripe's blocks before its first await (the
   * repair copies the rebuilt shards out): the stripe's buffer goes to the next stripe as soon
   * as the call returns its promise, and the call runs on while the next stripe is read.
   */
  onStripeDone: (index: number, read: StripeRead) => Promise<void>
  /** the run's slow holders (default: a new memory for this walk) */
  hedge?: HedgeMemory
}

export class StripeBlockSource {
  private readonly init: StripeBlockSourceInit
  private readonly leaves = new Map<string, { stripe: number, shard: number }>()
  private readonly tree = new Set<string>()
  /** tree holders that failed a read (reported by the caller) */
  readonly treeFailed = new Set<string>()
  /** stripes read so far */
  readonly visited = new Set<number>()
  private current?: StripeFlight
  /** the stripe buffers: the current stripe's, and the spare the next stripe takes */
  readonly buffers: StripeBuffers
  /** holders this walk hedged against (read last from then on) */
  readonly hedge: HedgeMemory
  /** The next stripe, read while the current one is handed out (healthy stripes only). */
  private next?: StripeFlight
  /** an earlier stripe read again for a repeated leaf whose holder could not serve it */
  private earlier?: { index: number, blocks: Map<string, Uint8Array> }
  /** onStripeDone of the stripe before, running while the current one is read and handed out */
  private done: Promise<void> = Promise.resolve()

  constructor (init: StripeBlockSourceInit) {
    this.init = init
    this.hedge = init.hedge ?? new HedgeMemory()
    this.buffers = new StripeBuffers({ keep: 2, reserve: init.ctx.stripeReserve })
    init.manifest.stripes.forEach((s, stripe) => s.data.forEach((shard, i) => {
      for (const [cid] of shard.blocks) {
        const k = keyOf(cid)
        if (!this.leaves.has(k)) this.leaves.set(k, { stripe, shard: i })
      }
    }))
    for (const c of init.treeBlocks) this.tree.add(keyOf(c))
  }

  /** interface-blockstore's get, as the exporter calls it: bytes it may keep */
  async * get (cid: CID, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    const bytes = await this.block(cid, options.signal ?? this.init.signal)
    // a leaf may be a view of a stripe buffer that a later stripe reuses
    yield this.leaves.has(keyOf(cid)) ? copyOf(bytes) : bytes
  }

  /** A block by CID: a leaf is a view of its stripe's buffer, valid until the next call. */
  async block (cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
    const k = keyOf(cid)
    if (this.tree.has(k)) return await blockFromHolders(this.init.ctx, this.treeHolders(), cid, this.treeFailed, signal, this.hedge)
    const loc = this.leaves.get(k)
    if (loc == null) throw new ClusterError(`block ${cid.toString()} is neither in the file's stripes nor in its tree`, 500)
    // a leaf first met in an earlier stripe may sit in this one too (the same chunk again)
    const held = this.current?.arrived(k)
    if (held != null) return held
    if (this.current == null || loc.stripe > this.current.index) {
      await this.finish()
      const flight = this.take(loc.stripe, signal)
      this.current = flight
      this.visited.add(loc.stripe)
      // the next stripe is read once this one has come whole: read beside it, it would halve
      // the pace this one streams at, and the walk waits for this one first
      void flight.read.then(() => {
        if (this.current === flight && this.next == null) this.readAhead(flight.index + 1, signal)
      }, () => {})
    }
    if (loc.stripe === this.current.index) {
      const b = await this.current.block(k)
      if (b == null) throw new ClusterError(`stripe ${loc.stripe} did not yield block ${cid.toString()}`, 500)
      return b
    }
    return await this.again(cid, loc, signal)
  }

  /** Tree holders cluster state does not call lost (asking a down peer would only wait). */
  private treeHolders (): string[] {
    const t = this.init.state.tree
    return t == null ? [] : t.holders.filter(h => !t.lost.includes(h))
  }

  /** A leaf of a stripe already passed: from its holder, else through the stripe once more. */
  private async again (cid: CID, loc: { stripe: number, shard: number }, signal?: AbortSignal): Promise<Uint8Array> {
    const st = this.init.state.stripes[loc.stripe].find(s => s.kind === 'data' && s.index === loc.shard)
    if (st != null && st.holder !== '' && (st.verdict === 'healthy' || st.verdict === 'pending') && !this.hedge.isSlow(st.holder)) {
      // a holder that does not answer within the hedge delay is read around, through the stripe
      const late = AbortSignal.timeout(this.hedge.blockHedgeMs())
      try {
        return await verifiedBlockFrom(this.init.ctx, st.holder, cid, signal == null ? late : AbortSignal.any([signal, late]))
      } catch {
        signal?.throwIfAborted()
        if (late.aborted && this.hedge.markSlow(st.holder)) this.init.ctx.logger.info({ peer: st.holder, cid: cid.toString() }, 'hedged read: holder slow, block read through its stripe; its shards are read last for the rest of this run')
      }
    }
    // one earlier stripe is kept, so a run of repeated leaves rebuilds it once, not per leaf
    if (this.earlier?.index !== loc.stripe) {
      this.earlier = undefined
      this.earlier = { index: loc.stripe, blocks: blocksOf(await this.read(loc.stripe, signal)) }
    }
    const b = this.earlier.blocks.get(keyOf(cid))
    if (b == null) throw new ClusterError(`stripe ${loc.stripe} did not yield block ${cid.toString()}`, 500)
    return b
  }

  /** Stripe `index`: the one read ahead when it is that one, else read now. */
  private take (index: number, signal?: AbortSignal): StripeFlight {
    const next = this.next
    this.next = undefined
    if (next?.index === index) return next
    // a walk that skipped the stripe read ahead: drop it (its repair, if any, comes at the end)
    if (next != null) void next.read.then(r => { this.buffers.give(r.result.buffer) }, () => {})
    return this.fly(index, signal)
  }

  /**
   * Starts reading stripe `index` now, when cluster state calls it healthy, into the spare
   * stripe buffer (the current stripe has the other). A stripe known to have lost shards is
   * read when its turn comes: rebuilding it while the current one is handed out would put a
   * third stripe's worth of fetched shards and codec work in memory beside the two buffers.
   */
  private readAhead (index: number, signal?: AbortSignal): void {
    if (index >= this.init.manifest.stripes.length || signal?.aborted === true) return
    if (this.init.state.stripes[index].some(s => lostOf(s) != null)) return
    this.next = this.fly(index, signal)
  }

  /** Stripe `index` read into the walk's stripe buffers, its data blocks handed out as they come. */
  private fly (index: number, signal?: AbortSignal): StripeFlight {
    return new StripeFlight(index, async onDataBlock => await readStripe(this.init.ctx, this.init.manifest, index, this.init.state.stripes[index], { signal, onBytes: this.init.onBytes, buffers: this.buffers, layoutHealthy: true, hedge: this.hedge, onDataBlock }))
  }

  /** Stripe `index` read whole, into buffers of its own (a repeated leaf's earlier stripe). */
  private async read (index: number, signal?: AbortSignal): Promise<StripeRead> {
    return await readStripe(this.init.ctx, this.init.manifest, index, this.init.state.stripes[index], { signal, onBytes: this.init.onBytes, layoutHealthy: true, hedge: this.hedge })
  }

  /**
   * Hands the stripe in memory to onStripeDone once the call for the stripe before has ended
   * (one repair at a time: each places shards knowing where the one before put its own), then
   * its buffer to the next stripe, and leaves the call running.
   */
  async finish (): Promise<void> {
    const cur = this.current
    if (cur == null) return
    this.current = undefined
    // every block of the stripe was handed out; its read may still be settling (a shard
    // read around, the last checks). A read that failed failed the walk already.
    let read: StripeRead
    try {
      read = await cur.read
    } catch {
      return
    }
    await this.done
    const done = this.init.onStripeDone(cur.index, read)
    this.buffers.give(read.result.buffer)
    // awaited by the next finish or by release; a walk that ends early never asks
    done.catch(() => {})
    this.done = done
  }

  /**
   * The walk is over and every block it handed out was consumed: waits for the last
   * onStripeDone, and the stripe buffers go to the reserve, or their memory goes back now (a
   * stripe still read ahead keeps its own until it settles).
   */
  async release (): Promise<void> {
    await this.finish()
    await this.done
    this.buffers.release()
  }
}

function blocksOf (read: StripeRead): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>()
  for (const shard of read.result.data) for (const b of shard) m.set(keyOf(b.cid), b.bytes)
  return m
}

/**
 * One stripe being read: its data blocks as they arrive (each checked against its CID), then
 * every block of the read's result. Blocks are views of the stripe buffer.
 */
class StripeFlight {
  readonly index: number
  readonly read: Promise<StripeRead>
  private readonly early = new Map<string, Uint8Array>()
  private blocks?: Map<string, Uint8Array>
  private changed!: Promise<void>
  private wake!: () => void

  constructor (index: number, start: (onDataBlock: (cid: CID, bytes: Uint8Array) => void) => Promise<StripeRead>) {
    this.index = index
    this.renew()
    this.read = start((cid, bytes) => {
      this.early.set(keyOf(cid), bytes)
      this.wake()
    })
    this.read.then(r => {
      // the result's blocks are the ones to hand out from now on (a shard read around may
      // have been rebuilt into another buffer)
      this.blocks = blocksOf(r)
      this.early.clear()
      this.wake()
    }, () => { this.wake() })
  }

  private renew (): void {
    this.changed = new Promise(resolve => {
      this.wake = () => {
        this.renew()
        resolve()
      }
    })
  }

  /** Block `k` if it is here already. */
  arrived (k: string): Uint8Array | undefined {
    return this.blocks != null ? this.blocks.get(k) : this.early.get(k)
  }

  /** Block `k` once it is here; undefined when the whole stripe came without it. Fails as the read fails. */
  async block (k: string): Promise<Uint8Array | undefined> {
    for (;;) {
      const b = this.arrived(k)
      if (b != null || this.blocks != null) return b
      await Promise.race([this.read, this.changed])
    }
  }
}
