// bench/erasure: a 6-peer local cluster and a generated file (1 GiB by default).
// Prints JSON: add --erasure 4+2 MB/s, plain add (replication 1, on another peer; also where the
// allocator puts it) MB/s and their ratio, ecget MB/s healthy (the first and a second read) and with 2 holders down,
// ecrecovery MB/s (a holder's blockstore wiped: every shard it held rebuilt; the file bytes of
// the stripes it repaired per second, as ecget's, and the rebuilt shard bytes per second), peak RSS per
// daemon, stored bytes / file bytes from the peers' repo sizes, and whether each target of the
// erasure-coding issue is met. Every phase also reports the CPU seconds per GiB each daemon used
// (user + system, all threads, from /proc) and the page faults it took, and a local baseline: a
// plain add whose one copy is on the API peer itself, and a local `ipfs cat` of it through that
// peer's IPFS proxy.
//   node dist/bench/erasure.js [bytes] [shard-size]   (shard size: cluster-ctl's automatic one by default)
//   BENCH_CPU_PROF=<dir>: the daemons write V8 CPU profiles there (on their clean stop at the end)
// The daemons run with the config's own timers, as an operator's do (the test harness's 1 s
// pings cost each idle daemon about 15% of a core); peers that stop are seen gone after the
// ping TTL (30 s).
// Before the cluster starts the bench waits for file creation to settle and measures page cache
// writes (see write-floor.ts: on this project's VMs both cost several times more after other
// runs), and prints both (`write_floor`).
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import { startCluster } from '../test/harness/cluster.js'
import type { DaemonHandle } from '../test/harness/daemon.js'
import { ctlOk } from '../test/harness/ctl.js'
import { parseStream } from '../test/harness/wait.js'
import { cpuSeconds, pageFaults, profileEnv, writeRandomFile } from './proc.js'
import { fileCreateMicros, pageCacheWriteCost, settleFileCreation } from './write-floor.js'

const SIZE = Number(process.argv[2] ?? 1024 * 1024 * 1024)
const SHARD_SIZE = process.argv[3] != null ? ['--shard-size', process.argv[3]] : []
const D = 4
const P = 2
const MB = 1e6
const HOUR = 3_600_000
const GIB = 1024 * 1024 * 1024

/** CPU seconds per GiB of the file each peer used during each phase, peers in start order. */
const phaseCpu: Record<string, number[]> = {}
/** Thousands of minor page faults per GiB of the file each peer took during each phase. */
const phaseFaults: Record<string, number[]> = {}
async function measured<T> (name: string, peers: DaemonHandle[], fn: () => Promise<T>): Promise<{ value: T, seconds: number }> {
  phase = name
  const pids = peers.map(p => p.proc.pid)
  const before = pids.map(cpuSeconds)
  const faultsBefore = pids.map(pageFaults)
  const t = await timed(fn)
  phaseCpu[name] = pids.map((pid, i) => Number(((cpuSeconds(pid) - before[i]) / (SIZE / GIB)).toFixed(1)))
  phaseFaults[name] = pids.map((pid, i) => Number(((pageFaults(pid) - faultsBefore[i]) / 1000 / (SIZE / GIB)).toFixed(1)))
  return t
}

/** Peak RSS of every process each peer ran (a restarted peer has a new pid), MiB. */
const peakRss = new Map<string, number>()
/** The largest RSS seen per phase of the bench, per peer (sampled every 250 ms), MiB. */
const phaseRss: Record<string, Record<string, number>> = {}
let phase = 'start'
function sampleRss (peers: DaemonHandle[]): void {
  for (const p of peers) {
    try {
      const status = readFileSync(`/proc/${p.proc.pid as number}/status`, 'utf8')
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
      const now = /VmRSS:\s+(\d+) kB/.exec(status)
      if (hwm != null) peakRss.set(p.peerId, Math.max(peakRss.get(p.peerId) ?? 0, Math.round(Number(hwm[1]) / 1024)))
      if (now != null) {
        const byPeer = (phaseRss[phase] ??= {})
        byPeer[p.peerId] = Math.max(byPeer[p.peerId] ?? 0, Math.round(Number(now[1]) / 1024))
      }
    } catch { /* exited */ }
  }
}

