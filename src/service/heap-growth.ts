// How far V8 lets the daemon's heap grow past what survived the last full collection before it
// starts the next one (V8's --heap-growing-percent; 100 = to twice the live size).
//
// Why: the daemon's heap is small (~35 MB live, most of it module code) and data moving through
// it leaves promoted buffers and stream bookkeeping behind at a few MB a second. V8's own factor
// for a heap that small let that start a full collection every few MB: holders of an erasure
// add ran one every ~150 ms, each marking the whole heap (~15 ms on the event loop and ~60 ms on
// GC helper threads), and on this project's 2-core test machine those threads took a core from
// the transfer. At 100, bench/erasure's 256 MiB add ran 8 full collections on the API peer
// and 3-4 on each holder instead of 14 and 11-13, the API peer spent 3.1 CPU-s instead of 3.9
// and each holder 1.1 instead of 2.0. The cost is up to one live heap more of memory (~35 MB).
//
// An operator's own `node --heap-growing-percent=N` (on the command line) is left as given.
import { setFlagsFromString } from 'node:v8'

export const HEAP_GROWING_PERCENT = 100

/** Sets the daemon's heap growing factor unless the command line already did. */
export function setHeapGrowth (execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some(a => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return undefined
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  return HEAP_GROWING_PERCENT
}
