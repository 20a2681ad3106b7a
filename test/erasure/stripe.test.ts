import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import {
  StripeBuffers, StripeBuilder, buildStripes, encodeStripe, decodeShardNode, WasmCodec, ErasureParamsError, verifyBlock
} from '../../src/erasure/index.js'
import type { RawBlock, Stripe } from '../../src/erasure/index.js'
import { StripeReserve } from '../../src/erasure/stripe-reserve.js'
import { leaves, concat, rawBlock, NONCE } from './helpers.js'

const K = 1024

async function stripesOf (blocks: RawBlock[], d: number, shardSize: number, p = 2): Promise<Stripe[]> {
  const out: Stripe[] = []
  for await (const s of buildStripes(blocks, { dataShards: d, parityShards: p, shardSize })) out.push(s)
  return out
}

function shape (stripes: Stripe[]): number[][] {
  return stripes.map(s => s.dataShards.map(d => d.length))
}

function bytesOf (stripes: Stripe[]): Uint8Array {
  return concat(stripes.flatMap(s => s.dataShards.flatMap(d => d.blocks.map(b => b.bytes))))
}

describe('StripeBuilder', () => {
  it('fills whole stripes for an exact multiple of d × shard size', async () => {
    const blocks = await leaves(2 * 4 * 2 * K, K) // 2 stripes of 4 shards of 2 blocks
    const stripes = await stripesOf(blocks, 4, 2 * K)
    assert.deepEqual(shape(stripes), [[2 * K, 2 * K, 2 * K, 2 * K], [2 * K, 2 * K, 2 * K, 2 * K]])
    assert.deepEqual(stripes.map(s => s.index), [0, 1])
    assert.deepEqual(bytesOf(stripes), concat(blocks.map(b => b.bytes)))
  })

  it('starts a short stripe for one byte over', async () => {
    const blocks = await leaves(4 * 2 * K + 1, K)
    const stripes = await stripesOf(blocks, 4, 2 * K)
    assert.deepEqual(shape(stripes), [[2 * K, 2 * K, 2 * K, 2 * K], [1]])
    assert.deepEqual(bytesOf(stripes), concat(blocks.map(b => b.bytes)))
  })

  it('ends with a short last stripe of fewer data shards', async () => {
    const stripes = await stripesOf(await leaves(4 * 2 * K + 2 * K + 5, K), 4, 2 * K)
    assert.deepEqual(shape(stripes), [[2 * K, 2 * K, 2 * K, 2 * K], [2 * K, 5]])
  })

  it('emits nothing for 0 bytes and one 1-byte shard for 1 byte', async () => {
    assert.deepEqual(await stripesOf([], 4, 2 * K), [])
    const one = await stripesOf(await leaves(1, K), 4, 2 * K)
    assert.deepEqual(shape(one), [[1]])
  })

  it('emits a stripe as soon as its last block arrives', async () => {
    const b = new StripeBuilder({ dataShards: 2, parityShards: 1, shardSize: 2 * K })
    const blocks = await leaves(4 * K, K)
    assert.deepEqual(b.push(blocks[0]), [])
    assert.deepEqual(b.push(blocks[1]), [])
    assert.deepEqual(b.push(blocks[2]), [])
    const done = b.push(blocks[3])
    assert.equal(done.length, 1)
    assert.equal(b.finish(), undefined)
  })

  it('closes a shard when the next block would overflow it (short blocks at file ends)', async () => {
    const sizes = [K, 300, K, K, 10]
    const blocks = await Promise.all(sizes.map(async (n, i) => await rawBlock(new Uint8Array(n).fill(i + 1))))
    const stripes = await stripesOf(blocks, 2, 2 * K)
    assert.deepEqual(shape(stripes), [[K + 300, 2 * K], [10]])
  })

  it('can complete two stripes with one block when d = 1', async () => {
    const b = new StripeBuilder({ dataShards: 1, parityShards: 1, shardSize: K })
    assert.deepEqual(b.push(await rawBlock(new Uint8Array(10))), [])
    const done = b.push(await rawBlock(new Uint8Array(K)))
    assert.deepEqual(done.map(s => s.dataShards[0].length), [10, K])
  })

  it('caps the number of blocks in a shard', async () => {
    const stripes: Stripe[] = []
    const b = new StripeBuilder({ dataShards: 2, parityShards: 1, shardSize: 100 * K, maxBlocksPerShard: 3 })
    for (const blk of await leaves(7 * 10, 10)) stripes.push(...b.push(blk))
    stripes.push(b.finish() as Stripe)
    assert.deepEqual(shape(stripes), [[30, 30], [10]])
  })

  it('refuses a block larger than the shard size and bad options', async () => {
    const b = new StripeBuilder({ dataShards: 2, parityShards: 1, shardSize: K })
    assert.throws(() => b.push({ cid: CID.parse('bafkqaaa'), bytes: new Uint8Array(K + 1) }), ErasureParamsError)
    assert.throws(() => new StripeBuilder({ dataShards: 0, parityShards: 1, shardSize: K }), ErasureParamsError)
    assert.throws(() => new StripeBuilder({ dataShards: 2, parityShards: 1, shardSize: 0 }), ErasureParamsError)
  })
})

