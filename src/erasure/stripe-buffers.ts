// A pool of one stripe buffer. A stripe laid out for the codec ((d+p) x shard size, 96 MiB at
// 4+2 with 16 MiB shards) is by far the largest allocation of erasure coding. Left to the
// garbage collector, a finished stripe's buffer lives on until the next full collection, long
// after the next stripe took a new one, so a daemon coding or reading stripes back to back
// holds two or three of them. Handing the buffer back when a stripe is done lets one buffer
// serve every stripe of an add, a read or a repair run.
//
// A pool of shared buffers (SharedArrayBuffer) serves a caller that reuses a stripe's memory
// while views of it are still out (the add: a shard's slot is refilled only once that shard is
// stored, see add-stripes.ts): the codec's worker codes such a buffer in place instead of taking
// it over, so no view of it is ever detached.

export class StripeBuffers {
  private spare: ArrayBuffer | SharedArrayBuffer | undefined
  private readonly shared: boolean

  constructor (opts: { shared?: boolean } = {}) {
    this.shared = opts.shared === true
  }

  /**
   * A buffer of `bytes` bytes: the spare one when it has that size (it still holds the last
   * stripe's bytes: callers zero what they rely on), else a new, zeroed one.
   */
  take (bytes: number): Uint8Array {
    const spare = this.spare
    if (spare != null && spare.byteLength === bytes) {
      this.spare = undefined
      return new Uint8Array(spare)
    }
    return this.shared ? new Uint8Array(new SharedArrayBuffer(bytes)) : new Uint8Array(bytes)
  }

  /**
   * Hands a buffer back for the next stripe. Nothing may use views of it any more (a shared
   * pool's caller orders the reuse of each slot itself). The larger of
   * it and the spare is kept: the stripes of a file have one size, but the last may be smaller.
   * A detached buffer (moved to the codec's worker), or one of the other kind, is ignored.
   */
  give (buffer: ArrayBuffer | SharedArrayBuffer | undefined): void {
    if (buffer == null || (buffer instanceof SharedArrayBuffer) !== this.shared) return
    if (buffer.byteLength > 0 && buffer.byteLength >= (this.spare?.byteLength ?? 0)) this.spare = buffer
  }
}
