// Write quorum of add --erasure on real daemons (issue 13): shard holders SIGKILLed while an
// add streams to them. One holder of 4+2 on 6 peers: the add succeeds with the stripes it could
// not complete noted as degraded, the file reads back, and ecrecovery restores 6/6 once a peer
// can take the lost shards. Two holders on 6 peers: 4 of 6 is below the quorum of 5, the add
// fails naming the stripe, and nothing is pinned. Two holders on 8 peers: their shards go to
// the spare peers and every stripe ends 6/6 on live, distinct peers.
//
// A victim is killed (or frozen, then killed) the moment the first block of the add reaches its
// blockstore: the add has placed shards on it and is mid-way through a stripe.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import type { CtlResult } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'
import { shardsOf } from '../harness/erasure.js'

const MiB = 1024 * 1024
let cluster: TestCluster
let P: DaemonHandle[]
let work: string
/** peers killed so far */
const dead = new Set<string>()

before(async () => {
  // repairs are run by the test (ecrecovery), not by the daemons
  cluster = await startCluster(6, { configure: json => { json.cluster.ec_repair_grace_period = '1h' } })
  P = cluster.peers
  work = join(P[0].dir, 'work')
  mkdirSync(work)
})
after(async () => { await cluster?.stopAll() })

function live (): DaemonHandle[] {
  return P.filter(p => !dead.has(p.peerId))
}

function input (name: string, content: Uint8Array): string {
  const f = join(work, name)
  writeFileSync(f, content)
  return f
}

/** Files in the peer's blockstore. */
function blockCount (d: DaemonHandle): number {
  let n = 0
  const walk = (dir: string): void => {
    let entries
    try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name))
      else n++
    }
  }
  walk(join(d.dir, 'ipfs', 'blocks'))
  return n
}

/**
 * Runs `add --erasure` through P[0] and, while it runs, hits `count` of the `candidates` as
 * soon as a block of the add reaches them: killed at once, or frozen at once and killed a
 * second later (`freeze`: then nothing they received is ever confirmed to the add).
 */
