// Where an erasure add may put what a failed peer could not store (write quorum, add.md), and
// the plain copy sets of an add: the p+1 copies of its tree blocks (and of a small input stored
// with replicas). A copy whose holder fails is made again on another live peer with no copy
// yet, from the blocks kept so far (up to keepBytes: tree blocks are small; past the limit the
// copy is recorded as lost and the repair restores it from a surviving copy).
import { placeRepair } from '../../allocator/placement.js'
import type { GroupOf } from '../../allocator/placement.js'
import { NotEnoughShardPeersError } from '../../allocator/errors.js'
import type { RawBlock } from '../../erasure/index.js'
import { BlockDeliveryError } from './add-streams.js'
import type { BlockStream, PeerStreams } from './add-streams.js'

/** The peers an add places on, as they are now. */
export interface AddPeers {
  /** peers to place a new stripe on, best first: the add's ranking without failed peers */
  ranking: () => string[]
  /** peers that may take a shard or copy instead of a failed one: live, not failed, best first */
  live: () => string[]
  groupOf?: GroupOf
}

/**
 * A peer for a shard or copy whose holder failed: live, not failed, holding nothing of the
 * stripe (or copy set) yet, in a tag group the others do not use when possible. Undefined
 * when there is none.
 */
export function replacementPeer (peers: AddPeers, streams: PeerStreams, others: readonly string[], exclude: Iterable<string> = []): string | undefined {
  try {
    return placeRepair({
      stripePeers: others.filter(p => p !== '' && !streams.isFailed(p)),
      ranking: peers.live(),
      groupOf: peers.groupOf,
      count: 1,
      exclude: [...streams.failed.keys(), ...exclude]
    })[0]
  } catch (err) {
    if (err instanceof NotEnoughShardPeersError) return undefined
    throw err
  }
}

export interface LostCopy {
  peer: string
  reason: string
}

export interface CopyResult {
  /** peers that confirmed every block */
  stored: string[]
  /** peers that were to hold a copy and do not: kept in the pin's allocations for the repair */
  lost: LostCopy[]
}

interface Copy {
  peer: string
  stream?: BlockStream
  confirmed: boolean
}

export class CopySet {
  private readonly streams: PeerStreams
  private readonly peers: AddPeers
  private readonly copies: Copy[]
  private readonly lost: LostCopy[] = []
  /** every peer that was given this copy set, failed or not */
  private readonly tried = new Set<string>()
  /** the blocks so far, while they fit in keepBytes (undefined past it) */
  private kept: RawBlock[] | undefined = []
  private keptBytes = 0
  private readonly keepBytes: number
  private readonly what: string
  private readonly onReplaced?: (from: string, to: string, what: string) => void

  constructor (init: { streams: PeerStreams, peers: AddPeers, holders: readonly string[], keepBytes: number, what: string, onReplaced?: (from: string, to: string, what: string) => void }) {
    this.streams = init.streams
    this.peers = init.peers
    this.copies = init.holders.map(peer => ({ peer, confirmed: false }))
    for (const h of init.holders) this.tried.add(h)
    this.keepBytes = init.keepBytes
    this.what = init.what
    this.onReplaced = init.onReplaced
  }

  /** The current holders (replacements in place of failed ones). */
  get holders (): string[] {
    return this.copies.map(c => c.peer)
  }

  /** Sends the block to every holder; a failed holder is replaced (or its copy recorded lost). */
  async put (block: RawBlock): Promise<void> {
    if (this.kept != null) {
      this.kept.push(block)
      this.keptBytes += block.bytes.byteLength
      if (this.keptBytes > this.keepBytes) this.kept = undefined
    }
    for (const c of [...this.copies]) {
      if (!this.copies.includes(c)) continue
      if (!await this.send(c, block)) await this.replace(c)
    }
  }

  private async send (c: Copy, block: RawBlock): Promise<boolean> {
    c.stream ??= this.streams.stream(c.peer)
    return await this.streams.put(c.stream, block)
  }

  /** The copy on c.peer failed: make it on another peer from the kept blocks, if possible. */
  private async replace (c: Copy): Promise<void> {
    const reason = this.streams.failed.get(c.peer) ?? c.stream?.failed ?? 'the block stream failed'
    // only an aborted add fails a stream without failing its peer
    if (!this.streams.isFailed(c.peer)) throw new BlockDeliveryError(c.peer, reason)
    this.copies.splice(this.copies.indexOf(c), 1)
    const others = this.copies.map(x => x.peer)
    const next = this.kept == null ? undefined : replacementPeer(this.peers, this.streams, others, this.tried)
    if (next == null || this.kept == null) {
      this.lost.push({ peer: c.peer, reason })
      return
    }
    this.tried.add(next)
    const n: Copy = { peer: next, confirmed: false }
    this.copies.push(n)
    this.onReplaced?.(c.peer, next, this.what)
    for (const b of this.kept) {
      if (!await this.send(n, b)) return await this.replace(n)
    }
  }

  /** Ends every stream; returns once each holder confirmed its copy or was given up. */
  async finish (): Promise<CopyResult> {
    while (true) {
      const waiting = this.copies.filter(c => !c.confirmed)
      if (waiting.length === 0) break
      const ok = await Promise.all(waiting.map(async c => {
        c.stream ??= this.streams.stream(c.peer)
        c.stream.end()
        return (await c.stream.settled()) == null
      }))
      for (const [i, c] of waiting.entries()) {
        if (ok[i]) c.confirmed = true
        else await this.replace(c)
      }
    }
    this.kept = undefined
    return { stored: this.holders, lost: this.lost }
  }
}
