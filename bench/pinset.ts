// bench/pinset: a 3-peer local cluster takes N pins (default 20,000) through the REST API, then a
// 4th peer joins and catches up. Prints JSON: pins/s committed through REST, seconds until every
// peer holds every pin (after the first request and after the last commit), seconds until every
// peer's pin queue is empty (its tracker pinned them) and the deepest queue seen, the late joiner's
// catch-up seconds and pins/s, pin ls and status items/s (streamed), peak RSS per daemon (and its
// anonymous part, without mapped files),
// restart-to-ready seconds of a peer holding the pinset, and whether the joiner's
// `state export` equals the first peer's (sorted, line for line). While pins are committed, a line on
// stderr every 30 s gives the rate and each daemon's CPU per pin by thread.
//   node dist/bench/pinset.js [pins] [concurrency]
// BENCH_CPU_PROF=<dir> writes a V8 CPU profile per daemon (see bench/proc.ts).
import { readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { startCluster } from '../test/harness/cluster.js'
import type { DaemonHandle } from '../test/harness/daemon.js'
import { NODE, SERVICE_BIN } from '../test/harness/paths.js'
import { waitFor } from '../test/harness/wait.js'
import { cpuSeconds, profileEnv, threadSeconds } from './proc.js'
import { BenchHttp, cidsOf } from './pin-blocks.js'

const PINS = Number(process.argv[2] ?? 20_000)
const CONCURRENCY = Number(process.argv[3] ?? 64)
const web = new BenchHttp(CONCURRENCY + 8)
const request = web.request.bind(web)
const countLines = web.countLines.bind(web)

/** Peak resident set (VmHWM) of a process, in MiB. */
function peakRssMiB (pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m == null ? 0 : Math.round(Number(m[1]) / 1024)
  } catch {
    return 0
  }
}

/**
 * Peak anonymous resident memory (RssAnon) per peer, sampled every second: the daemon's own
 * memory. VmHWM also counts file pages mapped into the process, and LevelDB maps its table
 * files (page cache, given back under memory pressure): with 1M pins that was over 1 GiB.
 */
