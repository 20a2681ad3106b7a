// A 3-peer cluster: peers see each other, pins made on one peer reach every peer.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import { ctlOk } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'

let cluster: TestCluster

before(async () => { cluster = await startCluster(3) })
after(async () => { await cluster?.stopAll() })

test('peers ls lists every peer from any peer', async () => {
  for (const p of cluster.peers) {
    const ids = parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: p.apiMultiaddr }))
    assert.deepEqual(ids.map(i => i.id).sort(), cluster.peers.map(x => x.peerId).sort())
    assert.ok(ids.every(i => i.error === ''), JSON.stringify(ids))
  }
})

test('a pin added through one peer is pinned on all', async () => {
  const [a, b, c] = cluster.peers
  const file = join(a.dir, 'f.txt')
  writeFileSync(file, 'replicated everywhere\n'.repeat(5000))
  const cid = (await ctlOk(['add', '-Q', file], { host: a.apiMultiaddr })).trim()
  await waitFor(async () => {
    const gpi = JSON.parse(await ctlOk(['--enc=json', 'status', cid], { host: c.apiMultiaddr }))
    const st = Object.values(gpi.peer_map as Record<string, any>).map(p => p.status)
    return st.length === 3 && st.every(s => s === 'pinned') ? true : undefined
  })
  const ls = parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host: b.apiMultiaddr }))
  assert.ok(ls.some(p => p.cid === cid))
})

test('health bandwidth reports the traffic of each libp2p protocol', async () => {
  const [a] = cluster.peers
  // status asks the other peers' trackers over peer RPC
  await ctlOk(['status'], { host: a.apiMultiaddr })
  const bw = JSON.parse(await ctlOk(['--enc=json', 'health', 'bandwidth'], { host: a.apiMultiaddr }))
  const rpc = bw['/ipfscluster-ec/1.0/rpc']
  assert.ok(rpc != null, JSON.stringify(bw))
  assert.ok(rpc.total_in > 0 && rpc.total_out > 0, JSON.stringify(rpc))
  assert.ok(Object.keys(bw).some(p => p.startsWith('/meshsub/')), 'gossipsub traffic is counted')
  const text = await ctlOk(['health', 'bandwidth'], { host: a.apiMultiaddr })
  assert.match(text, /\/ipfscluster-ec\/1\.0\/rpc: In: +[\d.]+ [kMG]?B\. Out: +[\d.]+ [kMG]?B\. RateIn: [\d.]+B\/s\. RateOut: [\d.]+B\/s/)
})
