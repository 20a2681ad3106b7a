// The pins an erasure add commits (the contract in src/cluster/erasure/layout.ts) and the
// layout helpers the other EC flows read them with.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultAddParams } from '../../src/api/params.js'
import { pino } from 'pino'
import { NotFoundError } from '../../src/api/errors.js'
import type { Pin } from '../../src/api/types.js'
import { commitErasurePins, erasurePins } from '../../src/cluster/erasure/add-pins.js'
import { unpinErasureFile } from '../../src/cluster/erasure/unpin.js'
import type { ErasureContext } from '../../src/cluster/erasure/context.js'
import type { StoredShard } from '../../src/cluster/erasure/add-stripes.js'
import { isErasurePin, isShardPin, isTreePin, shardPosition, shardSlot, shardPinName } from '../../src/cluster/erasure/layout.js'

const R = 'bafyroot'
const M = 'bafymanifest'

function shards (): StoredShard[] {
  const out: StoredShard[] = []
  for (const [stripe, bd] of [[0, 2], [1, 1]]) {
    for (let i = 0; i < bd; i++) out.push({ stripe, kind: 'data', index: i, position: i, node: `n${stripe}d${i}`, length: 10, holder: `peer${stripe}${i}` })
    out.push({ stripe, kind: 'parity', index: 0, position: 2, node: `n${stripe}p0`, length: 10, holder: `peer${stripe}p` })
  }
  return out
}

test('erasurePins: shards, tree, manifest, meta in commit order with the contract fields', () => {
  const params = { ...defaultAddParams(), erasure: true, data_shards: 2, parity_shards: 1, metadata: { k: 'v' }, user_allocations: ['x'] }
  const pins = erasurePins({ root: R, manifest: M, paged: true, tree: { cid: 'bafytree', holders: ['a', 'b'] }, shards: shards(), d: 2, p: 1, name: 'f' }, params)
  assert.deepEqual(pins.map(p => p.type), ['shard-pin', 'shard-pin', 'shard-pin', 'shard-pin', 'shard-pin', 'shard-pin', 'clusterdag-pin', 'meta-pin'])
  const [s0, , s0p, , , tree, manifest, meta] = pins
  assert.deepEqual(
    { name: s0.name, alloc: s0.allocations, r: [s0.replication_factor_min, s0.replication_factor_max], depth: s0.max_depth, ref: s0.reference, e: s0.erasure },
    { name: 'f-s0-data0', alloc: ['peer00'], r: [1, 1], depth: 1, ref: M, e: { manifest: M, data_shards: 2, parity_shards: 1, stripe: 0, shard: 0 } })
  assert.equal(s0p.name, 'f-s0-parity0')
  assert.equal(s0p.erasure?.shard, 2)
  assert.deepEqual(
    { name: tree.name, alloc: tree.allocations, r: [tree.replication_factor_min, tree.replication_factor_max], depth: tree.max_depth, ref: tree.reference, e: tree.erasure },
    { name: 'f-tree', alloc: ['a', 'b'], r: [2, 2], depth: 1, ref: M, e: { manifest: M, data_shards: 2, parity_shards: 1 } })
  assert.deepEqual(
    { cid: manifest.cid, name: manifest.name, r: [manifest.replication_factor_min, manifest.replication_factor_max], depth: manifest.max_depth, ref: manifest.reference, alloc: manifest.allocations },
    { cid: M, name: 'f-manifest', r: [-1, -1], depth: 1, ref: R, alloc: [] })
  assert.deepEqual(
    { cid: meta.cid, name: meta.name, r: [meta.replication_factor_min, meta.replication_factor_max], depth: meta.max_depth, ref: meta.reference, alloc: meta.allocations, md: meta.metadata },
    { cid: R, name: 'f', r: [-1, -1], depth: 0, ref: M, alloc: [], md: { k: 'v' } })
  assert.ok(pins.every(p => p.user_allocations == null))
  // an inline manifest is pinned alone
  assert.equal(erasurePins({ root: R, manifest: M, paged: false, shards: [], d: 2, p: 1, name: 'f' }, params)[0].max_depth, 0)

  assert.ok(pins.every(isErasurePin))
  assert.deepEqual(pins.map(isShardPin), [true, true, true, true, true, false, false, false])
  assert.deepEqual(pins.map(isTreePin), [false, false, false, false, false, true, false, false])
  assert.equal(shardPosition(s0p), 2)
  assert.throws(() => shardPosition(tree))
  assert.deepEqual(shardSlot(s0p), { stripe: 0, shard: 2, kind: 'parity', index: 0 })
  assert.equal(shardSlot(meta), undefined)
  assert.equal(shardPinName('x', 3, 'data', 1), 'x-s3-data1')
})

