// The SIMD codec against the subspace wasm codec it replaces: byte-identical parity and
// rebuilt shards for many shapes, every loss pattern of small codes, and manifests of either id
// readable by either codec.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  SimdCodec, WasmCodec, SIMD_CODEC_ID, WASM_CODEC_ID, createCodec, codecReads, sameParity, KNOWN_CODEC_IDS,
  simdAvailable, ErasureParamsError
} from '../../src/erasure/index.js'
import { RsWasm } from '../../src/erasure/wasm-binding.js'
import { RsSimd, SIMD_SLICE_BYTES } from '../../src/erasure/simd-binding.js'
import { INLINE_COLUMNS } from '../../src/erasure/simd-inline.js'
import { encodeMatrix, gfMul, matInvert, matMul } from '../../src/erasure/gf256.js'
import { bytes, combinations } from './helpers.js'

/** A stripe buffer ((d+p) × size) with random data shards and zero parity. */
function stripe (d: number, p: number, size: number, seed: number): Uint8Array {
  const whole = new Uint8Array((d + p) * size)
  whole.set(bytes(d * size, seed))
  return whole
}

const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

describe('GF(2^8) matrices', () => {
  it('multiplies with poly 0x11d', () => {
    assert.equal(gfMul(2, 0x80), 0x1d)
    assert.equal(gfMul(3, 7), 9)
    for (let a = 1; a < 256; a++) assert.equal(gfMul(a, matInvert([Uint8Array.of(a)])[0][0]), 1)
  })

  it('has a systematic encode matrix whose every d rows are invertible', () => {
    for (const [d, p] of [[4, 2], [3, 3], [5, 3]]) {
      const m = encodeMatrix(d, p)
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) assert.equal(m[r][c], r === c ? 1 : 0)
      for (const rows of combinations(d + p, d)) {
        const sub = rows.map(r => m[r])
        const id = matMul(matInvert(sub), sub)
        id.forEach((row, r) => row.forEach((v, c) => assert.equal(v, r === c ? 1 : 0)))
      }
    }
  })
})

describe('RsSimd engine vs the subspace wasm', () => {
  const simd = new RsSimd()
  const wasm = new RsWasm()

  it('encodes byte-identically for d 1..20, p 1..6 and odd, tiny and slice-crossing sizes', () => {
    const sizes = [1, 2, 3, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 129, 1000, 4099]
    let seed = 1
    for (let d = 1; d <= 20; d++) {
      for (let p = 1; p <= 6; p++) {
        const size = sizes[(d * 7 + p) % sizes.length]
        const a = stripe(d, p, size, seed++)
        const b = a.slice()
        simd.encode(a, d, p, size)
        wasm.encode(b, d, p, size)
        assert.ok(eq(a, b), `${d}+${p} × ${size}`)
      }
    }
    // wide codes and a stripe much larger than one slice (many slices, a ragged last one)
    for (const [d, p, size] of [[32, 8, 513], [100, 28, 77], [200, 56, 5], [6, 2, SIMD_SLICE_BYTES + 4097], [17, 5, 3 * SIMD_SLICE_BYTES / 16 + 1]]) {
      const a = stripe(d, p, size, seed++)
      const b = a.slice()
      simd.encode(a, d, p, size)
      wasm.encode(b, d, p, size)
      assert.ok(eq(a, b), `${d}+${p} × ${size}`)
    }
  })

  it('rebuilds every loss pattern of every code with d+p <= 7, as the subspace wasm does', () => {
    let seed = 100
    for (let n = 2; n <= 7; n++) {
      for (let p = 1; p < n; p++) {
        const d = n - p
        const size = 1 + (seed * 37) % 300
        const coded = stripe(d, p, size, seed++)
        simd.encode(coded, d, p, size)
        for (let lose = 1; lose <= p; lose++) {
          for (const lost of combinations(n, lose)) {
            const present = Array.from({ length: n }, (_, i) => !lost.includes(i))
            const a = coded.slice()
            for (const i of lost) a.fill(0xa5, i * size, (i + 1) * size)
            const b = a.slice()
            simd.reconstruct(a, d, p, size, present)
            assert.ok(eq(a, coded), `${d}+${p} × ${size} lost ${lost.join(',')}`)
            wasm.reconstruct(b, d, p, size, present)
            assert.ok(eq(a, b), `${d}+${p} lost ${lost.join(',')}: same as subspace`)
          }
        }
      }
    }
  })

  it('rebuilds p losses of wide codes', () => {
    for (const [d, p, size] of [[20, 6, 999], [64, 16, 130], [10, 4, SIMD_SLICE_BYTES / 8 + 3]]) {
      const coded = stripe(d, p, size, d)
      simd.encode(coded, d, p, size)
      // the first p data shards, the last p shards, every other shard from 1
      for (const lost of [
        Array.from({ length: p }, (_, i) => i),
        Array.from({ length: p }, (_, i) => d + p - 1 - i),
        Array.from({ length: p }, (_, i) => 1 + 2 * i)
      ]) {
        const a = coded.slice()
        for (const i of lost) a.fill(0, i * size, (i + 1) * size)
        simd.reconstruct(a, d, p, size, Array.from({ length: d + p }, (_, i) => !lost.includes(i)))
        assert.ok(eq(a, coded), `${d}+${p} lost ${lost.join(',')}`)
      }
    }
  })

  it('codes the same bytes with plain i8x16.swizzle as with relaxed_swizzle', () => {
    const plain = new RsSimd({ plain: true })
    for (const [d, p, size] of [[4, 2, 1000], [10, 4, 4099], [3, 7, 65]]) {
      const a = stripe(d, p, size, 500 + d)
      const b = a.slice()
      simd.encode(a, d, p, size)
      plain.encode(b, d, p, size)
      assert.ok(eq(a, b), `${d}+${p}`)
      const present = Array.from({ length: d + p }, (_, i) => i >= p)
      b.fill(0, 0, p * size)
      plain.reconstruct(b, d, p, size, present)
      assert.ok(eq(a, b), `${d}+${p} rebuilt`)
    }
  })

  it('keeps wasm memory within about one slice', () => {
    const rs = new RsSimd()
    const size = 8 * 1024 * 1024
    rs.encode(stripe(10, 4, size, 3), 10, 4, size)
    const a = stripe(4, 2, size, 4)
    rs.encode(a, 4, 2, size)
    rs.reconstruct(a, 4, 2, size, [false, true, false, true, true, true])
    assert.ok(rs.memoryBytes <= SIMD_SLICE_BYTES + 128 * 1024, `wasm memory ${rs.memoryBytes}`)
  })
})

