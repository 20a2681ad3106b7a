// Block streams of an erasure add: each block goes to the one peer that holds it (its shard's
// holder, a tree holder, or every peer for the manifest). One RemotePeers.blockStream per peer,
// opened the first time a block goes there, fed through a bounded BlockChannel; this peer's own
// blocks go through a channel to its IPFS node the same way, so the add goes on while they are
// written to disk. Unlike BlockFanout (where a block has several
// destinations and one surviving copy is enough) every failure here fails the add: a shard
// whose only copy was not stored would break the stripe (EC rule 4).
import type { IpfsConnector } from '../../ipfs/connector.js'
import type { RawBlock } from '../../erasure/index.js'
import { ClusterError } from '../../api/errors.js'
import { openBlockChannel } from '../block-channel.js'
import type { BlockChannel, BlockStores } from '../block-channel.js'
import type { RemotePeers } from '../components.js'

/** A block could not be stored on the peer that must hold it. */
export class BlockDeliveryError extends ClusterError {
  readonly peer: string
  constructor (peer: string, detail: string) {
    super(`storing blocks on peer ${peer} failed: ${detail}`, 500)
    this.name = 'BlockDeliveryError'
    this.peer = peer
  }
}

interface Stream {
  channel: BlockChannel
  done: Promise<void>
}

export class PeerStreams {
  private readonly stores: BlockStores
  private readonly streams = new Map<string, Stream>()
  /** aborts every open stream when the add fails or the caller aborts */
  private readonly abortCtl = new AbortController()
  private readonly signal: AbortSignal
  /** bytes handed to each peer, for the add's metrics and logs */
  readonly bytesByPeer = new Map<string, number>()

  constructor (init: { self: string, ipfs: IpfsConnector, remote: RemotePeers, signal?: AbortSignal }) {
    this.stores = { self: init.self, ipfs: init.ipfs, remote: init.remote }
    this.signal = init.signal == null ? this.abortCtl.signal : AbortSignal.any([init.signal, this.abortCtl.signal])
  }

  /** Stores the block on `peer`: returns once it is stored (self) or queued (remote). */
  async put (peer: string, block: RawBlock): Promise<void> {
    this.signal.throwIfAborted()
    this.bytesByPeer.set(peer, (this.bytesByPeer.get(peer) ?? 0) + block.bytes.byteLength)
    const b = { cid: block.cid.toString(), bytes: block.bytes }
    const s = this.open(peer)
    await s.channel.push(b)
    if (s.channel.failed != null) throw new BlockDeliveryError(peer, s.channel.failed)
  }

  private open (peer: string): Stream {
    let s = this.streams.get(peer)
    if (s == null) {
      s = openBlockChannel(this.stores, peer, { signal: this.signal })
      this.streams.set(peer, s)
    }
    return s
  }

  /** Ends every stream and waits until each peer stored what it received. */
  async close (): Promise<void> {
    for (const s of this.streams.values()) s.channel.end()
    await Promise.all([...this.streams.values()].map(async s => await s.done))
    this.signal.throwIfAborted()
    for (const [peer, s] of this.streams) {
      if (s.channel.failed != null) throw new BlockDeliveryError(peer, s.channel.failed)
    }
  }

  /** Stops every stream (the add failed): peers drop what they did not store yet. */
  abort (): void {
    this.abortCtl.abort(new ClusterError('erasure add failed', 500))
    for (const s of this.streams.values()) s.channel.fail('add aborted')
  }
}
