// Sends the blocks of an add to every destination peer as they are produced (upstream's
// BlockStream MultiStream): the local IPFS node's own block stream, other peers over one block
// stream each, every one fed through a bounded BlockChannel, so the importer goes on while
// blocks are written. A slow destination holds the importer back instead of growing memory.
// The add fails only when every destination failed, as upstream's single adder does.
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'
import { wholeBytes } from '../common/copy-into.js'
import type { BlockSink } from '../adder/types.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { RemotePeers } from './components.js'
import { ClusterError } from '../api/errors.js'
import { openBlockChannel } from './block-channel.js'
import type { BlockChannel } from './block-channel.js'

export class BlockFanout implements BlockSink {
  private readonly channels = new Map<string, { channel: BlockChannel, done: Promise<void> }>()

  constructor (init: { self: string, destinations: string[], ipfs: IpfsConnector, remote: RemotePeers, signal?: AbortSignal }) {
    // this peer first: close() lists the peers that stored the blocks in this order
    const destinations = [...new Set(init.destinations)].sort((a, b) => Number(b === init.self) - Number(a === init.self))
    for (const peer of destinations) this.channels.set(peer, openBlockChannel(init, peer, { signal: init.signal }))
  }

  /** A raw leaf's pieces are joined here: a block stream carries each block whole. */
  async put (cid: CID, bytes: Uint8Array | Uint8ArrayList, _signal?: AbortSignal): Promise<void> {
    const block = { cid: cid.toString(), bytes: wholeBytes(bytes) }
    const sends: Array<Promise<void>> = []
    for (const { channel } of this.channels.values()) {
      if (channel.failed == null) sends.push(channel.push(block))
    }
    await Promise.all(sends)
    this.checkAlive()
  }

  private checkAlive (): void {
    const channels = [...this.channels.values()]
    if (!channels.some(c => c.channel.failed == null)) {
      throw new ClusterError(`failed to put block on all destinations: ${channels.map(c => c.channel.failed).join('; ')}`)
    }
  }

  /** Ends every block stream and waits until the destinations stored what they received. */
  async close (): Promise<string[]> {
    for (const { channel } of this.channels.values()) channel.end()
    await Promise.all([...this.channels.values()].map(async c => await c.done))
    this.checkAlive()
    return [...this.channels.entries()].filter(([, c]) => c.channel.failed == null).map(([p]) => p)
  }
}
