// What storing new data costs the machine the benchmarks run on, apart from any code of ours: the
// page cache a write fills and the file it creates (every block is a file). On this project's
// VMs both cost several times more at some moments than at others, by what ran before rather
// than by the code measured:
// - Memory the guest freed a while ago has gone back to the host (free page reporting), and the
//   first write into each such page costs 3-4.5 ms of CPU per MiB (the host backs the page on
//   demand) against ~0.3 ms for a page the guest still has. A long write runs into the former.
// - The root file system is ext4 without a journal, where creating a file scans the inodes of
//   its group deleted in the last minutes (the kernel's `recently_deleted`): 300-1300 µs per file
//   for a few minutes after a run removed its folders (thousands of block files), 25-50 µs once
//   those deletions are old. At 4 blocks per MiB that alone is up to 5 ms per MiB stored.
// The benchmarks print these figures, and wait for file creation to settle before they start, so
// that a run right after another (or after the test suite) measures the same thing as one after
// a pause.
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ownCpuMs } from './proc.js'

const MIB = 1024 * 1024
/** written over and over: its own pages stay in use, so only the page cache's are new */
const CHUNK = Buffer.alloc(4 * MIB, 0x5a)

/** Writes a file of `bytes` (kept); returns this process's CPU ms per MiB written. */
function writeFile (path: string, bytes: number): number {
  return ownCpuMs(() => {
    const fd = openSync(path, 'w')
    try {
      for (let left = bytes; left > 0; left -= CHUNK.byteLength) writeSync(fd, CHUNK, 0, Math.min(left, CHUNK.byteLength))
    } finally {
      closeSync(fd)
    }
  }) / (bytes / MIB)
}

let folders = 0

/**
 * CPU µs to create an empty file, over `count` files in a new folder of `dir`. The files stay
 * until `dir` is removed: deleting them would make the next files created near them slower.
 */
export function fileCreateMicros (dir: string, count = 256): number {
  const folder = join(dir, `create-${folders++}`)
  mkdirSync(folder)
  const ms = ownCpuMs(() => { for (let i = 0; i < count; i++) closeSync(openSync(join(folder, String(i)), 'w')) })
  return Math.round(ms * 1000 / count)
}

/** What a file creation costs once the deletions before it are old (25-50 µs measured), with margin. */
const SETTLED_CREATE_US = 150
/** The longest the kernel counts a deletion as recent: 60 s, 360 s while its inode table block is dirty. */
const MAX_SETTLE_MS = 6 * 60_000
const SETTLE_POLL_MS = 10_000

export interface Settled {
  /** µs per file created when the benchmark started */
  file_create_us_at_start: number
  /** µs per file created when it went on, and the seconds it waited for that */
  file_create_us: number
  waited_s: number
}

/**
 * Waits until creating a file in `dir` costs what it does with no recent deletions (at most
 * 6 minutes), so the blocks the benchmark stores do not pay for folders removed just before it.
 */
export async function settleFileCreation (dir: string): Promise<Settled> {
  const started = Date.now()
  const atStart = fileCreateMicros(dir)
  let now = atStart
  while (now > SETTLED_CREATE_US && Date.now() - started < MAX_SETTLE_MS) {
    await sleep(SETTLE_POLL_MS)
    now = fileCreateMicros(dir)
  }
  return { file_create_us_at_start: atStart, file_create_us: now, waited_s: Math.round((Date.now() - started) / 1000) }
}

export interface PageCacheWrite {
  /** CPU ms per MiB written into the page cache once the pages the guest freed lately are used up */
  cold_ms_per_mib: number
  /** the same into pages just freed */
  warm_ms_per_mib: number
}

/**
 * Measures page cache writes in `dir`: 1 GiB written first uses up the pages freed lately, so
 * the next 256 MiB are cold; with both deleted, 256 MiB written at once are warm. Nothing is
 * left behind.
 */
export function pageCacheWriteCost (dir: string): PageCacheWrite {
  const first = join(dir, 'write-first')
  const cold = join(dir, 'write-cold')
  const warm = join(dir, 'write-warm')
  writeFile(first, 1024 * MIB)
  const coldMs = writeFile(cold, 256 * MIB)
  rmSync(first)
  rmSync(cold)
  const warmMs = writeFile(warm, 256 * MIB)
  rmSync(warm)
  return { cold_ms_per_mib: Number(coldMs.toFixed(2)), warm_ms_per_mib: Number(warmMs.toFixed(2)) }
}
