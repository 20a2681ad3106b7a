// Stripe buffers a daemon keeps between its erasure reads (ecget, ecrecovery) for a short while.
//
// Why: a stripe buffer is the one large allocation of a read (64 MiB for a healthy 4+2 stripe
// of 16 MiB shards, two per read), and fresh memory is paid page by page: each 4 KiB page is a
// fault the first time it is written, 12-15 µs on this project's VMs, so 0.4 s of the API peer's
// 4.5-5 s of CPU in an ecget of 1 GiB, on every ecget, while a buffer written again costs
// nothing extra. A read's own pool (StripeBuffers) frees its buffers at once when it ends, as it
// must for memory's sake; handed here instead, they serve the next read of stripes of the same
// size, and are freed after KEEP_MS without one.
//
// Memory: at most MAX_BUFFERS are kept, and a read that needs a size none of them has frees
// them all before it takes its own: kept buffers never add to what a read holds at its peak.
// Only plain ArrayBuffers are kept (they are freed without the collector's help).

const KEEP_MS = 30_000
const MAX_BUFFERS = 2

/** Frees an ArrayBuffer's memory now (it becomes detached). */
export function freeNow (buffer: ArrayBuffer): void {
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
  private kept: ArrayBuffer[] = []
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
   * A kept buffer of exactly `bytes` bytes (it holds an earlier stripe: callers zero what they
   * rely on), or undefined. Asked for a size it does not have, the reserve frees what it keeps:
   * the caller is about to take that much memory anew.
   */
  take (bytes: number): ArrayBuffer | undefined {
    const i = this.kept.findIndex(b => b.byteLength === bytes)
    if (i >= 0) return this.kept.splice(i, 1)[0]
    this.clear()
    return undefined
  }

  /** Keeps a buffer nobody uses any more for the next read (the newest MAX_BUFFERS are kept). */
  keep (buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.kept.includes(buffer)) return
    this.kept.push(buffer)
    for (const dropped of this.kept.splice(0, Math.max(0, this.kept.length - this.maxBuffers))) freeNow(dropped)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.clear() }, this.keepMs)
    // an idle daemon is not kept alive for it
    this.timer.unref()
  }

  /** Frees every kept buffer now. */
  clear (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    for (const b of this.kept.splice(0)) freeNow(b)
  }
}
