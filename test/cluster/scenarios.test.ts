// Upstream's integration scenarios (ipfscluster_test.go, peer_manager_test.go) on 5 real
// daemons with repinning enabled: replication factors, dead peers, restart catch-up, a
// paused (partitioned) peer, alert-driven repin, a late joiner.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import type { DaemonHandle } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'

let cluster: TestCluster
let P: DaemonHandle[]

before(async () => {
  cluster = await startCluster(5, { configure: json => { json.cluster.disable_repinning = false } })
  P = cluster.peers
})
after(async () => { await cluster?.stopAll() })

async function addFile (d: DaemonHandle, content: string, args: string[] = []): Promise<string> {
  const file = join(d.dir, `f-${Math.random().toString(16).slice(2)}`)
  writeFileSync(file, content)
  return (await ctlOk(['add', '-Q', ...args, file], { host: d.apiMultiaddr })).trim()
}

async function statusOf (d: DaemonHandle, cid: string): Promise<Record<string, string>> {
  const gpi = JSON.parse(await ctlOk(['--enc=json', 'status', cid], { host: d.apiMultiaddr }))
  return Object.fromEntries(Object.entries(gpi.peer_map as Record<string, any>).map(([k, v]) => [k, v.status]))
}

async function allocationsOf (d: DaemonHandle, cid: string): Promise<string[]> {
  return JSON.parse(await ctlOk(['--enc=json', 'pin', 'ls', cid], { host: d.apiMultiaddr })).allocations ?? []
}

async function waitPinnedOn (d: DaemonHandle, cid: string, holders: string[]): Promise<void> {
  await waitFor(async () => {
    const st = await statusOf(d, cid)
    return holders.every(h => st[h] === 'pinned') ? true : undefined
  }, 60_000)
}

test('rf n-1: exactly n-1 holders pin, the other peer reports remote', async () => {
  const cid = await addFile(P[0], 'n minus one\n'.repeat(3000), ['--rmin', '4', '--rmax', '4'])
  const allocs = await allocationsOf(P[1], cid)
  assert.equal(allocs.length, 4)
  await waitPinnedOn(P[2], cid, allocs)
  const st = await statusOf(P[3], cid)
  assert.equal(Object.keys(st).length, 5)
  assert.equal(Object.values(st).filter(s => s === 'pinned').length, 4)
  assert.equal(Object.values(st).filter(s => s === 'remote').length, 1)
})

test('pins through random peers reach every peer; unpin removes them everywhere', async () => {
  const cids: string[] = []
  for (let i = 0; i < 6; i++) {
    const d = P[i % P.length]
    cids.push(await addFile(d, `random peer pin ${i}\n`))
  }
  for (const cid of cids) await waitPinnedOn(P[(cids.indexOf(cid) + 2) % P.length], cid, P.map(p => p.peerId))
  for (const cid of cids) await ctlOk(['pin', 'rm', '--no-status', cid], { host: P[cids.indexOf(cid) % P.length].apiMultiaddr })
  await waitFor(async () => {
    const left = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: P[4].apiMultiaddr })).filter(p => cids.includes(p.cid))
    return left.length === 0 ? true : undefined
  })
  const again = await runCtl(['pin', 'rm', cids[0]], { host: P[1].apiMultiaddr })
  assert.equal(again.code, 2, 'unpinning what is not pinned is a server error')
  assert.match(again.stdout, /pin is not part of the pinset/)
})

test('peers ls, id and health graph see the whole cluster', async () => {
  const ids = parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: P[2].apiMultiaddr }))
  assert.equal(ids.length, 5)
  const graph = await ctlOk(['health', 'graph'], { host: P[0].apiMultiaddr })
  assert.match(graph, /digraph cluster/)
  // every cluster peer (C: self, T: trusted) is linked to its IPFS node and to the 4 others
  const nodes = [...graph.matchAll(/^([CT]\d+) -> I\d+$/gm)].map(m => m[1])
  assert.equal(nodes.length, 5, graph)
  for (const n of nodes) assert.equal([...graph.matchAll(new RegExp(`^${n} -> [CT]\\d+$`, 'gm'))].length, 4, graph)
  assert.doesNotMatch(graph, /^([CT]\d+) -> \1$/m, 'no peer is linked to itself')
})

