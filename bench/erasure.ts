// bench/erasure: a 6-peer local cluster and a generated file (1 GiB by default).
// Prints JSON: add --erasure 4+2 MB/s, plain add (replication 1) MB/s and their ratio, ecget MB/s
// healthy and with 2 holders down, ecrecovery MB/s, peak RSS per daemon, stored bytes / file bytes.
//   node dist/bench/erasure.js [bytes]
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { startCluster } from '../test/harness/cluster.js'
import type { DaemonHandle } from '../test/harness/daemon.js'
import { ctlOk } from '../test/harness/ctl.js'

const SIZE = Number(process.argv[2] ?? 1024 * 1024 * 1024)
const MB = 1e6

function peakRssMiB (pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m == null ? 0 : Math.round(Number(m[1]) / 1024)
}

function folderBytes (dir: string): number {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    total += e.isDirectory() ? folderBytes(p) : statSync(p).size
  }
  return total
}

function repoBytes (peers: DaemonHandle[]): number {
  return peers.reduce((sum, p) => sum + folderBytes(join(p.dir, 'ipfs', 'blocks')), 0)
}

async function writeRandomFile (path: string, size: number): Promise<void> {
  const out = createWriteStream(path)
  for (let left = size; left > 0;) {
    const n = Math.min(left, 4 * 1024 * 1024)
    if (!out.write(randomBytes(n))) await new Promise<void>(resolve => { out.once('drain', () => { resolve() }) })
    left -= n
  }
  await new Promise<void>(resolve => { out.end(() => { resolve() }) })
}

async function timed<T> (fn: () => Promise<T>): Promise<{ value: T, seconds: number }> {
  const t = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t) / 1000 }
}

const work = mkdtempSync(join(tmpdir(), 'bench-erasure-'))
const cluster = await startCluster(6)
try {
  const api = cluster.peers[0]
  const host = api.apiMultiaddr
  const file = join(work, 'input')
  await writeRandomFile(file, SIZE)

  const before = repoBytes(cluster.peers)
  const ecAdd = await timed(async () => (await ctlOk(['add', '-Q', '--erasure', '--data-shards', '4', '--parity-shards', '2', file], { host, timeoutMs: 3_600_000 })).trim())
  const cid = ecAdd.value
  const storedRatio = (repoBytes(cluster.peers) - before) / SIZE

  // which peers hold shards of this file (the API peer stays up)
  const pins = (await ctlOk(['--enc=json', 'pin', 'ls'], { host })).split('\n}').filter(s => s.includes('"shard-pin"'))
  const holders = new Map<string, number>()
  for (const p of pins) {
    const m = /"allocations": \[\s*"([^"]+)"/.exec(p)
    if (m != null) holders.set(m[1], (holders.get(m[1]) ?? 0) + 1)
  }

  const out1 = join(work, 'healthy')
  const healthy = await timed(async () => await ctlOk(['ecget', cid, '-o', out1], { host, timeoutMs: 3_600_000 }))

  const plainFile = join(work, 'plain')
  await writeRandomFile(plainFile, SIZE)
  const plain = await timed(async () => await ctlOk(['add', '-Q', '--rmin', '1', '--rmax', '1', plainFile], { host, timeoutMs: 3_600_000 }))

  const down = cluster.peers.filter(p => p !== api && holders.has(p.peerId)).slice(0, 2)
  for (const p of down) await p.stop()
  const out2 = join(work, 'degraded')
  const degraded = await timed(async () => await ctlOk(['ecget', cid, '-o', out2], { host, timeoutMs: 3_600_000 }))
  const recovery = await timed(async () => await ctlOk(['--enc=json', 'ecrecovery'], { host, timeoutMs: 3_600_000 }).catch(err => String(err)))

  console.log(JSON.stringify({
    bench: 'erasure',
    peers: cluster.peers.length,
    file_bytes: SIZE,
    data_shards: 4,
    parity_shards: 2,
    erasure_add_mb_per_s: Number((SIZE / MB / ecAdd.seconds).toFixed(1)),
    plain_add_rf1_mb_per_s: Number((SIZE / MB / plain.seconds).toFixed(1)),
    erasure_to_plain_ratio: Number((plain.seconds / ecAdd.seconds).toFixed(2)),
    ecget_healthy_mb_per_s: Number((SIZE / MB / healthy.seconds).toFixed(1)),
    ecget_2_holders_down_mb_per_s: Number((SIZE / MB / degraded.seconds).toFixed(1)),
    degraded_to_healthy_ratio: Number((healthy.seconds / degraded.seconds).toFixed(2)),
    ecrecovery_seconds: Number(recovery.seconds.toFixed(1)),
    ecrecovery_report: recovery.value.trim().slice(0, 2000),
    stored_to_file_bytes: Number(storedRatio.toFixed(3)),
    peak_rss_mib_per_daemon: cluster.peers.filter(p => !down.includes(p)).map(p => peakRssMiB(p.proc.pid as number)),
    outputs_equal_input: readFileSync(join(out1, cid)).equals(readFileSync(file)) && readFileSync(join(out2, cid)).equals(readFileSync(file))
  }, null, 2))
} finally {
  await cluster.stopAll()
  rmSync(work, { recursive: true, force: true })
}
