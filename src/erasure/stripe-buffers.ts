// A pool of stripe buffers for one operation (an add, an ecget, a repair run). A stripe laid
// out for the codec ((d+p) x shard size, 96 MiB at 4+2 with 16 MiB shards) is by far the
// largest allocation of erasure coding. Left to the garbage collector, a finished stripe's
// buffer lives on until the next full collection, long after the next stripe took a new one, so
// a daemon coding or reading stripes back to back holds two or three of them. Handing the
// buffer back when a stripe is done lets one buffer serve every stripe of an operation.
//
// Between operations the collector is no help either: an idle daemon runs none, so the buffers
// of one ecget were still resident when the next took new ones (bench/erasure: the API peer held
// 288 MiB of stripe buffers in a degraded ecget right after a healthy one). So a pool of plain
// ArrayBuffers frees what it no longer keeps at once (`ArrayBuffer.prototype.transfer(0)`
// releases the memory without waiting for a collection): a spare past `keep`, and every spare
// when its operation ends (`release`). A SharedArrayBuffer cannot be freed that way; it is
// left to the collector.
//
// A daemon's operations hand their buffers to its StripeReserve (stripe-reserve.ts) instead,
// when they are given one: the next operation of stripes of the same size and kind takes them
// from there, and the reserve frees them soon after.
//
// A pool of shared buffers (SharedArrayBuffer) serves a caller that reuses a stripe's memory
// while views of it are still out (the add: a shard's slot is refilled only once that shard is
// stored, see add-stripes.ts): the codec's worker codes such a buffer in place instead of taking
// it over, so no view of it is ever detached.

import { freeStripeMemory } from './stripe-reserve.js'
import type { StripeMemory, StripeReserve } from './stripe-reserve.js'

export interface StripeBuffersOptions {
  /** SharedArrayBuffers instead of ArrayBuffers */
  shared?: boolean
  /** how many spare buffers are kept (default 1): the largest */
  keep?: number
  /** where buffers come from before new ones are made, and go when the operation ends */
  reserve?: StripeReserve
}

export class StripeBuffers {
  private spares: StripeMemory[] = []
  private readonly shared: boolean
  private readonly keep: number
  private readonly reserve?: StripeReserve

  constructor (opts: StripeBuffersOptions = {}) {
    this.shared = opts.shared === true
    this.keep = opts.keep ?? 1
    this.reserve = opts.reserve
  }

  /** Bytes held in spare buffers. */
  get spareBytes (): number {
    return this.spares.reduce((n, b) => n + b.byteLength, 0)
  }

  /**
   * A buffer of `bytes` bytes: a spare of that size when there is one, or one of the reserve's
   * (either still holds an earlier stripe's bytes: callers zero what they rely on), else a new,
   * zeroed one.
   */
  take (bytes: number): Uint8Array {
    const i = this.spares.findIndex(b => b.byteLength === bytes)
    if (i >= 0) return new Uint8Array(this.spares.splice(i, 1)[0])
    const kept = this.reserve?.take(bytes, this.shared)
    if (kept != null) return new Uint8Array(kept)
    return this.shared ? new Uint8Array(new SharedArrayBuffer(bytes)) : new Uint8Array(bytes)
  }

  /**
   * Hands a buffer back for the next stripe. Nothing may use views of it any more (a shared
   * pool's caller orders the reuse of each slot itself). Past `keep` spares the smallest goes
   * (freed): the stripes of a file have one size, but the last may be smaller. A detached
   * buffer (moved to the codec's worker), or one of the other kind, is ignored.
   */
  give (buffer: StripeMemory | undefined): void {
    if (buffer == null || buffer.byteLength === 0 || (buffer instanceof SharedArrayBuffer) !== this.shared) return
    if (this.spares.includes(buffer)) return
    this.spares.push(buffer)
    this.spares.sort((a, b) => b.byteLength - a.byteLength)
    for (const dropped of this.spares.splice(this.keep)) freeStripeMemory(dropped)
  }

  /**
   * The operation is over and no view of a spare is in use: they go to the reserve, or their
   * memory goes back now.
   */
  release (): void {
    for (const b of this.spares.splice(0)) {
      if (this.reserve != null) this.reserve.keep(b)
      else freeStripeMemory(b)
    }
  }
}
