// Private network and trust: a peer with another secret cannot join; a peer nobody trusts can
// write only its own state and is refused trusted RPC calls; cluster-wide commands reach
// every peer.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster } from '../harness/cluster.js'
import type { TestCluster } from '../harness/cluster.js'
import { startDaemon } from '../harness/daemon.js'
import { ctlOk, runCtl } from '../harness/ctl.js'
import { parseStream, waitFor } from '../harness/wait.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

let cluster: TestCluster

// Nobody trusts anyone but itself in service.json; peer1 and peer2 trust peer0 because they
// bootstrap to it (upstream: bootstrap peers are trusted unless --no-trust).
before(async () => {
  cluster = await startCluster(3, {
    configure: json => {
      json.consensus.crdt.trusted_peers = []
      // the pins below have no blocks anywhere: each peer's pin attempt runs until this timeout,
      // and ipfs gc waits for pins in progress (as kubo's GC waits for its pin lock)
      json.ipfs_connector.embedded.pin_timeout = '10s'
      // `recover` below must find the failed pins failed: the automatic recover (every 10 s with
      // the harness's timers) could re-queue them first, once their blocks are there
      json.cluster.pin_recover_interval = '1h'
    }
  })
})
after(async () => { await cluster?.stopAll() })

async function pinLs (host: string): Promise<string[]> {
  return parseStream(await ctlOk(['--enc=json', 'pin', 'ls'], { host })).map(p => p.cid)
}

test('a pin made through the trusted peer reaches everyone', async () => {
  const [p0, p1, p2] = cluster.peers
  await ctlOk(['pin', 'add', '--no-status', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], { host: p0.apiMultiaddr })
  for (const p of [p1, p2]) {
    await waitFor(async () => (await pinLs(p.apiMultiaddr)).includes('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy') ? true : undefined)
  }
})

test('an untrusted peer cannot change anyone else\'s pinset', async () => {
  const [p0, p1, p2] = cluster.peers
  const cid = 'bafkreidyeivj7adnnac6ljvzj2e3rd5xdw3revw4da7mx2ckrstapoupoq'
  await ctlOk(['pin', 'add', '--no-status', cid], { host: p1.apiMultiaddr })
  assert.ok((await pinLs(p1.apiMultiaddr)).includes(cid), 'the writer sees its own pin')
  // several rebroadcast rounds (1 s each) pass; the others must ignore it
  await new Promise(resolve => setTimeout(resolve, 5000))
  assert.ok(!(await pinLs(p0.apiMultiaddr)).includes(cid))
  assert.ok(!(await pinLs(p2.apiMultiaddr)).includes(cid))
})

test('trusted RPC methods refuse an untrusted caller', async () => {
  const [p0, p1] = cluster.peers
  // peer1 asks peer0's tracker for a status: peer0 does not trust peer1
  const gpi = JSON.parse(await ctlOk(['--enc=json', 'status', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], { host: p1.apiMultiaddr }))
  const entry = gpi.peer_map[p0.peerId]
  assert.equal(entry.status, 'cluster_error')
  assert.match(entry.error, /unauthorized/)
  // the open ID method still answers
  const ids = parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: p1.apiMultiaddr }))
  assert.equal(ids.find(i => i.id === p0.peerId)?.error, '')
})

test('ipfs gc and recover run on every peer', async () => {
  const [p0] = cluster.peers
  const gc = JSON.parse(await ctlOk(['--enc=json', 'ipfs', 'gc'], { host: p0.apiMultiaddr }))
  assert.deepEqual(Object.keys(gc.peer_map).sort(), cluster.peers.map(p => p.peerId).sort())
  const file = join(p0.dir, 'recover.txt')
  writeFileSync(file, 'recover me\n')
  const cid = (await ctlOk(['add', '-Q', file], { host: p0.apiMultiaddr })).trim()
  const rec = JSON.parse(await ctlOk(['--enc=json', 'recover', cid], { host: p0.apiMultiaddr }))
  assert.equal(rec.cid, cid)
  assert.equal(Object.keys(rec.peer_map).length, 3)
  const local = JSON.parse(await ctlOk(['--enc=json', 'recover', '--local', cid], { host: p0.apiMultiaddr }))
  assert.deepEqual(Object.keys(local.peer_map), [p0.peerId])
})

