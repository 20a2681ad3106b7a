import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { batchingEnabled, crdtConfigSection } from '../../src/consensus/config.js'

describe('crdt consensus: config section', () => {
  it('sits at consensus.crdt with the CLUSTER_CRDT prefix', () => {
    assert.deepEqual(crdtConfigSection.path, ['consensus', 'crdt'])
    assert.equal(crdtConfigSection.envPrefix, 'CLUSTER_CRDT')
  })

  it('writes upstream defaults, omitting the keys written only when non-default', () => {
    const json = crdtConfigSection.toJSON(crdtConfigSection.defaults())
    assert.deepEqual(json, {
      cluster_name: 'ipfs-cluster',
      trusted_peers: ['*'],
      batching: { max_batch_size: 0, max_batch_age: '0s' },
      repair_interval: '1h0m0s'
    })
    assert.deepEqual(crdtConfigSection.parse(json), crdtConfigSection.defaults())
    assert.deepEqual(crdtConfigSection.parse({}), crdtConfigSection.defaults())
    assert.equal(batchingEnabled(crdtConfigSection.defaults()), false)
  })

  it('parses and writes back non-default values', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const json = {
      cluster_name: 'mine',
      trusted_peers: [peer],
      batching: { max_batch_size: 100, max_batch_age: '1s', max_queue_size: 10 },
      repair_interval: '0s',
      rebroadcast_interval: '10s',
      peerset_metric: 'freespace',
      datastore_namespace: '/x',
      unknown_key: true
    }
    const cfg = crdtConfigSection.parse(json)
    assert.equal(cfg.trustAll, false)
    assert.deepEqual(cfg.trustedPeers, [peer])
    assert.deepEqual(cfg.batching, { maxBatchSize: 100, maxBatchAge: 1000, maxQueueSize: 10 })
    assert.equal(cfg.repairInterval, 0)
    assert.equal(cfg.rebroadcastInterval, 10_000)
    assert.equal(batchingEnabled(cfg), true)
    const { unknown_key: _, ...expected } = json
    assert.deepEqual(crdtConfigSection.toJSON(cfg), expected)
    assert.equal(crdtConfigSection.parse({ trusted_peers: [] }).trustAll, false)
    assert.equal(crdtConfigSection.parse({ trusted_peers: [peer, '*'] }).trustAll, true)
  })

  it('rejects invalid values', () => {
    assert.throws(() => crdtConfigSection.parse({ trusted_peers: ['not-a-peer'] }), /error parsing trusted peers/)
    assert.throws(() => crdtConfigSection.parse({ rebroadcast_interval: '-1s' }), /rebroadcast_interval/)
    assert.throws(() => crdtConfigSection.parse({ batching: { max_batch_size: -1 } }), /max_batch_size/)
    assert.throws(() => crdtConfigSection.parse({ repair_interval: 'soon' }), /repair_interval/)
    assert.throws(() => crdtConfigSection.parse({ cluster_name: 5 }), /cluster_name/)
  })
})
