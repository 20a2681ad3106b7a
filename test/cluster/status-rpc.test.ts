// Whole-pinset status between real libp2p hosts on 127.0.0.1: a peer of this version answers
// StatusAllJson, and every entry arrives as its tracker made it (more than one batch, fields
// that JSON and CBOR must both keep: nulls, metadata, non-ASCII names). A peer of an older
// version (StatusAllBatch only) and one older still (StatusAll only) are asked the old ways.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import pino from 'pino'
import { clusterConfigSection } from '../../src/cluster/config.js'
import { createClusterHost } from '../../src/host/host.js'
import type { ClusterHost } from '../../src/host/host.js'
import { BandwidthMeter } from '../../src/host/bandwidth.js'
import { RpcServer } from '../../src/rpc/server.js'
import { RpcClient } from '../../src/rpc/client.js'
import { STATUS_BATCH, registerStatusRpc, withBatchedStatus } from '../../src/cluster/status-rpc.js'
import type { RemotePeers } from '../../src/cluster/components.js'
import type { PinInfo } from '../../src/api/types.js'
import type { StatelessPinTracker } from '../../src/pintracker/tracker.js'

const logger = pino({ level: 'silent' })
const ENTRIES = STATUS_BATCH * 2 + 17

function entry (i: number, peer: string): PinInfo {
  return {
    cid: `bafy${String(i).padStart(6, '0')}`,
    name: i % 3 === 0 ? `fichier-${i}-é✓` : '',
    peer,
    allocations: i % 2 === 0 ? null : [peer],
    origins: null,
    created: '2026-12-05T10:00:00Z',
    metadata: i % 5 === 0 ? { k: `v${i}`, 'ключ': 'значение' } : null,
    peername: `peer-${peer.slice(-4)}`,
    status: i % 7 === 0 ? 'pin_error' : 'pinned',
    timestamp: '2026-12-05T10:00:01Z',
    error: i % 7 === 0 ? 'context deadline exceeded\n(twice)' : '',
    attempt_count: i % 4,
    priority_pin: i % 2 === 0
  }
}

function trackerOf (peer: string): StatelessPinTracker {
  return {
    async * statusAll () {
      for (let i = 0; i < ENTRIES; i++) yield entry(i, peer)
    }
  } as unknown as StatelessPinTracker
}

const hosts: ClusterHost[] = []
let client: RpcClient
/** peers asked through the plain StatusAll (the wrapped RemotePeers' own statusAll) */
const askedPlain: string[] = []
let remote: RemotePeers

/** one cluster secret for every host (the defaults make a new one each time) */
const secret = clusterConfigSection.defaults().secret

async function host (): Promise<ClusterHost> {
  const cfg = { ...clusterConfigSection.defaults(), secret, listen_multiaddress: ['/ip4/127.0.0.1/tcp/0'], mdns_interval: 0 }
  const h = await createClusterHost(cfg, await generateKeyPair('Ed25519'), new BandwidthMeter())
  await h.start()
  hosts.push(h)
  return h
}

before(async () => {
  const a = await host()
  // this version
  const current = await host()
  const s1 = new RpcServer({ host: current, logger, isTrusted: () => true })
  registerStatusRpc(s1, trackerOf(current.peerId.toString()))
  await s1.start()
  // the version before: CBOR batches only
  const older = await host()
  const s2 = new RpcServer({ host: older, logger, isTrusted: () => true })
  const olderTracker = trackerOf(older.peerId.toString())
  s2.register('PinTracker', 'StatusAllBatch', {
    policy: 'trusted',
    kind: 'stream',
    handler: async function * () {
      let batch: PinInfo[] = []
      for await (const info of olderTracker.statusAll(0)) {
        batch.push(info)
        if (batch.length === STATUS_BATCH) { yield batch; batch = [] }
      }
      if (batch.length > 0) yield batch
    }
  })
  await s2.start()
  // older still: no batch method at all
  const oldest = await host()
  await new RpcServer({ host: oldest, logger, isTrusted: () => true }).start()
  for (const h of [current, older, oldest]) await a.dial(h.getMultiaddrs()[0])
  client = new RpcClient({ host: a, logger })
  remote = withBatchedStatus({
    async * statusAll (peer: string) {
      askedPlain.push(peer)
      yield * trackerOf(peer).statusAll(0)
    }
  } as unknown as RemotePeers, client)
})

after(async () => {
  for (const h of hosts) await h.stop()
})

async function all (peer: string): Promise<PinInfo[]> {
  const out: PinInfo[] = []
  for await (const info of remote.statusAll(peer, 0)) out.push(info)
  return out
}

test('a peer of this version sends its whole status in JSON batches, every field kept', async () => {
  const peer = hosts[1].peerId.toString()
  const got = await all(peer)
  assert.equal(got.length, ENTRIES)
  assert.deepEqual(got, Array.from({ length: ENTRIES }, (_, i) => entry(i, peer)))
  assert.deepEqual(askedPlain, [])
})

test('older peers are asked for CBOR batches, or entry by entry', async () => {
  const older = hosts[2].peerId.toString()
  assert.deepEqual(await all(older), Array.from({ length: ENTRIES }, (_, i) => entry(i, older)))
  assert.deepEqual(askedPlain, [])
  const oldest = hosts[3].peerId.toString()
  assert.equal((await all(oldest)).length, ENTRIES)
  assert.deepEqual(askedPlain, [oldest])
})
