// bench/pinset: a 3-peer local cluster takes N pins (default 20,000) through the REST API.
// Prints JSON: pins per second committed, seconds until every peer holds all of them,
// seconds for a full `status`, peak RSS per daemon.
//   node dist/bench/pinset.js [pins] [concurrency]
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { startCluster } from '../test/harness/cluster.js'
import type { DaemonHandle } from '../test/harness/daemon.js'

const PINS = Number(process.argv[2] ?? 20_000)
const CONCURRENCY = Number(process.argv[3] ?? 32)
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function request (url: string, method: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number, body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Counts the NDJSON lines of a streamed response without keeping them. */
function countLines (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, res => {
      let n = 0
      res.on('data', (c: Buffer) => { for (const b of c) if (b === 10) n++ })
      res.on('end', () => resolve(n))
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** Peak resident set (VmHWM) of a process, in MiB. */
function peakRssMiB (pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m == null ? 0 : Math.round(Number(m[1]) / 1024)
}

/** Blocks the pins point at: one raw block per pin, added (unpinned) to every peer first. */
async function makeBlocks (d: DaemonHandle, n: number): Promise<string[]> {
  const boundary = 'benchboundary'
  const parts: Buffer[] = []
  const cids: string[] = []
  for (let i = 0; i < n; i++) {
    const bytes = Buffer.from(`pinset bench block ${i}\n`)
    cids.push(CID.create(1, raw.code, await sha256.digest(bytes)).toString())
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  const res = await request(`${d.apiUrl}/add?no-pin=true&cid-version=1&raw-leaves=true&wrap-with-directory=true&stream-channels=false`, 'POST', Buffer.concat(parts), { 'content-type': `multipart/form-data; boundary=${boundary}` })
  if (res.status !== 200) throw new Error(`adding the blocks failed: ${res.status} ${res.body.toString()}`)
  return cids
}

const cluster = await startCluster(3)
try {
  const [p0] = cluster.peers
  const cids = await makeBlocks(p0, PINS)

  const start = performance.now()
  let next = 0
  let failures = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < cids.length) {
      const cid = cids[next++]
      const res = await request(`${p0.apiUrl}/pins/${cid}`, 'POST')
      if (res.status !== 200) failures++
    }
  }))
  const commitSeconds = (performance.now() - start) / 1000

  // every peer holds the whole pinset (its own state, read through its own REST API)
  for (const p of cluster.peers) {
    while (await countLines(`${p.apiUrl}/allocations`) < PINS) await new Promise(resolve => setTimeout(resolve, 500))
  }
  const convergedSeconds = (performance.now() - start) / 1000

  const statusStart = performance.now()
  const statusItems = await countLines(`${p0.apiUrl}/pins`)
  const statusSeconds = (performance.now() - statusStart) / 1000

  console.log(JSON.stringify({
    bench: 'pinset',
    peers: cluster.peers.length,
    pins: PINS,
    concurrency: CONCURRENCY,
    failed_requests: failures,
    pins_per_second_committed: Math.round(PINS / commitSeconds),
    seconds_until_all_peers_hold_all_pins: Number(convergedSeconds.toFixed(2)),
    status_items: statusItems,
    seconds_full_status: Number(statusSeconds.toFixed(2)),
    peak_rss_mib_per_daemon: cluster.peers.map(p => peakRssMiB(p.proc.pid as number))
  }, null, 2))
} finally {
  agent.destroy()
  await cluster.stopAll()
}
