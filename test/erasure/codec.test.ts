import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { WasmCodec, SimdCodec, ErasureParamsError, StripeTooLargeError, CodecClosedError, MAX_STRIPE_BYTES } from '../../src/erasure/index.js'
import type { Codec } from '../../src/erasure/index.js'
import { RsWasm } from '../../src/erasure/wasm-binding.js'
import { RsSimd } from '../../src/erasure/simd-binding.js'
import { bytes, combinations } from './helpers.js'

interface Vector { d: number, p: number, shard_bytes: number, parity_sha256: string[], parity_first16_hex: string[] }
const vectors: Vector[] = JSON.parse(readFileSync('/work/shared/reference/rs-parity-vectors.json', 'utf8')).vectors

function vectorData (d: number, s: number): Uint8Array[] {
  return Array.from({ length: d }, (_, k) => {
    const out = new Uint8Array(s)
    for (let j = 0; j < s; j++) {
      const i = k * s + j
      out[j] = ((i * 31 + 7) ^ (i >> 8)) & 0xff
    }
    return out
  })
}

const run = promisify(execFile)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

// Both worker codecs pass the same suite: their parity is byte-identical (klauspost's).
const suites: Array<{ name: 'WasmCodec' | 'SimdCodec', make: () => Codec, id: string, engine: () => { encode: RsWasm['encode'], memoryBytes: number } }> = [
  { name: 'WasmCodec', make: () => new WasmCodec(), id: 'rs-vandermonde-gf8/subspace-wasm-0.2.5', engine: () => new RsWasm() },
  { name: 'SimdCodec', make: () => new SimdCodec(), id: 'rs-vandermonde-gf8/simd-wasm-1', engine: () => new RsSimd() }
]