const peakAnon = new Map<string, number>()
function sampleAnon (peers: DaemonHandle[]): void {
  for (const p of peers) {
    try {
      const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.proc.pid as number}/status`, 'utf8'))
      if (m != null) peakAnon.set(p.peerId, Math.max(peakAnon.get(p.peerId) ?? 0, Math.round(Number(m[1]) / 1024)))
    } catch { /* exited */ }
  }
}

/**
 * A progress line on stderr every 30 s while pins are committed: how many so far, the rate in the
 * last interval, and per daemon the CPU µs per pin committed in that interval, by thread group:
 * main (the event loop); pool (libuv's threads, and LevelDB's compaction thread, which takes the
 * name of the pool thread that started it); other (V8's garbage-collection helpers, which Node 22
 * names "node", its delayed-task thread, and the CPU profiler's when one runs). At 1M pins this
 * shows which part of the cost grows with the pinset.
 */
function progressReporter (peers: DaemonHandle[], committed: () => number): () => void {
  const group = (name: string): string => name === 'main' ? 'main' : name.startsWith('libuv') ? 'pool' : 'other'
  const sample = (): Array<Record<string, number>> => peers.map(p => {
    const out: Record<string, number> = {}
    for (const [name, s] of Object.entries(threadSeconds(p.proc.pid as number))) out[group(name)] = (out[group(name)] ?? 0) + s
    return out
  })
  const t0 = performance.now()
  let last = { t: t0, n: 0, cpu: sample() }
  const timer = setInterval(() => {
    const now = { t: performance.now(), n: committed(), cpu: sample() }
    const pins = Math.max(1, now.n - last.n)
    const usPerPin = now.cpu.map((c, i) => Object.fromEntries(Object.entries(c).map(([k, s]) => [k, Math.round((s - (last.cpu[i][k] ?? 0)) * 1e6 / pins)])))
    console.error(JSON.stringify({ s: Math.round((now.t - t0) / 1000), committed: now.n, pins_per_second: Math.round((now.n - last.n) * 1000 / (now.t - last.t)), cpu_us_per_pin: usPerPin }))
    last = now
  }, 30_000)
  return () => { clearInterval(timer) }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Waits until the peer holds `last` (the newest pin) and then all PINS pins; returns seconds since t0. */
async function waitHolds (p: DaemonHandle, last: string, t0: number, timeoutS = 3600): Promise<number> {
  const deadline = performance.now() + timeoutS * 1000
  while ((await request(`${p.apiUrl}/allocations/${last}`, 'GET')).status !== 200) {
    if (performance.now() > deadline) throw new Error(`${p.peerId} does not hold ${last}`)
    await sleep(200)
  }
  let at = performance.now()
  while (await countLines(`${p.apiUrl}/allocations`) < PINS) {
    if (performance.now() > deadline) throw new Error(`${p.peerId} does not hold all pins`)
    await sleep(500)
    at = performance.now()
  }
  return (at - t0) / 1000
}

/** The pinqueue metrics as peer `p` receives them (one cheap request); `peak` keeps the deepest per peer. */
async function sampleQueues (p: DaemonHandle, peak: Map<string, number>): Promise<Array<{ peer: string, value: string }>> {
  const res = await request(`${p.apiUrl}/monitor/metrics/pinqueue`, 'GET')
  const metrics = res.status === 200 ? JSON.parse(res.body.toString()) as Array<{ peer: string, value: string }> : []
  for (const m of metrics) peak.set(m.peer, Math.max(peak.get(m.peer) ?? 0, Number(m.value)))
  return metrics
}

/** Waits until the pin queue of every one of `peers` peers is empty; returns seconds since t0. */
async function waitQueuesEmpty (p: DaemonHandle, peers: number, t0: number, peak: Map<string, number>): Promise<number> {
  return await waitFor(async () => {
    const metrics = await sampleQueues(p, peak)
    return metrics.length >= peers && metrics.every(m => m.value === '0') ? (performance.now() - t0) / 1000 : undefined
  }, 3_600_000)
}

/** `cluster-service state export` of a stopped peer, sorted (with sort(1): no pinset in memory). */
async function sortedExport (p: DaemonHandle, out: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const exp = spawn(NODE, [SERVICE_BIN, '--config', p.dir, 'state', 'export'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const sort = spawn('sort', ['-o', out], { stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, LC_ALL: 'C' } })
    exp.stdout.pipe(sort.stdin)
    exp.on('exit', code => { if (code !== 0) reject(new Error(`state export exited with ${String(code)}`)) })
    sort.on('exit', code => { code === 0 ? resolve() : reject(new Error(`sort exited with ${String(code)}`)) })
  })
}

async function sameFiles (a: string, b: string): Promise<boolean> {
  return await new Promise(resolve => {
    spawn('cmp', ['-s', a, b], { stdio: 'ignore' }).on('exit', code => resolve(code === 0))
  })
}

/** Timers of an operator's config for the whole-pinset sweeps (a 1M-pin sweep every 5 s is not a test). */
function benchConfig (json: any): void {
  json.cluster.state_sync_interval = '5m'
  json.cluster.pin_recover_interval = '12m'
}

const env = profileEnv().env
const cluster = await startCluster(3, { env, configure: benchConfig })
const result: Record<string, unknown> = { bench: 'pinset', peers: 3, pins: PINS, concurrency: CONCURRENCY }
const sampler = setInterval(() => { sampleAnon(cluster.peers) }, 1000)
try {
  const [p0] = cluster.peers
  const cids = await cidsOf(PINS)
  let t = performance.now()
  await web.addBlocks(p0, PINS, false)
  result.seconds_adding_blocks = Number(((performance.now() - t) / 1000).toFixed(1))

  const cpu0 = cluster.peers.map(p => cpuSeconds(p.proc.pid))
  const start = performance.now()
  const queuePeaks = new Map<string, number>()
  const queueWatch = setInterval(() => { void sampleQueues(p0, queuePeaks).catch(() => {}) }, 5000)
  let next = 0
  let failures = 0
  let lastDone = ''
  let done = 0
  const stopProgress = progressReporter(cluster.peers, () => done)
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < cids.length) {
      const cid = cids[next++]
      const res = await request(`${p0.apiUrl}/pins/${cid}`, 'POST')
      if (res.status !== 200) {
        if (failures++ < 3) console.error(`pin ${cid}: ${res.status} ${res.body.toString().slice(0, 300)}`)
      } else {
        lastDone = cid
        done++
      }
    }
  }))
  stopProgress()
  const committed = performance.now()
  const commitSeconds = (committed - start) / 1000
  result.failed_requests = failures
  result.pins_per_second_committed = Math.round(PINS / commitSeconds)

  // every peer holds the whole pinset (its own state, read through its own REST API), watched on
  // all peers at once: one after the other, a peer's time included the listings of those before
  // it (at 1M pins a listing takes 30-80 s)
  const converged = Math.max(...await Promise.all(cluster.peers.map(async p => await waitHolds(p, lastDone, start))))
  result.seconds_until_all_peers_hold_all_pins = Number(converged.toFixed(2))
  result.seconds_after_last_commit_until_all_hold = Number(Math.max(0, converged - commitSeconds).toFixed(2))
  // and has pinned it: every peer's tracker has worked through its queue (the listings and
  // status below are then measured on a quiet cluster)
  clearInterval(queueWatch)
  const drained = await waitQueuesEmpty(p0, cluster.peers.length, start, queuePeaks)
  result.seconds_after_last_commit_until_pin_queues_empty = Number(Math.max(0, drained - commitSeconds).toFixed(2))
  result.peak_pin_queue_per_daemon = cluster.peers.map(p => queuePeaks.get(p.peerId) ?? 0)
  result.cpu_seconds_ingest_per_daemon = cluster.peers.map((p, i) => Number((cpuSeconds(p.proc.pid) - cpu0[i]).toFixed(1)))

  t = performance.now()
  const lsItems = await countLines(`${p0.apiUrl}/allocations`)
  result.pin_ls_items = lsItems
  result.pin_ls_items_per_second = Math.round(lsItems / ((performance.now() - t) / 1000))
  t = performance.now()
  const statusItems = await countLines(`${p0.apiUrl}/pins`)
  result.status_items = statusItems
  result.status_items_per_second = Math.round(statusItems / ((performance.now() - t) / 1000))
  t = performance.now()
  const localItems = await countLines(`${p0.apiUrl}/pins?local=true`)
  result.status_local_items_per_second = Math.round(localItems / ((performance.now() - t) / 1000))

  // a new peer joins (its tracker then fetches the blocks over bitswap, in the background)
  const joiner = await cluster.addPeer(json => { benchConfig(json) })
  t = performance.now()
  const joined = await waitHolds(joiner, lastDone, t)
  result.joiner_seconds_to_hold_all = Number(joined.toFixed(2))
  result.joiner_pins_per_second = Math.round(PINS / joined)

  result.peak_rss_mib_per_daemon = [...cluster.peers].map(p => peakRssMiB(p.proc.pid as number))
  result.peak_rss_anon_mib_per_daemon = [...cluster.peers].map(p => peakAnon.get(p.peerId) ?? 0)

  // restart of a peer holding the pinset: SIGTERM, start, until the REST API answers
  const p1 = cluster.peers[1]
  await p1.stop()
  t = performance.now()
  cluster.peers[1] = await p1.restart()
  result.restart_to_ready_seconds = Number(((performance.now() - t) / 1000).toFixed(2))
  result.peak_rss_mib_restarted = peakRssMiB(cluster.peers[1].proc.pid as number)

  // the joiner's state export equals the first peer's
  await p0.stop()
  await joiner.stop()
  await sortedExport(p0, join(p0.dir, 'export.sorted'))
  await sortedExport(joiner, join(joiner.dir, 'export.sorted'))
  result.joiner_export_equals_first_peer = await sameFiles(join(p0.dir, 'export.sorted'), join(joiner.dir, 'export.sorted'))
  console.log(JSON.stringify(result, null, 2))
} catch (err) {
  console.log(JSON.stringify(result, null, 2))
  throw err
} finally {
  clearInterval(sampler)
  web.destroy()
  // a clean stop writes the CPU profiles
  await Promise.all(cluster.peers.map(async p => { await p.stop() }))
  await cluster.stopAll()
}
