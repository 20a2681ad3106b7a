import { describe, it, after, before } from 'node:test'
import assert from 'node:assert/strict'
import {
  WasmCodec, SimdCodec, SIMD_CODEC_ID, WASM_CODEC_ID, reconstructStripe, UnrecoverableStripeError, CorruptShardError, CodecError
} from '../../src/erasure/index.js'
import type { Codec, EncodedStripe, FetchShard, Manifest, RawBlock, ShardKind } from '../../src/erasure/index.js'
import { codeFile, concat } from './helpers.js'
import { isSlow } from '../../src/erasure/hedge-rule.js'
import { StripeBuffers } from '../../src/erasure/stripe-buffers.js'
import type { HedgeRule } from '../../src/erasure/hedge-rule.js'

const K = 1024

/** Wraps a codec to count how often it is used. */
function counting (inner: Codec): Codec & { calls: number } {
  const c = {
    id: inner.id,
    calls: 0,
    encode: async (...a: Parameters<Codec['encode']>) => { c.calls++; return await inner.encode(...a) },
    reconstruct: async (...a: Parameters<Codec['reconstruct']>) => { c.calls++; return await inner.reconstruct(...a) },
    close: async () => {}
  }
  return c
}

interface Store {
  fetch: FetchShard
  fetched: string[]
}

/**
 * Serves a coded stripe's shards; `lose` are gone, `fail` throw, `corrupt` get one flipped byte.
 * With `into`, blocks are copied into the slot the reconstructor offers and returned as views
 * of it (as the cluster's fetcher does); `slots` records which shards were offered one.
 */
function store (s: EncodedStripe, opts: { lose?: string[], fail?: string[], corrupt?: string[], into?: boolean } = {}): Store & { slots: string[] } {
  const fetched: string[] = []
  const slots: string[] = []
  const fetch: FetchShard = async (kind: ShardKind, index: number, { into, onBlock }) => {
    const key = `${kind[0]}${index}`
    fetched.push(key)
    if (into != null) slots.push(key)
    if (opts.lose?.includes(key) === true) return undefined
    if (opts.fail?.includes(key) === true) throw new Error('peer down')
    const shard = (kind === 'data' ? s.data : s.parity)[index]
    let blocks: Uint8Array[] = shard.blocks.map(b => b.bytes.slice())
    if (opts.corrupt?.includes(key) === true) blocks[blocks.length - 1][0] ^= 0xff
    if (opts.into === true && into != null) {
      let off = 0
      blocks = blocks.map((b, i) => {
        into.set(b, off)
        off += b.byteLength
        const view = into.subarray(off - b.byteLength, off)
        onBlock?.(i, view)
        return view
      })
    }
    return blocks
  }
  return { fetch, fetched, slots }
}

const bytesOf = (blocks: RawBlock[][]): Uint8Array => concat(blocks.flatMap(s => s.map(b => b.bytes)))

