// bench/codec: Reed-Solomon encode and reconstruct speed of the erasure codecs side by side —
// the SIMD codec the daemon uses (SimdCodec) and the subspace wasm codec it replaced (WasmCodec) —
// single core (one worker call at a time), at 4+2 and 10+4 with 16 MiB shards. Prints JSON:
// MB/s of data bytes (MB = 10^6), the median of RUNS timed calls after a warm-up: `…mb_per_s` by
// the wall clock, `…mb_per_cpu_s` by the process's CPU time (user + system, all threads: the
// worker codes while the main thread waits), which other load on the machine does not skew.
//
// Each call gets the stripe laid out as the daemon lays it out: views of one (d+p) x size
// buffer. Three ways of having that buffer:
//   mb_per_s         one ArrayBuffer reused from call to call, as the daemon's StripeBuffers pool
//                    does for the stripes of an add, a read or a repair; it moves to the
//                    codec's worker and back. V8 answers an ArrayBuffer over 64 MiB arriving
//                    in an isolate with a full GC, in the worker and again back on the main
//                    thread: ~20-30 ms of CPU per 96 MiB stripe, whatever the codec.
//   shared_mb_per_s  one SharedArrayBuffer reused: shared with the worker, coded in place, no GC.
//   cold_mb_per_s    a fresh ArrayBuffer every call, as a one-stripe add: adds the page faults of
//                    first writes into it (~20 ms per 32 MiB here) to the moved figure.
// Reconstruct rebuilds two lost data shards (and re-encodes nothing else). Every result is
// checked against the original bytes, and the two codecs' parity against each other.
//   node dist/bench/codec.js [shard-bytes] [runs] [simd|subspace|both]
// Pin it to one core for stable figures: taskset -c 1 node dist/bench/codec.js
import { createHash, randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
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

/**
 * `shards` written into `buf` ((d+p) x SHARD) and returned as views of it. A lost (undefined)
 * shard's slot is zeroed in a reused buffer; a fresh one is left untouched (zero, not yet
 * faulted in), as are the slots past `shards`.
 */
function layout (buf: ArrayBuffer | SharedArrayBuffer, shards: Array<Uint8Array | undefined>, fresh: boolean): Array<Uint8Array | undefined> {
  const whole = new Uint8Array(buf)
  return shards.map((s, i) => {
    const at = i * SHARD
    if (s != null) whole.set(s, at)
    else if (!fresh) whole.fill(0, at, at + SHARD)
    return s == null ? undefined : whole.subarray(at, at + SHARD)
  })
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

/**
 * How the stripe buffer of a call is had: `moved` reuses one ArrayBuffer (moved to the worker
 * and back), `shared` reuses one SharedArrayBuffer (coded in place), `cold` is a fresh
 * ArrayBuffer every call.
 */
const MODES = ['moved', 'shared', 'cold'] as const
type Mode = typeof MODES[number]
const FIELDS = {
  moved: ['mb_per_s', 'mb_per_cpu_s'],
  shared: ['shared_mb_per_s', 'shared_mb_per_cpu_s'],
  cold: ['cold_mb_per_s', 'cold_mb_per_cpu_s']
} as const
type Rate = Record<typeof FIELDS[Mode][number], number>
interface Rates { encode: Rate, reconstruct: Rate }
interface Timing { ms: number, cpuMs: number }

/** Wall and CPU milliseconds of `fn`. */
async function timed<T> (fn: () => Promise<T>): Promise<[Timing, T]> {
  const c = process.cpuUsage()
  const t = performance.now()
  const r = await fn()
  const ms = performance.now() - t
  const u = process.cpuUsage(c)
  return [{ ms, cpuMs: (u.user + u.system) / 1000 }, r]
}

type Memory = ArrayBuffer | SharedArrayBuffer

async function measure (codec: Codec, d: number, p: number): Promise<{ rates: Rates, parity: string }> {
  const n = d + p
  const data = dataShards(d)
  const parity = (await codec.encode(data, p)).map(x => x.slice())
  const digest = createHash('sha256')
  for (const x of parity) digest.update(x)
  const coded = [...data, ...parity]
  const degraded = coded.map((s, i) => i > 1 ? s : undefined) // shards 0 and 1 lost
  const mbps = (ms: number): number => d * SHARD / MB / (ms / 1000)

  const encode = async (buf: Memory, fresh: boolean): Promise<[Timing, Memory]> => {
    const views = layout(buf, data, fresh) as Uint8Array[]
    const [ms, out] = await timed(async () => await codec.encode(views, p))
    out.forEach((x, j) => { if (!same(x, parity[j])) throw new Error(`${codec.id} ${d}+${p}: encode gave other parity`) })
    return [ms, out[0].buffer]
  }
  const reconstruct = async (buf: Memory, fresh: boolean): Promise<[Timing, Memory]> => {
    const shards = layout(buf, degraded, fresh)
    const [ms, all] = await timed(async () => await codec.reconstruct(shards, d, p))
    if (!same(all[0], data[0]) || !same(all[1], data[1])) throw new Error(`${codec.id} ${d}+${p}: reconstruct gave other bytes`)
    return [ms, all[0].buffer]
  }

  const samples = { encode: new Map<string, number[]>(), reconstruct: new Map<string, number[]>() }
  const add = (m: Map<string, number[]>, k: string, v: number): void => { m.set(k, [...(m.get(k) ?? []), v]) }
  // pooled buffers per mode and operation; they come back from the worker with the answer
  const pool = new Map<string, Memory>()
  const buffer = (mode: Mode, op: string): Memory => {
    if (mode === 'cold') return new ArrayBuffer(n * SHARD)
    const key = `${mode}/${op}`
    let b = pool.get(key)
    if (b == null) {
      b = mode === 'shared' ? new SharedArrayBuffer(n * SHARD) : new ArrayBuffer(n * SHARD)
      pool.set(key, b)
    }
    return b
  }
  // each mode and operation back to back, as a streaming add or read codes stripe after stripe
  // (the GC one call causes lands in the next one), with a pause between groups
  for (const mode of MODES) {
    for (const [op, samplesOf, call] of [['encode', samples.encode, encode], ['reconstruct', samples.reconstruct, reconstruct]] as const) {
      await sleep(200)
      for (let run = 0; run <= RUNS; run++) {
        const [t, buf] = await call(buffer(mode, op), mode === 'cold')
        if (mode !== 'cold') pool.set(`${mode}/${op}`, buf)
        if (run === 0) continue // warm-up
        const [wall, cpu] = FIELDS[mode]
        add(samplesOf, wall, mbps(t.ms))
        add(samplesOf, cpu, mbps(t.cpuMs))
      }
    }
  }
  const rate = (m: Map<string, number[]>): Rate => Object.fromEntries(MODES.flatMap(mode => FIELDS[mode]).map(k => [k, Math.round(median(m.get(k) ?? []))])) as Rate
  return { rates: { encode: rate(samples.encode), reconstruct: rate(samples.reconstruct) }, parity: digest.digest('hex') }
}

async function bench (codec: Codec): Promise<{ id: string, results: Record<string, Rates>, parity: Record<string, string> }> {
  try {
    const results: Record<string, Rates> = {}
    const parity: Record<string, string> = {}
    for (const [d, p] of CODES) {
      const r = await measure(codec, d, p)
      results[`${d}+${p}`] = r.rates
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
  const ratio = (x: number, y: number): number => Number((x / y).toFixed(1))
  out.speedup = Object.fromEntries(CODES.map(([d, p]) => {
    const k = `${d}+${p}`
    const [x, y] = [a.results[k], b.results[k]]
    return [k, {
      encode: ratio(x.encode.mb_per_s, y.encode.mb_per_s),
      encode_cpu: ratio(x.encode.mb_per_cpu_s, y.encode.mb_per_cpu_s),
      encode_shared: ratio(x.encode.shared_mb_per_s, y.encode.shared_mb_per_s),
      reconstruct: ratio(x.reconstruct.mb_per_s, y.reconstruct.mb_per_s),
      reconstruct_cpu: ratio(x.reconstruct.mb_per_cpu_s, y.reconstruct.mb_per_cpu_s),
      reconstruct_shared: ratio(x.reconstruct.shared_mb_per_s, y.reconstruct.shared_mb_per_s)
    }]
  }))
  out.parity_identical = CODES.every(([d, p]) => a.parity[`${d}+${p}`] === b.parity[`${d}+${p}`])
  if (out.parity_identical !== true) process.exitCode = 1
}
if (runs.simd != null) {
  const e = runs.simd.results['4+2'].encode
  out.targets_met = {
    encode_4_2_at_least_3_gb_per_s: e.mb_per_s >= 3000,
    encode_4_2_at_least_3_gb_per_cpu_s: e.mb_per_cpu_s >= 3000,
    encode_4_2_shared_at_least_3_gb_per_s: e.shared_mb_per_s >= 3000
  }
}
console.log(JSON.stringify(out, null, 2))
