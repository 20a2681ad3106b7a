// The global status of the whole pinset merges the peers' CID-ordered streams without holding
// them: every CID once, with every peer's entry, in CID order; a failed peer stream turns into
// cluster_error entries.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PeerStatus } from '../../src/cluster/status.js'
import type { PinInfo, TrackerStatusName } from '../../src/api/types.js'

function info (cid: string, peer: string, status: TrackerStatusName = 'pinned'): PinInfo {
  return {
    cid,
    name: `n-${cid}`,
    peer,
    allocations: [],
    origins: null,
    created: '2024-01-01T00:00:00Z',
    metadata: null,
    peername: peer,
    status,
    timestamp: '2024-01-01T00:00:00Z',
    error: '',
    attempt_count: 0,
    priority_pin: false
  }
}

function statuses (streams: Record<string, () => AsyncIterable<PinInfo>>): PeerStatus {
  return new PeerStatus({
    self: 'A',
    peerset: () => Object.keys(streams),
    tracker: { statusAll: () => streams.A() } as any,
    remote: { statusAll: (peer: string) => streams[peer]() } as any,
    consensus: {} as any,
    peername: p => p
  })
}

async function * of (items: PinInfo[], failAfter?: number): AsyncIterable<PinInfo> {
  let n = 0
  for (const i of items) {
    if (failAfter !== undefined && n++ === failAfter) throw new Error('peer went away')
    await new Promise(resolve => setImmediate(resolve))
    yield i
  }
}

describe('cluster: streamed global status', () => {
  it('merges CID-ordered streams per CID, every peer in each entry', async () => {
    const cids = Array.from({ length: 3000 }, (_, i) => `c${String(i).padStart(5, '0')}`)
    const s = statuses({
      A: () => of(cids.map(c => info(c, 'A'))),
      B: () => of(cids.filter((_, i) => i % 2 === 0).map(c => info(c, 'B', 'pin_queued'))),
      C: () => of([...cids.map(c => info(c, 'C')), info('z-orphan', 'C', 'unpinning')])
    })
    const out = []
    for await (const gpi of s.statusAll(0, false, {})) out.push(gpi)
    assert.deepEqual(out.map(g => g.cid), [...cids, 'z-orphan'])
    assert.deepEqual(Object.keys(out[0].peer_map).sort(), ['A', 'B', 'C'])
    assert.deepEqual(Object.keys(out[1].peer_map).sort(), ['A', 'C'])
    assert.equal(out[0].peer_map.B.status, 'pin_queued')
    assert.equal(out[0].name, 'n-c00000')
    assert.deepEqual(Object.keys(out[3000].peer_map), ['C'])
  })

  it('a peer whose stream fails gets cluster_error entries from then on', async () => {
    const cids = Array.from({ length: 10 }, (_, i) => `c${i}`)
    const s = statuses({
      A: () => of(cids.map(c => info(c, 'A'))),
      B: () => of(cids.map(c => info(c, 'B')), 4)
    })
    const out = []
    for await (const gpi of s.statusAll(0, false, {})) out.push(gpi)
    assert.equal(out.length, 10)
    assert.equal(out[0].peer_map.B.status, 'pinned')
    assert.equal(out[9].peer_map.B.status, 'cluster_error')
    assert.match(out[9].peer_map.B.error, /peer went away/)
  })

  it('a consumer that stops early ends every peer stream', async () => {
    let closed = 0
    const endless = (peer: string) => async function * () {
      try {
        for (let i = 0; ; i++) {
          await new Promise(resolve => setImmediate(resolve))
          yield info(`c${String(i).padStart(8, '0')}`, peer)
        }
      } finally { closed++ }
    }
    const s = statuses({ A: endless('A'), B: endless('B') })
    let n = 0
    for await (const _ of s.statusAll(0, false, {})) if (++n === 100) break
    assert.equal(closed, 2)
  })
})
