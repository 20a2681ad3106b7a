// Stripe buffers a daemon keeps between its erasure operations for a short while.
//
// Why: a stripe buffer is the one large allocation of an erasure operation (64 MiB for a healthy
// 4+2 read of 16 MiB shards, two per read; 96 MiB for an add), and fresh memory is paid page by
// page: each 4 KiB page is a fault the first time it is written, 12-15 µs on this project's VMs,
// so 0.4 s of the API peer's 4.5-5 s of CPU in an ecget of 1 GiB, on every ecget, and 0.3 s of
// every add, while a buffer written again costs nothing extra. An operation's own pool
// (StripeBuffers) frees its buffers at once when it ends, as it must for memory's sake; handed
// here instead, they serve the next operation of stripes of the same size and kind, and are
// freed after KEEP_MS without one.
//
// Memory: at most MAX_BUFFERS are kept, and an operation that needs a size none of them has
// frees them all before it takes its own: kept buffers never add to what an operation holds at
// its peak. Reads keep plain ArrayBuffers, freed at once when dropped. An add keeps the
// SharedArrayBuffer it shares with the codec's worker, which only the collector frees: dropping
// it here changes nothing there, and keeping it spares the next add a second one (the one
// before is still resident until the next full collection, which an idle daemon does not run).

const KEEP_MS = 30_000
const MAX_BUFFERS = 2

/** A stripe buffer's memory: plain (reads), or shared with the codec's worker (adds). */
export type StripeMemory = ArrayBuffer | SharedArrayBuffer

/**
 * Frees a buffer's memory now if it can be: an ArrayBuffer's (`transfer(0)`; it becomes
 * detached); a SharedArrayBuffer is left to the collector.
 */
export function freeStripeMemory (buffer: StripeMemory): void {
  if (!(buffer instanceof ArrayBuffer)) return
  const b = buffer as ArrayBuffer & { detached?: boolean, transfer?: (length: number) => ArrayBuffer }
  if (b.detached !== true && typeof b.transfer === 'function') b.transfer(0)
}

export interface StripeReserveOptions {
  /** how long kept buffers wait for a read before they are freed (ms) */
  keepMs?: number
  /** how many buffers are kept at most */
  maxBuffers?: number
}

export class StripeReserve {
  private kept: StripeMemory[] = []
  private timer?: NodeJS.Timeout
  private readonly keepMs: number
  private readonly maxBuffers: number

  constructor (opts: StripeReserveOptions = {}) {
    this.keepMs = opts.keepMs ?? KEEP_MS
    this.maxBuffers = opts.maxBuffers ?? MAX_BUFFERS
  }

  /** Bytes kept. */
  get bytes (): number {
    return this.kept.reduce((n, b) => n + b.byteLength, 0)
  }

  /**
   * A kept buffer of exactly `bytes` bytes, shared or not as asked (it holds an earlier stripe:
   * callers zero what they rely on), or undefined. Asked for one it does not have, the reserve
   * frees what it keeps: the caller is about to take that much memory anew.
   */
  take (bytes: number, shared = false): StripeMemory | undefined {
    const i = this.kept.findIndex(b => b.byteLength === bytes && (b instanceof SharedArrayBuffer) === shared)
    if (i >= 0) return this.kept.splice(i, 1)[0]
    this.clear()
    return undefined
  }

  /** Keeps a buffer nobody uses any more for the next operation (the newest MAX_BUFFERS are kept). */
  keep (buffer: StripeMemory): void {
    if (buffer.byteLength === 0 || this.kept.includes(buffer)) return
    this.kept.push(buffer)
    for (const dropped of this.kept.splice(0, Math.max(0, this.kept.length - this.maxBuffers))) freeStripeMemory(dropped)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.clear() }, this.keepMs)
    // an idle daemon is not kept alive for it
    this.timer.unref()
  }

  /** Frees every kept buffer now. */
  clear (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    for (const b of this.kept.splice(0)) freeStripeMemory(b)
  }
}
