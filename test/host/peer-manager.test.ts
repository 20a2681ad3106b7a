// The peer manager between two real libp2p hosts on 127.0.0.1: a peer that discovery put in the
// peer store before the manager started (mDNS runs from the host's start, the manager starts
// seconds later, and libp2p reports a peer as discovered only once) is dialled and remembered
// all the same. Before, such a peer was never dialled: six peers started together in the
// docker-compose scenario split into groups that never joined one peerset.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import pino from 'pino'
import { clusterConfigSection } from '../../src/cluster/config.js'
import { createClusterHost } from '../../src/host/host.js'
import type { ClusterHost } from '../../src/host/host.js'
import { PeerManager } from '../../src/host/peer-manager.js'
import { waitFor } from '../harness/wait.js'

const logger = pino({ level: 'silent' })
const cfg = { ...clusterConfigSection.defaults(), listen_multiaddress: ['/ip4/127.0.0.1/tcp/0'], mdns_interval: 0 }
let dir = ''
let a: ClusterHost
let b: ClusterHost
let c: ClusterHost

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peer-manager-'))
  a = await createClusterHost(cfg, await generateKeyPair('Ed25519'))
  b = await createClusterHost(cfg, await generateKeyPair('Ed25519'))
  c = await createClusterHost(cfg, await generateKeyPair('Ed25519'))
  await Promise.all([a.start(), b.start(), c.start()])
})

after(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

test('peers discovered before and after the manager starts are dialled, remembered and saved', async () => {
  // what libp2p does with a peer mDNS finds: into the peer store ('peer:discovery' fires now)
  await a.peerStore.merge(b.peerId, { multiaddrs: b.getMultiaddrs().map(m => m.decapsulateCode(421)) })
  const manager = new PeerManager({ host: a, dir, config: cfg, logger, onConnect: async () => {} })
  await manager.start()
  try {
    await waitFor(async () => a.getConnections(b.peerId).length > 0 ? true : undefined, 10_000)
    // found after the start: through the event
    await a.peerStore.merge(c.peerId, { multiaddrs: c.getMultiaddrs().map(m => m.decapsulateCode(421)) })
    await waitFor(async () => a.getConnections(c.peerId).length > 0 ? true : undefined, 10_000)
  } finally {
    await manager.stop()
  }
  const saved = readFileSync(join(dir, cfg.peerstore_file), 'utf8')
  for (const peer of [b, c]) assert.match(saved, new RegExp(`/tcp/\\d+/p2p/${peer.peerId.toString()}$`, 'm'))
})

test('a peer joining through one peer reaches every other; while nothing changes, exchanges become rare', async () => {
  const hosts = await Promise.all([0, 1, 2, 3].map(async () => await createClusterHost(cfg, await generateKeyPair('Ed25519'))))
  await Promise.all(hosts.map(async h => { await h.start() }))
  const managers = new Map<string, PeerManager>()
  const exchanges = hosts.map(() => 0)
  const connected = (i: number, j: number): boolean => hosts[i].getConnections(hosts[j].peerId).length > 0
  const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
  const start = async (i: number): Promise<PeerManager> => {
    const manager = new PeerManager({
      host: hosts[i],
      dir: mkdtempSync(join(dir, `join-${i}-`)),
      config: cfg,
      logger,
      onConnect: async () => {},
      // the RPC's part (knownPeers) answered in process: this test is about when it is asked
      exchange: async peer => { exchanges[i]++; return await managers.get(peer)!.knownAddresses() },
      redialMs: 100,
      exchangeMaxMs: 800
    })
    managers.set(hosts[i].peerId.toString(), manager)
    await manager.start()
    return manager
  }
  try {
    const hub = hosts[0].getMultiaddrs()[0].toString()
    await start(0)
    for (const i of [1, 2]) await (await start(i)).join(hub)
    await waitFor(async () => connected(1, 2) ? true : undefined, 10_000)
    // nothing changes from here: the waits grow to 800 ms (every 100 ms before pacing)
    await sleep(2_500)
    const before = [...exchanges]
    await sleep(3_000)
    // each exchange asks both other peers
    for (const i of [0, 1, 2]) {
      const asked = exchanges[i] - before[i]
      assert.ok(asked >= 2 && asked <= 12, `peer ${i} asked ${asked} times in 3 s of quiet (every 100 ms: 60, every 800 ms: 8)`)
    }
    // a newcomer that knows only the hub learns the others from it at once and dials them
    const t = performance.now()
    await (await start(3)).join(hub)
    await waitFor(async () => connected(3, 1) && connected(3, 2) ? true : undefined, 5_000)
    assert.ok(performance.now() - t < 3_000, `the newcomer reached every peer in ${Math.round(performance.now() - t)} ms`)
  } finally {
    for (const m of managers.values()) await m.stop()
    await Promise.all(hosts.map(async h => { await h.stop() }))
  }
})
