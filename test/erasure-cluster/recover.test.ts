// ecrecovery and automatic repair on 6 real daemons: a healthy cluster needs nothing and moves
// nothing; a holder whose blockstore was wiped (stopped, blocks folder deleted, restarted: its
// tracker still says "pinned") is found by ecrecovery and its shards are rebuilt elsewhere; a
// holder down past ec_repair_grace_period is repaired by the daemons themselves.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'
import { ecAdd, shardsOf } from '../harness/erasure.js'

const CHUNK = 256 * 1024
const GRACE_MS = 20_000
let cluster: TestCluster
let P: DaemonHandle[]
let work: string

before(async () => {
  cluster = await startCluster(6, { configure: json => { json.cluster.ec_repair_grace_period = `${GRACE_MS / 1000}s` } })
  P = cluster.peers
  work = join(P[0].dir, 'work')
  mkdirSync(work)
})
after(async () => { await cluster?.stopAll() })

let fileNo = 0
function input (content: Uint8Array): string {
  const f = join(work, `in-${fileNo++}`)
  writeFileSync(f, content)
  return f
}

function peerOf (id: string): DaemonHandle {
  const d = P.find(p => p.peerId === id)
  assert.ok(d != null)
  return d
}

async function ecrecovery (d = P[0]): Promise<any[]> {
  return parseStream(await ctlOk(['--enc=json', 'ecrecovery'], { host: d.apiMultiaddr, timeoutMs: 180_000 }))
}

async function ecgetEquals (root: string, content: Uint8Array, out: string): Promise<void> {
  mkdirSync(out, { recursive: true })
  await ctlOk(['ecget', root, '-o', out], { host: P[0].apiMultiaddr, timeoutMs: 180_000 })
  assert.ok(readFileSync(join(out, root)).equals(content))
}

test('healthy cluster: ecrecovery says nothing needed repair and moves nothing', async () => {
  const root = await ecAdd(P[0], ['--data-shards', '3', '--parity-shards', '2', '--shard-size', String(CHUNK), input(randomBytes(5 * CHUNK + 99))])
  const before = await shardsOf(P[0], root)
  const text = await ctlOk(['ecrecovery'], { host: P[1].apiMultiaddr, timeoutMs: 180_000 })
  assert.match(text, /nothing needed repair/)
  const reports = await ecrecovery()
  const mine = reports.find(r => r.cid === root)
  assert.ok(mine != null, 'one report per EC file')
  assert.deepEqual([mine.lost, mine.rebuilt, mine.new_holders], [[], [], []])
  assert.deepEqual(await shardsOf(P[0], root), before, 'no shard moved')
  // status shows every stripe healthy, and how many losses it survives
  const gpi = JSON.parse(await ctlOk(['--enc=json', 'status', root], { host: P[2].apiMultiaddr }))
  assert.ok(gpi.erasure.stripes.every((s: any) => s.lost.length === 0 && s.tolerates === 2))
  const txt = await ctlOk(['status', root], { host: P[2].apiMultiaddr })
  assert.match(txt, /stripe 0: 5\/5 healthy, survives 2 more losses/)
})

test('ecrecovery after a holder\'s blockstore was deleted rebuilds its shards elsewhere', async () => {
  const content = randomBytes(6 * CHUNK)
  const root = await ecAdd(P[0], ['--data-shards', '3', '--parity-shards', '2', '--shard-size', String(CHUNK), input(content)])
  const shards = await shardsOf(P[0], root)
  const victimId = shards.find(s => s.holder !== P[0].peerId)?.holder
  assert.ok(victimId != null)
  const victim = peerOf(victimId)
  const held = shards.filter(s => s.holder === victimId)
  await victim.stop()
  rmSync(join(victim.dir, 'ipfs', 'blocks'), { recursive: true, force: true })
  P[P.indexOf(victim)] = await victim.restart()
  // exactly these peers, not a count: a count can be met while another peer's ping has lapsed
  // for a moment, and its shards would be counted lost below
  await cluster.waitExactly(P, P[0])

  // cluster state alone says healthy (the victim's pin records survived); the probe says not
  const gpi = JSON.parse(await ctlOk(['--enc=json', 'status', root], { host: P[0].apiMultiaddr }))
  assert.equal(gpi.erasure.stripes.reduce((n: number, s: any) => n + s.lost.length, 0), held.length)

  const reports = await ecrecovery()
  const mine = reports.find(r => r.cid === root)
  assert.ok(mine != null)
  assert.deepEqual(mine.lost.map((l: any) => l.cid).sort(), held.map(s => s.cid).sort())
  assert.ok(mine.lost.every((l: any) => l.reason === 'missing' && l.holder === victimId))
  assert.equal(mine.rebuilt.length, held.length, JSON.stringify(mine))
  assert.ok(!mine.new_holders.includes(victimId))
  const after = await shardsOf(P[0], root)
  for (const s of [0, 1]) assert.equal(new Set(after.filter(x => x.stripe === s).map(x => x.holder)).size, after.filter(x => x.stripe === s).length, 'distinct holders per stripe')
  await ecgetEquals(root, content, join(work, 'after-wipe'))
  // repaired: a second pass finds nothing to do
  await waitFor(async () => {
    const again = (await ecrecovery()).find(r => r.cid === root)
    return again.lost.length === 0 ? true : undefined
  }, 60_000)
})

