// Sends the blocks of an add to every destination peer as they are produced (upstream's
// BlockStream MultiStream): the local IPFS node directly, other peers over one block stream
// each. A slow destination holds the importer back (bounded buffer) instead of growing memory.
// The add fails only when every destination failed, as upstream's single adder does.
import type { CID } from 'multiformats/cid'
import type { BlockSink } from '../adder/types.js'
import type { IpfsConnector } from '../ipfs/connector.js'
import type { RemotePeers } from './components.js'
import { ClusterError, errorMessage } from '../api/errors.js'
import { BlockChannel } from './block-channel.js'

export class BlockFanout implements BlockSink {
  private readonly self: string
  private readonly ipfs: IpfsConnector
  private readonly channels = new Map<string, { channel: BlockChannel, done: Promise<void> }>()
  private readonly toSelf: boolean
  private selfError?: string

  constructor (init: { self: string, destinations: string[], ipfs: IpfsConnector, remote: RemotePeers, signal?: AbortSignal }) {
    this.self = init.self
    this.ipfs = init.ipfs
    this.toSelf = init.destinations.includes(init.self)
    for (const peer of init.destinations) {
      if (peer === init.self) continue
      const channel = new BlockChannel()
      const done = init.remote.blockStream(peer, channel, { signal: init.signal })
        .catch(err => { channel.fail(errorMessage(err)) })
      this.channels.set(peer, { channel, done })
    }
  }

  async put (cid: CID, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    const block = { cid: cid.toString(), bytes }
    const sends: Array<Promise<void>> = []
    if (this.toSelf && this.selfError == null) {
      sends.push(this.ipfs.blockPut(block, { signal }).catch(err => { this.selfError = errorMessage(err) }))
    }
    for (const { channel } of this.channels.values()) {
      if (channel.failed == null) sends.push(channel.push(block))
    }
    await Promise.all(sends)
    this.checkAlive()
  }

  private checkAlive (): void {
    const remoteAlive = [...this.channels.values()].some(c => c.channel.failed == null)
    const selfAlive = this.toSelf && this.selfError == null
    if (!remoteAlive && !selfAlive) {
      const errors = [this.selfError, ...[...this.channels.values()].map(c => c.channel.failed)].filter(e => e != null)
      throw new ClusterError(`failed to put block on all destinations: ${errors.join('; ')}`)
    }
  }

  /** Ends every block stream and waits until the destinations stored what they received. */
  async close (): Promise<string[]> {
    for (const { channel } of this.channels.values()) channel.end()
    await Promise.all([...this.channels.values()].map(async c => await c.done))
    this.checkAlive()
    const ok = [...this.channels.entries()].filter(([, c]) => c.channel.failed == null).map(([p]) => p)
    if (this.toSelf && this.selfError == null) ok.unshift(this.self)
    return ok
  }
}
