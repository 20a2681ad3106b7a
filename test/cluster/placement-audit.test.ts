// The placement audit's plan (placement-audit.ts) from pins alone: shards sharing a live peer
// move to a peer free of their stripe, tag groups are evened out only while a free live peer
// in a group with two fewer shards exists, a peer the run avoids is never a target, a shard with
// nowhere to go is reported, and a well-placed stripe (or one spread as evenly as the peers
// allow) plans nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Pin } from '../../src/api/types.js'
import type { EcFile } from '../../src/cluster/erasure/status-files.js'
import { shardKey } from '../../src/cluster/erasure/status-files.js'
import { auditPlacement } from '../../src/cluster/erasure/placement-audit.js'
import type { AuditEnv } from '../../src/cluster/erasure/placement-audit.js'

function file (d: number, p: number, stripes: string[][]): EcFile {
  const shards = new Map<string, Pin>()
  stripes.forEach((holders, s) => holders.forEach((h, pos) => {
    shards.set(shardKey(s, pos), { cid: `c${s}-${pos}`, allocations: h === '' ? [] : [h], erasure: { manifest: 'm', data_shards: d, parity_shards: p, stripe: s, shard: pos } } as unknown as Pin)
  }))
  return { meta: { cid: 'root', name: 'f' } as unknown as Pin, manifestCid: 'm', d, p, shards }
}

function env (peers: string[], groups: Record<string, string> = {}, live = peers): AuditEnv {
  return { live: new Set(live), ranking: () => peers.filter(p => live.includes(p)), groupOf: p => groups[p], load: () => 0 }
}

const P = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']

test('well placed stripes plan nothing, and ranking is not even asked for', () => {
  let asked = 0
  const e = { ...env(P), ranking: () => { asked++; return P } }
  const plan = auditPlacement(file(2, 1, [['p1', 'p2', 'p3'], ['p4', 'p5', 'p6']]), e)
  assert.deepEqual(plan, { misplaced: [], moves: [], stuck: [] })
  assert.equal(asked, 0)
})

test('two shards on one peer: the later one moves to a peer free of the stripe', () => {
  const plan = auditPlacement(file(4, 2, [['p1', 'p2', 'p3', 'p2', 'p5', 'p6']]), env(P))
  assert.equal(plan.misplaced.length, 1)
  assert.deepEqual({ ...plan.misplaced[0] }, { stripe: 0, kind: 'data', index: 3, position: 3, cid: 'c0-3', holder: 'p2', reason: 'shared_peer', with: [1] })
  assert.equal(plan.moves.length, 1)
  assert.equal(plan.moves[0].from, 'p2')
  assert.ok(['p4', 'p7'].includes(plan.moves[0].to))
  assert.deepEqual(plan.stuck, [])
})

test('three shards on one peer in two stripes: each goes to a distinct free peer, spread by load', () => {
  const plan = auditPlacement(file(2, 1, [['p1', 'p1', 'p1'], ['p2', 'p2', 'p3']]), env(['p1', 'p2', 'p3', 'p4', 'p5']))
  const s0 = plan.moves.filter(m => m.stripe === 0)
  assert.equal(s0.length, 2)
  assert.notEqual(s0[0].to, s0[1].to)
  assert.ok(s0.every(m => m.to !== 'p1'))
  const s1 = plan.moves.filter(m => m.stripe === 1)
  assert.equal(s1.length, 1)
  assert.ok(!['p2', 'p3'].includes(s1[0].to))
})

test('no free peer: reported as stuck, nothing planned', () => {
  const plan = auditPlacement(file(2, 1, [['p1', 'p1', 'p2']]), env(['p1', 'p2']))
  assert.equal(plan.misplaced.length, 1)
  assert.deepEqual(plan.moves, [])
  assert.equal(plan.stuck.length, 1)
  assert.match(plan.stuck[0], /stripe 0 shard 1: p1 also holds shard 0/)
})

test('peers the run avoids are never targets: the next free peer is, and none left is stuck', () => {
  const f = file(2, 1, [['p1', 'p1', 'p2']])
  // p3 ranks first among the free peers
  const first = auditPlacement(f, env(['p1', 'p2', 'p3', 'p4']))
  assert.equal(first.moves[0].to, 'p3')
  const next = auditPlacement(f, { ...env(['p1', 'p2', 'p3', 'p4']), avoid: new Set(['p3']) })
  assert.equal(next.moves[0].to, 'p4')
  const none = auditPlacement(f, { ...env(['p1', 'p2', 'p3', 'p4']), avoid: new Set(['p3', 'p4']) })
  assert.deepEqual(none.moves, [])
  assert.equal(none.stuck.length, 1)
})

