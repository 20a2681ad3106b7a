// What the benchmarks share: CPU time and page faults of the daemons from /proc, the env that
// makes them write V8 CPU profiles, and the random input files.
import { createWriteStream, readFileSync, readdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'

/** clock ticks per second of /proc's CPU times (Linux's USER_HZ) */
const CLK_TCK = 100

/** The fields of a /proc stat line after the command name (fields[0] is the state). */
function statFields (stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** user + system CPU seconds of a /proc stat line */
function statSeconds (stat: string): number {
  const fields = statFields(stat)
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** CPU seconds (user + system, all threads) a process used so far; 0 once it is gone. */
export function cpuSeconds (pid: number | undefined): number {
  try {
    return statSeconds(readFileSync(`/proc/${pid as number}/stat`, 'utf8'))
  } catch {
    return 0
  }
}

/**
 * Minor page faults of a process so far (all threads); 0 once it is gone. Each is a page the
 * process touched for the first time since it got it from the kernel: 12-15 µs each on this
 * project's VMs, so memory given back and taken again shows up here before it shows in CPU.
 */
export function pageFaults (pid: number | undefined): number {
  try {
    return Number(statFields(readFileSync(`/proc/${pid as number}/stat`, 'utf8'))[7])
  } catch {
    return 0
  }
}

/** CPU ms (user + system, all threads) this process used while `fn` ran synchronously. */
export function ownCpuMs (fn: () => void): number {
  const before = process.cpuUsage()
  fn()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}

/** CPU seconds per thread name (main, libuv's pool, V8's GC helpers …) of a process so far. */
export function threadSeconds (pid: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      out[name] = (out[name] ?? 0) + statSeconds(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))
    } catch { /* the thread ended */ }
  }
  return out
}

/**
 * The daemons' NODE_OPTIONS: BENCH_CPU_PROF=<dir> makes each write a V8 CPU profile there (on a
 * clean stop); BENCH_NODE_OPTIONS adds any other that NODE_OPTIONS accepts (e.g. --perf-basic-prof;
 * not V8's own flags such as --trace-gc, which Node refuses there).
 */
export function profileEnv (): { env?: Record<string, string> } {
  const dir = process.env.BENCH_CPU_PROF
  const opts = [dir != null ? `--cpu-prof --cpu-prof-dir=${dir}` : '', process.env.BENCH_NODE_OPTIONS ?? ''].filter(o => o !== '').join(' ')
  return opts !== '' ? { env: { NODE_OPTIONS: opts } } : {}
}

export async function writeRandomFile (path: string, size: number): Promise<void> {
  const out = createWriteStream(path)
  for (let left = size; left > 0;) {
    const n = Math.min(left, 4 * 1024 * 1024)
    if (!out.write(randomBytes(n))) await new Promise<void>(resolve => { out.once('drain', () => { resolve() }) })
    left -= n
  }
  await new Promise<void>(resolve => { out.end(() => { resolve() }) })
}
