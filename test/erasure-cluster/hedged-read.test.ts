// Hedged reads on 6 real daemons (4+2, 1 MiB shards): a shard holder frozen with SIGSTOP (its
// TCP connections stay open, so only the 60 s block timeout would notice) must cost an ecget a
// few seconds once, not 60 s per stripe; the output stays byte-exact and the frozen holder's
// shards are not reported lost (slow is not lost: nothing is repaired for them).
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { runCtl } from '../harness/ctl.js'
import { ecAdd, shardsOf } from '../harness/erasure.js'

const MiB = 1024 * 1024
const STRIPES = 6
let cluster: TestCluster
let P: DaemonHandle[]
let work: string
let root: string
let content: Buffer

before(async () => {
  cluster = await startCluster(6)
  P = cluster.peers
  work = join(P[0].dir, 'work')
  mkdirSync(work)
  content = randomBytes(STRIPES * 4 * MiB)
  const file = join(work, 'in')
  writeFileSync(file, content)
  root = await ecAdd(P[0], ['--data-shards', '4', '--parity-shards', '2', '--shard-size', String(MiB), file])
})
after(async () => {
  for (const p of P ?? []) p.resume()
  await cluster?.stopAll()
})

/** The peer other than the API peer holding data shards in the most of `stripes`. */
async function dataHolder (stripes: number[]): Promise<DaemonHandle> {
  const shards = await shardsOf(P[0], root)
  const count = new Map<string, number>()
  // shard positions 0..3 are data in a 4+2 stripe
  for (const s of shards) if (s.shard < 4 && stripes.includes(s.stripe) && s.holder !== P[0].peerId) count.set(s.holder, (count.get(s.holder) ?? 0) + 1)
  const [best] = [...count.entries()].sort((a, b) => b[1] - a[1])
  const d = P.find(p => p.peerId === best[0])
  assert.ok(d != null)
  return d
}

interface Streamed { body: Buffer, trailers: NodeJS.Dict<string>, ms: number, /** from the pause to the end */ afterPause?: number }

/** GET /ecget on P[0]; once `pauseAfter` bytes arrived, `victim` is frozen (mid-read). */
async function ecgetHttp (victim: DaemonHandle, pauseAfter: number): Promise<Streamed> {
  const t0 = performance.now()
  return await new Promise<Streamed>((resolve, reject) => {
    get(`${P[0].apiUrl}/ecget/${root}`, res => {
      if (res.statusCode !== 200) {
        let text = ''
        res.on('data', (c: Buffer) => { text += c.toString() })
        res.on('end', () => { reject(new Error(`ecget: HTTP ${String(res.statusCode)}: ${text}`)) })
        return
      }
      const chunks: Buffer[] = []
      let got = 0
      let pausedAt: number | undefined
      res.on('data', (c: Buffer) => {
        chunks.push(c)
        got += c.byteLength
        if (pausedAt == null && got >= pauseAfter) {
          victim.pause()
          pausedAt = performance.now()
        }
      })
      res.on('end', () => {
        const end = performance.now()
        resolve({ body: Buffer.concat(chunks), trailers: res.trailers, ms: end - t0, afterPause: pausedAt != null ? end - pausedAt : undefined })
      })
      res.on('error', reject)
    }).on('error', reject)
  })
}

test('a holder frozen mid-read costs the ecget a few seconds once, output byte-exact, nothing reported lost', async () => {
  // frozen after the first half stripe arrived: the stripes after the one read ahead need it
  const victim = await dataHolder([2, 3, 4, 5])
  let r: Streamed
  try {
    r = await ecgetHttp(victim, MiB / 2)
  } finally {
    victim.resume()
  }
  assert.ok(r.afterPause != null, 'paused mid-read')
  console.log(`ecget with a holder frozen mid-read: ${Math.round(r.ms)} ms, ${Math.round(r.afterPause)} ms after the pause`)
  assert.equal(r.trailers['x-stream-error'], '')
  assert.ok(r.body.equals(content), 'byte-exact')
  // without hedging each stripe that needs the frozen holder waits the 60 s block timeout; with
  // it the frozen holder costs the hedge delay once (~2 s: 1.5 s floor, more on a loaded
  // machine). What comes before the pause (status checks, the first stripe) is not counted.
  assert.ok(r.afterPause < 15_000, `ecget took ${Math.round(r.afterPause)} ms after the pause (${Math.round(r.ms)} ms in all)`)
  const report = JSON.parse(r.trailers['x-ec-repair'] ?? '{}')
  assert.deepEqual(report.lost, [], 'a slow holder is not lost')
  assert.deepEqual(report.rebuilt, [])
  // the API peer read around it, and said so once (info), remembering it for the other stripes
  const log = P[0].log()
  const said = log.split('\n').filter(l => l.includes('hedged read: holder slow') && l.includes(victim.peerId))
  assert.ok(said.length >= 1, 'hedge logged')
  assert.ok(said.filter(l => l.includes('"level":30')).length <= 1, 'logged at info once per run')
  const summary = log.split('\n').find(l => l.includes('ecget read around slow holders'))
  assert.ok(summary != null && JSON.parse(summary).slow.includes(victim.peerId), summary)
})

// Frozen before the ecget starts, the holder answers none of the status checks made before any
// byte: after ecget's status patience (3 s, not the 10 s RPC open timeout) it counts as slow, so
// its shards are read last (parity in their place) and, being slow rather than lost, are not
// rebuilt or moved.
test('cluster-ctl ecget with a data holder frozen from the start: byte-exact in bounded time', async () => {
  // wait for the last test's victim to be seen alive again by everyone
  await cluster.waitPeerset(6)
  const victim = await dataHolder([0, 1, 2, 3, 4, 5])
  const out = join(work, 'frozen')
  mkdirSync(out)
  const t0 = performance.now()
  let r
  victim.pause()
  try {
    r = await runCtl(['--enc=json', 'ecget', root, '-o', out], { host: P[0].apiMultiaddr, timeoutMs: 120_000 })
  } finally {
    victim.resume()
  }
  const ms = performance.now() - t0
  assert.equal(r.code, 0, r.stdout + r.stderr)
  assert.ok(readFileSync(join(out, root)).equals(content), 'byte-exact')
  assert.ok(ms < 20_000, `ecget took ${Math.round(ms)} ms`)
  const log = P[0].log()
  assert.ok(log.split('\n').some(l => l.includes('did not answer its status in time') && l.includes(victim.peerId)), 'the slow holder is logged')
  assert.ok(!log.includes('ecget repaired lost shards'), 'nothing was rebuilt for a holder that was only slow')
})
