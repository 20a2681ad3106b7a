// bench/codec: Reed-Solomon encode and reconstruct speed of the erasure codecs side by side —
// the SIMD codec the daemon uses (SimdCodec) and the subspace wasm codec it replaced (WasmCodec) —
// single core (one worker call at a time), at 4+2 and 10+4 with 16 MiB shards. Prints JSON:
// MB/s of data bytes (MB = 10^6), the median of RUNS timed calls after a warm-up. Reconstruct
// rebuilds two lost data shards (and re-encodes nothing else). Every result is checked against
// the original bytes, and the two codecs' parity against each other.
//   node dist/bench/codec.js [shard-bytes] [runs] [simd|subspace|both]
// Pin it to one core for stable figures: taskset -c 1 node dist/bench/codec.js
import { createHash, randomBytes } from 'node:crypto'
import { SimdCodec, WasmCodec } from '../src/erasure/index.js'
import type { Codec } from '../src/erasure/index.js'

const SHARD = Number(process.argv[2] ?? 16 * 1024 * 1024)
const RUNS = Number(process.argv[3] ?? 5)
const WHICH = process.argv[4] ?? 'both'
const CODES: Array<[number, number]> = [[4, 2], [10, 4]]
const MB = 1e6

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** d data shards laid out as the codec wants them: views of one (d+p) x size stripe buffer. */
function stripe (data: Uint8Array[], d: number, p: number): Uint8Array[] {
  const whole = new Uint8Array((d + p) * SHARD)
  data.forEach((s, i) => whole.set(s, i * SHARD))
  return Array.from({ length: d }, (_, i) => whole.subarray(i * SHARD, (i + 1) * SHARD))
}

/** The same random data shards for every codec, so their parity can be compared. */
const inputs = new Map<number, Uint8Array[]>()
function dataShards (d: number): Uint8Array[] {
  let data = inputs.get(d)
  if (data == null) {
    data = Array.from({ length: d }, () => new Uint8Array(randomBytes(SHARD)))
    inputs.set(d, data)
  }
  return data
}

interface Result { encode: number, reconstruct: number, parity: string }

async function measure (codec: Codec, d: number, p: number): Promise<Result> {
  const data = dataShards(d)
  const parity = await codec.encode(stripe(data, d, p), p)
  const digest = createHash('sha256')
  for (const x of parity) digest.update(x)
  const coded = [...data, ...parity.map(x => x.slice())]
  const enc: number[] = []
  const rec: number[] = []
  for (let run = 0; run <= RUNS; run++) {
    const inputs = stripe(data, d, p)
    let t = performance.now()
    await codec.encode(inputs, p)
    const encMs = performance.now() - t
    // shards 0 and 1 lost: the stripe laid out with their slots empty
    const whole = new Uint8Array((d + p) * SHARD)
    coded.forEach((s, i) => { if (i > 1) whole.set(s, i * SHARD) })
    const shards = coded.map((_, i) => i > 1 ? whole.subarray(i * SHARD, (i + 1) * SHARD) : undefined)
    t = performance.now()
    const all = await codec.reconstruct(shards, d, p)
    const recMs = performance.now() - t
    if (!Buffer.from(all[0]).equals(Buffer.from(data[0])) || !Buffer.from(all[1]).equals(Buffer.from(data[1]))) {
      throw new Error(`${d}+${p}: reconstruct gave other bytes`)
    }
    if (run === 0) continue // warm-up
    enc.push(d * SHARD / MB / (encMs / 1000))
    rec.push(d * SHARD / MB / (recMs / 1000))
  }
  return { encode: Math.round(median(enc)), reconstruct: Math.round(median(rec)), parity: digest.digest('hex') }
}

type Rates = Record<string, { encode_mb_per_s: number, reconstruct_mb_per_s: number }>

async function bench (codec: Codec): Promise<{ id: string, results: Rates, parity: Record<string, string> }> {
  try {
    const results: Rates = {}
    const parity: Record<string, string> = {}
    for (const [d, p] of CODES) {
      const r = await measure(codec, d, p)
      results[`${d}+${p}`] = { encode_mb_per_s: r.encode, reconstruct_mb_per_s: r.reconstruct }
      parity[`${d}+${p}`] = r.parity
    }
    return { id: codec.id, results, parity }
  } finally {
    await codec.close()
  }
}

const makers: Record<string, () => Codec> = { simd: () => new SimdCodec(), subspace: () => new WasmCodec() }
const names = WHICH === 'both' ? ['simd', 'subspace'] : [WHICH]
const runs: Record<string, Awaited<ReturnType<typeof bench>>> = {}
for (const name of names) {
  const make = makers[name]
  if (make == null) throw new Error(`unknown codec ${name}: simd, subspace or both`)
  runs[name] = await bench(make())
}
const out: Record<string, unknown> = {
  bench: 'codec',
  shard_bytes: SHARD,
  runs: RUNS,
  codecs: Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, { id: r.id, results: r.results }]))
}
if (runs.simd != null && runs.subspace != null) {
  const a = runs.simd
  const b = runs.subspace
  out.speedup = Object.fromEntries(CODES.map(([d, p]) => {
    const k = `${d}+${p}`
    return [k, {
      encode: Number((a.results[k].encode_mb_per_s / b.results[k].encode_mb_per_s).toFixed(1)),
      reconstruct: Number((a.results[k].reconstruct_mb_per_s / b.results[k].reconstruct_mb_per_s).toFixed(1))
    }]
  }))
  out.parity_identical = CODES.every(([d, p]) => a.parity[`${d}+${p}`] === b.parity[`${d}+${p}`])
  if (out.parity_identical !== true) process.exitCode = 1
}
if (runs.simd != null) {
  out.targets_met = { encode_4_2_at_least_3_gb_per_s: runs.simd.results['4+2'].encode_mb_per_s >= 3000 }
}
console.log(JSON.stringify(out, null, 2))