describe('reconstructStripe', () => {
  const wasm = new WasmCodec()
  const codec = counting(wasm)
  let file: { leaves: RawBlock[], stripes: EncodedStripe[], manifest: Manifest }
  let full: EncodedStripe // 4 data shards
  let short: EncodedStripe // 2 data shards
  const expect = (s: EncodedStripe): Uint8Array => concat(s.data.flatMap(d => d.blocks.map(b => b.bytes)))

  before(async () => {
    file = await codeFile(4 * 3 * K + 3 * K + 100, { chunk: K, d: 4, p: 2, shardSize: 3 * K, codec: wasm, parityBlockSize: 1000 })
    ;[full, short] = file.stripes
    assert.equal(short.data.length, 2)
  })
  after(async () => { await wasm.close() })

  const run = async (s: EncodedStripe, st: Store, opts = {}): ReturnType<typeof reconstructStripe> =>
    await reconstructStripe(file.manifest, s.index, file.manifest.stripes[s.index], st.fetch, codec, opts)

  it('fetches a stripe known to be degraded straight into one buffer that every block is a view of', async () => {
    const st = store(full, { into: true, corrupt: ['d2'] })
    const r = await reconstructStripe(file.manifest, full.index, file.manifest.stripes[full.index], st.fetch, codec, { lost: [{ kind: 'data', index: 1 }] })
    assert.deepEqual(bytesOf(r.data), expect(full))
    // d1 was known lost, d2 was written into its slot but corrupt: both rebuilt over it
    assert.deepEqual(r.lost.map(l => `${l.kind[0]}${l.index}:${l.reason}`), ['d1:known', 'd2:corrupt'])
    assert.deepEqual(st.slots.sort(), ['d0', 'd2', 'd3', 'p0', 'p1'])
    const buffers = new Set(r.data.flatMap(s => s.map(b => b.bytes.buffer)))
    assert.equal(buffers.size, 1)
    assert.equal([...buffers][0].byteLength, (4 + 2) * 3 * K)
  })

  it('lays a healthy stripe out in a pooled buffer of its data slots when asked, and moves it to a whole stripe when a shard turns out corrupt', async () => {
    const buffers = new StripeBuffers({ keep: 2 })
    codec.calls = 0
    const healthy = store(full, { into: true })
    const r = await run(full, healthy, { buffers, layoutHealthy: true })
    assert.deepEqual(bytesOf(r.data), expect(full))
    assert.deepEqual(healthy.slots.sort(), ['d0', 'd1', 'd2', 'd3'])
    assert.equal(codec.calls, 0)
    assert.ok(r.buffer instanceof ArrayBuffer)
    assert.equal(r.buffer.byteLength, 4 * 3 * K, 'data slots only')
    assert.ok(r.data.every(s => s.every(b => b.bytes.buffer === r.buffer)), 'every block a view of the stripe buffer')
    // the next stripe takes the same buffer back; a corrupt data shard found in it needs the
    // parity slots: the stripe is laid out whole and rebuilt there, the data-only buffer goes back
    buffers.give(r.buffer)
    const dataOnly = r.buffer
    const bad = store(full, { into: true, corrupt: ['d1'] })
    const again = await run(full, bad, { buffers, layoutHealthy: true })
    assert.equal(again.buffer?.byteLength, (4 + 2) * 3 * K)
    assert.deepEqual(bytesOf(again.data), expect(full))
    assert.ok(again.data.every(s => s.every(b => b.bytes.buffer === again.buffer)), 'every block a view of the whole stripe')
    assert.deepEqual(again.lost.map(l => `${l.kind[0]}${l.index}:${l.reason}`), ['d1:corrupt'])
    assert.equal(again.rebuilt.length, 1)
    assert.equal(buffers.take(4 * 3 * K).buffer, dataOnly)
  })

  it('hands a healthy stripe\'s data blocks out as they arrive, each only once it matches its CID', async () => {
    const buffers = new StripeBuffers({ keep: 2 })
    const early: RawBlock[] = []
    const views = new Set<ArrayBufferLike>()
    const onDataBlock = (cid: RawBlock['cid'], bytes: Uint8Array): void => {
      views.add(bytes.buffer)
      early.push({ cid, bytes: bytes.slice() })
    }
    // d1's last block is corrupt: its other blocks go out, that one never does; the stripe is
    // then rebuilt in a whole-stripe buffer, and the data-only one is not given back (views of
    // it were handed out)
    const bad = store(full, { into: true, corrupt: ['d1'] })
    const r = await run(full, bad, { buffers, layoutHealthy: true, onDataBlock })
    assert.deepEqual(bytesOf(r.data), expect(full))
    const d1 = full.data[1].blocks
    const want = full.data.flatMap(d => d.blocks).filter(b => b !== d1[d1.length - 1])
    assert.deepEqual(early.map(b => b.cid.toString()).sort(), want.map(b => b.cid.toString()).sort())
    for (const b of early) assert.deepEqual(b.bytes, want.find(w => w.cid.equals(b.cid))?.bytes)
    assert.deepEqual([...views].map(v => v.byteLength), [4 * 3 * K], 'views of the data-only layout')
    assert.ok(!views.has(buffers.take(4 * 3 * K).buffer), 'the data-only buffer was kept out of the pool')
    // a stripe that needs the codec from the start hands nothing out early
    early.length = 0
    const degraded = await run(full, store(full, { into: true }), { buffers, layoutHealthy: true, onDataBlock, lost: [{ kind: 'data', index: 2 }] })
    assert.deepEqual(bytesOf(degraded.data), expect(full))
    assert.equal(early.length, 0)
  })

  it('reads a healthy stripe without parity and without the codec', async () => {
    codec.calls = 0
    const st = store(full)
    const r = await run(full, st)
    assert.deepEqual(bytesOf(r.data), expect(full))
    assert.deepEqual(r.lost, [])
    assert.deepEqual(r.rebuilt, [])
    assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd2', 'd3'])
    assert.equal(codec.calls, 0)
  })

  it('rebuilds one lost data shard from one parity shard', async () => {
    const st = store(full, { lose: ['d2'] })
    const r = await run(full, st)
    assert.deepEqual(bytesOf(r.data), expect(full))
    assert.deepEqual(r.lost, [{ kind: 'data', index: 2, reason: 'missing' }])
    assert.equal(r.rebuilt.length, 1)
    assert.ok(r.rebuilt[0].node.cid.equals(full.data[2].node.cid))
    assert.deepEqual(r.rebuilt[0].node.bytes, full.data[2].node.bytes)
    assert.deepEqual(st.fetched.filter(k => k[0] === 'p'), ['p0'])
  })

  it('rebuilds p lost shards (data and a failed parity)', async () => {
    const st = store(full, { lose: ['d0'], fail: ['p0'] })
    const r = await run(full, st)
    assert.deepEqual(bytesOf(r.data), expect(full))
    assert.deepEqual(r.lost.map(l => `${l.kind}${l.index}:${l.reason}`), ['data0:missing', 'parity0:failed'])
    // the failed parity is rebuilt too, and matches what was stored
    const p0 = r.rebuilt.find(s => s.kind === 'parity')
    assert.ok(p0?.node.cid.equals(full.parity[0].node.cid))
    assert.deepEqual(p0?.blocks.map(b => b.cid.toString()), full.parity[0].blocks.map(b => b.cid.toString()))
  })

  it('rebuilds a short stripe that lost all its stored data shards', async () => {
    const r = await run(short, store(short, { lose: ['d0', 'd1'] }))
    assert.deepEqual(bytesOf(r.data), expect(short))
    assert.deepEqual(r.data.map(d => d.length), [3, 1])
    // the whole file comes back in order
    assert.deepEqual(concat([expect(full), bytesOf(r.data)]), concat(file.leaves.map(b => b.bytes)))
  })

  it('fails with UnrecoverableStripeError on p+1 losses', async () => {
    await assert.rejects(run(full, store(full, { lose: ['d0', 'd1'], fail: ['p1'] })), (err: unknown) => {
      assert.ok(err instanceof UnrecoverableStripeError)
      assert.equal(err.stripe, 0)
      assert.match(err.message, /stripe 0/)
      assert.equal(err.lost.length, 3)
      return true
    })
    // known losses from cluster state: refused before fetching anything
    const st = store(short)
    await assert.rejects(run(short, st, { lost: [{ kind: 'data', index: 0 }, { kind: 'parity', index: 0 }, { kind: 'parity', index: 1 }] }), UnrecoverableStripeError)
    assert.deepEqual(st.fetched, [])
  })

  it('detects a corrupted data block and never returns it', async () => {
    const st = store(full, { corrupt: ['d1'] })
    const r = await run(full, st)
    assert.deepEqual(bytesOf(r.data), expect(full))
    assert.deepEqual(r.lost, [{ kind: 'data', index: 1, reason: 'corrupt' }])
  })

  it('skips a corrupted parity shard and uses the next one', async () => {
    const st = store(full, { lose: ['d3'], corrupt: ['p0'] })
    const r = await run(full, st)
    assert.deepEqual(bytesOf(r.data), expect(full))
    assert.deepEqual(st.fetched.filter(k => k[0] === 'p'), ['p0', 'p1'])
  })

  it('refuses rebuilt bytes that do not match their CIDs', async () => {
    // with fetch verification off, a corrupt parity poisons the rebuild: caught after decoding
    const st = store(full, { lose: ['d3'], corrupt: ['p0'] })
    await assert.rejects(run(full, st, { verifyFetched: false }), (err: unknown) => {
      assert.ok(err instanceof CorruptShardError)
      assert.equal(err.kind, 'data')
      assert.equal(err.index, 3)
      return true
    })
  })

  it('rebuilds known-lost parity of a healthy stripe by re-encoding', async () => {
    const st = store(full)
    const r = await run(full, st, { lost: [{ kind: 'parity', index: 1 }] })
    assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd2', 'd3'])
    assert.deepEqual(r.lost, [{ kind: 'parity', index: 1, reason: 'known' }])
    assert.ok(r.rebuilt[0].node.cid.equals(full.parity[1].node.cid))
  })

  it('refuses a manifest coded with another codec', async () => {
    const other = { ...file.manifest, codec: 'rs-cauchy/other' }
    await assert.rejects(reconstructStripe(other, 0, other.stripes[0], store(full, { lose: ['d0'] }).fetch, codec), CodecError)
    const simd = new SimdCodec()
    try {
      await assert.rejects(reconstructStripe(other, 0, other.stripes[0], store(full, { lose: ['d0'] }).fetch, simd), CodecError)
    } finally {
      await simd.close()
    }
  })

  it('rebuilds a stripe whichever of the two byte-identical codec ids the manifest records, with either codec', async () => {
    assert.equal(file.manifest.codec, WASM_CODEC_ID) // written by the subspace codec
    const simd = new SimdCodec()
    try {
      for (const id of [WASM_CODEC_ID, SIMD_CODEC_ID]) {
        const m = { ...file.manifest, codec: id }
        for (const c of [simd, wasm]) {
          // d0 lost, p0 failing: d0 is rebuilt from the other data and p1, p0 re-encoded
          const r = await reconstructStripe(m, full.index, m.stripes[full.index], store(full, { lose: ['d0'], fail: ['p0'] }).fetch, c)
          assert.deepEqual(bytesOf(r.data), expect(full), `${id} read by ${c.id}`)
          assert.deepEqual(r.rebuilt.map(x => x.node.cid.toString()).sort(), [full.data[0].node.cid.toString(), full.parity[0].node.cid.toString()].sort())
        }
      }
    } finally {
      await simd.close()
    }
  })

  it('passes aborts through', async () => {
    const ac = new AbortController()
    const fetch: FetchShard = async () => { ac.abort(new Error('cancelled')); throw new Error('whatever') }
    await assert.rejects(reconstructStripe(file.manifest, 0, file.manifest.stripes[0], fetch, codec, { signal: ac.signal }), /cancelled/)
  })

  describe('hedged reads', () => {
    // a short floor keeps these fast; the default (1.5 s) is checked once
    const quick: HedgeRule = { floorMs: 100, factor: 2, aloneMs: 400 }

    /** `freeze` never answer (until aborted); the others answer at once. Records aborts. */
    function frozen (s: EncodedStripe, freeze: string[], opts: { delayMs?: Record<string, number>, partial?: boolean } = {}): Store & { aborted: string[] } {
      const inner = store(s)
      const aborted: string[] = []
      const fetched: string[] = []
      const fetch: FetchShard = async (kind, index, o) => {
        const key = `${kind[0]}${index}`
        fetched.push(key)
        o.signal?.addEventListener('abort', () => aborted.push(key))
        if (freeze.includes(key)) {
          // a holder frozen part-way: one block arrives, then nothing
          if (opts.partial === true) o.onProgress?.((kind === 'data' ? s.data : s.parity)[index].blocks[0].bytes.byteLength)
          return await new Promise<never>(() => {})
        }
        const delay = opts.delayMs?.[key] ?? 0
        if (delay > 0) await new Promise(resolve => setTimeout(resolve, delay))
        const blocks = await inner.fetch(kind, index, o)
        for (const b of blocks ?? []) o.onProgress?.(b.byteLength)
        return blocks
      }
      return { fetch, fetched, aborted }
    }

    it('rebuilds a stripe from parity within the hedge time when a data holder never answers, and aborts that fetch', async () => {
      const st = frozen(full, ['d1'])
      const t0 = performance.now()
      const r = await run(full, st) // the default rule: 1.5 s floor
      const ms = performance.now() - t0
      assert.ok(ms >= 1400 && ms < 3000, `read in ${ms} ms`)
      assert.deepEqual(bytesOf(r.data), expect(full))
      assert.deepEqual(r.hedged, [{ kind: 'data', index: 1 }])
      // slow is not lost: nothing to repair
      assert.deepEqual(r.lost, [])
      assert.deepEqual(r.rebuilt, [])
      assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd2', 'd3', 'p0'])
      assert.ok(st.aborted.includes('d1'), 'the frozen fetch was aborted')
      assert.ok(r.buffer != null)
    })

    it('hedges a holder frozen part-way through its shard', async () => {
      const st = frozen(full, ['d3'], { partial: true })
      const r = await run(full, st, { hedge: quick })
      assert.deepEqual(bytesOf(r.data), expect(full))
      assert.deepEqual(r.hedged, [{ kind: 'data', index: 3 }])
      assert.deepEqual(st.aborted, ['d3'])
    })

    it('leaves a holder alone that is slower than the floor allows for but answers', async () => {
      codec.calls = 0
      const st = frozen(full, [], { delayMs: { d2: 60 } })
      const r = await run(full, st, { hedge: quick })
      assert.deepEqual(bytesOf(r.data), expect(full))
      assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd2', 'd3'])
      assert.deepEqual(r.hedged, [])
      assert.equal(codec.calls, 0)
    })

    it('lets the slow fetch win when it completes before its spare, and aborts the spare', async () => {
      // d0 is called slow at ~200 ms, its spare p0 would take 300 ms more: d0 answers first
      const st = frozen(full, [], { delayMs: { d0: 300, p0: 300 } })
      const r = await run(full, st, { hedge: { ...quick, floorMs: 200 } })
      assert.deepEqual(bytesOf(r.data), expect(full))
      assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd2', 'd3', 'p0'])
      assert.deepEqual(r.hedged, [])
      assert.deepEqual(st.aborted, ['p0'])
      assert.equal(r.buffer, undefined, 'healthy: no stripe buffer')
    })

    it('reads parity at once in place of an avoided (slow before) holder, and its shard only as a last resort', async () => {
      const st = frozen(full, [])
      const r = await run(full, st, { hedge: quick, avoid: [{ kind: 'data', index: 2 }] })
      assert.deepEqual(bytesOf(r.data), expect(full))
      assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd3', 'p0'])
      assert.deepEqual(r.lost, [])
      // with a parity shard gone too, the avoided holder is asked after all
      const st2 = frozen(full, [])
      const lossy = store(full, { lose: ['p0', 'p1'] })
      const fetch: FetchShard = async (kind, index, o) => kind === 'parity' ? await lossy.fetch(kind, index, o) : await st2.fetch(kind, index, o)
      const r2 = await reconstructStripe(file.manifest, full.index, file.manifest.stripes[full.index], fetch, codec, { hedge: quick, avoid: [{ kind: 'data', index: 2 }] })
      assert.deepEqual(bytesOf(r2.data), expect(full))
      assert.ok(st2.fetched.includes('d2'))
      assert.deepEqual(r2.lost.map(l => `${l.kind[0]}${l.index}:${l.reason}`), ['p0:missing', 'p1:missing'])
    })

    it('repair read: a known loss and a frozen survivor are both read around; only the lost shard is rebuilt', async () => {
      const st = frozen(full, ['d2'])
      const r = await run(full, st, { hedge: quick, lost: [{ kind: 'data', index: 0 }] })
      assert.deepEqual(bytesOf(r.data), expect(full))
      assert.deepEqual(r.lost.map(l => `${l.kind[0]}${l.index}:${l.reason}`), ['d0:known'])
      assert.deepEqual(r.rebuilt.map(s => `${s.kind[0]}${s.index}`), ['d0'])
      assert.deepEqual(r.hedged, [{ kind: 'data', index: 2 }])
      assert.deepEqual(st.aborted, ['d2'])
    })

    it('with hedging off, waits for every fetch', async () => {
      const st = frozen(full, [], { delayMs: { d1: 300 } })
      const r = await run(full, st, { hedge: false })
      assert.deepEqual(st.fetched.sort(), ['d0', 'd1', 'd2', 'd3'])
      assert.deepEqual(r.hedged, [])
    })

    it('isSlow: scales with the others\' pace, the floor, and a fetch still moving', () => {
      const MiB = 1 << 20
      // others did 16 MiB in 4 s (a loaded machine): 0 bytes after 3 s is not slow yet
      const others = [{ start: 0, last: 4000, bytes: 16 * MiB, size: 16 * MiB, done: 4000 }]
      assert.equal(isSlow({ start: 0, last: 0, bytes: 0, size: 16 * MiB }, others, 3000), false)
      // …after floor + 2 × 4 s it is
      assert.equal(isSlow({ start: 0, last: 0, bytes: 0, size: 16 * MiB }, others, 9600), true)
      // a fast network: the floor decides
      const fast = [{ start: 0, last: 10, bytes: MiB, size: MiB, done: 10 }]
      assert.equal(isSlow({ start: 0, last: 0, bytes: 0, size: MiB }, fast, 1400), false)
      assert.equal(isSlow({ start: 0, last: 0, bytes: 0, size: MiB }, fast, 1600), true)
      // moving steadily and nearly done: left alone; stalled part-way: slow
      assert.equal(isSlow({ start: 0, last: 1990, bytes: MiB - 1000, size: MiB }, fast, 2000), false)
      assert.equal(isSlow({ start: 0, last: 100, bytes: MiB - 1000, size: MiB }, fast, 2000), true)
      // nothing to compare with: no byte for aloneMs
      assert.equal(isSlow({ start: 0, last: 0, bytes: 0, size: MiB }, [], 5000), false)
      assert.equal(isSlow({ start: 0, last: 0, bytes: 0, size: MiB }, [], 6500), true)
    })
  })
})
