// How far V8 lets the daemon's heap grow past what survived the last full collection before it
// starts the next one (V8's --heap-growing-percent; 100 = to twice the live size), while that
// heap is small; V8's own factor once it is large.
//
// Why: the daemon's heap is small (~35 MB live, most of it module code) and data moving through
// it leaves promoted buffers and stream bookkeeping behind at a few MB a second. V8's own factor
// for a heap that small let that start a full collection every few MB: holders of an erasure
// add ran one every ~150 ms, each marking the whole heap (~15 ms on the event loop and ~60 ms on
// GC helper threads), and on this project's 2-core test machine those threads took a core from
// the transfer. At 100, bench/erasure's 256 MiB add ran 8 full collections on the API peer
// and 3-4 on each holder instead of 14 and 11-13, the API peer spent 3.1 CPU-s instead of 3.9
// and each holder 1.1 instead of 2.0.
//
// The cost is up to one live heap more of memory: ~35 MB on a data peer, but hundreds of MB on
// a peer holding a large pinset (bench/pinset at 1M pins: 150-500 MB of heap in use during ingest
// and catch-up). So after each full collection the factor is chosen again from the heap that
// survived it: 100 below SMALL_HEAP_BYTES, V8's own above (V8 reads the flag every time it sets
// the next limit).
//
// An operator's own `node --heap-growing-percent=N` (on the command line) is left as given.
import { setFlagsFromString, getHeapStatistics } from 'node:v8'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import type { PerformanceEntry } from 'node:perf_hooks'

export const HEAP_GROWING_PERCENT = 100
/** live heap from which V8's own growing factor applies */
export const SMALL_HEAP_BYTES = 128 * 1024 * 1024

/** The growing percent for a heap of `liveBytes` after a full collection (0: V8's own factor). */
export function growingPercentFor (liveBytes: number): number {
  return liveBytes < SMALL_HEAP_BYTES ? HEAP_GROWING_PERCENT : 0
}

export class HeapGrowth {
  /** the percent in force (0, V8's own factor, until the first choice) */
  percent = 0
  private readonly observer: PerformanceObserver

  constructor () {
    this.percent = this.apply(getHeapStatistics().used_heap_size)
    this.observer = new PerformanceObserver(list => {
      if (list.getEntries().some(e => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
        this.percent = this.apply(getHeapStatistics().used_heap_size)
      }
    })
    this.observer.observe({ entryTypes: ['gc'] })
  }

  private apply (liveBytes: number): number {
    const percent = growingPercentFor(liveBytes)
    if (percent !== this.percent) setFlagsFromString(`--heap-growing-percent=${percent}`)
    return percent
  }

  stop (): void {
    this.observer.disconnect()
  }
}

/** Starts choosing the daemon's heap growing factor unless the command line already set one. */
export function setHeapGrowth (execArgv: readonly string[] = process.execArgv): HeapGrowth | undefined {
  if (execArgv.some(a => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return undefined
  return new HeapGrowth()
}