/**
 * A consensus that commits each operation after a turn of the event loop, like group commit:
 * operations queued together land in one "delta". Records the deltas.
 */
function groupingContext (failOn?: string): { ctx: ErasureContext, deltas: string[][], state: Map<string, Pin> } {
  const state = new Map<string, Pin>()
  const deltas: string[][] = []
  let open: string[] | undefined
  const apply = async (op: string): Promise<void> => {
    if (open == null) {
      const delta: string[] = []
      open = delta
      setImmediate(() => { deltas.push(delta); open = undefined })
    }
    open.push(op)
    await new Promise(resolve => setImmediate(resolve))
  }
  const ctx = {
    logger: pino({ level: 'silent' }),
    consensus: {
      get: async (cid: string) => {
        const p = state.get(cid)
        if (p == null) throw new NotFoundError(cid)
        return p
      },
      logUnpin: async (pin: Pin) => { await apply(`-${pin.cid}`); state.delete(pin.cid) },
      list: async function * () { yield * state.values() }
    },
    commitPin: async (pin: Pin) => {
      if (pin.cid === failOn) throw new Error(`cannot pin ${pin.cid}`)
      await apply(`+${pin.cid}`)
      state.set(pin.cid, pin)
      return pin
    }
  } as unknown as ErasureContext
  return { ctx, deltas, state }
}

test('commitErasurePins: the shard, tree and manifest pins are committed together, the meta pin after them', async () => {
  const params = { ...defaultAddParams(), erasure: true, data_shards: 2, parity_shards: 1 }
  const pins = erasurePins({ root: R, manifest: M, paged: false, tree: { cid: 'bafytree', holders: ['a', 'b'] }, shards: shards(), d: 2, p: 1, name: 'f' }, params)
  const { ctx, deltas, state } = groupingContext()
  await commitErasurePins(ctx, pins)
  assert.deepEqual(deltas, [pins.slice(0, -1).map(p => `+${p.cid}`), [`+${R}`]])
  assert.equal(state.size, pins.length)

  // the same content added again with another manifest: the older file's pins go, together
  const again = erasurePins({ root: R, manifest: 'bafymanifest2', paged: false, shards: shards().map(s => ({ ...s, node: `${s.node}-2` })), d: 2, p: 1, name: 'f' }, params)
  deltas.length = 0
  await commitErasurePins(ctx, again)
  assert.equal(deltas.length, 4, 'new pins, meta pin, the old file\'s shard and tree pins, its manifest pin')
  assert.deepEqual(deltas[2].sort(), pins.slice(0, -2).map(p => `-${p.cid}`).sort())
  assert.deepEqual(deltas[3], [`-${M}`])
  assert.deepEqual([...state.keys()].sort(), again.map(p => p.cid).sort())
})

test('commitErasurePins: a pin that cannot be committed undoes the others, and the meta pin is never committed', async () => {
  const params = { ...defaultAddParams(), erasure: true, data_shards: 2, parity_shards: 1 }
  const pins = erasurePins({ root: R, manifest: M, paged: false, shards: shards(), d: 2, p: 1, name: 'f' }, params)
  const { ctx, state } = groupingContext('n1d0')
  await assert.rejects(commitErasurePins(ctx, pins), /cannot pin n1d0/)
  assert.equal(state.size, 0, 'every committed pin was undone')
})

test('unpinErasureFile: the file\'s shard and tree pins go together, then its manifest pin; its meta pin and other files stay', async () => {
  const params = { ...defaultAddParams(), erasure: true, data_shards: 2, parity_shards: 1 }
  const one = erasurePins({ root: R, manifest: M, paged: false, tree: { cid: 'bafytree', holders: ['a', 'b'] }, shards: shards(), d: 2, p: 1, name: 'f' }, params)
  const other = erasurePins({ root: 'bafyroot2', manifest: 'bafymanifest2', paged: false, shards: shards().map(s => ({ ...s, node: `${s.node}-2` })), d: 2, p: 1, name: 'g' }, params)
  const { ctx, deltas, state } = groupingContext()
  await commitErasurePins(ctx, one)
  await commitErasurePins(ctx, other)
  deltas.length = 0
  assert.equal(await unpinErasureFile(ctx.consensus, M), one.length - 1)
  assert.deepEqual(deltas, [one.slice(0, -2).map(p => `-${p.cid}`), [`-${M}`]])
  assert.deepEqual([...state.keys()].sort(), [R, ...other.map(p => p.cid)].sort())
})
