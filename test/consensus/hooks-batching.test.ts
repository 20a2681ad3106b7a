import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { Key } from 'interface-datastore'
import { TestNetwork, cidN, pinOf, pinset, startPeer, stopPeer, tempDir, testConfig, waitConverged, waitFor } from './helpers.js'
import type { TestPeer } from './helpers.js'
import { BatchQueueFullError, ERR_MAX_QUEUE_SIZE_REACHED } from '../../src/consensus/errors.js'
import type { CrdtConfig } from '../../src/consensus/config.js'

describe('crdt consensus: hooks, batching, clean', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup.length = 0
  })

  async function peer (net: TestNetwork, id: string, config: CrdtConfig = testConfig()): Promise<TestPeer> {
    const dir = await tempDir()
    const p = await startPeer(net, id, dir.path, config)
    cleanup.push(async () => { await stopPeer(p).catch(() => {}); await dir.remove() })
    return p
  }

  it('hooks fire exactly when the visible value changes', async () => {
    const net = new TestNetwork()
    const peers = [await peer(net, 'peerA'), await peer(net, 'peerB'), await peer(net, 'peerC')]
    const [a, b] = peers
    const x = cidN(1)
    await a.consensus.logPin(pinOf(x, 'v1'))
    await waitConverged(peers)
    // the same pin again: a new delta, same value, no hook
    await b.consensus.logPin(pinOf(x, 'v1'))
    await waitConverged(peers)
    await a.consensus.logPin(pinOf(x, 'v2'))
    await waitConverged(peers)
    await b.consensus.logUnpin(pinOf(x))
    await waitConverged(peers)
    // unpinning what is not pinned commits nothing
    const heads = a.consensus.info().heads
    await a.consensus.logUnpin(pinOf(x))
    assert.deepEqual(a.consensus.info().heads, heads)
    for (const p of peers) {
      assert.deepEqual(p.puts.map(pin => pin.name), ['v1', 'v2'], p.id)
      assert.deepEqual(p.deletes, [x], p.id)
    }
    assert.deepEqual(a.puts[1], pinOf(x, 'v2'), 'the hook gets the whole pin')
  })

  it('a losing concurrent update fires no hook where it loses', async () => {
    const net = new TestNetwork()
    // B's concurrent head reaches A by the periodic re-announcement
    const cfg = testConfig({ rebroadcastInterval: 100 })
    const peers = [await peer(net, 'peerA', cfg), await peer(net, 'peerB', cfg)]
    const [a, b] = peers
    await a.consensus.logPin(pinOf(cidN(1), 'base'))
    await waitConverged(peers)
    net.partition(['peerA'], ['peerB'])
    await a.consensus.logPin(pinOf(cidN(1), 'a1'))
    await a.consensus.logPin(pinOf(cidN(1), 'a2'))
    await b.consensus.logPin(pinOf(cidN(1), 'b1'))
    net.heal()
    await a.consensus.logPin(pinOf(cidN(2)))
    await waitConverged(peers)
    assert.deepEqual(a.puts.map(p => p.name), ['base', 'a1', 'a2', ''])
    assert.deepEqual(b.puts.map(p => p.name), ['base', 'b1', 'a2', ''])
  })

  it('batching commits one delta when max_batch_size operations are queued; callers are answered once it is committed', async () => {
    const net = new TestNetwork()
    const cfg = testConfig({ batching: { maxBatchSize: 3, maxBatchAge: 60_000, maxQueueSize: 100 } })
    const peers = [await peer(net, 'peerA', cfg), await peer(net, 'peerB', cfg)]
    const [a, b] = peers
    let answered = 0
    const first = [a.consensus.logPin(pinOf(cidN(1))), a.consensus.logPin(pinOf(cidN(2)))].map(async p => { await p; answered++ })
    await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(answered, 0, 'queued, not committed, not answered')
    assert.equal(await a.consensus.has(cidN(1)), false)
    await a.consensus.logUnpin(pinOf(cidN(2)))
    await Promise.all(first)
    assert.equal(await a.consensus.has(cidN(1)), true, 'committed when answered')
    await waitFor(async () => await b.consensus.has(cidN(1)))
    const state = await waitConverged(peers)
    assert.deepEqual(Object.keys(state), [cidN(1)], 'the last operation on a key wins inside a batch')
    assert.equal(a.consensus.info().maxHeight, 1, 'one delta')
  })

  it('batching commits on max_batch_age, refuses beyond max_queue_size, and commits pending ops on stop', async () => {
    const net = new TestNetwork()
    const aged = await peer(net, 'peerA', testConfig({ batching: { maxBatchSize: 100, maxBatchAge: 150, maxQueueSize: 100 } }))
    const t0 = Date.now()
    await Promise.all([aged.consensus.logPin(pinOf(cidN(1))), aged.consensus.logPin(pinOf(cidN(2)))])
    assert.ok(Date.now() - t0 >= 140, 'not before max_batch_age')
    assert.equal(await aged.consensus.has(cidN(2)), true)
    assert.equal(aged.consensus.info().maxHeight, 1)

    const dir = await tempDir()
    cleanup.push(async () => { await dir.remove() })
    const small = await startPeer(net, 'peerB', dir.path, testConfig({ batching: { maxBatchSize: 100, maxBatchAge: 60_000, maxQueueSize: 3 } }))
    const queued = [1, 2, 3].map(async i => { await small.consensus.logPin(pinOf(cidN(i))) })
    await assert.rejects(small.consensus.logPin(pinOf(cidN(4))), (err: Error) => err instanceof BatchQueueFullError && err.message === ERR_MAX_QUEUE_SIZE_REACHED)
    await stopPeer(small)
    await Promise.all(queued)
    const reopened = await startPeer(net, 'peerB', dir.path)
    cleanup.push(async () => { await stopPeer(reopened).catch(() => {}) })
    assert.deepEqual(Object.keys(await pinset(reopened)).sort(), [cidN(1), cidN(2), cidN(3)].sort())
    assert.equal(reopened.consensus.info().maxHeight, 1)
  })

  it('a failed commit is reported to every operation of its batch', async () => {
    const net = new TestNetwork()
    const p = await peer(net, 'peerA', testConfig({ batching: { maxBatchSize: 3, maxBatchAge: 60_000, maxQueueSize: 100 } }))
    const put = p.store.batch.bind(p.store)
    p.store.batch = () => {
      const b = put()
      return { put: b.put.bind(b), delete: b.delete.bind(b), commit: async () => { throw new Error('disk full') } }
    }
    const results = await Promise.allSettled([1, 2, 3].map(async i => { await p.consensus.logPin(pinOf(cidN(i))) }))
    assert.deepEqual(results.map(r => r.status === 'rejected' ? String(r.reason) : 'ok'), ['Error: disk full', 'Error: disk full', 'Error: disk full'])
    p.store.batch = put
  })

  it('without batching, concurrent operations are group-committed into few deltas', async () => {
    const net = new TestNetwork()
    const p = await peer(net, 'peerA')
    await Promise.all(Array.from({ length: 500 }, async (_, i) => { await p.consensus.logPin(pinOf(cidN(i))) }))
    assert.equal(Object.keys(await pinset(p)).length, 500)
    assert.ok(p.consensus.info().maxHeight <= 3, `500 concurrent pins made ${p.consensus.info().maxHeight} deltas`)
  })

  it('clean() deletes everything under the namespace and nothing else', async () => {
    const net = new TestNetwork()
    const a = await peer(net, 'peerA')
    await a.store.put(new Key('/other/key'), new Uint8Array([1]))
    await a.consensus.logPin(pinOf(cidN(1)))
    await a.consensus.logPin(pinOf(cidN(2)))
    await a.consensus.clean()
    assert.deepEqual(await pinset(a), {})
    assert.deepEqual(a.consensus.info(), { heads: [], maxHeight: 0, dirty: false })
    let left = 0
    for await (const _ of a.store.queryKeys({ prefix: '/c/' })) left++ // eslint-disable-line @typescript-eslint/no-unused-vars
    assert.equal(left, 0)
    assert.equal(await a.store.has(new Key('/other/key')), true)
    // the store is usable after a clean
    await a.consensus.logPin(pinOf(cidN(3)))
    assert.deepEqual(Object.keys(await pinset(a)), [cidN(3)])
  })
})
