// Which codec writes new stripes, and which manifests a codec can read.
//
// A manifest records the id of the codec that wrote it. Codecs whose parity is byte-identical
// form one family: any member rebuilds any other member's stripes. Today there is one family,
// klauspost/reedsolomon's default systematic Vandermonde GF(2^8) code (poly 0x11d), with two
// implementations: the SIMD kernel (default) and the subspace wasm (the original, and the
// fallback where WebAssembly SIMD is unavailable).
import type { Codec } from './codec.js'
import { WASM_CODEC_ID, WasmCodec } from './wasm-codec.js'
import { SIMD_CODEC_ID, SimdCodec } from './simd-codec.js'
import { simdAvailable } from './simd-kernel.js'

/** Families of codec ids with byte-identical parity. */
const FAMILIES: ReadonlyArray<ReadonlySet<string>> = [
  new Set([SIMD_CODEC_ID, WASM_CODEC_ID])
]

/** Every codec id this build can read. */
export const KNOWN_CODEC_IDS: readonly string[] = FAMILIES.flatMap(f => [...f])

/** Whether parity written by codec `a` equals parity written by codec `b`. */
export function sameParity (a: string, b: string): boolean {
  return a === b || FAMILIES.some(f => f.has(a) && f.has(b))
}

/** Whether `codec` can rebuild stripes of a manifest that records codec `id`. */
export function codecReads (codec: Pick<Codec, 'id'>, id: string): boolean {
  return sameParity(codec.id, id)
}

/** The codec for new adds: the SIMD codec, or the subspace wasm codec where SIMD is unavailable. */
export function createCodec (): Codec {
  return simdAvailable() ? new SimdCodec() : new WasmCodec()
}