describe('SimdCodec', () => {
  const simd = new SimdCodec()
  const wasm = new WasmCodec()
  after(async () => { await Promise.all([simd.close(), wasm.close()]) })

  it('is available here and is the default codec for new adds', async () => {
    assert.ok(simdAvailable())
    const c = createCodec()
    try {
      assert.ok(c instanceof SimdCodec)
      assert.equal(c.id, SIMD_CODEC_ID)
    } finally {
      await c.close()
    }
  })

  it('reads manifests of either id, and no other', () => {
    assert.deepEqual([...KNOWN_CODEC_IDS].sort(), [SIMD_CODEC_ID, WASM_CODEC_ID].sort())
    for (const c of [simd, wasm]) {
      assert.ok(codecReads(c, SIMD_CODEC_ID))
      assert.ok(codecReads(c, WASM_CODEC_ID))
      assert.ok(!codecReads(c, 'rs-cauchy/other'))
    }
    assert.ok(sameParity('x', 'x'))
    assert.ok(!sameParity('x', WASM_CODEC_ID))
  })

  it('rebuilds data and parity from every 4 of 4+2 and every 3 of 3+3 shards', async () => {
    for (const [d, p] of [[4, 2], [3, 3]]) {
      const data = Array.from({ length: d }, (_, i) => bytes(1001, 10 * d + i))
      const all = [...data, ...await simd.encode(data, p)]
      for (const keep of combinations(d + p, d)) {
        // copies: shards laid out as views of one stripe buffer would be moved to the worker
        const shards = all.map((s, i) => keep.includes(i) ? s.slice() : undefined)
        const rebuilt = await simd.reconstruct(shards, d, p)
        assert.equal(rebuilt.length, d + p)
        rebuilt.forEach((s, i) => assert.deepEqual(s, all[i], `${d}+${p} keep ${keep.join(',')} shard ${i}`))
      }
    }
  })

  it('codes what WasmCodec codes: same parity, and each rebuilds the other\'s stripes', async () => {
    for (const [d, p, size] of [[4, 2, 1], [4, 2, 4097], [10, 4, 65536 + 17], [1, 1, 5], [7, 5, 333]]) {
      const data = Array.from({ length: d }, (_, i) => bytes(size, 1000 + i))
      const a = await simd.encode(data, p)
      const b = await wasm.encode(data, p)
      assert.deepEqual(a, b, `${d}+${p} × ${size}`)
      const all = [...data, ...b]
      const lost = new Set([0, d + p - 1].slice(0, p))
      const shards = (): Array<Uint8Array | undefined> => all.map((s, i) => lost.has(i) ? undefined : s.slice())
      assert.deepEqual(await simd.reconstruct(shards(), d, p), all)
      assert.deepEqual(await wasm.reconstruct(shards(), d, p), all)
    }
  })

  it('rebuilds a stripe in plain memory in place on this thread, in parts; a shared one in its worker', async () => {
    const [d, p, size] = [4, 2, 2 * INLINE_COLUMNS + 4099]
    const whole = stripe(d, p, size, 77)
    new RsSimd().encode(whole, d, p, size)
    const expected = whole.slice()
    for (const memory of [new ArrayBuffer(whole.byteLength), new SharedArrayBuffer(whole.byteLength)]) {
      const laid = new Uint8Array(memory)
      laid.set(expected)
      const views = Array.from({ length: d + p }, (_, i) => laid.subarray(i * size, (i + 1) * size))
      views[1].fill(0)
      views[5].fill(0)
      const rebuilt = await simd.reconstruct(views.map((v, i) => i === 1 || i === 5 ? undefined : v), d, p)
      assert.ok(rebuilt.every(r => r.buffer === memory), 'coded in the stripe\'s own memory')
      assert.equal(laid.byteLength, whole.byteLength, 'not moved away')
      assert.ok(eq(laid, expected), memory.constructor.name)
    }
    const laid = expected.slice()
    const ac = new AbortController()
    ac.abort()
    const views = Array.from({ length: d + p }, (_, i) => i === 0 ? undefined : laid.subarray(i * size, (i + 1) * size))
    await assert.rejects(simd.reconstruct(views, d, p, { signal: ac.signal }), { name: 'AbortError' })
  })

  it('rejects bad parameters with ErasureParamsError', async () => {
    const s = bytes(64)
    await assert.rejects(simd.encode([], 2), ErasureParamsError)
    await assert.rejects(simd.encode([s], 0), ErasureParamsError)
    await assert.rejects(simd.encode(Array.from({ length: 250 }, () => s), 7), ErasureParamsError)
    await assert.rejects(simd.encode([s, bytes(65)], 1), ErasureParamsError)
    await assert.rejects(simd.reconstruct([s, undefined, undefined], 1, 1), ErasureParamsError)
    await assert.rejects(simd.reconstruct([undefined, undefined, s], 2, 1), ErasureParamsError)
  })
})
