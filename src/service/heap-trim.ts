// Gives the memory that the C allocator holds free back to the system (glibc's malloc_trim).
//
// Why: the daemon moves data in bursts of many short-lived buffers (socket reads, decryption,
// RPC frames, blocks), and V8 frees them in batches when it collects. glibc keeps what was
// freed for reuse, and scattered free chunks in its heaps cannot be returned by free() itself,
// so after a few stripes of an erasure add or read the daemon held 100-200 MiB of free but
// resident memory on top of what it used (measured by bench/erasure). malloc_trim(0) hands
// those pages back; it costs about a millisecond or two.
//
// When: while the daemon works (it used more than BUSY_SHARE of a core since the last look),
// only once its resident size has grown GROWTH_BYTES past what it was after the last trim; once
// it rests, as soon as it holds STEP_BYTES more than then; and at least every IDLE_MS. Trimming
// at every look while data moves gives back pages that the very next buffers take again, each
// as a page fault and a zeroed page: ~10-15% of the API peer's main thread in an erasure add
// (perf), for no lower peak (bench/erasure). Where there is no glibc (musl, macOS, Windows) or
// the FFI module koffi is not installed (it is an optional dependency), it does nothing.
import type { Logger } from 'pino'
import { errorMessage } from '../api/errors.js'

const CHECK_MS = 500
const IDLE_MS = 30_000
const STEP_BYTES = 4 * 1024 * 1024
const GROWTH_BYTES = 48 * 1024 * 1024
/** share of one core above which the daemon counts as working */
const BUSY_SHARE = 0.05

type MallocTrim = (pad: number) => number

/** Whether this process runs on glibc (Linux without musl). */
export function hasGlibc (): boolean {
  if (process.platform !== 'linux') return false
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  return header?.glibcVersionRuntime != null
}

/** glibc's malloc_trim through koffi, or undefined where either is missing. */
export async function loadMallocTrim (): Promise<MallocTrim | undefined> {
  if (!hasGlibc()) return undefined
  const koffi = (await import('koffi')).default
  const libc = koffi.load('libc.so.6')
  return libc.func('int malloc_trim(size_t pad)') as MallocTrim
}

export class HeapTrimmer {
  private readonly trim: MallocTrim
  private timer?: NodeJS.Timeout
  /** resident size after the last trim (or lower, when it fell since) */
  private floor = 0
  private lastTrim = 0
  private lastCpu = process.cpuUsage()
  private lastCheck = 0
  /** calls made and bytes handed back, for tests and logs */
  readonly stats = { trims: 0, releasedBytes: 0 }

  constructor (trim: MallocTrim) {
    this.trim = trim
  }

  start (): void {
    this.floor = process.memoryUsage.rss()
    this.lastCheck = performance.now()
    this.timer = setInterval(() => { this.check() }, CHECK_MS)
    // never what keeps the process alive
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Trims now: returns the bytes of resident memory given back. */
  trimNow (): number {
    const before = process.memoryUsage.rss()
    this.trim(0)
    const after = process.memoryUsage.rss()
    this.lastTrim = Date.now()
    this.floor = after
    const released = Math.max(0, before - after)
    this.stats.trims++
    this.stats.releasedBytes += released
    return released
  }

  private check (): void {
    const rss = process.memoryUsage.rss()
    this.floor = Math.min(this.floor, rss)
    const now = performance.now()
    const cpu = process.cpuUsage(this.lastCpu)
    const busy = (cpu.user + cpu.system) / 1000 > BUSY_SHARE * (now - this.lastCheck)
    this.lastCpu = process.cpuUsage()
    this.lastCheck = now
    const grown = rss - this.floor
    if (grown > (busy ? GROWTH_BYTES : STEP_BYTES) || Date.now() - this.lastTrim > IDLE_MS) this.trimNow()
  }
}

/** Starts a HeapTrimmer where glibc and koffi are there; undefined (logged) otherwise. */
export async function startHeapTrimmer (log: Logger): Promise<HeapTrimmer | undefined> {
  let trim: MallocTrim | undefined
  try {
    trim = await loadMallocTrim()
  } catch (err) {
    log.debug({ err: errorMessage(err) }, 'malloc_trim unavailable: freed memory stays with the allocator')
    return undefined
  }
  if (trim == null) {
    log.debug('not glibc: freed memory stays with the allocator')
    return undefined
  }
  const trimmer = new HeapTrimmer(trim)
  trimmer.start()
  return trimmer
}