describe('encodeStripe', () => {
  const codec = new WasmCodec()
  after(async () => { await codec.close() })

  it('codes a short last stripe with virtual zero shards and cuts parity into blocks', async () => {
    const stripes = await stripesOf(await leaves(4 * 2 * K + 2 * K + 5, K), 4, 2 * K)
    const last = stripes[1]
    const enc = await encodeStripe(last, codec, 2, { dataShards: 4, nonce: NONCE, parityBlockSize: 700 })
    assert.equal(enc.paddedLength, 2 * K)
    assert.equal(enc.data.length, 2)
    assert.equal(enc.parity.length, 2)
    // the codec took the stripe's buffer over: its data blocks are views of the coded stripe
    assert.equal(last.buffer.byteLength, 0)
    // parity = RS over [shard0, shard1 padded, 0…, 0…]
    const padded = [
      concat(enc.data[0].blocks.map(b => b.bytes)),
      concat([...enc.data[1].blocks.map(b => b.bytes), new Uint8Array(2 * K - 5)]),
      new Uint8Array(2 * K), new Uint8Array(2 * K)
    ]
    const expected = await codec.encode(padded, 2)
    for (const [j, s] of enc.parity.entries()) {
      assert.equal(s.length, 2 * K)
      assert.deepEqual(s.blocks.map(b => b.bytes.byteLength), [700, 700, 648])
      assert.deepEqual(concat(s.blocks.map(b => b.bytes)), expected[j])
      for (const b of s.blocks) assert.ok(await verifyBlock(b.cid, b.bytes))
      assert.equal(s.blocks[0].cid.code, 0x55)
    }
    // shard nodes decode to what the manifest entry says
    for (const s of [...enc.data, ...enc.parity]) {
      const node = decodeShardNode(s.node.bytes)
      assert.equal(node.kind, s.kind)
      assert.equal(node.stripe, 1)
      assert.equal(node.index, s.index)
      assert.equal(node.length, s.length)
      assert.equal(s.node.cid.code, dagCbor.code)
      assert.ok(await verifyBlock(s.node.cid, s.node.bytes))
    }
    assert.equal(enc.manifest.data.length, 2)
    assert.ok(enc.manifest.parity[1].node.equals(enc.parity[1].node.cid))
    assert.deepEqual(enc.manifest.data[0].blocks.map(([, n]) => n), [K, K])
    assert.deepEqual(enc.manifest.data[1].blocks.map(([, n]) => n), [5])
  })

  it('lays the next stripe out in a reused buffer, zero past a short shard', async () => {
    const blocks = await leaves(6 * K + 5, K, 7)
    const buffers = new StripeBuffers()
    const b = new StripeBuilder({ dataShards: 2, parityShards: 1, shardSize: 2 * K, buffers })
    const first = blocks.slice(0, 4).flatMap(blk => b.push(blk))
    assert.equal(first.length, 1)
    const enc0 = await encodeStripe(first[0], codec, 1, { dataShards: 2, nonce: NONCE })
    assert.ok(enc0.buffer != null)
    buffers.give(enc0.buffer)
    for (const blk of blocks.slice(4)) assert.deepEqual(b.push(blk), [])
    const second = b.finish() as Stripe
    // the reused buffer still holds stripe 0's bytes past shard 1's 5 bytes
    assert.equal(second.buffer.buffer, enc0.buffer)
    const enc1 = await encodeStripe(second, codec, 1, { dataShards: 2, nonce: NONCE })
    assert.deepEqual(enc1.data.map(s => s.length), [2 * K, 5])
    const fresh = [concat(blocks.slice(4, 6).map(x => x.bytes)), concat([blocks[6].bytes, new Uint8Array(2 * K - 5)])]
    const [expected] = await codec.encode(fresh, 1)
    assert.deepEqual(concat(enc1.parity[0].blocks.map(x => x.bytes)), expected)
    assert.deepEqual(concat(enc1.data.flatMap(s => s.blocks.map(x => x.bytes))), concat(blocks.slice(4).map(x => x.bytes)))
  })

  it('gives deterministic shard node CIDs', async () => {
    const [s] = await stripesOf(await leaves(3 * K, K), 2, 2 * K)
    const a = await encodeStripe(s, codec, 1, { dataShards: 2, nonce: NONCE })
    const b = await encodeStripe(s, codec, 1, { dataShards: 2, nonce: NONCE })
    assert.ok(a.parity[0].node.cid.equals(b.parity[0].node.cid))
    assert.ok(a.data[1].node.cid.equals(b.data[1].node.cid))
  })

  it('gives different shard node CIDs for different add nonces, and records the nonce', async () => {
    const [s] = await stripesOf(await leaves(3 * K, K), 2, 2 * K)
    const other = new Uint8Array(16).fill(9)
    const a = await encodeStripe(s, codec, 1, { dataShards: 2, nonce: NONCE })
    const b = await encodeStripe(s, codec, 1, { dataShards: 2, nonce: other })
    assert.ok(!a.data[0].node.cid.equals(b.data[0].node.cid))
    assert.ok(!a.parity[0].node.cid.equals(b.parity[0].node.cid))
    // the blocks themselves are content-addressed and shared
    assert.ok(a.parity[0].blocks[0].cid.equals(b.parity[0].blocks[0].cid))
    assert.deepEqual(decodeShardNode(b.data[1].node.bytes).nonce, other)
    await assert.rejects(encodeStripe(s, codec, 1, { dataShards: 2, nonce: new Uint8Array(3) }), /nonce/)
  })

  it('handles a stripe of only empty blocks without calling the codec', async () => {
    const empty = await rawBlock(new Uint8Array(0))
    const [s] = await stripesOf([empty], 3, K)
    const enc = await encodeStripe(s, codec, 2, { dataShards: 3, nonce: NONCE })
    assert.deepEqual(enc.parity.map(p => [p.length, p.blocks.length]), [[0, 0], [0, 0]])
  })

  it('rejects bad options', async () => {
    const [s] = await stripesOf(await leaves(3 * K, K), 2, 2 * K)
    await assert.rejects(encodeStripe(s, codec, 1, { dataShards: 1, nonce: NONCE }), ErasureParamsError)
    await assert.rejects(encodeStripe(s, codec, 0, { dataShards: 2, nonce: NONCE }), ErasureParamsError)
    await assert.rejects(encodeStripe(s, codec, 1, { dataShards: 2, nonce: NONCE, parityBlockSize: 2 * 1024 * 1024 }), ErasureParamsError)
  })
})

