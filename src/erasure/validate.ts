// Parameter checks done before any byte reaches the wasm: it panics (RuntimeError:
// unreachable) on d=0, p=0, d+p>256 and empty shards, and silently accepts wrong lengths.
import { ErasureParamsError, StripeTooLargeError } from './errors.js'
import { MAX_STRIPE_BYTES, validateShardCounts } from './limits.js'

/** The common length of the present shards; throws on mismatch, emptiness or excess size. */
export function checkShards (shards: ReadonlyArray<Uint8Array | undefined>, d: number, p: number): number {
  validateShardCounts(d, p)
  let size = -1
  for (let i = 0; i < shards.length; i++) {
    const s = shards[i]
    if (s == null) continue
    if (!(s instanceof Uint8Array)) throw new ErasureParamsError(`shard ${i} is not a Uint8Array`)
    if (size === -1) size = s.byteLength
    else if (s.byteLength !== size) {
      throw new ErasureParamsError(`shards must have equal lengths: shard ${i} has ${s.byteLength} bytes, expected ${size} (zero-pad shorter shards)`)
    }
  }
  if (size === -1) throw new ErasureParamsError('no shard present')
  if (size === 0) throw new ErasureParamsError('shards must not be empty')
  const total = (d + p) * size
  if (total > MAX_STRIPE_BYTES) throw new StripeTooLargeError(total, MAX_STRIPE_BYTES)
  return size
}
