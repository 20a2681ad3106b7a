import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { TestNetwork, cidN, pinOf, pinset, startPeer, stopPeer, tempDir, testConfig, waitConverged, waitFor } from './helpers.js'
import type { TestPeer } from './helpers.js'
import { NotFoundError } from '../../src/api/errors.js'

describe('crdt consensus: convergence of 3 peers', () => {
  let net: TestNetwork
  let peers: TestPeer[]
  let dirs: Array<{ path: string, remove: () => Promise<void> }>
  const ids = ['peerA', 'peerB', 'peerC']

  beforeEach(async () => {
    net = new TestNetwork()
    dirs = await Promise.all(ids.map(async () => await tempDir()))
    // a short rebroadcast interval stands for the periodic re-announcements that heal partitions
    peers = await Promise.all(ids.map(async (id, i) => await startPeer(net, id, dirs[i].path, testConfig({ rebroadcastInterval: 150 }))))
  })

  afterEach(async () => {
    await Promise.all(peers.map(stopPeer))
    await Promise.all(dirs.map(async d => { await d.remove() }))
  })

  it('pin, update and unpin converge on every peer', async () => {
    const [a, b, c] = peers
    await a.consensus.logPin(pinOf(cidN(1), 'one'))
    await b.consensus.logPin(pinOf(cidN(2), 'two'))
    let state = await waitConverged(peers)
    assert.deepEqual(Object.keys(state).sort(), [cidN(1), cidN(2)].sort())
    assert.equal(state[cidN(1)].name, 'one')

    await c.consensus.logPin(pinOf(cidN(1), 'one-updated'))
    await waitFor(async () => (await a.consensus.get(cidN(1))).name === 'one-updated')
    await a.consensus.logUnpin(pinOf(cidN(2)))
    state = await waitConverged(peers)
    assert.deepEqual(Object.keys(state), [cidN(1)])
    assert.equal(state[cidN(1)].name, 'one-updated')
    for (const p of peers) {
      assert.equal(await p.consensus.has(cidN(2)), false)
      await assert.rejects(p.consensus.get(cidN(2)), NotFoundError)
    }
  })

  it('concurrent remove and re-add of a key: add wins everywhere', async () => {
    const [a, b, c] = peers
    await a.consensus.logPin(pinOf(cidN(1), 'v1'))
    await waitConverged(peers)
    net.partition(['peerA'], ['peerB', 'peerC'])
    await a.consensus.logPin(pinOf(cidN(1), 'v2'))
    await b.consensus.logUnpin(pinOf(cidN(1)))
    assert.equal(await b.consensus.has(cidN(1)), false)
    net.heal()
    const state = await waitConverged(peers)
    assert.equal(state[cidN(1)]?.name, 'v2')
    assert.equal((await c.consensus.get(cidN(1))).name, 'v2')
  })

  it('concurrent updates: the higher priority wins, equal priorities pick the bytewise greater value', async () => {
    const [a, b] = peers
    await a.consensus.logPin(pinOf(cidN(1), 'base'))
    await a.consensus.logPin(pinOf(cidN(2), 'base'))
    await waitConverged(peers)

    net.partition(['peerA'], ['peerB', 'peerC'])
    // cid 1: A updates twice (priority +2), B once (+1): A's last value wins although B's is greater
    await a.consensus.logPin(pinOf(cidN(1), 'a-first'))
    await a.consensus.logPin(pinOf(cidN(1), 'a-second'))
    await b.consensus.logPin(pinOf(cidN(1), 'zzz-b'))
    net.heal()
    let state = await waitConverged(peers)
    assert.equal(state[cidN(1)].name, 'a-second')

    // cid 2: one update each at the same height: the greater encoding ("name" differs) wins
    await waitConverged(peers)
    net.partition(['peerA'], ['peerB', 'peerC'])
    assert.equal(a.consensus.info().maxHeight, b.consensus.info().maxHeight)
    await a.consensus.logPin(pinOf(cidN(2), 'aaa'))
    await b.consensus.logPin(pinOf(cidN(2), 'bbb'))
    net.heal()
    state = await waitConverged(peers)
    assert.equal(state[cidN(2)].name, 'bbb')
  })

  it('an unpin that saw one of two concurrent updates leaves the other one visible', async () => {
    const [a, b, c] = peers
    await a.consensus.logPin(pinOf(cidN(1), 'base'))
    await waitConverged(peers)
    // A and B update cid 1 at the same height; B's update reaches C, A's does not
    net.partition(['peerA'], ['peerB', 'peerC'])
    await a.consensus.logPin(pinOf(cidN(1), 'aaa'))
    await b.consensus.logPin(pinOf(cidN(1), 'bbb'))
    await waitFor(async () => (await c.consensus.get(cidN(1))).name === 'bbb')
    // then A's update reaches B (both live there: the greater, B's, is visible) but not C
    net.partition(['peerA', 'peerB'], ['peerC'])
    await waitConverged([a, b])
    assert.equal((await b.consensus.get(cidN(1))).name, 'bbb')
    // C unpins what it saw, B's update: the visible one on A and B. A's stays live, and its
    // value, which is not visible anywhere, comes back on every peer
    await c.consensus.logUnpin(pinOf(cidN(1)))
    assert.equal(await c.consensus.has(cidN(1)), false)
    net.heal()
    const state = await waitConverged(peers)
    assert.equal(state[cidN(1)]?.name, 'aaa')
    assert.deepEqual(c.puts.map(p => p.name).slice(-1), ['aaa'])
  })

  it('a peer that missed broadcasts catches up by walking back from later heads', async () => {
    const [a, b, c] = peers
    net.offline.add('peerC')
    for (let i = 1; i <= 10; i++) await a.consensus.logPin(pinOf(cidN(i), `p${i}`))
    // b unpins what it has seen (a delete of a key it does not hold yet would change nothing)
    await waitFor(async () => await b.consensus.has(cidN(10)))
    await b.consensus.logUnpin(pinOf(cidN(3)))
    await waitFor(async () => !(await a.consensus.has(cidN(3))))
    assert.deepEqual(await pinset(c), {})
    net.offline.delete('peerC')
    const fetchesBefore = net.fetches.get('peerC') ?? 0
    const branchesBefore = net.branchFetches.get('peerC') ?? 0
    await a.consensus.logPin(pinOf(cidN(11), 'p11'))
    const state = await waitConverged(peers)
    assert.equal(Object.keys(state).length, 10)
    assert.equal(state[cidN(3)], undefined)
    // C fetched the 12 deltas it missed with a few branch requests (of 8 blocks, then 64; from
    // a and from b when both announce), never one delta at a time
    assert.equal((net.fetches.get('peerC') ?? 0) - fetchesBefore, 0)
    const branches = (net.branchFetches.get('peerC') ?? 0) - branchesBefore
    assert.ok(branches <= 6, `${branches} branch requests`)
    assert.equal(c.consensus.info().maxHeight, a.consensus.info().maxHeight)
    // hooks report the net change of the catch-up: cid 3, pinned then unpinned, never shows
    assert.deepEqual(c.puts.map(p => p.cid).sort(), Object.keys(state).sort())
    assert.deepEqual(c.deletes, [])
  })

  it('partition then heal: both sides converge to the same pinset', async () => {
    const [a, b, c] = peers
    await a.consensus.logPin(pinOf(cidN(1), 'shared'))
    await waitConverged(peers)
    net.partition(['peerA', 'peerB'], ['peerC'])
    await a.consensus.logPin(pinOf(cidN(2), 'ab'))
    await b.consensus.logUnpin(pinOf(cidN(1)))
    await c.consensus.logPin(pinOf(cidN(3), 'c'))
    await c.consensus.logPin(pinOf(cidN(4), 'c'))
    await waitFor(async () => !(await a.consensus.has(cidN(1))))
    assert.equal(await c.consensus.has(cidN(2)), false)
    net.heal()
    // no new writes: only the periodic rebroadcast of heads brings the sides together
    const state = await waitConverged(peers)
    assert.deepEqual(Object.keys(state).sort(), [cidN(2), cidN(3), cidN(4)].sort())
    const heads = a.consensus.info().heads
    assert.deepEqual(b.consensus.info().heads, heads)
    assert.deepEqual(c.consensus.info().heads, heads)
  })

  it('the heads of a peer merge branches: a new delta links all current heads', async () => {
    const [a, b] = peers
    net.partition(['peerA'], ['peerB', 'peerC'])
    await a.consensus.logPin(pinOf(cidN(1)))
    await b.consensus.logPin(pinOf(cidN(2)))
    net.heal()
    await waitConverged(peers)
    assert.equal(a.consensus.info().heads.length, 2)
    await a.consensus.logPin(pinOf(cidN(3)))
    await waitConverged(peers)
    for (const p of peers) assert.equal(p.consensus.info().heads.length, 1)
    assert.equal(a.consensus.info().maxHeight, 2)
  })

  it('many concurrent operations on every peer at once converge', async () => {
    const ops: Array<Promise<void>> = []
    for (const [i, p] of peers.entries()) {
      for (let n = 1; n <= 20; n++) {
        // overlapping keys: every peer writes keys 1..20, each with its own value
        ops.push(p.consensus.logPin(pinOf(cidN(n), `${p.id}-${n}`)))
        if (n % 5 === i) ops.push(p.consensus.logUnpin(pinOf(cidN(n))))
      }
    }
    await Promise.all(ops)
    const state = await waitConverged(peers, 10_000)
    for (const p of peers) assert.deepEqual(await pinset(p), state)
  })
})