async function addAndKill (args: string[], candidates: DaemonHandle[], count: number, opts: { freeze?: boolean } = {}): Promise<{ r: CtlResult, victims: DaemonHandle[] }> {
  const base = new Map(candidates.map(d => [d, blockCount(d)]))
  const run = runCtl(['--enc=json', 'add', '--erasure', ...args], { host: P[0].apiMultiaddr, timeoutMs: 150_000 })
  let exited = false
  void run.then(() => { exited = true })
  const victims: DaemonHandle[] = []
  const kills: Array<Promise<void>> = []
  while (victims.length < count && !exited) {
    for (const d of candidates) {
      if (victims.includes(d) || victims.length >= count || blockCount(d) <= (base.get(d) ?? 0)) continue
      victims.push(d)
      dead.add(d.peerId)
      if (opts.freeze === true) {
        d.pause()
        kills.push(new Promise<void>(resolve => setTimeout(resolve, 1000)).then(async () => { await d.kill() }))
      } else {
        kills.push(d.kill())
      }
    }
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  await Promise.all(kills)
  const r = await run
  assert.equal(victims.length, count, `the add ended before ${count} holders got a block: ${r.stdout}${r.stderr}`)
  return { r, victims }
}

async function ecgetEquals (root: string, content: Uint8Array, out: string): Promise<void> {
  mkdirSync(out, { recursive: true })
  // right after an add, a holder whose cluster state lags says "unpinned" of the tree pin
  // (ecget then calls the tree lost): read once every holder knows the file
  await waitFor(async () => {
    const r = await runCtl(['ecget', root, '-o', out], { host: P[0].apiMultiaddr, timeoutMs: 120_000 })
    if (r.code !== 0) throw new Error(`ecget: ${r.stdout}${r.stderr}`)
    return true
  }, 30_000)
  assert.ok(readFileSync(join(out, root)).equals(content), 'the file reads back byte for byte')
}

/** Every stripe has d+p shards on distinct peers, none of them killed. */
function assertWhole (shards: Array<{ stripe: number, holder: string }>, stripes: number, perStripe: number): void {
  for (let s = 0; s < stripes; s++) {
    const holders = shards.filter(x => x.stripe === s).map(x => x.holder)
    assert.equal(holders.length, perStripe, `stripe ${s} has ${perStripe} shard pins`)
    assert.equal(new Set(holders).size, perStripe, `stripe ${s}: distinct holders ${JSON.stringify(holders)}`)
    for (const h of holders) assert.ok(!dead.has(h), `stripe ${s}: holder ${h} was killed`)
  }
}

/**
 * Waits until the API peer's peerset and freespace metrics (what the allocator ranks) are
 * exactly the live peers: a count alone can be met by peers killed a moment ago whose metrics
 * have not expired yet while a new peer's first one is still to come, and the add then has
 * fewer real spare peers than the test gave it.
 */
async function waitAllLive (n: number): Promise<void> {
  assert.equal(live().length, n)
  await cluster.waitPeerset(n, live())
  await cluster.waitExactly(live(), P[0])
}

test('one holder of 4+2 on 6 peers killed mid-add: the add succeeds degraded, reads back, ecrecovery restores 6/6', async t => {
  await waitAllLive(6)
  const content = randomBytes(32 * MiB)
  const { r, victims } = await addAndKill(['--name', 'wq1', '--shard-size', String(MiB), input('wq1', content)], [P[3]], 1)
  assert.equal(r.code, 0, `add failed: ${r.stdout}${r.stderr}`)
  t.diagnostic(r.stderr)
  const out = parseStream(r.stdout)
  const root = out[out.length - 1].cid
  // shard lines of lost shards say so (allocations: the failed holder, which the repair replaces)
  const lost = out.filter(l => Array.isArray(l.lost))
  assert.ok(lost.length > 0, 'some shard lines are marked lost')
  for (const l of lost) assert.deepEqual(l.lost, [victims[0].peerId])
  assert.match(r.stderr, new RegExp(`warning: stripe \\d+ stored with 5 of 6 shards \\(shard (data|parity)\\d on ${victims[0].peerId} lost; repair will restore it\\)`))
  const notes = r.stderr.split('\n').filter(l => l.startsWith('warning: stripe'))
  assert.equal(notes.length, new Set(lost.map(l => /-s(\d+)-/.exec(l.name)?.[1])).size, 'one note per degraded stripe')

  await ecgetEquals(root, content, join(work, 'wq1-degraded'))

  // 6 peers hold a shard of every stripe: the lost shards need a seventh to go to
  await cluster.addPeer()
  await waitAllLive(6)
  const shards = await waitFor(async () => {
    await ctlOk(['ecrecovery'], { host: P[0].apiMultiaddr, timeoutMs: 120_000 })
    const now = await shardsOf(P[0], root)
    return now.some(s => dead.has(s.holder)) ? undefined : now
  }, 120_000)
  assertWhole(shards, 8, 6)
  await ecgetEquals(root, content, join(work, 'wq1-repaired'))
  // later tests add peers: they must not be busy fetching this file's manifest
  await ctlOk(['pin', 'rm', root], { host: P[0].apiMultiaddr })
})

test('two holders of 4+2 on 6 peers killed mid-add: below the quorum of 5, the add fails and nothing is pinned', async t => {
  await waitAllLive(6)
  const candidates = live().filter(p => p !== P[0])
  const { r, victims } = await addAndKill(['--name', 'wq2', '--shard-size', String(MiB), input('wq2', randomBytes(32 * MiB))], candidates.slice(-2), 2)
  assert.notEqual(r.code, 0, 'the add fails')
  const text = r.stdout + r.stderr
  t.diagnostic(text)
  assert.match(text, /stripe \d+: only 4 of 6 shards could be stored, below the write quorum of 5/)
  for (const v of victims) assert.ok(text.includes(v.peerId), `the error names ${v.peerId}`)
  // nothing committed, on the API peer or elsewhere (give a late delta time to arrive)
  await new Promise(resolve => setTimeout(resolve, 1500))
  for (const d of [P[0], live()[1]]) {
    const pins = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: d.apiMultiaddr }))
    assert.deepEqual(pins.filter(p => String(p.name).startsWith('wq2')).map(p => p.name), [])
  }
})

test('two holders of 4+2 on 8 peers killed mid-add: their shards go to the spare peers, every stripe 6/6', async () => {
  while (live().length < 8) await cluster.addPeer()
  await waitAllLive(8)
  const content = randomBytes(32 * MiB)
  const { r, victims } = await addAndKill(['--name', 'wq3', '--shard-size', String(4 * MiB), input('wq3', content)], live().filter(p => p !== P[0]), 2, { freeze: true })
  assert.equal(r.code, 0, `add failed: ${r.stdout}${r.stderr}`)
  assert.doesNotMatch(r.stderr, /warning/)
  const out = parseStream(r.stdout)
  assert.ok(out.every(l => l.lost == null), 'nothing lost')
  const root = out[out.length - 1].cid
  const shards = await shardsOf(P[0], root)
  assertWhole(shards, 2, 6)
  // the output's shard lines name the new holders
  for (const s of shards) assert.deepEqual(out.find(l => l.cid === s.cid)?.allocations, [s.holder])
  const log = P[0].log()
  for (const v of victims) assert.ok(log.split('\n').some(l => l.includes('shard re-placed') && l.includes(v.peerId)), `a shard of ${v.peerId} was re-placed`)
  await ecgetEquals(root, content, join(work, 'wq3-out'))
})