test('recover with no CID re-queues every failed pin', async () => {
  const [p0] = cluster.peers
  const contents = ['lost one\n', 'lost two\n', 'lost three\n']
  // single raw leaves: the CID of each file is the raw CID of its bytes
  const cids = await Promise.all(contents.map(async c => CID.create(1, raw.code, await sha256.digest(Buffer.from(c))).toString()))
  // allocated to peer0 alone, whose blocks come from its own node below (not over bitswap)
  for (const cid of cids) await ctlOk(['pin', 'add', '--no-status', '-r', '1', '--allocations', p0.peerId, cid], { host: p0.apiMultiaddr })
  const statuses = async (): Promise<Map<string, string | undefined>> => {
    const all = parseStream(await ctlOk(['--enc=json', 'status'], { host: p0.apiMultiaddr }))
    return new Map(all.map(g => [g.cid, g.peer_map[p0.peerId]?.status]))
  }
  // no peer has the blocks: every attempt ends at the pin timeout
  await waitFor(async () => {
    const s = await statuses()
    return cids.every(c => s.get(c) === 'pin_error') ? true : undefined
  }, 30_000)
  contents.forEach((c, i) => { writeFileSync(join(p0.dir, `lost${i}.txt`), c) })
  for (let i = 0; i < contents.length; i++) {
    await ctlOk(['add', '-Q', '--no-pin', '--local', '--raw-leaves', '--cid-version', '1', join(p0.dir, `lost${i}.txt`)], { host: p0.apiMultiaddr })
  }
  const recovered = parseStream(await ctlOk(['--enc=json', 'recover'], { host: p0.apiMultiaddr })).map(g => g.cid)
  for (const cid of cids) assert.ok(recovered.includes(cid), `recover re-queued ${cid}`)
  await waitFor(async () => {
    const s = await statuses()
    return cids.every(c => s.get(c) === 'pinned') ? true : undefined
  }, 30_000)
})

test('peers rm behaves as upstream with CRDT', async () => {
  const [p0, p1] = cluster.peers
  const r = await runCtl(['peers', 'rm', p1.peerId], { host: p0.apiMultiaddr })
  assert.equal(r.code, 2)
  assert.match(r.stdout, /crdt consensus component cannot remove peers/)
  const bad = await runCtl(['peers', 'rm', 'XXXinvalid-peerXXX'], { host: p0.apiMultiaddr })
  assert.notEqual(bad.code, 0)
  const none = await runCtl(['peers', 'rm'], { host: p0.apiMultiaddr })
  assert.notEqual(none.code, 0)
  assert.equal(parseStream(await ctlOk(['--enc=json', 'peers', 'ls'], { host: p0.apiMultiaddr })).length, 3, 'nobody was removed')
})

test('a peer with another secret cannot join the private network', async () => {
  const [p0] = cluster.peers
  const stranger = await startDaemon({
    peername: 'stranger',
    args: ['--bootstrap', p0.swarmAddr],
    configure: json => { json.cluster.monitor_ping_interval = '1s' }
  })
  try {
    // the join fails once the dial gives up (the private-network handshake never completes)
    await waitFor(async () => /bootstrap failed/.test(stranger.log()) ? true : undefined, 30_000)
    const id = JSON.parse(await ctlOk(['--enc=json', 'id'], { host: stranger.apiMultiaddr }))
    assert.deepEqual(id.cluster_peers, [stranger.peerId])
    const id0 = JSON.parse(await ctlOk(['--enc=json', 'id'], { host: p0.apiMultiaddr }))
    assert.ok(!id0.cluster_peers.includes(stranger.peerId))
  } finally {
    await stranger.kill()
    stranger.cleanup()
  }
})