test('a holder down longer than ec_repair_grace_period is repaired automatically', async () => {
  const content = randomBytes(6 * CHUNK + 5)
  const root = await ecAdd(P[0], ['--data-shards', '3', '--parity-shards', '2', '--shard-size', String(CHUNK), input(content)])
  const shards = await shardsOf(P[0], root)
  const victimId = shards.find(s => s.holder !== P[0].peerId)?.holder
  assert.ok(victimId != null)
  const victim = peerOf(victimId)
  const t0 = Date.now()
  await victim.stop()
  await cluster.waitExactly(P.filter(p => p !== victim), P[0])
  const moved = await waitFor(async () => {
    const now = await shardsOf(P[0], root)
    return now.some(s => s.holder === victimId) ? undefined : now
  }, GRACE_MS + 90_000)
  assert.ok(Date.now() - t0 >= GRACE_MS, 'not before the grace period')
  for (const s of [0, 1, 2]) {
    const h = moved.filter(x => x.stripe === s).map(x => x.holder)
    assert.equal(new Set(h).size, h.length, 'distinct holders per stripe')
  }
  await ecgetEquals(root, content, join(work, 'auto'))
  P[P.indexOf(victim)] = await victim.restart()
  await cluster.waitExactly(P, P[0])
})

// last: it adds a seventh peer
test('a rebuilt shard that no peer could take is placed automatically once a peer joins', async () => {
  // 4+2 on 6 peers: every peer holds a shard of every stripe, so a lost one has nowhere to go
  const content = randomBytes(8 * CHUNK)
  const root = await ecAdd(P[0], ['--data-shards', '4', '--parity-shards', '2', '--shard-size', String(CHUNK), input(content)])
  const victimId = (await shardsOf(P[0], root)).find(s => s.holder !== P[0].peerId)?.holder
  assert.ok(victimId != null)
  const victim = peerOf(victimId)
  await victim.stop()
  await cluster.waitExactly(P.filter(p => p !== victim), P[0])
  // the first automatic pass runs and cannot place the rebuilt shards
  const passed = (): boolean => P.some(p => p !== victim && p.log().split('\n').some(l => l.includes('automatic erasure repair') && l.includes(root)))
  await waitFor(async () => passed() ? true : undefined, GRACE_MS + 60_000)
  assert.ok((await shardsOf(P[0], root)).some(s => s.holder === victimId), 'nothing could take the shards yet')
  const joined = await cluster.addPeer()
  await cluster.waitPeerset(6, [P[0]])
  // a later pass (every grace period while the holder stays out) gives them to the new peer
  const moved = await waitFor(async () => {
    const now = await shardsOf(P[0], root)
    return now.some(s => s.holder === victimId) ? undefined : now
  }, 2 * GRACE_MS + 90_000)
  assert.ok(moved.some(s => s.holder === joined.peerId), 'the new peer took the rebuilt shards')
  for (const s of [0, 1]) {
    const h = moved.filter(x => x.stripe === s).map(x => x.holder)
    assert.equal(new Set(h).size, h.length, 'distinct holders per stripe')
  }
  await ecgetEquals(root, content, join(work, 'joined'))
  P[P.indexOf(victim)] = await victim.restart()
  await cluster.waitPeerset(7, [P[0]])
})
