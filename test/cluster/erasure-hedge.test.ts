// Hedged reads at the cluster level, over fake peers: firstOf (tree blocks), and readStripe
// (ecget and repair reads) with one frozen holder: the first stripe costs the hedge delay, the
// run's later stripes read parity in its place at once, its shards are never called lost, and
// its streams are aborted.
import { describe, it, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { WasmCodec } from '../../src/erasure/index.js'
import type { EncodedStripe, Manifest, RawBlock } from '../../src/erasure/index.js'
import { HedgeMemory, firstOf, sharedHedgeMemory } from '../../src/cluster/erasure/hedge.js'
import { readStripe } from '../../src/cluster/erasure/get-stripe.js'
import type { ErasureContext } from '../../src/cluster/erasure/context.js'
import type { ShardState } from '../../src/cluster/erasure/status-shards.js'
import { codeFile, concat } from '../erasure/helpers.js'

const K = 1024
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('firstOf', () => {
  it('asks the next candidate beside a silent one, takes the first answer, aborts the rest', async () => {
    const aborted: string[] = []
    const hedged: string[] = []
    const t0 = performance.now()
    const v = await firstOf(['frozen', 'ok'], async (c, signal) => {
      signal.addEventListener('abort', () => aborted.push(c))
      if (c === 'frozen') return await new Promise<string>(() => {})
      return c
    }, { hedgeMs: 100, onHedged: c => hedged.push(c) })
    assert.equal(v, 'ok')
    assert.ok(performance.now() - t0 < 1000)
    assert.deepEqual(aborted, ['frozen'])
    assert.deepEqual(hedged, ['frozen'])
  })

  it('moves on at once when one fails, and rejects when all fail', async () => {
    const failed: string[] = []
    const t0 = performance.now()
    assert.equal(await firstOf(['a', 'b'], async c => { if (c === 'a') throw new Error('gone'); return c }, { hedgeMs: 10_000, onFail: c => failed.push(c) }), 'b')
    assert.ok(performance.now() - t0 < 500)
    assert.deepEqual(failed, ['a'])
    await assert.rejects(firstOf(['a', 'b'], async c => { throw new Error(`gone ${c}`) }, { hedgeMs: 10 }), /gone/)
  })
})

describe('readStripe with a frozen holder', () => {
  const codec = new WasmCodec()
  let file: { leaves: RawBlock[], stripes: EncodedStripe[], manifest: Manifest }
  const blocks = new Map<string, Uint8Array>()
  before(async () => {
    // 3 stripes of 4+2, 8 KiB shards
    file = await codeFile(3 * 4 * 8 * K, { chunk: 2 * K, d: 4, p: 2, shardSize: 8 * K, codec })
    for (const s of file.stripes) for (const sh of [...s.data, ...s.parity]) for (const b of sh.blocks) blocks.set(b.cid.toString(), b.bytes)
  })
  after(async () => { await codec.close() })

  /** Peers peer0..peer5; shard position i of stripe s on peer (i + s) % 6; `frozen` never sends. */
  function fakeCluster (frozen: string): { ctx: ErasureContext, asked: string[], aborted: string[], logs: string[] } {
    const asked: string[] = []
    const aborted: string[] = []
    const logs: string[] = []
    const remote = {
      async * blocksGetLocal (peer: string, cids: string[], opts: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array | undefined> {
        asked.push(peer)
        if (peer === frozen) {
          // a SIGSTOPped holder: the stream stays open and nothing comes, until the reader aborts
          await new Promise<void>((resolve, reject) => opts.signal?.addEventListener('abort', () => { aborted.push(peer); reject(opts.signal?.reason) }))
        }
        for (const c of cids) yield blocks.get(c)
      }
    }
    const logger = { info: (_: unknown, m: string) => logs.push(m), debug: () => {} }
    const ctx = { peerId: 'reader', remote, codec, logger } as unknown as ErasureContext
    return { ctx, asked, aborted, logs }
  }

  function statesOf (stripe: number, lost: string[] = []): ShardState[] {
    const m = file.manifest.stripes[stripe]
    return [...m.data.map((_, i) => ['data', i, i] as const), ...m.parity.map((_, j) => ['parity', j, 4 + j] as const)].map(([kind, index, position]) => {
      const holder = `peer${(position + stripe) % 6}`
      return { stripe, kind, index, position, cid: `shard-${stripe}-${position}`, holder, verdict: lost.includes(holder) ? 'down' : 'healthy' }
    })
  }

  const dataOf = (stripe: number): Uint8Array => concat(file.stripes[stripe].data.flatMap(s => s.blocks.map(b => b.bytes)))

  it('ecget: a frozen data holder costs the hedge delay once, then parity is read in its place', async () => {
    const { ctx, asked, aborted, logs } = fakeCluster('peer1')
    const hedge = new HedgeMemory()
    const times: number[] = []
    for (let s = 0; s < 2; s++) {
      const t0 = performance.now()
      const r = await readStripe(ctx, file.manifest, s, statesOf(s), { hedge })
      times.push(performance.now() - t0)
      assert.deepEqual(concat(r.result.data.flatMap(d => d.map(b => b.bytes))), dataOf(s))
      // slow is not lost: nothing for the repair to do
      assert.deepEqual(r.lost, [])
      assert.deepEqual(r.result.rebuilt, [])
    }
    assert.ok(times[0] >= 1400 && times[0] < 4000, `first stripe ${times[0]} ms`)
    assert.ok(times[1] < 1000, `second stripe ${times[1]} ms`)
    assert.deepEqual(aborted, ['peer1'], 'the frozen stream was aborted once, then never asked again')
    assert.equal(asked.filter(p => p === 'peer1').length, 1)
    assert.ok(hedge.isSlow('peer1'))
    assert.equal(hedge.hedges, 1)
    assert.equal(logs.filter(m => /hedged read/.test(m)).length, 1)
  })

  it('repair: a known loss plus a frozen survivor; only the lost shard is rebuilt, and the peer\'s memory carries to the next stripe', async () => {
    const { ctx, aborted } = fakeCluster('peer2')
    // peer0 is down (cluster state): stripe 0 lost data 0, stripe 1 lost parity 1
    const t0 = performance.now()
    const r0 = await readStripe(ctx, file.manifest, 0, statesOf(0, ['peer0']))
    const first = performance.now() - t0
    assert.deepEqual(r0.result.rebuilt.map(s => `${s.kind} ${s.index}`), ['data 0'])
    assert.deepEqual(r0.lost.map(l => l.holder), ['peer0'])
    assert.deepEqual(r0.result.hedged, [{ kind: 'data', index: 2 }])
    assert.ok(first < 4000, `${first} ms`)
    // no run memory passed (recover.ts): the peer's own memory remembers peer2
    assert.ok(sharedHedgeMemory(ctx).isSlow('peer2'))
    const t1 = performance.now()
    const r1 = await readStripe(ctx, file.manifest, 1, statesOf(1, ['peer0']))
    assert.ok(performance.now() - t1 < 1000)
    assert.deepEqual(r1.result.rebuilt.map(s => `${s.kind} ${s.index}`), ['parity 1'])
    assert.deepEqual(concat(r1.result.data.flatMap(d => d.map(b => b.bytes))), dataOf(1))
    assert.deepEqual(aborted, ['peer2'])
    await sleep(0)
  })
})
