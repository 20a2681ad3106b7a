// A pool of one stripe buffer. A stripe laid out for the codec ((d+p) x shard size, 96 MiB at
// 4+2 with 16 MiB shards) is by far the largest allocation of erasure coding. Left to the
// garbage collector, a finished stripe's buffer lives on until the next full collection, long
// after the next stripe took a new one, so a daemon coding or reading stripes back to back
// holds two or three of them. Handing the buffer back when a stripe is done lets one buffer
// serve every stripe of an add, a read or a repair run.

export class StripeBuffers {
  private spare: ArrayBuffer | undefined

  /**
   * A buffer of `bytes` bytes: the spare one when it has that size (it still holds the last
   * stripe's bytes: callers zero what they rely on), else a new, zeroed one.
   */
  take (bytes: number): Uint8Array<ArrayBuffer> {
    const spare = this.spare
    if (spare != null && spare.byteLength === bytes) {
      this.spare = undefined
      return new Uint8Array(spare)
    }
    return new Uint8Array(bytes)
  }

  /**
   * Hands a buffer back for the next stripe. Nothing may use views of it any more. The larger of
   * it and the spare is kept: the stripes of a file have one size, but the last may be smaller.
   * A detached buffer (moved to the codec's worker) is ignored.
   */
  give (buffer: ArrayBuffer | undefined): void {
    if (buffer != null && buffer.byteLength > 0 && buffer.byteLength >= (this.spare?.byteLength ?? 0)) this.spare = buffer
  }
}
