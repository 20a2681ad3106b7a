// A 3-peer cluster: peers see each other, pins made on one peer reach every peer.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fastTimers, startCluster } from '../harness/cluster.js'
import { startDaemon } from '../harness/daemon.js'
import type { TestCluster } from '../harness/cluster.js'
import { ctlOk } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'

let cluster: TestCluster

before(async () => { cluster = await startCluster(3) })
after(async () => { await cluster?.stopAll() })

test('peers ls lists every peer from any peer', async () => {
  const expected = cluster.peers.map(x => x.peerId).sort()
  for (const p of cluster.peers) {
    const ids = await waitFor(async () => {
      const list = parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: p.apiMultiaddr }))
      return list.length === expected.length ? list : undefined
    })
    assert.deepEqual(ids.map(i => i.id).sort(), expected)
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

test('a restarted peer finds the cluster again from its peerstore file, without --bootstrap', async () => {
  const c = cluster.peers[2]
  await c.stop()
  const peerstore = readFileSync(join(c.dir, 'peerstore'), 'utf8')
  assert.match(peerstore, new RegExp(`/p2p/${cluster.peers[0].peerId}`), 'the peerstore file remembers the other peers')
  cluster.peers[2] = await c.restart({ args: [] })
  await cluster.waitPeerset(3, [cluster.peers[2]])
})

test('peer_addresses in service.json join a new peer to the cluster', async () => {
  const d = await startDaemon({
    peername: 'by-peer-addresses',
    configure: json => {
      json.cluster.secret = cluster.secret
      fastTimers(json)
      json.cluster.peer_addresses = [cluster.peers[0].swarmAddr]
    }
  })
  try {
    await cluster.waitPeerset(4, [d, cluster.peers[0]])
  } finally {
    await d.kill()
    d.cleanup()
  }
})