describe('StripeBuffers', () => {
  it('hands a given-back buffer out again for the same size, keeps the larger, ignores detached ones', () => {
    const pool = new StripeBuffers()
    const a = pool.take(6 * K)
    a.fill(9)
    pool.give(a.buffer)
    pool.give(new ArrayBuffer(2 * K)) // a smaller last stripe does not displace it
    const again = pool.take(6 * K)
    assert.equal(again.buffer, a.buffer)
    assert.equal(again[0], 9) // not cleared: callers zero what they read
    const fresh = pool.take(6 * K) // the spare is out: a new, zeroed one
    assert.notEqual(fresh.buffer, a.buffer)
    assert.equal(fresh.every(x => x === 0), true)
    const moved = structuredClone(fresh.buffer, { transfer: [fresh.buffer as ArrayBuffer] })
    pool.give(fresh.buffer) // detached
    assert.notEqual(pool.take(6 * K).buffer, moved)
  })

  it('a shared pool hands out SharedArrayBuffers and takes back only those', () => {
    const pool = new StripeBuffers({ shared: true })
    const a = pool.take(6 * K)
    assert.ok(a.buffer instanceof SharedArrayBuffer)
    pool.give(new ArrayBuffer(6 * K)) // another kind: ignored
    pool.give(a.buffer)
    assert.equal(pool.take(6 * K).buffer, a.buffer)
  })

  it('keeps up to `keep` spares, the largest, and frees the memory of a buffer it drops', () => {
    const pool = new StripeBuffers({ keep: 2 })
    const [a, b, c] = [pool.take(6 * K), pool.take(6 * K), pool.take(2 * K)]
    pool.give(c.buffer)
    pool.give(a.buffer)
    pool.give(a.buffer) // given twice: still one spare
    pool.give(b.buffer) // the smallest (c) goes, freed at once
    assert.equal(pool.spareBytes, 12 * K)
    assert.equal(c.buffer.byteLength, 0)
    const got = [pool.take(6 * K).buffer, pool.take(6 * K).buffer]
    assert.deepEqual(new Set(got), new Set([a.buffer, b.buffer]))
    assert.equal(pool.spareBytes, 0)
  })

  it('release frees every spare; a shared pool leaves them to the collector', () => {
    const pool = new StripeBuffers({ keep: 2 })
    const [a, b] = [pool.take(6 * K), pool.take(6 * K)]
    pool.give(a.buffer)
    pool.give(b.buffer)
    pool.release()
    assert.equal(pool.spareBytes, 0)
    assert.equal(a.buffer.byteLength, 0)
    assert.equal(b.buffer.byteLength, 0)
    assert.equal(pool.take(6 * K).every(x => x === 0), true) // a new one
    const shared = new StripeBuffers({ shared: true })
    const s = shared.take(6 * K)
    shared.give(s.buffer)
    shared.release()
    assert.equal(shared.spareBytes, 0)
    assert.equal(s.byteLength, 6 * K)
  })

  it('with a reserve, release keeps the spares for the next operation of the same stripe size', () => {
    const reserve = new StripeReserve()
    const first = new StripeBuffers({ keep: 2, reserve })
    const [a, b] = [first.take(6 * K), first.take(6 * K)]
    a.fill(7)
    first.give(a.buffer)
    first.give(b.buffer)
    first.release()
    assert.equal(a.buffer.byteLength, 6 * K) // kept, not freed
    assert.equal(reserve.bytes, 12 * K)
    const next = new StripeBuffers({ keep: 2, reserve })
    const again = next.take(6 * K)
    assert.ok(again.buffer === a.buffer || again.buffer === b.buffer)
    assert.equal(next.take(6 * K).buffer, again.buffer === a.buffer ? b.buffer : a.buffer)
    assert.equal(reserve.bytes, 0)
    reserve.clear()
  })

  it('a shared pool with a reserve: release keeps its buffer for the next add, and a read never gets it', () => {
    const reserve = new StripeReserve()
    const add = new StripeBuffers({ shared: true, reserve })
    const a = add.take(6 * K)
    add.give(a.buffer)
    add.release()
    assert.equal(reserve.bytes, 6 * K)
    const next = new StripeBuffers({ shared: true, reserve })
    assert.equal(next.take(6 * K).buffer, a.buffer)
    next.give(a.buffer)
    next.release()
    // a read of the same stripe size takes a plain buffer of its own, and the shared one is dropped
    const read = new StripeBuffers({ reserve })
    const r = read.take(6 * K)
    assert.ok(r.buffer instanceof ArrayBuffer)
    assert.equal(reserve.bytes, 0)
  })
})

