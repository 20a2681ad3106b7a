import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { placeShards, placeRepair, groupOfFromMetrics, groupMetricName, NotEnoughShardPeersError } from '../../src/allocator/index.js'
import { newMetric } from '../../src/monitor/metric.js'

const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`)

function loads (placement: string[][]): Map<string, number> {
  const m = new Map<string, number>()
  for (const stripe of placement) for (const p of stripe) m.set(p, (m.get(p) ?? 0) + 1)
  return m
}

describe('placeShards', () => {
  it('gives every stripe distinct peers, best ranked first, rotating between stripes', () => {
    const ranking = peers(6)
    const placement = placeShards({ shards: 4, stripes: 3, ranking })
    assert.equal(placement.length, 3)
    for (const stripe of placement) assert.equal(new Set(stripe).size, 4)
    assert.deepEqual(placement[0], ['p0', 'p1', 'p2', 'p3'])
    assert.equal(placement[1][0], 'p4', 'second stripe starts where the first stopped')
    assert.deepEqual([...loads(placement).values()], [2, 2, 2, 2, 2, 2])
  })

  it('spreads load evenly over many stripes', () => {
    const placement = placeShards({ shards: 3, stripes: 100, ranking: peers(7) })
    const l = [...loads(placement).values()]
    assert.equal(l.length, 7)
    assert.ok(Math.max(...l) - Math.min(...l) <= 1, `loads ${l.join(',')}`)
  })

  it('uses distinct tag groups when there are enough', () => {
    const group: Record<string, string> = { a1: 'a', a2: 'a', b1: 'b', b2: 'b', c1: 'c', c2: 'c' }
    // ranking that would put two peers of group a first
    const ranking = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2']
    const placement = placeShards({ shards: 3, stripes: 4, ranking, groupOf: p => group[p] })
    for (const stripe of placement) {
      assert.deepEqual(stripe.map(p => group[p]).sort(), ['a', 'b', 'c'], stripe.join(','))
    }
    assert.deepEqual([...loads(placement).values()].sort(), [2, 2, 2, 2, 2, 2])
  })

  it('with fewer groups than shards, still distinct peers, spread evenly across groups', () => {
    const group: Record<string, string> = { a1: 'a', a2: 'a', a3: 'a', b1: 'b', b2: 'b', b3: 'b' }
    const placement = placeShards({ shards: 4, stripes: 3, ranking: ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'], groupOf: p => group[p] })
    for (const stripe of placement) {
      assert.equal(new Set(stripe).size, 4)
      assert.equal(stripe.filter(p => group[p] === 'a').length, 2, stripe.join(','))
    }
    const uneven: Record<string, string> = { a1: 'a', a2: 'a', a3: 'a', a4: 'a', a5: 'a', b1: 'b' }
    const u = placeShards({ shards: 4, stripes: 2, ranking: Object.keys(uneven), groupOf: p => uneven[p] })
    for (const stripe of u) assert.deepEqual(stripe.map(p => uneven[p]).sort(), ['a', 'a', 'a', 'b'])
  })

  it('treats peers without a group as their own failure domain', () => {
    const group: Record<string, string> = { a1: 'a', a2: 'a' }
    const placement = placeShards({ shards: 3, stripes: 1, ranking: ['a1', 'a2', 'x', 'y'], groupOf: p => group[p] })
    assert.deepEqual(placement[0], ['a1', 'x', 'y'])
  })

  it('fails clearly with fewer peers than shards, after exclusions', () => {
    assert.throws(() => placeShards({ shards: 6, stripes: 1, ranking: peers(5) }), (err: Error) =>
      err instanceof NotEnoughShardPeersError && err.needed === 6 && err.available === 5 &&
      /each stripe needs 6 distinct peers, only 5 available/.test(err.message))
    assert.throws(() => placeShards({ shards: 5, stripes: 1, ranking: peers(5), exclude: ['p0'] }), NotEnoughShardPeersError)
    assert.throws(() => placeShards({ shards: 5, stripes: 1, ranking: [...peers(4), 'p0'] }), NotEnoughShardPeersError, 'duplicates do not count')
    assert.throws(() => placeShards({ shards: 0, stripes: 1, ranking: peers(5) }), /invalid number of shards/)
    assert.deepEqual(placeShards({ shards: 2, stripes: 0, ranking: peers(2) }), [])
  })
})

describe('placeRepair', () => {
  const group: Record<string, string> = { a1: 'a', a2: 'a', b1: 'b', b2: 'b', c1: 'c', c2: 'c' }
  const groupOf = (p: string): string | undefined => group[p]

  it('picks peers holding no shard of the stripe, in an unused group first', () => {
    const got = placeRepair({ stripePeers: ['a1', 'b1'], ranking: ['a1', 'a2', 'b1', 'b2', 'c2', 'c1'], groupOf, count: 1 })
    assert.deepEqual(got, ['c2'])
    const two = placeRepair({ stripePeers: ['a1', 'b1'], ranking: ['a1', 'a2', 'b1', 'b2', 'c2', 'c1'], groupOf, count: 2 })
    assert.equal(two[0], 'c2')
    assert.ok(!['a1', 'b1'].includes(two[1]))
  })

  it('without groups follows the ranking, then load', () => {
    assert.deepEqual(placeRepair({ stripePeers: ['p0', 'p2'], ranking: peers(5), count: 2 }), ['p1', 'p3'])
    const load = (p: string): number => (p === 'p1' ? 3 : 0)
    assert.deepEqual(placeRepair({ stripePeers: ['p0', 'p2'], ranking: peers(5), count: 1, load }), ['p3'])
  })

  it('fails when not enough peers hold no shard of the stripe', () => {
    assert.throws(() => placeRepair({ stripePeers: ['p0', 'p1', 'p2'], ranking: peers(4), count: 2, exclude: [] }), (err: Error) =>
      err instanceof NotEnoughShardPeersError && err.available === 1)
  })

  it('derives groups from tag metrics', () => {
    const g = groupOfFromMetrics([newMetric({ name: 'tag:group', peer: 'x', value: 'eu' })])
    assert.equal(g('x'), 'eu')
    assert.equal(g('y'), undefined)
    assert.equal(groupMetricName(['pinqueue', 'tag:region', 'tag:group']), 'tag:region')
    assert.equal(groupMetricName(['freespace']), undefined)
  })
})
