// bench/cpu-accounting: where the machine's CPU goes while an add moves data, by kind of work,
// from a system-wide sampling profile (Linux `perf record -a`). It sees what V8's profiler
// cannot: the kernel's page cache and socket work, page faults, the hypervisor's share of
// interrupts and exceptions, other processes (cluster-ctl) and idle time. That is how the data
// path is judged against its floor: the ciphers and the hash are the work every byte needs;
// the rest is what there is to win, or what the machine costs.
//   node dist/bench/cpu-accounting.js [erasure|plain] [bytes per add] [adds]
// `erasure`: 6 daemons, `add --erasure` (4+2); `plain`: 2 daemons, a plain add whose one copy is
// on the other peer. One add first, not measured (start-up costs), then `adds` adds back to back
// under the profile. Prints JSON: MB/s of each add, and for each kind of work its share of the
// machine's CPU time and its CPU ms per MiB of input, for the whole machine, the API peer, the
// other daemons and everything else (cluster-ctl, this bench, the kernel's own threads).
// Needs `perf` and the right to profile every CPU (root, or kernel.perf_event_paranoid <= 0).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster } from '../test/harness/cluster.js'
import { ctlOk } from '../test/harness/ctl.js'
import { writeRandomFile } from './proc.js'
import { settleFileCreation } from './write-floor.js'

const MODE = process.argv[2] ?? 'erasure'
const SIZE = Number(process.argv[3] ?? 512 * 1024 * 1024)
const ADDS = Number(process.argv[4] ?? 3)
const HZ = 499
const MIB = 1024 * 1024
const HOUR = 3_600_000

/** Kinds of work, by the symbol a sample landed in (the first that matches). */
const KINDS: Array<[string, RegExp]> = [
  ['ciphers_and_hash', /^(sha256_|sha2|salsa20_|chacha20_|poly1305_|crypto_)/],
  ['page_cache_copy', /^copy_folio_from_iter/],
  ['page_zeroing', /^clear_page/],
  ['paravirtual_irq_and_exceptions', /^(__raw_callee_save_)?pvm_/],
  ['shared_memory_copy', /relaxed_memmove/],
  ['garbage_collection', /v8::internal::.*(Marking|Scaveng|Sweep|MarkCompact|Evacuat|SemiSpace|ArrayBufferSweeper|MinorMS|Heap::Collect)/],
  ['memcpy_memset', /^__mem(move|cpy|set)/]
]

function kindOf (pid: number, sym: string, dso: string): string {
  if (pid === 0) return 'idle'
  for (const [kind, re] of KINDS) if (re.test(sym)) return kind
  return dso === '[kernel.kallsyms]' ? 'kernel_other' : 'javascript_and_runtime_other'
}

if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench/cpu-accounting needs Linux perf (apt install linux-perf)')
  process.exit(1)
}

const work = mkdtempSync(join(tmpdir(), 'bench-cpu-accounting-'))
const settled = await settleFileCreation(work)
const cluster = await startCluster(MODE === 'erasure' ? 6 : 2, { defaultTimers: true })
try {
  const peers = cluster.peers
  const api = peers[0]
  await cluster.waitMetric('freespace', peers.length, [api])
  const args = MODE === 'erasure'
    ? ['add', '-Q', '--erasure', '--data-shards', '4', '--parity-shards', '2']
    : ['add', '-Q', '--rmin', '1', '--rmax', '1', '--allocations', peers[1].peerId]
  // every input is written before the profile starts: writing it is not the add's work
  const inputs = Array.from({ length: ADDS + 1 }, (_, i) => join(work, `input-${i}`))
  for (const f of inputs) await writeRandomFile(f, SIZE)
  const add = async (file: string): Promise<number> => {
    const t = performance.now()
    await ctlOk([...args, file], { host: api.apiMultiaddr, timeoutMs: HOUR })
    return (performance.now() - t) / 1000
  }
  await add(inputs[0])

  const data = join(work, 'perf.data')
  const perf = spawn('perf', ['record', '-a', '-k', 'mono', '-e', 'cpu-clock', '-F', String(HZ), '-o', data], { stdio: ['ignore', 'ignore', 'pipe'] })
  let perfErr = ''
  perf.stderr.on('data', (c: Buffer) => { perfErr += c.toString() })
  const perfExit = new Promise<number | null>(resolve => perf.on('exit', code => { resolve(code) }))
  // a perf that cannot profile every CPU exits at once; one still running a second later records
  await new Promise(resolve => setTimeout(resolve, 1000))
  if (perf.exitCode != null) throw new Error(`perf record failed: ${perfErr.trim()}`)
  // perf stamps samples with CLOCK_MONOTONIC (-k mono), as process.hrtime: only the adds count
  const from = Number(process.hrtime.bigint()) / 1e9
  const seconds: number[] = []
  for (const f of inputs.slice(1)) seconds.push(await add(f))
  const to = Number(process.hrtime.bigint()) / 1e9
  perf.kill('SIGINT')
  await perfExit

  const script = spawnSync('perf', ['script', '-i', data, '-F', 'pid,time,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`)
  const daemonOf = new Map(peers.map((p, i) => [p.proc.pid as number, i === 0 ? 'api_peer' : 'other_daemons']))
  const counts: Record<string, Record<string, number>> = { machine: {}, api_peer: {}, other_daemons: {}, everything_else: {} }
  let samples = 0
  for (const line of script.stdout.split('\n')) {
    // "<pid> <seconds>: <address> <symbol> (<dso>)", the symbol "[unknown]" where perf has none
    const m = /^\s*(\d+)\s+([\d.]+):\s+[0-9a-f]+\s+(.*?)\s*\(([^)]*)\)\s*$/.exec(line)
    if (m == null) continue
    const at = Number(m[2])
    if (at < from || at > to) continue
    const pid = Number(m[1])
    const kind = kindOf(pid, m[3], m[4])
    const who = pid === 0 ? undefined : daemonOf.get(pid) ?? 'everything_else'
    for (const group of ['machine', who]) if (group != null) counts[group][kind] = (counts[group][kind] ?? 0) + 1
    samples++
  }
  const mib = (SIZE / MIB) * ADDS
  const figures = (c: Record<string, number>): Record<string, { share_percent: number, cpu_ms_per_mib: number }> =>
    Object.fromEntries(Object.entries(c).sort((a, b) => b[1] - a[1]).map(([kind, n]) => [kind, {
      share_percent: Number((100 * n / samples).toFixed(1)),
      cpu_ms_per_mib: Number((n * 1000 / HZ / mib).toFixed(2))
    }]))
  console.log(JSON.stringify({
    bench: 'cpu-accounting',
    mode: MODE,
    peers: peers.length,
    bytes_per_add: SIZE,
    adds: ADDS,
    mb_per_s: seconds.map(s => Number((SIZE / 1e6 / s).toFixed(1))),
    samples,
    write_floor: settled,
    // share_percent: of all CPUs' time while the adds ran; cpu_ms_per_mib: per MiB of input
    machine: figures(counts.machine),
    api_peer: figures(counts.api_peer),
    other_daemons: figures(counts.other_daemons),
    everything_else: figures(counts.everything_else)
  }, null, 2))
} finally {
  await cluster.stopAll()
  rmSync(work, { recursive: true, force: true })
}
