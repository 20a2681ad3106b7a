// Gives the memory that the C allocator holds free back to the system (glibc's malloc_trim), once
// the daemon rests.
//
// Why: the daemon moves data in bursts of many short-lived buffers (socket reads, decryption,
// RPC frames, blocks), and V8 frees them in batches when it collects. glibc keeps what was
// freed for reuse, and scattered free chunks in its heaps cannot be returned by free() itself,
// so after a burst the daemon held 100-200 MiB of free but resident memory on top of what it
// used (measured by bench/erasure). malloc_trim(0) hands those pages back.
//
// When: once the daemon has used less than BUSY_SHARE of a core for QUIET_MS, as soon as it
// holds STEP_BYTES more than after the last trim, and at least every IDLE_MS while it rests.
// While it works, only once it has grown GROWTH_BYTES (a bound, not the rule). Memory given back
// while data moves is taken again by the very next buffers, each page as a fault and a zeroed
// page, and a fault costs 12-15 µs on this project's VMs: V8 frees a connection's buffers about
// every 64 MiB of them (its external-memory collection), so trimming at every 48 MiB of growth,
// as this did before, made nearly every byte a peer received land in a fresh page (one fault
// per 4 KiB). Without it, a holder's CPU in back-to-back 256 MiB erasure adds fell by about
// half, and in bench/erasure's 1 GiB add by a quarter (figures in the commit).
//
// For the same reason glibc's own giving back is turned off (mallopt at start): it returned the
// top of a heap on free() past a threshold of twice the largest buffer freed so far (a few MiB)
// and mapped each buffer over that size apart (its pages returned on free). Buffers up to
// MMAP_THRESHOLD_BYTES now come from the heaps, and the heaps shrink only here.
//
// Where there is no glibc (musl, macOS, Windows) or the FFI module koffi is not installed (it
// is an optional dependency), it does nothing.
import type { Logger } from 'pino'
import { errorMessage } from '../api/errors.js'

const MiB = 1024 * 1024
const CHECK_MS = 500
export const IDLE_MS = 30_000
/** how long the daemon must have been quiet to count as resting */
export const QUIET_MS = 1_500
export const STEP_BYTES = 4 * MiB
export const GROWTH_BYTES = 256 * MiB
/** share of one core above which the daemon counts as working */
const BUSY_SHARE = 0.05
/** buffers above this size are mapped apart by glibc (a stripe buffer), smaller ones come from its heaps */
export const MMAP_THRESHOLD_BYTES = 32 * MiB

// mallopt's parameters (malloc.h)
const M_TRIM_THRESHOLD = -1
const M_MMAP_THRESHOLD = -3

type MallocTrim = (pad: number) => number
type Mallopt = (param: number, value: number) => number

/** What the trimmer needs of glibc's allocator. */
export interface GlibcMalloc {
  trim: MallocTrim
  mallopt: Mallopt
}

/** Whether this process runs on glibc (Linux without musl). */
export function hasGlibc (): boolean {
  if (process.platform !== 'linux') return false
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  return header?.glibcVersionRuntime != null
}

/** glibc's malloc_trim and mallopt through koffi, or undefined where either is missing. */
export async function loadGlibcMalloc (): Promise<GlibcMalloc | undefined> {
  if (!hasGlibc()) return undefined
  const koffi = (await import('koffi')).default
  const libc = koffi.load('libc.so.6')
  return {
    trim: libc.func('int malloc_trim(size_t pad)') as MallocTrim,
    mallopt: libc.func('int mallopt(int param, int value)') as Mallopt
  }
}

/**
 * Leaves giving memory back to the trimmer: glibc neither trims a heap's top on free() (below
 * GROWTH_BYTES of it) nor maps buffers under MMAP_THRESHOLD_BYTES apart. False when glibc refused.
 */
export function keepFreedMemory (malloc: GlibcMalloc): boolean {
  return malloc.mallopt(M_TRIM_THRESHOLD, GROWTH_BYTES) === 1 && malloc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) === 1
}

/** What the trimmer reads of its process: resident bytes, CPU time used and a clock (ms). */
export interface TrimProbe {
  rss: () => number
  cpuMs: () => number
  nowMs: () => number
}

const processProbe: TrimProbe = {
  rss: () => process.memoryUsage.rss(),
  cpuMs: () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 },
  nowMs: () => performance.now()
}

export class HeapTrimmer {
  private readonly trim: MallocTrim
  private readonly probe: TrimProbe
  private timer?: NodeJS.Timeout
  /** resident size after the last trim (or lower, when it fell since) */
  private floor: number
  private lastTrim: number
  private lastCpu: number
  private lastCheck: number
  /** when a look last found the daemon working */
  private lastBusy: number
  /** calls made and bytes handed back, for tests and logs */
  readonly stats = { trims: 0, releasedBytes: 0 }

  constructor (trim: MallocTrim, probe: TrimProbe = processProbe) {
    this.trim = trim
    this.probe = probe
    this.floor = probe.rss()
    this.lastCpu = probe.cpuMs()
    this.lastCheck = this.lastTrim = this.lastBusy = probe.nowMs()
  }

  start (): void {
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
    const before = this.probe.rss()
    this.trim(0)
    const after = this.probe.rss()
    this.lastTrim = this.probe.nowMs()
    this.floor = after
    const released = Math.max(0, before - after)
    this.stats.trims++
    this.stats.releasedBytes += released
    return released
  }

  /** One look (every CHECK_MS once started): trims when the rule in the header says so. */
  check (): void {
    const rss = this.probe.rss()
    this.floor = Math.min(this.floor, rss)
    const now = this.probe.nowMs()
    const cpu = this.probe.cpuMs()
    if (cpu - this.lastCpu > BUSY_SHARE * (now - this.lastCheck)) this.lastBusy = now
    this.lastCpu = cpu
    this.lastCheck = now
    const grown = rss - this.floor
    const resting = now - this.lastBusy >= QUIET_MS
    if (resting ? grown > STEP_BYTES || now - this.lastTrim > IDLE_MS : grown > GROWTH_BYTES) this.trimNow()
  }
}

/**
 * Starts a HeapTrimmer, and leaves giving memory back to it, where glibc and koffi are there;
 * undefined (logged) otherwise.
 */
export async function startHeapTrimmer (log: Logger): Promise<HeapTrimmer | undefined> {
  let malloc: GlibcMalloc | undefined
  try {
    malloc = await loadGlibcMalloc()
  } catch (err) {
    log.debug({ err: errorMessage(err) }, 'malloc_trim unavailable: freed memory stays with the allocator')
    return undefined
  }
  if (malloc == null) {
    log.debug('not glibc: freed memory stays with the allocator')
    return undefined
  }
  if (!keepFreedMemory(malloc)) log.debug('mallopt refused: glibc gives back freed memory on its own too')
  const trimmer = new HeapTrimmer(malloc.trim)
  trimmer.start()
  return trimmer
}
