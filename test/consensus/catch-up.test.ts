// Catch-up on a long history: branch requests (many deltas per request), merge in order, and
// a restart in the middle of a catch-up that neither loses nor re-applies anything.
import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { TestNetwork, cidN, openStore, pinOf, pinset, quietLogger, startPeer, stopPeer, tempDir, testConfig, waitConverged, waitFor } from './helpers.js'
import { openOfflineState } from '../../src/consensus/offline.js'
import type { TestPeer } from './helpers.js'

describe('crdt consensus: catch-up', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup.length = 0
  })

  async function peer (net: TestNetwork, id: string): Promise<TestPeer & { remove: () => Promise<void> }> {
    const dir = await tempDir()
    const p = await startPeer(net, id, dir.path)
    cleanup.push(async () => { await stopPeer(p).catch(() => {}); await dir.remove() })
    return Object.assign(p, { remove: dir.remove })
  }

  /** `n` deltas of one operation each (every 10th an unpin of an earlier pin). */
  async function history (p: TestPeer, n: number, from = 0): Promise<void> {
    for (let i = from; i < from + n; i++) {
      if (i % 10 === 9) await p.consensus.logUnpin(pinOf(cidN(i - 5)))
      else await p.consensus.logPin(pinOf(cidN(i), `p${i}`))
    }
  }

  function counts (cids: string[]): Map<string, number> {
    const m = new Map<string, number>()
    for (const c of cids) m.set(c, (m.get(c) ?? 0) + 1)
    return m
  }

  it('a peer that missed 300 deltas fetches them with a few branch requests and fires one hook per pin', async () => {
    const net = new TestNetwork()
    const a = await peer(net, 'peerA')
    const b = await peer(net, 'peerB')
    net.offline.add('peerB')
    await history(a, 300)
    net.offline.delete('peerB')
    await a.consensus.logPin(pinOf(cidN(1000), 'last'))
    const state = await waitConverged([a, b], 20_000)
    assert.equal(Object.keys(state).length, 241)
    assert.ok((net.branchFetches.get('peerB') ?? 0) <= 4, `${net.branchFetches.get('peerB') ?? 0} branch requests`)
    assert.equal(net.fetches.get('peerB') ?? 0, 0, 'no single-delta fetch')
    // the net change of a chunk: pins unpinned later in the same chunk never reach the tracker
    assert.ok([...counts(b.puts.map(p => p.cid)).values()].every(n => n === 1), 'no pin tracked twice')
    for (const cid of b.deletes) assert.equal(state[cid], undefined)
  })

  it('a peer without branch requests catches up one delta per request', async () => {
    const net = new TestNetwork()
    net.noBranch = true
    const a = await peer(net, 'peerA')
    const b = await peer(net, 'peerB')
    net.offline.add('peerB')
    await history(a, 100)
    net.offline.delete('peerB')
    await a.consensus.logPin(pinOf(cidN(1000)))
    await waitConverged([a, b], 20_000)
    assert.equal(net.fetches.get('peerB'), 101)
  })

  it('stopped in the middle of a catch-up, a peer resumes after its restart: nothing lost, nothing merged twice', async () => {
    const net = new TestNetwork()
    const a = await peer(net, 'peerA')
    const dir = await tempDir()
    cleanup.push(async () => { await dir.remove() })
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    let reached!: () => void
    const atGate = new Promise<void>(resolve => { reached = resolve })
    const b = await startPeer(net, 'peerB', dir.path, undefined, 2000, async () => {
      if (b.puts.length === 20) {
        reached()
        await gate
      }
    })
    net.offline.add('peerB')
    await history(a, 400)
    net.offline.delete('peerB')
    await a.consensus.logPin(pinOf(cidN(1000), 'last'))
    await atGate
    // stopped while merging its first chunk of the branch
    const stopping = stopPeer(b)
    release()
    await stopping
    // what it kept, read offline (a started peer would resume the catch-up from its local blocks)
    const partial = await (async () => {
      const store = await openStore(dir.path)
      const state = await openOfflineState({ config: testConfig(), datastore: store, selfId: 'peerB', logger: quietLogger })
      let size = 0
      for await (const _ of state.list()) size++ // eslint-disable-line @typescript-eslint/no-unused-vars
      const info = state.info()
      await state.stop()
      await store.close()
      return { size, info }
    })()
    assert.ok(partial.size > 0 && partial.size < 321, `partly merged: ${partial.size}`)
    assert.equal(partial.info.dirty, true, 'the head being caught up is recorded')

    // restarted on the network: the recorded head is processed again from where it stopped
    const again = await startPeer(net, 'peerB', dir.path)
    cleanup.push(async () => { await stopPeer(again).catch(() => {}) })
    const state = await waitConverged([a, again], 20_000)
    assert.equal(Object.keys(state).length, 321)
    const puts = counts([...b.puts, ...again.puts].map(p => p.cid))
    assert.ok([...puts.values()].every(n => n === 1), 'no pin tracked twice across the restart')
    for (const cid of Object.keys(state)) assert.equal(puts.get(cid), 1, `${cid} tracked once`)
    await waitFor(() => !again.consensus.info().dirty, 5000, 'clean once caught up')
    assert.deepEqual(await pinset(again), await pinset(a))
  })
})