function folderBytes (dir: string): number {
  let total = 0
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      total += e.isDirectory() ? folderBytes(p) : statSync(p).size
    }
  } catch { /* no folder yet */ }
  return total
}

function repoBytes (peers: DaemonHandle[]): number {
  return peers.reduce((sum, p) => sum + folderBytes(join(p.dir, 'ipfs', 'blocks')), 0)
}

async function sha256Of (path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const c of createReadStream(path)) h.update(c as Buffer)
  return h.digest('hex')
}

async function timed<T> (fn: () => Promise<T>): Promise<{ value: T, seconds: number }> {
  const t = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t) / 1000 }
}

function mbps (bytes: number, seconds: number): number {
  return Number((bytes / MB / seconds).toFixed(1))
}

const work = mkdtempSync(join(tmpdir(), 'bench-erasure-'))
const settled = await settleFileCreation(work)
const pageCache = pageCacheWriteCost(work)
const cluster = await startCluster(6, { defaultTimers: true, ...profileEnv() })
const sampler = setInterval(() => { sampleRss(cluster.peers) }, 250)
try {
  const peers = cluster.peers
  const api = peers[0]
  const host = api.apiMultiaddr
  await cluster.waitMetric('freespace', peers.length, [api])
  const file = join(work, 'input')
  await writeRandomFile(file, SIZE)
  const inputHash = await sha256Of(file)

  // plain adds first, of other bytes, so no add finds another's blocks: the one copy on the API
  // peer itself (a local disk write, no network: the baseline), where the allocator puts it, and
  // on another peer, which is what the erasure add does with 5/6 of its shards and what the
  // ratio target is measured against.
  const plainAdd = async (name: string, extra: string[]): Promise<{ seconds: number, cid: string }> => {
    const plainFile = join(work, 'plain')
    await writeRandomFile(plainFile, SIZE)
    const t = await measured(name, peers, async () => (await ctlOk(['add', '-Q', '--rmin', '1', '--rmax', '1', ...extra, plainFile], { host, timeoutMs: HOUR })).trim())
    rmSync(plainFile)
    return { seconds: t.seconds, cid: t.value }
  }
  const local = await plainAdd('plain_add_local', ['--allocations', api.peerId])
  const plainAnySeconds = (await plainAdd('plain_add_allocator', [])).seconds
  const plainSeconds = (await plainAdd('plain_add_other_peer', ['--allocations', peers[1].peerId])).seconds
  // a local `ipfs cat` of the file the API peer holds, through its IPFS proxy, into a file
  const proxy = /\/tcp\/(\d+)/.exec(JSON.parse(readFileSync(join(api.dir, 'service.json'), 'utf8')).api.ipfsproxy.listen_multiaddress)?.[1]
  const catFile = join(work, 'cat')
  const localCat = await measured('ipfs_cat_local', peers, async () => {
    const res = await fetch(`http://127.0.0.1:${proxy as string}/api/v0/cat?arg=${local.cid}`, { method: 'POST' })
    if (res.status !== 200 || res.body == null) throw new Error(`ipfs cat: HTTP ${res.status}`)
    await pipeline(res.body as any, createWriteStream(catFile))
  })
  if (statSync(catFile).size !== SIZE) throw new Error('ipfs cat returned a short file')
  rmSync(catFile)

  const before = repoBytes(peers)
  const ecAdd = await measured('erasure_add', peers, async () => parseStream(await ctlOk(['--enc=json', 'add', '--erasure', '--data-shards', String(D), '--parity-shards', String(P), ...SHARD_SIZE, file], { host, timeoutMs: HOUR })))
  const added = ecAdd.value
  const cid: string = added[added.length - 1].cid
  const storedRatio = (repoBytes(peers) - before) / SIZE
  const meta = JSON.parse(await ctlOk(['--enc=json', 'pin', 'ls', cid], { host }))
  // the add's shard lines: `<name>-s<stripe>-<kind><i>` with the shard's bytes
  const shardBytes = new Map<string, number>(added.filter(o => /-s\d+-(data|parity)\d+$/.test(o.name)).map(o => [o.cid, o.bytes]))
  const shardSize = Math.max(...shardBytes.values())
  const stripes = new Set(added.filter(o => shardBytes.has(o.cid)).map(o => /-s(\d+)-/.exec(o.name)?.[1])).size
  // the file bytes each stripe holds (its data shards): what a repair of the stripe reads
  const stripeDataBytes = new Map<number, number>()
  for (const o of added) {
    const m = /-s(\d+)-data\d+$/.exec(o.name)
    if (m != null) stripeDataBytes.set(Number(m[1]), (stripeDataBytes.get(Number(m[1])) ?? 0) + o.bytes)
  }

  // shard holders other than the API peer, the busiest first
  const shardPins = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host }))
    .filter(p => p.type === 'shard-pin' && p.erasure?.manifest === meta.erasure.manifest && p.erasure.stripe != null)
  const load = new Map<string, number>()
  for (const p of shardPins) load.set(p.allocations[0], (load.get(p.allocations[0]) ?? 0) + 1)
  const holders = peers.filter(p => p !== api && load.has(p.peerId)).sort((a, b) => (load.get(b.peerId) ?? 0) - (load.get(a.peerId) ?? 0))

  const out1 = join(work, 'healthy')
  const healthy = await measured('ecget_healthy', peers, async () => await ctlOk(['ecget', cid, '-o', out1], { host, timeoutMs: HOUR }))
  const healthyOk = await sha256Of(join(out1, cid)) === inputHash
  rmSync(out1, { recursive: true })
  // the same again, as a user reading a file twice: the API peer's warm start (its stripe
  // buffers kept from the first read, the data path compiled)
  const again = await measured('ecget_healthy_again', peers, async () => await ctlOk(['ecget', cid, '-o', out1], { host, timeoutMs: HOUR }))
  const againOk = await sha256Of(join(out1, cid)) === inputHash
  rmSync(out1, { recursive: true })

  const down = holders.slice(0, 2)
  for (const p of down) await p.stop()
  await cluster.waitPeerset(peers.length - down.length, [api])
  const out2 = join(work, 'degraded')
  const degraded = await measured('ecget_degraded', peers, async () => await ctlOk(['ecget', cid, '-o', out2], { host, timeoutMs: HOUR }))
  const degradedOk = await sha256Of(join(out2, cid)) === inputHash
  rmSync(out2, { recursive: true })
  for (const p of down) peers[peers.indexOf(p)] = await p.restart()
  await cluster.waitPeerset(peers.length)

  // ecrecovery: a holder loses its whole blockstore and comes back; every shard it held is
  // rebuilt from the others (on 6 peers with 4+2 no other peer is free, so it takes them back)
  const wiped = holders[0]
  const wipedIndex = peers.indexOf(wiped)
  await wiped.stop()
  // moved out of the way, as a disk swapped for a new one, not deleted: thousands of files
  // deleted here would make every block the rebuild stores slower to create (write-floor.ts)
  renameSync(join(wiped.dir, 'ipfs', 'blocks'), join(work, 'wiped-blocks'))
  peers[wipedIndex] = await wiped.restart()
  await cluster.waitPeerset(peers.length)
  await cluster.waitMetric('freespace', peers.length, [api])
  const recovery = await measured('ecrecovery', peers, async () => parseStream(await ctlOk(['--enc=json', 'ecrecovery'], { host, timeoutMs: HOUR })))
  const report = recovery.value.find(r => r.cid === cid)
  const rebuiltShards: number = report?.rebuilt?.length ?? 0
  const rebuiltBytes = (report?.rebuilt ?? []).reduce((sum: number, r: any) => sum + (shardBytes.get(r.cid) ?? 0), 0)
  // ecrecovery's speed is that of the stripes it repaired, in file bytes, as ecget's is: either
  // reads d shards of every stripe it covers (a rebuilt shard costs d shards read, so rebuilt
  // bytes per second are at most 1/d of the read speed however fast the repair is)
  const repairedBytes = [...new Set<number>((report?.rebuilt ?? []).map((r: any) => r.stripe))].reduce((sum, s) => sum + (stripeDataBytes.get(s) ?? 0), 0)
  sampleRss(peers)
  const createdAtEnd = fileCreateMicros(work)

  const rss = peers.map(p => peakRss.get(p.peerId) ?? 0)
  // (d+p) x shard size + 400 MB, in MiB (what RSS is read in); MB as 10^6 bytes, the stricter reading
  const rssLimit = Math.floor(((D + P) * shardSize + 400 * MB) / (1024 * 1024))
  console.log(JSON.stringify({
    bench: 'erasure',
    peers: peers.length,
    file_bytes: SIZE,
    data_shards: D,
    parity_shards: P,
    shard_size: shardSize,
    stripes,
    // file creation before and after the wait, and at the end: what the bench deleted meanwhile (its input files) should not move it
    write_floor: { ...settled, file_create_us_at_end: createdAtEnd, page_cache_write: pageCache },
    plain_add_local_mb_per_s: mbps(SIZE, local.seconds),
    erasure_add_mb_per_s: mbps(SIZE, ecAdd.seconds),
    plain_add_rf1_mb_per_s: mbps(SIZE, plainSeconds),
    plain_add_rf1_allocator_placed_mb_per_s: mbps(SIZE, plainAnySeconds),
    erasure_to_plain_ratio: Number((plainSeconds / ecAdd.seconds).toFixed(2)),
    plain_other_to_local_ratio: Number((local.seconds / plainSeconds).toFixed(2)),
    ipfs_cat_local_mb_per_s: mbps(SIZE, localCat.seconds),
    ecget_healthy_mb_per_s: mbps(SIZE, healthy.seconds),
    ecget_to_local_cat_ratio: Number((localCat.seconds / healthy.seconds).toFixed(2)),
    ecget_healthy_again_mb_per_s: mbps(SIZE, again.seconds),
    ecget_2_holders_down_mb_per_s: mbps(SIZE, degraded.seconds),
    degraded_to_healthy_ratio: Number((healthy.seconds / degraded.seconds).toFixed(2)),
    ecrecovery_shards_rebuilt: rebuiltShards,
    ecrecovery_seconds: Number(recovery.seconds.toFixed(1)),
    ecrecovery_stripes_repaired_bytes: repairedBytes,
    ecrecovery_mb_per_s: repairedBytes > 0 ? mbps(repairedBytes, recovery.seconds) : 0,
    ecrecovery_rebuilt_shard_mb_per_s: rebuiltBytes > 0 ? mbps(rebuiltBytes, recovery.seconds) : 0,
    ecrecovery_to_ecget_ratio: repairedBytes > 0 ? Number(((repairedBytes / recovery.seconds) / (SIZE / healthy.seconds)).toFixed(2)) : 0,
    ecrecovery_errors: report?.errors ?? [],
    stored_to_file_bytes: Number(storedRatio.toFixed(3)),
    peak_rss_mib_per_daemon: rss,
    peak_rss_limit_mib: rssLimit,
    // the API peer (first) does the adds, reads and rebuilds
    cpu_seconds_per_gib_by_phase: phaseCpu,
    thousand_page_faults_per_gib_by_phase: phaseFaults,
    peak_rss_mib_by_phase: Object.fromEntries(Object.entries(phaseRss).map(([k, v]) => [k, peers.map(p => v[p.peerId] ?? 0)])),
    outputs_equal_input: healthyOk && againOk && degradedOk,
    targets_met: {
      plain_other_peer_at_least_0_8_local: local.seconds / plainSeconds >= 0.8,
      erasure_add_at_least_0_8_plain: plainSeconds / ecAdd.seconds >= 0.8,
      ecget_at_least_0_8_local_cat: localCat.seconds / healthy.seconds >= 0.8,
      degraded_ecget_at_least_0_8_healthy: healthy.seconds / degraded.seconds >= 0.8,
      ecrecovery_at_least_half_ecget: repairedBytes > 0 && (repairedBytes / recovery.seconds) / (SIZE / healthy.seconds) >= 0.5,
      erasure_add_at_least_100_mb_per_s: SIZE / MB / ecAdd.seconds >= 100,
      ecget_at_least_150_mb_per_s: SIZE / MB / healthy.seconds >= 150,
      peak_rss_within_limit: rss.every(r => r <= rssLimit),
      stored_at_most_1_55: storedRatio <= 1.55
    }
  }, null, 2))
} finally {
  clearInterval(sampler)
  // a profile is written on a clean exit only
  if (process.env.BENCH_CPU_PROF != null) for (const p of cluster.peers) await p.stop()
  await cluster.stopAll()
  rmSync(work, { recursive: true, force: true })
}