describe('StripeReserve', () => {
  it('frees what it keeps when asked for another size: a read never holds kept buffers beside its own', () => {
    const reserve = new StripeReserve()
    const [a, b] = [new ArrayBuffer(6 * K), new ArrayBuffer(6 * K)]
    reserve.keep(a)
    reserve.keep(b)
    assert.equal(reserve.take(9 * K), undefined)
    assert.equal(reserve.bytes, 0)
    assert.equal(a.byteLength, 0)
    assert.equal(b.byteLength, 0)
  })

  it('hands a SharedArrayBuffer only to a take for shared memory of its size', () => {
    const reserve = new StripeReserve()
    const s = new SharedArrayBuffer(6 * K)
    reserve.keep(s)
    assert.equal(reserve.take(6 * K, true), s)
    reserve.keep(s)
    assert.equal(reserve.take(6 * K), undefined) // a plain one was asked for: all dropped
    assert.equal(reserve.bytes, 0)
    assert.equal(s.byteLength, 6 * K) // left to the collector, not detached
  })

  it('keeps the newest buffers up to its maximum and frees the others', () => {
    const reserve = new StripeReserve({ maxBuffers: 2 })
    const [a, b, c] = [new ArrayBuffer(K), new ArrayBuffer(K), new ArrayBuffer(K)]
    reserve.keep(a)
    reserve.keep(b)
    reserve.keep(b) // kept once
    reserve.keep(c)
    assert.equal(a.byteLength, 0)
    assert.equal(reserve.bytes, 2 * K)
    assert.deepEqual(new Set([reserve.take(K), reserve.take(K)]), new Set([b, c]))
    reserve.clear()
  })

  it('frees what it keeps once no read took it for its keep time', async () => {
    const reserve = new StripeReserve({ keepMs: 50 })
    const a = new ArrayBuffer(4 * K)
    reserve.keep(a)
    await new Promise(resolve => setTimeout(resolve, 20))
    assert.equal(a.byteLength, 4 * K)
    await new Promise(resolve => setTimeout(resolve, 80))
    assert.equal(a.byteLength, 0)
    assert.equal(reserve.bytes, 0)
  })
})
