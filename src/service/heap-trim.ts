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
export const IDLE_MS = 30_000
export const STEP_BYTES = 4 * 1024 * 1024
export const GROWTH_BYTES = 48 * 1024 * 1024
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
  /** calls made and bytes handed back, for tests and logs */
  readonly stats = { trims: 0, releasedBytes: 0 }

  constructor (trim: MallocTrim, probe: TrimProbe = processProbe) {
    this.trim = trim
    this.probe = probe
    this.floor = probe.rss()
    this.lastCpu = probe.cpuMs()
    this.lastCheck = this.lastTrim = probe.nowMs()
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
    const busy = cpu - this.lastCpu > BUSY_SHARE * (now - this.lastCheck)
    this.lastCpu = cpu
    this.lastCheck = now
    const grown = rss - this.floor
    if (grown > (busy ? GROWTH_BYTES : STEP_BYTES) || now - this.lastTrim > IDLE_MS) this.trimNow()
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
