// Block streams of an erasure add. Every stream carries one unit the add must know was stored
// as a whole: a shard (its blocks and its node), the tree blocks of one tree holder, the
// manifest of one peer. A stream is a bounded BlockChannel feeding RemotePeers.blockStream (or
// this peer's own IPFS node); `settled()` says whether the peer stored all of it. A shard whose
// stream failed is sent whole to another peer by the caller (write quorum, see add.md).
//
// A failed stream marks its peer failed for the rest of the add: its other open streams are
// failed at once (their shards are re-placed too) and no later stripe is placed on it.
// A peer that takes nothing for STREAM_STALL_MS while blocks wait for it, or does not confirm
// an ended stream within that time, fails its stream: an add never waits on a frozen peer for
// longer than that (a killed peer's connection closes, which fails its streams at once).
import type { Logger } from 'pino'
import type { IpfsBlock, IpfsConnector } from '../../ipfs/connector.js'
import type { RawBlock } from '../../erasure/index.js'
import { copyOf } from '../../erasure/blocks.js'
import { ClusterError, errorMessage } from '../../api/errors.js'
import { BlockChannel, storeBlocks } from '../block-channel.js'
import type { BlockStores } from '../block-channel.js'
import type { RemotePeers } from '../components.js'

/**
 * No progress on a stream for this long fails it: the same 30 s BlockChannel gives a peer that
 * stops reading, applied here to the confirmation of an ended stream as well (the "no progress
 * for this long" rule of ipfs/timeouts.ts withProgressTimeout).
 */
export const STREAM_STALL_MS = 30_000

/** A block could not be stored on the peer that must hold it. */
export class BlockDeliveryError extends ClusterError {
  readonly peer: string
  constructor (peer: string, detail: string) {
    super(`storing blocks on peer ${peer} failed: ${detail}`, 500)
    this.name = 'BlockDeliveryError'
    this.peer = peer
  }
}

/** One stream of blocks to one peer. */
export class BlockStream {
  readonly peer: string
  private readonly channel = new BlockChannel()
  private readonly ctl = new AbortController()
  private readonly done: Promise<void>
  /** resolves when the stream fails: a failed stream is settled even if its RPC hangs on */
  private readonly failure: Promise<void>
  private failNow!: () => void
  private readonly onFail: (peer: string, reason: string) => void
  private pushed = 0
  private taken = 0
  private ended = false
  private finished = false
  /** when the stream last moved, or became busy after being idle */
  lastProgress = Date.now()
  failed?: string

  constructor (stores: BlockStores, peer: string, signal: AbortSignal, onFail: (peer: string, reason: string) => void) {
    this.peer = peer
    this.onFail = onFail
    this.failure = new Promise(resolve => { this.failNow = resolve })
    this.done = storeBlocks(stores, peer, this.blocks(), { signal: AbortSignal.any([signal, this.ctl.signal]) })
      .then(() => { if (this.failed == null && !this.ended) this.fail('the peer ended the stream early') },
        err => { this.fail(this.failed ?? errorMessage(err)) })
      .finally(() => { this.finished = true })
  }

  /** Blocks wait for the peer, or the stream was ended and is not confirmed yet. */
  get busy (): boolean {
    return !this.finished && this.failed == null && (this.pushed > this.taken || this.ended)
  }

  /** Queues a block; false when the stream failed (the block was not taken). */
  async put (block: RawBlock | IpfsBlock): Promise<boolean> {
    if (this.failed != null) return false
    if (!this.busy) this.lastProgress = Date.now()
    this.pushed++
    await this.channel.push({ cid: block.cid.toString(), bytes: block.bytes })
    // BlockChannel gives up on a peer that read nothing for its stall time
    if (this.channel.failed != null) this.fail(this.channel.failed)
    return this.failed == null
  }

  end (): void {
    if (!this.busy) this.lastProgress = Date.now()
    this.ended = true
    this.channel.end()
  }

  /** Undefined once the peer stored every block (after end()), else why it did not. */
  async settled (): Promise<string | undefined> {
    await Promise.race([this.done, this.failure])
    return this.failed
  }

  fail (reason: string): void {
    if (this.failed != null) return
    this.failed = reason
    this.finished = true
    this.failNow()
    this.channel.fail(reason)
    this.ctl.abort(new ClusterError(reason, 500))
    this.onFail(this.peer, reason)
  }

