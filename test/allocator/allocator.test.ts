import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Metric } from '../../src/api/types.js'
import { NotEnoughPeersError } from '../../src/api/errors.js'
import {
  allocatorConfigSection, BalancedAllocator, allocate, rankPeers, BadReplicationFactorsError,
  DEFAULT_ALLOCATE_BY, MISSING_SECTION_ALLOCATE_BY, type MetricsSet
} from '../../src/allocator/index.js'
import { expireAfter, newMetric } from '../../src/monitor/metric.js'

const free = (peer: string, bytes: number): Metric =>
  newMetric({ name: 'freespace', peer, value: String(bytes), weight: bytes, valid: true, expire: expireAfter(30_000) })
const tag = (peer: string, group: string): Metric =>
  newMetric({ name: 'tag:group', peer, value: group, valid: true, partitionable: true, expire: expireAfter(30_000) })

function setOf (metrics: Metric[]): MetricsSet {
  const set: MetricsSet = {}
  for (const m of metrics) (set[m.name] ??= []).push(m)
  return set
}
const lookup = (metrics: Metric[]) => (name: string): Metric[] => metrics.filter(m => m.name === name)

describe('balanced allocator ordering', () => {
  const byTagThenFree = new BalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })

  it('spreads across tag groups, most free space first within a group', () => {
    const metrics = [
      tag('A', 'g1'), free('A', 100), tag('B', 'g1'), free('B', 50),
      tag('C', 'g2'), free('C', 80), tag('D', 'g2'), free('D', 70),
      tag('E', 'g3'), free('E', 10)
    ]
    // g1 and g2 both aggregate 150 (tie → value order), g3 10
    assert.deepEqual(byTagThenFree.allocate(setOf(metrics), {}), ['A', 'C', 'E', 'B', 'D'])
  })

  it('orders groups by aggregated free space', () => {
    const metrics = [
      tag('A', 'small'), free('A', 10), tag('B', 'big'), free('B', 500), tag('C', 'big'), free('C', 600),
      tag('D', 'small'), free('D', 20)
    ]
    assert.deepEqual(byTagThenFree.allocate(setOf(metrics), {}), ['C', 'D', 'B', 'A'])
  })

  it('does not bucket equal free space (non-partitionable) and puts priority peers first', () => {
    const alloc = new BalancedAllocator({ allocateBy: ['freespace'] })
    const cands = setOf([free('P3', 100), free('P1', 100), free('P2', 100), free('P4', 200)])
    assert.deepEqual(alloc.allocate(cands, {}), ['P4', 'P1', 'P2', 'P3'])
    assert.deepEqual(alloc.allocate(cands, setOf([free('U', 1)])), ['U', 'P4', 'P1', 'P2', 'P3'])
  })

  it('config section', () => {
    assert.deepEqual(allocatorConfigSection.defaults(), { allocateBy: ['tag:group', 'freespace'] })
    assert.deepEqual(allocatorConfigSection.toJSON(allocatorConfigSection.defaults()), { allocate_by: ['tag:group', 'freespace'] })
    assert.deepEqual(allocatorConfigSection.parse({ allocate_by: [] }).allocateBy, [...DEFAULT_ALLOCATE_BY])
    assert.deepEqual(allocatorConfigSection.parse({ allocate_by: ['pinqueue', 'freespace'] }).allocateBy, ['pinqueue', 'freespace'])
    assert.deepEqual(allocatorConfigSection.parse({ allocate_by: 'freespace' }).allocateBy, ['freespace'])
    assert.deepEqual(MISSING_SECTION_ALLOCATE_BY, ['freespace'])
    assert.deepEqual([allocatorConfigSection.path, allocatorConfigSection.envPrefix], [['allocator', 'balanced'], 'CLUSTER_BALANCED'])
  })
})

