// The SIMD engine on the calling thread, for stripes in plain (non-shared) memory.
//
// The worker codec reaches plain memory only by moving it to its thread and back, and V8 answers
// an ArrayBuffer of a stripe's size arriving in an isolate with a full collection: measured with
// a heap like the daemon's, a 96 MiB stripe's round trip cost ~75 ms of CPU, five times what
// the SIMD kernel takes to rebuild two of its shards here (15 ms; ecget with two holders down
// cost the reading peer 1-2 CPU s per GiB more that way). Reads lay stripes out in plain memory
// because it can be freed at once when a read ends (stripe-buffers.ts), so their rebuilds run
// here instead: in column ranges of INLINE_COLUMNS bytes per shard (~1 ms each at 4+2), the
// event loop served between them.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { RsSimd } from './simd-binding.js'

/** Bytes of each shard rebuilt per turn of the event loop. */
export const INLINE_COLUMNS = 1024 * 1024

export class InlineSimd {
  private rs?: RsSimd

  /** Rebuilds the shards of `whole` ((d+p) × size, shard-major) that are not `present`, in place. */
  async reconstruct (whole: Uint8Array, d: number, p: number, size: number, present: boolean[], signal?: AbortSignal): Promise<void> {
    const rs = this.rs ??= new RsSimd()
    for (let from = 0; from < size; from += INLINE_COLUMNS) {
      signal?.throwIfAborted()
      if (from > 0) await nextTurn()
      rs.reconstruct(whole, d, p, size, present, from, Math.min(size, from + INLINE_COLUMNS))
    }
  }
}