test('a shared peer that is down is left to the repair', () => {
  const plan = auditPlacement(file(2, 1, [['p1', 'p1', 'p2']]), env(P, {}, P.filter(p => p !== 'p1')))
  assert.deepEqual(plan, { misplaced: [], moves: [], stuck: [] })
})

test('tag groups: two shards in one group move while another group has a free peer', () => {
  // groups a: p1 p2 p3, b: p4 p5, c: p6 — stripe of 3 on p1 p2 p4: a holds two, c none
  const groups = { p1: 'a', p2: 'a', p3: 'a', p4: 'b', p5: 'b', p6: 'c' }
  const plan = auditPlacement(file(2, 1, [['p1', 'p2', 'p4']]), env(P.slice(0, 6), groups))
  assert.equal(plan.moves.length, 1)
  assert.equal(plan.moves[0].to, 'p6')
  assert.equal(plan.misplaced[0].reason, 'shared_group')
  assert.equal(plan.misplaced[0].group, 'a')
  assert.deepEqual(plan.misplaced[0].with, [0])
})

test('tag groups: as even as the peers allow is not misplaced', () => {
  // 3 shards, groups a (3 peers) and b (1 peer, holding one): a 2, b 1 is the best there is
  const groups = { p1: 'a', p2: 'a', p3: 'a', p4: 'b' }
  assert.deepEqual(auditPlacement(file(2, 1, [['p1', 'p2', 'p4']]), env(['p1', 'p2', 'p3', 'p4'], groups)).moves, [])
  // one group for everyone (the default tags): nothing to even out
  const one = Object.fromEntries(P.map(p => [p, 'default']))
  assert.deepEqual(auditPlacement(file(4, 2, [['p1', 'p2', 'p3', 'p4', 'p5', 'p6']]), env(P, one)), { misplaced: [], moves: [], stuck: [] })
  // the free peer of the empty group is down: nowhere better to go, nothing reported
  const groups2 = { p1: 'a', p2: 'a', p3: 'b' }
  assert.deepEqual(auditPlacement(file(1, 1, [['p1', 'p2']]), env(['p1', 'p2', 'p3'], groups2, ['p1', 'p2'])).moves, [])
})

test('tag groups: a shard moving off a shared peer goes to the least used group', () => {
  const groups = { p1: 'a', p2: 'a', p3: 'b', p4: 'c' }
  const plan = auditPlacement(file(2, 1, [['p1', 'p1', 'p3']]), env(['p1', 'p2', 'p3', 'p4'], groups))
  assert.equal(plan.moves.length, 1)
  assert.equal(plan.moves[0].to, 'p4')
})

test('tag groups with avoided peers: an avoided peer never evens out a group, the next in its group does', () => {
  // groups a: p1 p2 p3, b: p4 p5, c: p6 p7 — stripe of 3 on p1 p2 p4: a holds two, c none
  const groups = { p1: 'a', p2: 'a', p3: 'a', p4: 'b', p5: 'b', p6: 'c', p7: 'c' }
  const f = file(2, 1, [['p1', 'p2', 'p4']])
  const c = auditPlacement(f, { ...env(P, groups), avoid: new Set(['p6']) })
  assert.deepEqual(c.moves.map(m => [m.from, m.to]), [['p2', 'p7']])
  // the whole of c avoided: b (one shard) is not two below a, so the spread is the best there is
  assert.deepEqual(auditPlacement(f, { ...env(P, groups), avoid: new Set(['p6', 'p7']) }), { misplaced: [], moves: [], stuck: [] })
  // a shard off a shared peer skips the avoided peer of the empty group for the other one
  const shared = auditPlacement(file(2, 1, [['p1', 'p1', 'p4']]), { ...env(P, groups), avoid: new Set(['p7']) })
  assert.deepEqual(shared.moves.map(m => [m.position, m.to]), [[1, 'p6']])
  assert.deepEqual(shared.stuck, [])
})
