import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chooseShardSize, smallFilePolicy, erasureStoredBytes, ErasureParamsError, MAX_STRIPE_BYTES } from '../../src/erasure/index.js'

const K = 1024
const M = 1024 * K
const C = 256 * K
const base = { d: 4, p: 2, chunkSize: C, maxShardSize: 100 * M }

describe('chooseShardSize', () => {
  it('makes a file fill whole stripes', () => {
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 8 * M }), { shardSize: 2 * M, stripes: 1 })
    // ceil(10 MiB / 4) = 2.5 MiB, already whole chunks
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 10 * M }), { shardSize: 2.5 * M, stripes: 1 })
    // rounded up to a whole chunk
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 10 * M + 1 }), { shardSize: 2.5 * M + C, stripes: 1 })
  })

  it('floors at one chunk and caps at the maximum', () => {
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 1 }), { shardSize: C, stripes: 1 })
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 0 }), { shardSize: C, stripes: 0 })
    const big = chooseShardSize({ ...base, fileSize: 10 * 1024 * M })
    // 100 MiB would make a 600 MiB stripe: capped by the per-stripe memory limit instead
    const cap = Math.floor(MAX_STRIPE_BYTES / 6 / C) * C
    assert.ok(big.shardSize <= cap)
    assert.equal(big.stripes, Math.ceil(10 * 1024 * M / (4 * cap)))
    // 10 GiB under a 50 MiB ceiling: 52 stripes of just over 49 MiB shards
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 10 * 1024 * M, maxShardSize: 50 * M }), { shardSize: Math.ceil(10 * 1024 * M / 208 / C) * C, stripes: 52 })
    // maximum not a multiple of the chunk size: rounded down
    assert.equal(chooseShardSize({ ...base, fileSize: 10 * 1024 * M, maxShardSize: 3 * C + 5 }).shardSize, 3 * C)
  })

  it('a file larger than one capped stripe still fills whole stripes', () => {
    // 1 GiB, 4 data shards, 16 MiB ceiling: 16 stripes of exactly 16 MiB shards
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 1024 * M, maxShardSize: 16 * M }), { shardSize: 16 * M, stripes: 16 })
    // 100 MiB, 10 MiB ceiling: 3 stripes; ceil(100 / 12) MiB rounded up to whole chunks, not 10 MiB
    // shards that would leave the third stripe at half
    const r = chooseShardSize({ ...base, fileSize: 100 * M, maxShardSize: 10 * M })
    assert.equal(r.stripes, 3)
    assert.equal(r.shardSize, Math.ceil(100 * M / 12 / C) * C)
    assert.ok(3 * 4 * r.shardSize - 100 * M < 3 * 4 * C, 'the slack is under one chunk per data shard')
  })

  it('keeps one stripe under the codec limit', () => {
    const r = chooseShardSize({ ...base, d: 10, p: 4, fileSize: 100 * 1024 * M, maxShardSize: 1024 * M })
    assert.ok(14 * r.shardSize <= MAX_STRIPE_BYTES)
    assert.equal(r.shardSize % C, 0)
  })

  it('takes an explicit size rounded down to whole chunks', () => {
    assert.equal(chooseShardSize({ ...base, fileSize: 5 * M, requested: M + 5 }).shardSize, M)
    assert.deepEqual(chooseShardSize({ ...base, fileSize: 5 * M, requested: M }), { shardSize: M, stripes: 2 })
  })

  it('says what to change on bad input', () => {
    const cases: Array<[Parameters<typeof chooseShardSize>[0], RegExp]> = [
      [{ ...base, fileSize: 1, d: 0 }, /data-shards/],
      [{ ...base, fileSize: 1, p: 0 }, /parity-shards/],
      [{ ...base, fileSize: 1, d: 250, p: 7 }, /lower data-shards or parity-shards/],
      [{ ...base, fileSize: 1, maxShardSize: C - 1 }, /raise shard-size to at least 262144/],
      [{ ...base, fileSize: 1, requested: C - 1 }, /at least 262144/],
      [{ ...base, fileSize: 1, requested: 200 * M }, /at most 104857600/],
      [{ ...base, fileSize: 1, maxShardSize: 1024 * M, requested: 1000 * M }, /too large for 4\+2/],
      [{ ...base, fileSize: -1 }, /file size/],
      [{ ...base, fileSize: 1, chunkSize: 0 }, /chunk size/],
      [{ ...base, fileSize: 1, d: 200, p: 56, chunkSize: 4 * M, maxShardSize: 8 * M }, /stripe limit/]
    ]
    for (const [input, msg] of cases) assert.throws(() => chooseShardSize(input), (e: unknown) => e instanceof ErasureParamsError && msg.test(e.message), msg.source)
  })
})

describe('smallFilePolicy', () => {
  const pol = { d: 4, p: 2, chunkSize: C }
  it('replicates tiny inputs p+1 times', () => {
    for (const fileSize of [0, 1, 100 * K, 4 * C - 1]) {
      const shardSize = chooseShardSize({ ...base, fileSize }).shardSize
      const r = smallFilePolicy({ ...pol, fileSize, shardSize })
      assert.equal(r.mode, 'replicate', String(fileSize))
      if (r.mode === 'replicate') assert.equal(r.replicas, 3)
    }
  })

  it('erasure-codes when it stores strictly less than p+1 replicas', () => {
    const fileSize = 4 * C
    const r = smallFilePolicy({ ...pol, fileSize, shardSize: chooseShardSize({ ...base, fileSize }).shardSize })
    assert.deepEqual(r, { mode: 'erasure', storedBytes: 6 * C, replicatedBytes: 12 * C })
    const big = smallFilePolicy({ ...pol, fileSize: 1024 * M, shardSize: 100 * M })
    assert.equal(big.mode, 'erasure')
  })

  it('never picks erasure coding when it costs as much as replication', () => {
    // one data shard: p parity shards of the same size = p+1 copies
    const r = smallFilePolicy({ ...pol, fileSize: 10 * C, shardSize: 10 * C, minErasureBytes: 0 })
    assert.equal(r.mode, 'replicate')
    for (let f = 1; f < 40; f++) {
      const fileSize = f * 100 * K
      const shardSize = chooseShardSize({ ...base, fileSize }).shardSize
      const d = smallFilePolicy({ ...pol, fileSize, shardSize, minErasureBytes: 0 })
      if (d.mode === 'erasure') assert.ok(d.storedBytes < 3 * fileSize)
    }
  })

  it('computes stored bytes per stripe', () => {
    // 2 full stripes of 4 × 1 MiB + a last stripe whose longest shard is 0.5 MiB
    assert.equal(erasureStoredBytes(8.5 * M, 4, 2, M), 8.5 * M + 2 * (M + M + 0.5 * M))
    // a last stripe of 2.5 shards: its longest shard is a full one
    assert.equal(erasureStoredBytes(10.5 * M, 4, 2, M), 10.5 * M + 2 * (M + M + M))
  })
})
