import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { Key } from 'interface-datastore'
import { TestNetwork, cidN, pinOf, pinset, startPeer, stopPeer, tempDir, testConfig, waitConverged, waitFor } from './helpers.js'
import type { TestPeer } from './helpers.js'

describe('crdt consensus: restarts, failures and trust', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup.length = 0
  })

  async function cluster (net: TestNetwork, ids: string[], config = testConfig(), fetchTimeout = 2000): Promise<TestPeer[]> {
    const peers: TestPeer[] = []
    for (const id of ids) {
      const dir = await tempDir()
      const peer = await startPeer(net, id, dir.path, config, fetchTimeout)
      peers.push(peer)
      cleanup.push(async () => { await stopPeer(peer).catch(() => {}); await dir.remove() })
    }
    return peers
  }

  it('a restarted peer keeps its state and heads, and catches up from newer heads', async () => {
    const net = new TestNetwork()
    const [a, b, c] = await cluster(net, ['peerA', 'peerB', 'peerC'])
    await a.consensus.logPin(pinOf(cidN(1), 'one'))
    await a.consensus.logPin(pinOf(cidN(2), 'two'))
    await waitConverged([a, b, c])
    const before = { state: await pinset(a), info: a.consensus.info() }

    await stopPeer(a)
    await b.consensus.logPin(pinOf(cidN(3), 'three'))
    await b.consensus.logUnpin(pinOf(cidN(1)))

    const restarted = await startPeer(net, 'peerA', a.dir)
    cleanup.push(async () => { await stopPeer(restarted).catch(() => {}) })
    assert.deepEqual(await pinset(restarted), before.state)
    assert.deepEqual(restarted.consensus.info(), before.info)
    assert.deepEqual(restarted.puts, [], 'a restart replays no hooks')

    // c's next head must cover b's changes made while A was down: A catches up through it
    // alone (the rebroadcast that would also bring b's own heads is a minute away)
    await waitConverged([b, c])
    await c.consensus.logPin(pinOf(cidN(4), 'four'))
    const state = await waitConverged([restarted, b, c])
    assert.deepEqual(Object.keys(state).sort(), [cidN(2), cidN(3), cidN(4)].sort())
    assert.deepEqual(restarted.deletes, [cidN(1)])
  })

  it('heads that cannot be fetched are kept, marked dirty, and retried after a restart or by repair', async () => {
    const net = new TestNetwork()
    const [a, b, c] = await cluster(net, ['peerA', 'peerB', 'peerC'])
    net.noServe.add('peerA')
    await a.consensus.logPin(pinOf(cidN(1)))
    await waitFor(() => b.consensus.info().dirty && c.consensus.info().dirty, 5000, 'dirty marks')
    assert.equal(await b.consensus.has(cidN(1)), false)
    net.noServe.delete('peerA')

    // C restarts: the failed head is retried at start, with no new announcement
    await stopPeer(c)
    const c2 = await startPeer(net, 'peerC', c.dir)
    cleanup.push(async () => { await stopPeer(c2).catch(() => {}) })
    await waitFor(async () => await c2.consensus.has(cidN(1)), 5000, 'retry at start')
    await waitFor(() => !c2.consensus.info().dirty, 5000, 'clean after the retry')

    // B repairs on demand (the repair_interval loop calls the same)
    await b.consensus.repair()
    assert.equal(await b.consensus.has(cidN(1)), true)
    assert.equal(b.consensus.info().dirty, false)
    await waitConverged([a, b, c2])
  })

  it('a fetch that never answers times out instead of blocking processing', async () => {
    const net = new TestNetwork()
    const [a, b] = await cluster(net, ['peerA', 'peerB'], testConfig(), 200)
    const hang = b.consensus as any
    // B's fetcher hangs until aborted: the per-delta timeout (200 ms here) ends it
    hang.crdt.init.fetcher = { fetch: async (_c: string, _f: string, o: { signal?: AbortSignal }) => await new Promise((_resolve, reject) => { o.signal?.addEventListener('abort', () => { reject(o.signal?.reason) }) }) }
    await a.consensus.logPin(pinOf(cidN(1)))
    await waitFor(() => b.consensus.info().dirty, 5000, 'timeout')
    // local work is not blocked meanwhile
    await b.consensus.logPin(pinOf(cidN(2)))
    assert.equal(await b.consensus.has(cidN(2)), true)
  })

  it('broadcasts of untrusted peers are ignored; trust() and distrust() change that', async () => {
    const net = new TestNetwork()
    const [a, b] = await cluster(net, ['peerA', 'peerB'])
    const dir = await tempDir()
    const c = await startPeer(net, 'peerC', dir.path, testConfig({ trustAll: false, trustedPeers: ['peerA'] }))
    cleanup.push(async () => { await stopPeer(c).catch(() => {}); await dir.remove() })
    assert.equal(c.consensus.isTrustedPeer('peerA'), true)
    assert.equal(c.consensus.isTrustedPeer('peerC'), true, 'self is trusted')
    assert.equal(c.consensus.isTrustedPeer('peerB'), false)
    assert.equal(a.consensus.isTrustedPeer('anyone'), true, 'trust-all')

    await b.consensus.logPin(pinOf(cidN(1)))
    await waitFor(async () => await a.consensus.has(cidN(1)))
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(await c.consensus.has(cidN(1)), false)
    assert.equal(net.fetches.get('peerC') ?? 0, 0, 'nothing fetched for an untrusted announcement')

    c.consensus.trust('peerB')
    await b.consensus.logPin(pinOf(cidN(2)))
    await waitFor(async () => await c.consensus.has(cidN(2)))
    c.consensus.distrust('peerB')
    assert.equal(c.consensus.isTrustedPeer('peerB'), false)
    await b.consensus.logPin(pinOf(cidN(3)))
    await waitFor(async () => await a.consensus.has(cidN(3)))
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(await c.consensus.has(cidN(3)), false)
  })

  it('a store marked dirty is rebuilt from the DAG by repair', async () => {
    const net = new TestNetwork()
    const [a] = await cluster(net, ['peerA'])
    await a.consensus.logPin(pinOf(cidN(1), 'one'))
    await a.consensus.logPin(pinOf(cidN(2), 'two'))
    // lose a visible value behind the component's back
    await a.store.delete(new Key(`/c/s/v/${cidN(2)}`))
    assert.equal(await a.consensus.has(cidN(2)), false)
    await a.consensus.markDirty(true)
    assert.equal(a.consensus.info().dirty, true)
    await a.consensus.repair()
    assert.equal(a.consensus.info().dirty, false)
    assert.equal((await a.consensus.get(cidN(2))).name, 'two')
    assert.deepEqual(a.puts.map(p => p.name), ['one', 'two', 'two'], 'the restored pin reaches the tracker again')
  })
})