  /** The channel's blocks, ending with an error when the stream fails (the RPC must not end cleanly). */
  private async * blocks (): AsyncIterable<IpfsBlock> {
    const it = this.channel[Symbol.asyncIterator]()
    const signal = this.ctl.signal
    const aborted = new Promise<never>((_resolve, reject) => {
      if (signal.aborted) reject(signal.reason)
      else signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })
    aborted.catch(() => {})
    while (true) {
      const r = await Promise.race([it.next(), aborted])
      if (r.done === true) return
      this.taken++
      this.lastProgress = Date.now()
      yield r.value
    }
  }
}

export class PeerStreams {
  private readonly stores: BlockStores
  private readonly open = new Set<BlockStream>()
  /** aborts every open stream when the add fails or the caller aborts */
  private readonly abortCtl = new AbortController()
  private readonly signal: AbortSignal
  private readonly logger?: Logger
  private readonly stallMs: number
  private watchdog?: NodeJS.Timeout
  /** peers a stream failed on, with the first reason: nothing more goes to them in this add */
  readonly failed = new Map<string, string>()
  /** bytes handed to each peer, for the add's metrics and logs */
  readonly bytesByPeer = new Map<string, number>()

  constructor (init: { self: string, ipfs: IpfsConnector, remote: RemotePeers, signal?: AbortSignal, logger?: Logger, stallMs?: number }) {
    this.stores = { self: init.self, ipfs: init.ipfs, remote: init.remote }
    this.signal = init.signal == null ? this.abortCtl.signal : AbortSignal.any([init.signal, this.abortCtl.signal])
    this.logger = init.logger
    this.stallMs = init.stallMs ?? STREAM_STALL_MS
  }

  get self (): string {
    return this.stores.self
  }

  isFailed (peer: string): boolean {
    return this.failed.has(peer)
  }

  /** A new stream to `peer` (the caller ends it and awaits settled()). */
  stream (peer: string): BlockStream {
    this.signal.throwIfAborted()
    const s = new BlockStream(this.stores, peer, this.signal, (p, reason) => { this.peerFailed(p, reason) })
    if (this.failed.has(peer)) s.fail(this.failed.get(peer) as string)
    this.open.add(s)
    void s.settled().then(() => { this.open.delete(s) })
    this.watch()
    return s
  }

  /**
   * Queues a block on a stream, counting its bytes for the peer; false when the stream failed.
   * A block in the add's reused stripe memory (a shared buffer) goes to this peer's own node as a
   * copy: a remote peer is done with the bytes once it confirmed them, but the local node may
   * still hold what it was given (a cache, bitswap's send queue) when the slot is refilled.
   */
  async put (s: BlockStream, block: RawBlock | IpfsBlock): Promise<boolean> {
    this.signal.throwIfAborted()
    this.bytesByPeer.set(s.peer, (this.bytesByPeer.get(s.peer) ?? 0) + block.bytes.byteLength)
    if (s.peer === this.stores.self && block.bytes instanceof Uint8Array && block.bytes.buffer instanceof SharedArrayBuffer) block = { cid: block.cid, bytes: copyOf(block.bytes) } as typeof block
    const ok = await s.put(block)
    this.signal.throwIfAborted()
    return ok
  }

  private peerFailed (peer: string, reason: string): void {
    if (this.failed.has(peer) || this.signal.aborted) return
    this.failed.set(peer, reason)
    this.logger?.warn({ peer, err: reason }, 'erasure add: storing blocks on a peer failed; its shards go to other peers')
    for (const s of this.open) if (s.peer === peer) s.fail(reason)
  }

  /** Fails streams that made no progress for stallMs while busy. */
  private watch (): void {
    if (this.watchdog != null) return
    this.watchdog = setInterval(() => {
      const now = Date.now()
      for (const s of this.open) {
        if (s.busy && now - s.lastProgress >= this.stallMs) s.fail(`the peer made no progress for ${Math.round(this.stallMs / 1000)} s`)
      }
      if (this.open.size === 0) this.stopWatch()
    }, Math.max(50, Math.floor(this.stallMs / 10)))
    this.watchdog.unref()
  }

  private stopWatch (): void {
    clearInterval(this.watchdog)
    this.watchdog = undefined
  }

  /** Stops every stream (the add failed): peers drop what they did not store yet. */
  abort (): void {
    this.abortCtl.abort(new ClusterError('erasure add failed', 500))
    for (const s of this.open) s.fail('add aborted')
    this.stopWatch()
  }

  /** The add is over: no watchdog left behind. */
  close (): void {
    this.stopWatch()
  }
}
