// A bounded queue of blocks feeding one peer's block stream (RemotePeers.blockStream), read by
// one consumer. Producers wait while BUFFERED_BLOCKS are queued, so a slow peer holds the
// importer back instead of growing memory. There may be several producers at once (an erasure
// add sends a stripe's parity while the next stripe's leaves go out): every waiting one is
// woken when a block is taken. A failed stream (fail()) makes
// pushes return at once: the producer checks `failed` and decides what a failure means
// (BlockFanout tolerates some, the erasure add none). The consumer's iteration then throws, so
// the peer's block stream is reset rather than left waiting for blocks that will not come.
import type { IpfsBlock, IpfsConnector } from '../ipfs/connector.js'
import type { RemotePeers, Signalled } from './components.js'
import { errorMessage } from '../api/errors.js'

const BUFFERED_BLOCKS = 16
const STALL_MS = 30_000

export class BlockChannel implements AsyncIterable<IpfsBlock> {
  private readonly items: IpfsBlock[] = []
  private wakeReader?: () => void
  private readonly wakeWriters = new Set<() => void>()
  private ended = false
  failed?: string

  async push (b: IpfsBlock): Promise<void> {
    while (this.items.length >= BUFFERED_BLOCKS && this.failed == null) {
      // a peer that stops reading (frozen, partitioned) fails its stream instead of holding
      // the whole add: a destination that makes no progress for STALL_MS is given up
      const progressed = await new Promise<boolean>(resolve => {
        const wake = (): void => { clearTimeout(timer); this.wakeWriters.delete(wake); resolve(true) }
        const timer = setTimeout(() => { this.wakeWriters.delete(wake); resolve(false) }, STALL_MS)
        this.wakeWriters.add(wake)
      })
      if (!progressed && this.items.length >= BUFFERED_BLOCKS) this.fail(`the peer read no block for ${STALL_MS / 1000} s`)
    }
    if (this.failed != null) return
    this.items.push(b)
    this.wakeReader?.()
  }

  end (): void {
    this.ended = true
    this.wakeReader?.()
  }

  /** Fails the channel (the first reason stays): producers return, the consumer throws. */
  fail (msg: string): void {
    this.failed ??= msg
    this.wakeAllWriters()
    this.wakeReader?.()
  }

  private wakeAllWriters (): void {
    for (const wake of [...this.wakeWriters]) wake()
  }

  async * [Symbol.asyncIterator] (): AsyncIterator<IpfsBlock> {
    while (true) {
      if (this.failed != null) throw new Error(`block stream given up: ${this.failed}`)
      const b = this.items.shift()
      if (b != null) {
        this.wakeAllWriters()
        yield b
        continue
      }
      if (this.ended) return
      await new Promise<void>(resolve => { this.wakeReader = resolve })
    }
  }
}

/** Where blocks are stored: this peer's own IPFS node, other peers' over peer RPC. */
export interface BlockStores {
  self: string
  ipfs: IpfsConnector
  remote: RemotePeers
}

/** Stores a stream of blocks on `peer` (this one through its own IPFS node). */
export async function storeBlocks (stores: BlockStores, peer: string, blocks: AsyncIterable<IpfsBlock>, opts: Signalled = {}): Promise<void> {
  if (peer === stores.self) await stores.ipfs.blockStream(blocks, opts)
  else await stores.remote.blockStream(peer, blocks, opts)
}

/**
 * A channel whose blocks are stored on `peer` as they are pushed. `done` settles once the peer
 * stored them all (after end()); a failure of the peer fails the channel instead.
 */
export function openBlockChannel (stores: BlockStores, peer: string, opts: Signalled = {}): { channel: BlockChannel, done: Promise<void> } {
  const channel = new BlockChannel()
  const done = storeBlocks(stores, peer, channel, opts).catch(err => { channel.fail(errorMessage(err)) })
  return { channel, done }
}