test('a stopped peer catches up with pins made while it was down', async () => {
  await P[4].stop()
  const cid = await addFile(P[0], 'made while peer 4 was down\n')
  P[4] = await P[4].restart()
  await waitFor(async () => {
    const ls = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: P[4].apiMultiaddr }))
    return ls.some(p => p.cid === cid) ? true : undefined
  })
  await waitPinnedOn(P[4], cid, [P[4].peerId])
})

test('a paused (partitioned) peer receives the pins it missed once it is back', async () => {
  P[3].pause()
  const cid = await addFile(P[1], 'made during the partition\n')
  await new Promise(resolve => setTimeout(resolve, 3000))
  P[3].resume()
  await waitPinnedOn(P[3], cid, [P[3].peerId])
  const ls = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: P[3].apiMultiaddr }))
  assert.ok(ls.some(p => p.cid === cid))
})

test('a holder that goes down raises an alert and its pin moves to a live peer', async () => {
  const cid = await addFile(P[0], 'repin me\n'.repeat(100), ['--rmin', '2', '--rmax', '2', '--allocations', `${P[1].peerId},${P[2].peerId}`])
  await waitPinnedOn(P[0], cid, [P[1].peerId, P[2].peerId])
  await P[2].kill()
  await waitFor(async () => {
    const alerts = JSON.parse(await ctlOk(['--enc=json', 'health', 'alerts'], { host: P[0].apiMultiaddr }))
    return (Array.isArray(alerts) ? alerts : [alerts]).some((a: any) => a.peer === P[2].peerId && a.name === 'ping') ? true : undefined
  })
  const moved = await waitFor(async () => {
    const allocs = await allocationsOf(P[0], cid)
    return allocs.length === 2 && !allocs.includes(P[2].peerId) ? allocs : undefined
  })
  assert.ok(moved.includes(P[1].peerId), 'the healthy holder keeps the pin')
  await waitPinnedOn(P[0], cid, moved)
})

test('with dead peers: rmin/rmax allocate to live peers only, and too few live peers is an error', async () => {
  // P[2] is dead since the previous test
  const cid = await addFile(P[0], 'in between\n', ['--rmin', '1', '--rmax', '5'])
  const allocs = await allocationsOf(P[0], cid)
  assert.equal(allocs.length, 4)
  assert.ok(!allocs.includes(P[2].peerId))
  const r = await runCtl(['pin', 'add', '--rmin', '5', '--rmax', '5', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'], { host: P[0].apiMultiaddr })
  assert.equal(r.code, 2)
  assert.match(r.stdout, /not enough peers to allocate CID\. Needed at least: 5\. Wanted at most: 5\. Available candidates: 4/)
})

test('a peer that joins later receives the existing pinset', async () => {
  const before = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: P[0].apiMultiaddr })).map(p => p.cid).sort()
  const late = await cluster.addPeer()
  await waitFor(async () => {
    const ls = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: late.apiMultiaddr })).map(p => p.cid).sort()
    return before.every(c => ls.includes(c)) ? true : undefined
  })
  const ids = parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: late.apiMultiaddr }))
  assert.ok(ids.some(i => i.id === P[0].peerId))
})

test('expired pins are unpinned everywhere (state sync, by one peer each); a pin without expiry stays', async () => {
  // earlier tests leave a peer dead
  const live = P.filter(p => p.proc.exitCode == null && p.proc.signalCode == null)
  const expiring: string[] = []
  for (let i = 0; i < 12; i++) {
    const cid = await addFile(live[i % live.length], `expiring pin ${i}\n`, ['--expire-in', '3s'])
    expiring.push(cid)
  }
  const kept = await addFile(live[1], 'kept past the others\' expiry\n')
  const listed = async (d: DaemonHandle): Promise<string[]> => parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: d.apiMultiaddr })).map(p => p.cid)
  // state_sync_interval is 5 s in the test cluster
  await waitFor(async () => {
    for (const d of live) if ((await listed(d)).some(c => expiring.includes(c))) return undefined
    return true
  }, 60_000)
  for (const d of live) assert.ok((await listed(d)).includes(kept), `${d.peerId} still lists the pin without expiry`)
  await ctlOk(['pin', 'rm', '--no-status', kept], { host: live[1].apiMultiaddr })
})