describe('allocate()', () => {
  const alloc = new BalancedAllocator({ allocateBy: ['freespace'] })
  const live = [free('A', 500), free('B', 400), free('C', 300), free('D', 200), free('E', 100)]
  const base = { cid: 'bafy', metricsByName: lookup(live) }

  it('allocates a new pin to the best peers up to rmax', () => {
    assert.deepEqual(allocate(alloc, { ...base, current: [], rmin: 2, rmax: 3 }), ['A', 'B', 'C'])
    assert.deepEqual(allocate(alloc, { ...base, current: [], rmin: 1, rmax: 10 }), ['A', 'B', 'C', 'D', 'E'])
  })

  it('keeps current allocations while they are at least rmin, dead ones included', () => {
    assert.deepEqual(allocate(alloc, { ...base, current: ['D', 'E'], rmin: 2, rmax: 3 }), ['D', 'E'])
    assert.deepEqual(allocate(alloc, { ...base, current: ['D', 'E', 'X'], rmin: 2, rmax: 3 }), ['D', 'E', 'X'])
  })

  it('drops the surplus when rmax is lowered', () => {
    assert.deepEqual(allocate(alloc, { ...base, current: ['C', 'D', 'E'], rmin: 1, rmax: 2 }), ['C', 'D'])
  })

  it('replaces a dead or blacklisted holder', () => {
    // X has no live metrics: not counted as current
    assert.deepEqual(allocate(alloc, { ...base, current: ['D', 'X'], rmin: 2, rmax: 2 }), ['D', 'A'])
    // E is alive but blacklisted (the failed peer of an alert)
    assert.deepEqual(allocate(alloc, { ...base, current: ['D', 'E'], rmin: 2, rmax: 2, blacklist: ['E', 'A'] }), ['D', 'B'])
  })

  it('only allocates peers of the peerset: a peer whose ping expired is skipped while its other metrics live', () => {
    const members = new Set(['B', 'C', 'D', 'E'])
    assert.deepEqual(allocate(alloc, { ...base, current: [], rmin: 1, rmax: 5, members }), ['B', 'C', 'D', 'E'])
    assert.deepEqual(rankPeers(alloc, { metricsByName: lookup(live), members }), ['B', 'C', 'D', 'E'])
    // a current holder whose ping is late but whose metrics live keeps its pin
    assert.deepEqual(allocate(alloc, { ...base, current: ['A', 'E'], rmin: 2, rmax: 2, members }), ['A', 'E'])
    // one whose metrics expired does not
    assert.deepEqual(allocate(alloc, { ...base, current: ['X', 'E'], rmin: 2, rmax: 2, members }), ['E', 'B'])
  })

  it('puts user allocations first', () => {
    assert.deepEqual(allocate(alloc, { ...base, current: [], rmin: 2, rmax: 2, priority: ['E', 'Z'] }), ['E', 'A'])
  })

  it('fails with upstream errors', () => {
    assert.throws(() => allocate(alloc, { ...base, current: [], rmin: 0, rmax: 0 }), (err: Error) =>
      err instanceof BadReplicationFactorsError && err.message === 'bad replication factors: 0/0')
    assert.deepEqual(allocate(alloc, { ...base, current: [], rmin: -1, rmax: -1 }), [])
    assert.throws(() => allocate(alloc, { ...base, current: ['A'], rmin: 7, rmax: 8 }), (err: Error) =>
      err instanceof NotEnoughPeersError &&
      err.message === 'not enough peers to allocate CID. Needed at least: 6. Wanted at most: 7. Available candidates: 4. See logs for more info.')
  })

  it('needs every allocate_by metric of a peer and honours trust filters', () => {
    const both = new BalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    const metrics = [tag('A', 'g1'), free('A', 10), free('B', 1000), tag('C', 'g2'), free('C', 5)]
    assert.deepEqual(allocate(both, { cid: 'x', current: [], rmin: 1, rmax: 3, metricsByName: lookup(metrics) }), ['A', 'C'])
    const trust = { isTrusted: (p: string) => p === 'C', onlyTrusted: true }
    assert.deepEqual(allocate(both, { cid: 'x', current: [], rmin: 1, rmax: 3, metricsByName: lookup(metrics), trust }), ['C'])
    assert.deepEqual(allocate(both, { cid: 'x', current: [], rmin: 1, rmax: 3, metricsByName: lookup(metrics), trust: { ...trust, onlyTrusted: false, onlyUntrusted: true } }), ['A'])
    assert.deepEqual(rankPeers(both, { metricsByName: lookup(metrics), exclude: ['A'] }), ['C'])
  })
})