for (const suite of suites) describe(suite.name, () => {
  const codec = suite.make()
  after(async () => { await codec.close() })

  it('has a stable id', () => {
    assert.equal(codec.id, suite.id)
  })

  for (const v of vectors) {
    it(`parity equals klauspost's for ${v.d}+${v.p} × ${v.shard_bytes}`, async () => {
      const data = vectorData(v.d, v.shard_bytes)
      const parity = await codec.encode(data, v.p)
      assert.equal(parity.length, v.p)
      parity.forEach((s, j) => {
        assert.equal(s.byteLength, v.shard_bytes)
        assert.equal(hex(s.subarray(0, 16)), v.parity_first16_hex[j])
        assert.equal(sha(s), v.parity_sha256[j])
      })
      // encode does not touch the caller's data
      assert.deepEqual(data, vectorData(v.d, v.shard_bytes))
    })
  }

  it('data laid out as views of one (d+p) x size buffer is moved to the worker, same parity', async () => {
    const v = vectors[0]
    const whole = new Uint8Array((v.d + v.p) * v.shard_bytes)
    const views = vectorData(v.d, v.shard_bytes).map((s, i) => {
      whole.set(s, i * v.shard_bytes)
      return whole.subarray(i * v.shard_bytes, (i + 1) * v.shard_bytes)
    })
    const parity = await codec.encode(views, v.p)
    parity.forEach((s, j) => { assert.equal(sha(s), v.parity_sha256[j]) })
    assert.equal(whole.byteLength, 0, 'the stripe buffer was transferred, not copied')
  })

  it('codes a stripe laid out in a SharedArrayBuffer in place, without moving it', async () => {
    const v = vectors[0]
    const n = v.d + v.p
    const size = v.shard_bytes
    const whole = new Uint8Array(new SharedArrayBuffer(n * size))
    const views = vectorData(v.d, size).map((s, i) => {
      whole.set(s, i * size)
      return whole.subarray(i * size, (i + 1) * size)
    })
    const parity = await codec.encode(views, v.p)
    parity.forEach((s, j) => {
      assert.ok(s.buffer === whole.buffer, 'parity is a view of the shared stripe')
      assert.equal(s.byteOffset, (v.d + j) * size)
      assert.equal(sha(s), v.parity_sha256[j])
    })
    assert.equal(whole.byteLength, n * size, 'not detached')
    // lose data 0 and parity 1, zero their slots, rebuild in place
    const coded = whole.slice()
    whole.fill(0, 0, size)
    whole.fill(0, (v.d + 1) * size, (v.d + 2) * size)
    const shards = Array.from({ length: n }, (_, i) => i === 0 || i === v.d + 1 ? undefined : whole.subarray(i * size, (i + 1) * size))
    const all = await codec.reconstruct(shards, v.d, v.p)
    all.forEach(s => assert.ok(s.buffer === whole.buffer))
    assert.ok(Buffer.from(whole).equals(coded))
  })

  it('reports an abort of a shared stripe only once the worker is done writing it', async () => {
    const size = 2 * 1024 * 1024
    const whole = new Uint8Array(new SharedArrayBuffer(6 * size))
    whole.set(bytes(4 * size, 77))
    const expected = await codec.encode(Array.from({ length: 4 }, (_, i) => whole.slice(i * size, (i + 1) * size)), 2)
    const views = Array.from({ length: 4 }, (_, i) => whole.subarray(i * size, (i + 1) * size))
    const ac = new AbortController()
    const p = codec.encode(views, 2, { signal: ac.signal })
    ac.abort(new Error('shared stop'))
    await assert.rejects(p, /shared stop/)
    // the parity is complete when the abort is reported: the buffer is the caller's again
    expected.forEach((e, j) => assert.ok(Buffer.from(whole.subarray((4 + j) * size, (5 + j) * size)).equals(e)))
  })

  // all 15 loss patterns in a row on one wasm instance: the package's own JS wrapper double-frees
  // in reconstruct and fails most of these after the first call
  it('rebuilds data and parity from every 4 of 4+2 shards', async () => {
    const data = Array.from({ length: 4 }, (_, i) => bytes(1001, i + 1))
    const parity = await codec.encode(data, 2)
    const all = [...data, ...parity]
    for (const keep of combinations(6, 4)) {
      const shards = all.map((s, i) => keep.includes(i) ? s : undefined)
      const rebuilt = await codec.reconstruct(shards, 4, 2)
      assert.equal(rebuilt.length, 6)
      rebuilt.forEach((s, i) => assert.deepEqual(s, all[i], `keep ${keep.join(',')} shard ${i}`))
    }
  })

  it('rebuilds from random d of d+p for larger codes', async () => {
    let seed = 7
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n }
    for (const [d, p] of [[10, 4], [6, 3], [17, 5]]) {
      const data = Array.from({ length: d }, (_, i) => bytes(4096, d * 100 + i))
      const all = [...data, ...await codec.encode(data, p)]
      for (let round = 0; round < 4; round++) {
        const lost = new Set<number>()
        while (lost.size < p) lost.add(rnd(d + p))
        const rebuilt = await codec.reconstruct(all.map((s, i) => lost.has(i) ? undefined : s), d, p)
        rebuilt.forEach((s, i) => assert.deepEqual(s, all[i], `${d}+${p} lost ${[...lost].join(',')} shard ${i}`))
      }
    }
  })

  it('rebuilds lost parity only by re-encoding', async () => {
    const data = Array.from({ length: 3 }, (_, i) => bytes(777, 40 + i))
    const parity = await codec.encode(data, 3)
    const rebuilt = await codec.reconstruct([...data, undefined, parity[1], undefined], 3, 3)
    assert.deepEqual(rebuilt.slice(3), parity)
    // nothing lost: the shards come back as they were
    assert.deepEqual(await codec.reconstruct([...data, ...parity], 3, 3), [...data, ...parity])
  })

  it('codes stripes larger than one wasm slice identically to small ones', async () => {
    // 4 × 9 MiB > the 32 MiB slice budget for 6 shards; compare slice results with per-range coding
    const size = 9 * 1024 * 1024
    const data = Array.from({ length: 4 }, (_, i) => bytes(size, 90 + i))
    const parity = await codec.encode(data, 2)
    const off = size - 5000
    const tail = await codec.encode(data.map(s => s.slice(off)), 2)
    tail.forEach((t, j) => assert.deepEqual(parity[j].subarray(off), t))
    const head = await codec.encode(data.map(s => s.slice(0, 3000)), 2)
    head.forEach((h, j) => assert.deepEqual(parity[j].subarray(0, 3000), h))
    const rebuilt = await codec.reconstruct([undefined, data[1], undefined, data[3], ...parity], 4, 2)
    assert.ok(Buffer.from(rebuilt[0]).equals(data[0]))
    assert.ok(Buffer.from(rebuilt[2]).equals(data[2]))
  })

  it('keeps wasm memory bounded by the slice size', () => {
    const rs = suite.engine()
    const size = 12 * 1024 * 1024
    const whole = new Uint8Array(6 * size)
    whole.set(bytes(4 * size, 5))
    rs.encode(whole, 4, 2, size)
    assert.ok(rs.memoryBytes < 48 * 1024 * 1024, `wasm memory ${rs.memoryBytes}`)
  })

  it('rejects bad parameters with typed errors before the wasm sees them', async () => {
    const s = bytes(64)
    const bad: Array<[string, () => Promise<unknown>]> = [
      ['d = 0', async () => await codec.encode([], 2)],
      ['p = 0', async () => await codec.encode([s, s], 0)],
      ['p < 0', async () => await codec.encode([s, s], -1)],
      ['p not an integer', async () => await codec.encode([s, s], 1.5)],
      ['d + p > 256', async () => await codec.encode(Array.from({ length: 200 }, () => s), 57)],
      ['unequal lengths', async () => await codec.encode([s, bytes(63)], 2)],
      ['empty shards', async () => await codec.encode([new Uint8Array(0), new Uint8Array(0)], 2)],
      ['missing data shard in encode', async () => await codec.encode([s, undefined as unknown as Uint8Array], 2)],
      ['wrong slot count', async () => await codec.reconstruct([s, s, s], 2, 2)],
      ['too few shards', async () => await codec.reconstruct([s, undefined, undefined, s, undefined], 3, 2)],
      ['reconstruct unequal', async () => await codec.reconstruct([s, bytes(65), undefined, s], 2, 2)]
    ]
    for (const [what, fn] of bad) {
      await assert.rejects(fn, ErasureParamsError, what)
    }
    // (d+p) × size over the limit: checked before any allocation
    const big = new Uint8Array(MAX_STRIPE_BYTES / 256 + 1)
    await assert.rejects(codec.encode([big, big], 254), StripeTooLargeError)
    // the codec still works afterwards
    assert.equal((await codec.encode([s, s], 1)).length, 1)
  })

  it('does not block the event loop during a big encode', async () => {
    // SIMD codes 10+4 about 8x as fast as subspace: give it proportionally more bytes
    const mib = suite.name === 'SimdCodec' ? 24 : 4
    const data = Array.from({ length: 10 }, (_, i) => bytes(mib * 1024 * 1024, 200 + i))
    let ticks = 0
    let maxGap = 0
    let last = performance.now()
    const timer = setInterval(() => {
      const now = performance.now()
      maxGap = Math.max(maxGap, now - last)
      last = now
      ticks++
    }, 2)
    const t0 = performance.now()
    await codec.encode(data, 4)
    await codec.encode(data, 4)
    const elapsed = performance.now() - t0
    clearInterval(timer)
    // 2 × 40 MiB at 10+4 takes ~200 ms of subspace wasm: the timer must have kept firing
    assert.ok(ticks >= 5, `only ${ticks} timer ticks in ${elapsed.toFixed(0)} ms`)
    assert.ok(maxGap < Math.max(100, elapsed / 2), `event loop blocked for ${maxGap.toFixed(0)} ms of ${elapsed.toFixed(0)} ms`)
  })

  it('honours an abort signal and stays usable', async () => {
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    await assert.rejects(codec.encode([bytes(10), bytes(10)], 1, { signal: ac.signal }), /stop/)
    const ac2 = new AbortController()
    const p = codec.encode(Array.from({ length: 4 }, (_, i) => bytes(2 * 1024 * 1024, i)), 2, { signal: ac2.signal })
    ac2.abort(new Error('late stop'))
    await assert.rejects(p, /late stop/)
    assert.equal((await codec.encode([bytes(10), bytes(10)], 1)).length, 1)
  })

  it('never keeps a process alive, yet lets an awaiting caller finish', async () => {
    const mod = new URL('../../src/erasure/index.js', import.meta.url).href
    // top-level await on an encode (the worker is ref'd while busy), then no close(): must exit
    const script = `import { ${suite.name} } from '${mod}'
const c = new ${suite.name}()
const p = await c.encode([new Uint8Array(1 << 20).fill(1), new Uint8Array(1 << 20).fill(2)], 1)
console.log(p[0].byteLength)`
    const t0 = Date.now()
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 })
    assert.equal(stdout.trim(), String(1 << 20))
    assert.ok(Date.now() - t0 < 10_000)
  })

  it('lets go of shared stripes once they are coded (the worker keeps no handle on them)', async () => {
    const mod = new URL('../../src/erasure/index.js', import.meta.url).href
    // twelve fresh 64 MiB shared stripes coded one after the other, as twelve adds would: the
    // memory of each must be freed once the caller drops it, not kept alive by the worker
    const script = `import { ${suite.name} } from '${mod}'
const c = new ${suite.name}()
const size = 16 << 20
let base = 0
for (let i = 0; i < 12; i++) {
  const whole = new Uint8Array(new SharedArrayBuffer(4 * size))
  whole.fill(i + 1, 0, 3 * size)
  await c.encode([0, 1, 2].map(k => whole.subarray(k * size, (k + 1) * size)), 1)
  await new Promise(resolve => setTimeout(resolve, 20))
  globalThis.gc()
  if (i === 1) base = process.memoryUsage().rss
}
console.log(Math.round((process.memoryUsage().rss - base) / 1048576))
await c.close()`
    const { stdout } = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { timeout: 60_000 })
    const grewMiB = Number(stdout.trim())
    assert.ok(grewMiB < 3 * 64, `RSS grew by ${grewMiB} MiB over 10 stripes of 64 MiB`)
  })

  it('fails calls after close and restarts nothing', async () => {
    const c = suite.make()
    await c.encode([bytes(10)], 1)
    await c.close()
    await assert.rejects(c.encode([bytes(10)], 1), CodecClosedError)
  })
})
