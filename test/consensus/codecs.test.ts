import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { pubsubTopic } from '../../src/consensus/topic.js'
import { decodeBroadcast, encodeBroadcast } from '../../src/consensus/broadcast-codec.js'
import { decodePin, encodePin, isErasureEncoded, mayExpire, pinField } from '../../src/consensus/pin-codec.js'
import { decodeDelta, encodeDelta, verifyBlock } from '../../src/consensus/delta.js'
import { InvalidDeltaError } from '../../src/consensus/errors.js'
import { cidN, pinOf } from './helpers.js'

describe('crdt consensus: encodings', () => {
  it('the pubsub topic is the base58 md5 multihash of the cluster name', () => {
    assert.equal(pubsubTopic('ipfs-cluster'), 'fzhnp2UwTBkgNabrJi1VanzwgN')
    assert.notEqual(pubsubTopic('other'), pubsubTopic('ipfs-cluster'))
  })

  it('head announcements use the CRDTBroadcast protobuf; a bare CID is accepted', async () => {
    const { cid: h1 } = await encodeDelta({ elements: [], tombstones: [], priority: 1, links: [] })
    const { cid: h2 } = await encodeDelta({ elements: [], tombstones: [], priority: 2, links: [h1] })
    const data = encodeBroadcast([h1, h2])
    // field 1 (Head), length-delimited, whose field 1 is the CID bytes
    assert.equal(data[0], 0x0a)
    assert.equal(data[2], 0x0a)
    assert.deepEqual(decodeBroadcast(data), [h1, h2])
    assert.deepEqual(decodeBroadcast(CID.parse(h1).bytes), [h1])
    assert.deepEqual(decodeBroadcast(new Uint8Array(0)), [])
    assert.throws(() => decodeBroadcast(new Uint8Array([0xff, 0xff, 0xff])))
  })

  it('pins round-trip every field, in upstream order, with deterministic bytes', () => {
    const pin = pinOf(cidN(1), 'name', {
      replication_factor_min: 2,
      replication_factor_max: 3,
      shard_size: 1048576,
      user_allocations: ['peerU'],
      expire_at: '2030-01-01T00:00:00Z',
      metadata: { a: '1', b: '2' },
      pin_update: cidN(5),
      origins: ['/ip4/1.2.3.4/tcp/4001'],
      type: 'shard-pin',
      allocations: ['peerA', 'peerB'],
      max_depth: 1,
      reference: cidN(6),
      erasure: { manifest: cidN(7), data_shards: 4, parity_shards: 2, stripe: 3, shard: 1 }
    })
    const decoded = decodePin(encodePin(pin))
    assert.deepEqual(decoded, pin)
    assert.deepEqual(Object.keys(decoded), Object.keys(pin))
    // property order does not change the bytes
    const reordered = Object.fromEntries(Object.entries(pin).reverse()) as typeof pin
    assert.deepEqual(encodePin(reordered), encodePin(pin))
    const plain = pinOf(cidN(2))
    assert.deepEqual(decodePin(encodePin(plain)), plain)
    assert.equal('erasure' in decodePin(encodePin(plain)), false)
  })

  it('one field of an encoded pin reads as the decoded pin has it; the list filters agree', () => {
    const full = pinOf(cidN(1), 'a name', {
      expire_at: '2030-01-01T00:00:00Z',
      metadata: { a: '1', nested: 'x'.repeat(300) },
      origins: ['/ip4/1.2.3.4/tcp/4001'],
      allocations: ['peerA', 'peerB'],
      max_depth: 1,
      erasure: { manifest: cidN(7), data_shards: 4, parity_shards: 2, stripe: 3, shard: 1 }
    })
    for (const pin of [full, pinOf(cidN(2))]) {
      const bytes = encodePin(pin)
      const decoded = decodePin(bytes) as unknown as Record<string, unknown>
      for (const field of Object.keys(decoded)) assert.deepEqual(pinField(bytes, field), decoded[field], field)
      assert.equal(pinField(bytes, 'no such field'), undefined)
    }
    assert.equal(mayExpire(encodePin(full)), true)
    assert.equal(isErasureEncoded(encodePin(full)), true)
    assert.equal(mayExpire(encodePin(pinOf(cidN(2)))), false)
    assert.equal(isErasureEncoded(encodePin(pinOf(cidN(2)))), false)
    // a value cut short is an error, not a wrong answer
    assert.throws(() => pinField(encodePin(full).subarray(0, 40), 'erasure'))
  })

  it('delta blocks are checked against their CID', async () => {
    const delta = { elements: [{ key: 'k', value: new Uint8Array([1, 2]) }], tombstones: [{ key: 'j', id: cidN(3) }], priority: 5, links: [cidN(4)] }
    const block = await encodeDelta(delta)
    assert.deepEqual(decodeDelta(block.cid, block.bytes), delta)
    await verifyBlock(block.cid, block.bytes)
    const tampered = block.bytes.slice()
    tampered[tampered.length - 1] ^= 1
    await assert.rejects(verifyBlock(block.cid, tampered), InvalidDeltaError)
    await assert.rejects(verifyBlock(cidN(1), block.bytes), InvalidDeltaError)
    assert.throws(() => decodeDelta('x', new Uint8Array([0xa0])), InvalidDeltaError)
  })
})
