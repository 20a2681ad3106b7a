// bench/codec: Reed-Solomon encode and reconstruct speed of the erasure codec the daemon uses,
// single core (one worker call at a time), at 4+2 and 10+4 with 16 MiB shards. Prints JSON:
// MB/s of data bytes (MB = 10^6), the median of RUNS timed calls after a warm-up. Reconstruct
// rebuilds two lost data shards (and re-encodes nothing else). Every result is checked against
// the original bytes.
//   node dist/bench/codec.js [shard-bytes] [runs]
import { randomBytes } from 'node:crypto'
import { WasmCodec } from '../src/erasure/index.js'
import type { Codec } from '../src/erasure/index.js'

const SHARD = Number(process.argv[2] ?? 16 * 1024 * 1024)
const RUNS = Number(process.argv[3] ?? 5)
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

async function measure (codec: Codec, d: number, p: number): Promise<{ encode: number, reconstruct: number }> {
  const data = Array.from({ length: d }, () => new Uint8Array(randomBytes(SHARD)))
  const parity = await codec.encode(stripe(data, d, p), p)
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
  return { encode: Math.round(median(enc)), reconstruct: Math.round(median(rec)) }
}

const codec = new WasmCodec()
try {
  const results: Record<string, { encode_mb_per_s: number, reconstruct_mb_per_s: number }> = {}
  for (const [d, p] of [[4, 2], [10, 4]]) {
    const r = await measure(codec, d, p)
    results[`${d}+${p}`] = { encode_mb_per_s: r.encode, reconstruct_mb_per_s: r.reconstruct }
  }
  console.log(JSON.stringify({
    bench: 'codec',
    codec: codec.id,
    shard_bytes: SHARD,
    runs: RUNS,
    results,
    targets_met: { encode_4_2_at_least_3_gb_per_s: results['4+2'].encode_mb_per_s >= 3000 }
  }, null, 2))
} finally {
  await codec.close()
}
